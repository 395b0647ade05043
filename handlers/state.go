package handlers

import (
	"crypto/rand"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// Session keys. The values live on the server (see internal/session).
const (
	keyCSRF  = "csrf"
	keyToken = "token"   // the admin's Run:ai bearer token
	keyUser  = "user"    // display name from the token's claims
	keyExp   = "exp"     // token expiry (time.Time), zero if unknown
	keyFlash = "flashes" // []views.Flash
	keySSO   = "sso"     // the SSO identity the session is bound to ("" without SSO)
	keySub   = "sub"     // the token's subject claim, for the audit log
)

const stateKey = "session_state"

// state wraps the request's session with typed accessors and remembers
// whether it must be saved.
type state struct {
	sess  *sessions.Session
	dirty bool
}

func stateOf(c echo.Context) *state {
	st, _ := c.Get(stateKey).(*state)
	if st == nil {
		// Only routes behind loadSession call this; fail safe, not open.
		return &state{sess: sessions.NewSession(nil, "")}
	}
	return st
}

func (s *state) str(key string) string {
	v, _ := s.sess.Values[key].(string)
	return v
}

func (s *state) set(key string, v any) {
	s.sess.Values[key] = v
	s.dirty = true
}

func (s *state) csrf() string  { return s.str(keyCSRF) }
func (s *state) token() string { return s.str(keyToken) }

func (s *state) expires() time.Time {
	t, _ := s.sess.Values[keyExp].(time.Time)
	return t
}

// signIn stores a fresh authentication in the session. The caller renews
// the session id first.
func (s *state) signIn(sso, token, user, sub string, exp time.Time) {
	clear(s.sess.Values)
	s.set(keySSO, sso)
	s.set(keySub, sub)
	s.set(keyCSRF, rand.Text())
	s.set(keyToken, token)
	s.set(keyUser, user)
	s.set(keyExp, exp)
}

// clearAuth forgets the token but keeps the session (CSRF, flashes).
func (s *state) clearAuth() {
	delete(s.sess.Values, keyToken)
	delete(s.sess.Values, keyUser)
	delete(s.sess.Values, keyExp)
	delete(s.sess.Values, keySub)
	s.dirty = true
}

func (s *state) addFlash(kind, text string) {
	fs, _ := s.sess.Values[keyFlash].([]views.Flash)
	s.set(keyFlash, append(fs[:len(fs):len(fs)], views.Flash{Kind: kind, Text: text}))
}

func (s *state) takeFlashes() []views.Flash {
	fs, _ := s.sess.Values[keyFlash].([]views.Flash)
	if len(fs) > 0 {
		delete(s.sess.Values, keyFlash)
		s.dirty = true
	}
	return fs
}
