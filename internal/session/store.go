// Package session is a server-side gorilla/sessions store.
//
// The cookie carries only a random session id, signed and encrypted with
// securecookie; every value (the Run:ai token above all) stays in this
// process's memory. That keeps tokens of any size (Run:ai JWTs reach 8 KiB,
// securecookie refuses cookies over 4096 bytes) out of the browser.
//
// Idle and absolute timeouts are enforced here from timestamps the store
// keeps, not from the cookie. Keys rotate: the first key encodes, every key
// decodes.
package session

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Defaults for Config.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	DefaultMaxSessions     = 50000
)

// Config configures a Store.
type Config struct {
	// Keys are the session keys, newest first, each at least 32 bytes.
	Keys [][]byte
	// IdleTimeout ends a session unused for this long.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created.
	AbsoluteTimeout time.Duration
	// MaxSessions bounds memory: past it the least recently used session
	// is dropped.
	MaxSessions int
	// Now is the clock (tests use a fake one).
	Now func() time.Time
}

// MinKeyLen is the shortest accepted session key.
const MinKeyLen = 32

// ParseKeys parses a comma-separated list of keys written in hex or
// standard/URL-safe base64 (padded or not), each at least MinKeyLen bytes.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := decodeKey(part)
		if err != nil {
			return nil, fmt.Errorf("session key %d: %w", i+1, err)
		}
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("session key %d: %d bytes, want at least %d (generate one with: openssl rand -hex 32)", i+1, len(k), MinKeyLen)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no session key given")
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not valid hex or base64")
}

// RandomKey returns a fresh key, for demo mode.
func RandomKey() []byte {
	k := make([]byte, MinKeyLen)
	_, _ = rand.Read(k)
	return k
}

// Store implements sessions.Store with server-side values.
type Store struct {
	cfg    Config
	codecs []securecookie.Codec

	mu        sync.Mutex
	entries   map[string]*entry
	lastSweep time.Time
}

type entry struct {
	values   map[any]any
	created  time.Time
	lastSeen time.Time
}

// NewStore returns a store; it fails without a usable key.
func NewStore(cfg Config) (*Store, error) {
	if len(cfg.Keys) == 0 {
		return nil, errors.New("session: no key")
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Store{cfg: cfg, entries: map[string]*entry{}}
	for i, k := range cfg.Keys {
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("session: key %d is %d bytes, want at least %d", i+1, len(k), MinKeyLen)
		}
		hashKey, err := hkdf.Key(sha256.New, k, nil, "runai-sa-dashboard session cookie hmac", 64)
		if err != nil {
			return nil, err
		}
		blockKey, err := hkdf.Key(sha256.New, k, nil, "runai-sa-dashboard session cookie aes", 32)
		if err != nil {
			return nil, err
		}
		c := securecookie.New(hashKey, blockKey)
		// The store enforces the timeouts; the codec's own timestamp check
		// is a backstop at the absolute limit (MaxAge 0 would disable it).
		c.MaxAge(int(cfg.AbsoluteTimeout/time.Second) + 60)
		c.SetSerializer(securecookie.JSONEncoder{})
		s.codecs = append(s.codecs, c)
	}
	return s, nil
}

// CookieOptions are the attributes of the session cookie for a request:
// HttpOnly, SameSite=Lax, Path=/, no Domain, a browser-session lifetime,
// Secure when served over HTTPS. (gorilla's own defaults are HttpOnly off,
// SameSite=None and 30 days.)
func CookieOptions(secure bool) *sessions.Options {
	return &sessions.Options{Path: "/", MaxAge: 0, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// CookieName is the cookie name for a request: the __Host- prefix over
// HTTPS pins the cookie to this host and path / and requires Secure.
func CookieName(secure bool) string {
	if secure {
		return "__Host-runai-sa"
	}
	return "runai-sa"
}

// Get returns the session for r from the request registry (one load per
// request per name).
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by r's cookie, or starts an empty one when
// there is no cookie, it does not decode, or the session has expired.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	sess.Options = CookieOptions(strings.HasPrefix(name, "__Host-"))
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, nil // a stale or forged cookie is an anonymous visit
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[id]
	if !ok {
		return sess, nil
	}
	if s.expired(e, now) {
		delete(s.entries, id)
		return sess, nil
	}
	e.lastSeen = now
	sess.ID = id
	sess.IsNew = false
	sess.Values = maps.Clone(e.values)
	return sess, nil
}

func (s *Store) expired(e *entry, now time.Time) bool {
	return now.Sub(e.lastSeen) >= s.cfg.IdleTimeout || now.Sub(e.created) >= s.cfg.AbsoluteTimeout
}

// Save stores the session's values and sets the cookie. MaxAge < 0 deletes
// the session on the server and expires the cookie.
func (s *Store) Save(_ *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	if sess.Options == nil {
		sess.Options = CookieOptions(false)
	}
	if sess.Options.MaxAge < 0 {
		s.Delete(sess.ID)
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	now := s.cfg.Now()
	s.mu.Lock()
	if sess.ID == "" {
		sess.ID = newID()
	}
	e, ok := s.entries[sess.ID]
	if !ok {
		e = &entry{created: now}
		s.entries[sess.ID] = e
	}
	e.values = maps.Clone(sess.Values)
	e.lastSeen = now
	s.maintain(now)
	s.mu.Unlock()

	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("session: encode cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Renew gives sess a new id, dropping the old one on the server, so that a
// cookie captured before sign-in is useless after it. Call Save next.
func (s *Store) Renew(sess *sessions.Session) {
	s.Delete(sess.ID)
	sess.ID = ""
	sess.IsNew = true
}

// Delete removes a session on the server.
func (s *Store) Delete(id string) {
	if id == "" {
		return
	}
	s.mu.Lock()
	delete(s.entries, id)
	s.mu.Unlock()
}

// Len reports how many sessions are held.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// HashID returns a short, one-way form of a session id for logs.
func HashID(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

// maintain sweeps expired sessions at most once a minute and enforces
// MaxSessions; the caller holds s.mu.
func (s *Store) maintain(now time.Time) {
	if now.Sub(s.lastSweep) >= time.Minute {
		s.lastSweep = now
		for id, e := range s.entries {
			if s.expired(e, now) {
				delete(s.entries, id)
			}
		}
	}
	for len(s.entries) > s.cfg.MaxSessions {
		var oldest string
		var seen time.Time
		for id, e := range s.entries {
			if oldest == "" || e.lastSeen.Before(seen) {
				oldest, seen = id, e.lastSeen
			}
		}
		delete(s.entries, oldest)
	}
}

func newID() string {
	return rand.Text() + rand.Text()
}
