// Package session keeps the dashboard's sessions on the server, in memory
// (one instance) or in Redis (several replicas), behind the
// gorilla/sessions Store interface.
//
// Only a signed-in admin has a server-side session. The cookie carries
// only its random id, signed and encrypted with securecookie; the values
// (the Run:ai token above all, which reaches 8 KiB) stay on the server,
// encrypted and authenticated with the session keys in either store, under
// a key derived from the id by SHA-256 (reading the store yields no
// usable cookie). An anonymous visitor's state (the sign-in form's CSRF
// token, a flash message) lives in a small signed cookie instead (see
// NewVisitorStore), so visits cost the server nothing.
//
// Idle and absolute timeouts are enforced here: the idle one as the
// record's time to live, renewed on every load; the absolute one from the
// creation time inside the record. Keys rotate: the first key encodes,
// every key decodes.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

// Defaults for Config.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	DefaultMaxRecords      = 50000
)

// Config configures a Store.
type Config struct {
	// Keys are the session keys, newest first, each at least 32 bytes.
	Keys [][]byte
	// IdleTimeout ends a session unused for this long.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after it was created.
	AbsoluteTimeout time.Duration
	// RedisURL, when set, keeps sessions in that Redis
	// (redis://[:password@]host:port/db, rediss:// for TLS); empty keeps
	// them in this process's memory.
	RedisURL string
	// MaxRecords bounds the memory store (sessions and their job
	// records): at the limit a new session is refused, never a live one
	// dropped. Redis bounds itself.
	MaxRecords int
	// Now is the clock (tests use a fake one; Redis keeps its own time
	// for the idle timeout).
	Now func() time.Time
}

// Store implements sessions.Store with server-side values.
type Store struct {
	cfg      Config
	cookie   []securecookie.Codec // the cookie: the session id
	data     []securecookie.Codec // the records: values and job data
	b        backend
	visitors *sessions.CookieStore
}

// record is what the store keeps for a session.
type record struct {
	Values  map[any]any
	Created time.Time
}

// createdKey carries a loaded session's creation time in its Values
// between New and Save; it is never stored as a value.
type createdKey struct{}

// NewStore returns a store; it fails without a usable key or with a
// malformed Redis URL. It does not wait for Redis: Ping does.
func NewStore(cfg Config) (*Store, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if cfg.MaxRecords <= 0 {
		cfg.MaxRecords = DefaultMaxRecords
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	gob.Register(time.Time{}) // a value type of every session (token expiry)
	// The codec's own timestamp check backs up the absolute limit (0
	// would disable it); the store enforces the timeouts.
	cookie, err := codecs(cfg.Keys, "session cookie", int(cfg.AbsoluteTimeout/time.Second)+60, 4096)
	if err != nil {
		return nil, err
	}
	data, err := codecs(cfg.Keys, "session record", 0, 0)
	if err != nil {
		return nil, err
	}
	visitors, err := NewVisitorStore(cfg.Keys)
	if err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, cookie: cookie, data: data, visitors: visitors}
	if cfg.RedisURL != "" {
		if s.b, err = newRedis(cfg.RedisURL); err != nil {
			return nil, err
		}
	} else {
		s.b = newMemory(cfg.MaxRecords, cfg.Now)
	}
	return s, nil
}

// Visitors is the store of anonymous visitors' state, in a cookie signed
// and encrypted with the same keys (see NewVisitorStore).
func (s *Store) Visitors() *sessions.CookieStore { return s.visitors }

// Fresh starts a new, empty session under name, to be saved with Save.
func (s *Store) Fresh(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	sess.Options = CookieOptions(strings.HasPrefix(name, "__Host-"))
	sess.IsNew = true
	return sess
}

// Backend names where sessions live: "memory" or "redis".
func (s *Store) Backend() string { return s.b.name() }

// Ping reports whether the store answers (always, in memory).
func (s *Store) Ping(ctx context.Context) error { return s.b.ping(ctx) }

// Close releases the connection to Redis.
func (s *Store) Close() error {
	if r, ok := s.b.(*redisBackend); ok {
		return r.close()
	}
	return nil
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
// there is no cookie, it does not decode, or the session has ended. The
// error is an *UnavailableError when the store did not answer.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.Fresh(name)
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.cookie...); err != nil {
		return sess, nil // a stale or forged cookie is an anonymous visit
	}
	rec, err := s.load(r.Context(), id)
	if errors.Is(err, errNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	sess.ID, sess.IsNew, sess.Values = id, false, rec.Values
	sess.Values[createdKey{}] = rec.Created
	return sess, nil
}

