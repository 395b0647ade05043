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

// state is the request's session state with typed accessors: the
// server-side session of a signed-in admin (or of one the SSO proxy
// vouches for with a token), else the signed cookie of an anonymous
// visitor, which holds the sign-in form's CSRF token and flash messages
// and costs the server nothing. It remembers what must be saved.
type state struct {
	sess     *sessions.Session // server-side; nil for an anonymous visitor
	visitor  *sessions.Session // the visitor cookie
	dirty    bool              // sess changed
	visDirty bool              // visitor changed
}

func stateOf(c echo.Context) *state {
	st, _ := c.Get(stateKey).(*state)
	if st == nil {
		// Only routes behind loadSession call this; fail safe, not open.
		return &state{visitor: sessions.NewSession(nil, "")}
	}
	return st
}

// values is the map the request reads and writes: the session's when
// there is one, the visitor cookie's otherwise.
func (s *state) values() map[any]any {
	if s.sess != nil {
		return s.sess.Values
	}
	return s.visitor.Values
}

func (s *state) str(key string) string {
	v, _ := s.values()[key].(string)
	return v
}

func (s *state) set(key string, v any) {
	s.values()[key] = v
	s.changed()
}

func (s *state) changed() {
	if s.sess != nil {
		s.dirty = true
	} else {
		s.visDirty = true
	}
}

func (s *state) csrf() string  { return s.str(keyCSRF) }
func (s *state) token() string { return s.str(keyToken) }

// id is the server-side session's id, "" for an anonymous visitor.
func (s *state) id() string {
	if s.sess == nil {
		return ""
	}
	return s.sess.ID
}

func (s *state) expires() time.Time {
	t, _ := s.values()[keyExp].(time.Time)
	return t
}

// signIn stores a fresh authentication in sess, a new session.
func (s *state) signIn(sess *sessions.Session, sso, token, user, sub string, exp time.Time) {
	s.sess = sess
	clear(sess.Values)
	s.set(keySSO, sso)
	s.set(keySub, sub)
	s.set(keyCSRF, rand.Text())
	s.set(keyToken, token)
	s.set(keyUser, user)
	s.set(keyExp, exp)
}

func (s *state) addFlash(kind, text string) { s.addFlashWith(views.Flash{Kind: kind, Text: text}) }

func (s *state) addFlashWith(f views.Flash) {
	fs, _ := s.values()[keyFlash].([]views.Flash)
	s.set(keyFlash, append(fs[:len(fs):len(fs)], f))
}

func (s *state) takeFlashes() []views.Flash {
	fs, _ := s.values()[keyFlash].([]views.Flash)
	if len(fs) > 0 {
		delete(s.values(), keyFlash)
		s.changed()
	}
	return fs
}