// load reads and checks the record of session id, renewing its idle time.
func (s *Store) load(ctx context.Context, id string) (record, error) {
	key := sessionKey(id)
	b, err := s.b.get(ctx, key, s.cfg.IdleTimeout)
	if err != nil {
		return record{}, err
	}
	var rec record
	if err := securecookie.DecodeMulti(key, string(b), &rec, s.data...); err != nil {
		// Written with a key since retired, or not by us: an ended session.
		_ = s.b.del(ctx, key)
		return record{}, errNotFound
	}
	if !s.cfg.Now().Before(rec.Created.Add(s.cfg.AbsoluteTimeout)) {
		_ = s.b.del(ctx, key)
		return record{}, errNotFound
	}
	if rec.Values == nil {
		rec.Values = map[any]any{}
	}
	return rec, nil
}

// Save stores the session's values and sets the cookie. MaxAge < 0 deletes
// the session on the server and expires the cookie. The error is ErrFull
// from a full memory store, an *UnavailableError when Redis did not
// answer.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := context.Background()
	if r != nil {
		ctx = r.Context()
	}
	if sess.Options == nil {
		sess.Options = CookieOptions(false)
	}
	if sess.Options.MaxAge < 0 {
		err := s.Delete(ctx, sess.ID)
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return err
	}
	now := s.cfg.Now()
	created, ok := sess.Values[createdKey{}].(time.Time)
	if !ok || sess.ID == "" {
		created = now
	}
	if sess.ID == "" {
		sess.ID = newID()
	}
	values := maps.Clone(sess.Values)
	delete(values, createdKey{})
	key := sessionKey(sess.ID)
	enc, err := s.data[0].Encode(key, record{Values: values, Created: created})
	if err != nil {
		return fmt.Errorf("session: encode record: %w", err)
	}
	ttl := min(s.cfg.IdleTimeout, created.Add(s.cfg.AbsoluteTimeout).Sub(now))
	if ttl <= 0 {
		return s.Delete(ctx, sess.ID)
	}
	if err := s.b.set(ctx, key, []byte(enc), ttl); err != nil {
		return err
	}
	sess.Values[createdKey{}] = created
	cookie, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.cookie...)
	if err != nil {
		return fmt.Errorf("session: encode cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), cookie, sess.Options))
	return nil
}

// Renew gives sess a new id, deleting the old one on the server, so that a
// cookie captured before sign-in is useless after it. Call Save next.
func (s *Store) Renew(ctx context.Context, sess *sessions.Session) error {
	err := s.Delete(ctx, sess.ID)
	sess.ID = ""
	sess.IsNew = true
	delete(sess.Values, createdKey{})
	return err
}

// Delete ends a session on the server (on every replica, with Redis).
func (s *Store) Delete(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	return s.b.del(ctx, sessionKey(id))
}

// PutData keeps v for the session under name for ttl (a bulk job's
// progress, say), encrypted like the session; any replica can read it.
func (s *Store) PutData(ctx context.Context, sessionID, name string, v any, ttl time.Duration) error {
	key := dataKey(sessionID, name)
	enc, err := s.data[0].Encode(key, v)
	if err != nil {
		return fmt.Errorf("session: encode %s: %w", name, err)
	}
	return s.b.set(ctx, key, []byte(enc), ttl)
}

// ClaimData keeps v for the session under name for ttl unless something
// is kept there already: false then (a one-time key already used, on any
// replica). The claim is atomic: of two at once, one wins.
func (s *Store) ClaimData(ctx context.Context, sessionID, name string, v any, ttl time.Duration) (bool, error) {
	key := dataKey(sessionID, name)
	enc, err := s.data[0].Encode(key, v)
	if err != nil {
		return false, fmt.Errorf("session: encode %s: %w", name, err)
	}
	return s.b.setNX(ctx, key, []byte(enc), ttl)
}

// DeleteData forgets the session's data under name.
func (s *Store) DeleteData(ctx context.Context, sessionID, name string) error {
	return s.b.del(ctx, dataKey(sessionID, name))
}

// GetData loads the session's data under name into v; false when there is
// none (never stored, expired, or not this session's).
func (s *Store) GetData(ctx context.Context, sessionID, name string, v any) (bool, error) {
	key := dataKey(sessionID, name)
	b, err := s.b.get(ctx, key, 0)
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := securecookie.DecodeMulti(key, string(b), v, s.data...); err != nil {
		return false, nil
	}
	return true, nil
}

// Len reports how many records the memory store holds (-1 with Redis).
func (s *Store) Len() int {
	if m, ok := s.b.(*memory); ok {
		return m.len()
	}
	return -1
}

// HashID returns a short, one-way form of a session id for logs.
func HashID(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:6])
}

// sessionKey is where session id's record lives: a hash, so that the
// store's keys give away no cookie.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "s:" + hex.EncodeToString(sum[:])
}

func dataKey(sessionID, name string) string {
	sum := sha256.Sum256([]byte(sessionID))
	return "d:" + hex.EncodeToString(sum[:]) + ":" + name
}

func newID() string {
	return rand.Text() + rand.Text()
}
