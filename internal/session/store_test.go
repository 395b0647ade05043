package session

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/runai-tools/sa-dashboard/internal/redistest"
)

func key(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b)), 32)) }

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// kinds runs a test against the memory store and against a real Redis.
func kinds(t *testing.T, test func(t *testing.T, newStore func(keys ...[]byte) *Store)) {
	t.Run("memory", func(t *testing.T) {
		records := newMemory(DefaultMaxRecords, time.Now)
		test(t, func(keys ...[]byte) *Store {
			s := newStore(t, Config{Keys: keys})
			s.b = records // stores made here share their records, like replicas sharing a Redis
			return s
		})
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		test(t, func(keys ...[]byte) *Store { return newStore(t, Config{Keys: keys, RedisURL: srv.URL}) })
	})
}

func newStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout, cfg.AbsoluteTimeout = 30*time.Minute, 8*time.Hour
	}
	s, err := NewStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// save saves values in a new session and returns its cookie.
func save(t *testing.T, s *Store, name string, values map[any]any) *http.Cookie {
	t.Helper()
	sess, err := s.New(httptest.NewRequest("GET", "/", nil), name)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		sess.Values[k] = v
	}
	rec := httptest.NewRecorder()
	if err := s.Save(nil, rec, sess); err != nil {
		t.Fatal(err)
	}
	cs := rec.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("%d cookies", len(cs))
	}
	return cs[0]
}

func load(t *testing.T, s *Store, name string, c *http.Cookie) *sessions.Session {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	sess, err := s.New(r, name)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

func TestParseKeys(t *testing.T) {
	raw := []byte(strings.Repeat("k", 32))
	tests := []struct {
		in   string
		n    int
		fail bool
	}{
		{hex.EncodeToString(raw), 1, false},
		{base64.StdEncoding.EncodeToString(raw), 1, false},
		{base64.RawURLEncoding.EncodeToString(raw), 1, false},
		{hex.EncodeToString(raw) + ", " + base64.StdEncoding.EncodeToString(append(raw, raw...)), 2, false},
		{"", 0, true},
		{" , ", 0, true},
		{hex.EncodeToString(raw[:31]), 0, true},
		{"not a key!", 0, true},
		{hex.EncodeToString(raw) + ",short", 0, true},
	}
	for _, tt := range tests {
		keys, err := ParseKeys(tt.in)
		if (err != nil) != tt.fail || len(keys) != tt.n {
			t.Errorf("ParseKeys(%q) = %d keys, %v", tt.in, len(keys), err)
		}
	}
}

func TestLargeTokenStaysOnServer(t *testing.T) {
	kinds(t, func(t *testing.T, newStore func(...[]byte) *Store) {
		s := newStore(key(0))
		token := "eyJ" + strings.Repeat("x", 8*1024)
		ck := save(t, s, CookieName(true), map[any]any{"token": token, "exp": time.Now()})
		if len(ck.String()) >= 4096 || strings.Contains(ck.Value, "xxxx") {
			t.Fatalf("cookie is %d bytes", len(ck.String()))
		}
		if got := load(t, s, CookieName(true), ck).Values["token"]; got != token {
			t.Fatal("token not restored")
		}
	})
}

func TestCookieAttributes(t *testing.T) {
	s := newStore(t, Config{Keys: [][]byte{key(0)}})
	for _, secure := range []bool{false, true} {
		ck := save(t, s, CookieName(secure), map[any]any{"x": 1})
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" || ck.MaxAge != 0 || !ck.Expires.IsZero() || ck.Secure != secure {
			t.Errorf("secure=%v: %+v", secure, ck)
		}
		if secure != strings.HasPrefix(ck.Name, "__Host-") {
			t.Errorf("name %q", ck.Name)
		}
	}
}

// TestKeyRotation: a new key in front still reads sessions (cookies and
// records) written with the old one; once the old key is removed, they
// are gone.
func TestKeyRotation(t *testing.T) {
	kinds(t, func(t *testing.T, newStore func(...[]byte) *Store) {
		old := newStore(key(1))
		ck := save(t, old, "n", map[any]any{"v": "x"})
		rotated := newStore(key(2), key(1))
		if got := load(t, rotated, "n", ck); got.IsNew || got.Values["v"] != "x" {
			t.Error("old-key session refused after a new key was added in front")
		}
		ck2 := save(t, rotated, "n", map[any]any{"v": "y"})
		onlyNew := newStore(key(2))
		if load(t, onlyNew, "n", ck2).IsNew {
			t.Error("new session not readable with the new key alone")
		}
		if !load(t, onlyNew, "n", ck).IsNew {
			t.Error("old-key session accepted after the old key was removed")
		}
	})
}

// TestSharedAcrossInstances: what one instance saves another reads; what
// one deletes is gone for the other.
func TestSharedAcrossInstances(t *testing.T) {
	kinds(t, func(t *testing.T, newStore func(...[]byte) *Store) {
		a, b := newStore(key(0)), newStore(key(0))
		ck := save(t, a, "n", map[any]any{"token": "t"})
		got := load(t, b, "n", ck)
		if got.IsNew || got.Values["token"] != "t" {
			t.Fatal("a session saved by one instance is not seen by the other")
		}
		got.Values["flash"] = "hello"
		if err := b.Save(nil, httptest.NewRecorder(), got); err != nil {
			t.Fatal(err)
		}
		if load(t, a, "n", ck).Values["flash"] != "hello" {
			t.Error("a change made on one instance is not seen by the other")
		}
		if err := b.Delete(context.Background(), got.ID); err != nil {
			t.Fatal(err)
		}
		if !load(t, a, "n", ck).IsNew {
			t.Error("a session deleted on one instance lives on in the other")
		}
	})
}

func TestTimeouts(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	c := &clock{start}
	s := newStore(t, Config{Keys: [][]byte{key(0)}, IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 8 * time.Hour, Now: c.now})
	ck := save(t, s, "n", map[any]any{"token": "t"})

	c.t = start.Add(29 * time.Minute)
	if load(t, s, "n", ck).IsNew {
		t.Fatal("expired before the idle timeout")
	}
	c.t = c.t.Add(30 * time.Minute) // idle 30 minutes since the last use
	if !load(t, s, "n", ck).IsNew {
		t.Fatal("idle timeout not enforced")
	}

	ck = save(t, s, "n", map[any]any{"token": "t"})
	created := c.t
	for c.t = created; c.t.Sub(created) < 8*time.Hour-10*time.Minute; c.t = c.t.Add(10 * time.Minute) {
		if load(t, s, "n", ck).IsNew {
			t.Fatalf("ended early at %v", c.t.Sub(created))
		}
	}
	c.t = created.Add(8 * time.Hour)
	if !load(t, s, "n", ck).IsNew {
		t.Fatal("absolute timeout not enforced while active")
	}
}

// TestRedisTimeouts: in Redis the idle timeout is the key's time to live,
// renewed on each load; the absolute one holds however active.
func TestRedisTimeouts(t *testing.T) {
	srv := redistest.Start(t)
	c := &clock{time.Now()}
	s := newStore(t, Config{Keys: [][]byte{key(0)}, RedisURL: srv.URL, IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 8 * time.Hour, Now: c.now})
	ck := save(t, s, "n", map[any]any{"token": "t"})
	sess := load(t, s, "n", ck)
	rc := srv.Client()
	defer rc.Close()
	ctx := context.Background()
	k := keyPrefix + sessionKey(sess.ID)
	if ttl := rc.TTL(ctx, k).Val(); ttl <= 29*time.Minute || ttl > 30*time.Minute {
		t.Errorf("TTL %v, want the idle timeout", ttl)
	}
	rc.Expire(ctx, k, time.Minute)
	load(t, s, "n", ck)
	if ttl := rc.TTL(ctx, k).Val(); ttl <= 29*time.Minute {
		t.Errorf("TTL %v after a load, want it renewed to the idle timeout", ttl)
	}
	c.t = c.t.Add(7*time.Hour + 50*time.Minute)
	sess = load(t, s, "n", ck)
	if err := s.Save(nil, httptest.NewRecorder(), sess); err != nil {
		t.Fatal(err)
	}
	if ttl := rc.TTL(ctx, k).Val(); ttl > 10*time.Minute {
		t.Errorf("TTL %v ten minutes before the absolute timeout", ttl)
	}
	c.t = c.t.Add(10 * time.Minute)
	if !load(t, s, "n", ck).IsNew {
		t.Error("absolute timeout not enforced")
	}
}

// TestNothingInPlaintext: no key or value in Redis holds a token, a secret
// or a session id.
func TestNothingInPlaintext(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, Config{Keys: [][]byte{key(0)}, RedisURL: srv.URL})
	token := "eyJhbGciOiJSUzI1NiJ9.secret-token-material"
	ck := save(t, s, "n", map[any]any{"token": token, "user": "ada@example.com"})
	sess := load(t, s, "n", ck)
	if err := s.PutData(context.Background(), sess.ID, "job", map[string]string{"secret": "client-secret-value"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	rc := srv.Client()
	defer rc.Close()
	ctx := context.Background()
	keys := rc.Keys(ctx, "*").Val()
	if len(keys) != 2 {
		t.Fatalf("keys %v", keys)
	}
	for _, k := range keys {
		v := rc.Get(ctx, k).Val()
		for _, plain := range []string{token, "secret-token", "client-secret-value", "ada@example.com", sess.ID} {
			if strings.Contains(k, plain) || strings.Contains(v, plain) {
				t.Errorf("%s holds %q in plaintext", k, plain)
			}
		}
		if ttl := rc.TTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("%s has no time to live (%v)", k, ttl)
		}
	}
}

// TestRedisDownAndBack: a store whose Redis is gone says so (an
// *UnavailableError, never an empty session), and works again when Redis
// is back.
func TestRedisDownAndBack(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, Config{Keys: [][]byte{key(0)}, RedisURL: srv.URL})
	ck := save(t, s, "n", map[any]any{"token": "t"})
	srv.Stop()
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(ck)
	var ue *UnavailableError
	if _, err := s.New(r, "n"); !errors.As(err, &ue) {
		t.Fatalf("load with Redis down: %v", err)
	}
	if err := s.Ping(context.Background()); !errors.As(err, &ue) {
		t.Fatalf("ping with Redis down: %v", err)
	}
	sess, _ := s.New(httptest.NewRequest("GET", "/", nil), "n")
	if err := s.Save(nil, httptest.NewRecorder(), sess); !errors.As(err, &ue) {
		t.Fatalf("save with Redis down: %v", err)
	}
	srv.Restart() // empty: the old session is gone, new ones work
	if !load(t, s, "n", ck).IsNew {
		t.Error("a session survived a Redis restart without persistence")
	}
	if load(t, s, "n", save(t, s, "n", map[any]any{"token": "t2"})).IsNew {
		t.Error("no session after Redis came back")
	}
}

func TestRenewAndDelete(t *testing.T) {
	kinds(t, func(t *testing.T, newStore func(...[]byte) *Store) {
		s := newStore(key(0))
		ck := save(t, s, "n", map[any]any{"csrf": "c"})
		sess := load(t, s, "n", ck)
		if err := s.Renew(context.Background(), sess); err != nil {
			t.Fatal(err)
		}
		sess.Values["token"] = "t"
		rec := httptest.NewRecorder()
		_ = s.Save(nil, rec, sess)
		newCk := rec.Result().Cookies()[0]
		if !load(t, s, "n", ck).IsNew {
			t.Error("the pre-renewal cookie still works")
		}
		got := load(t, s, "n", newCk)
		if got.IsNew || got.Values["token"] != "t" {
			t.Fatal("renewed session lost")
		}
		got.Options.MaxAge = -1
		rec = httptest.NewRecorder()
		_ = s.Save(nil, rec, got)
		if rec.Result().Cookies()[0].MaxAge >= 0 {
			t.Error("cookie not expired")
		}
		if !load(t, s, "n", newCk).IsNew {
			t.Error("deleted session still loads")
		}
	})
}

func TestForgedCookie(t *testing.T) {
	s := newStore(t, Config{Keys: [][]byte{key(0)}})
	if !load(t, s, "n", &http.Cookie{Name: "n", Value: "forged"}).IsNew {
		t.Error("forged cookie accepted")
	}
}

func TestData(t *testing.T) {
	kinds(t, func(t *testing.T, newStore func(...[]byte) *Store) {
		a, b := newStore(key(0)), newStore(key(0))
		ctx := context.Background()
		type progress struct{ Done, Failed int }
		if err := a.PutData(ctx, "session-1", "job", progress{3, 1}, time.Hour); err != nil {
			t.Fatal(err)
		}
		var got progress
		if ok, err := b.GetData(ctx, "session-1", "job", &got); !ok || err != nil || got != (progress{3, 1}) {
			t.Errorf("%v %v %+v", ok, err, got)
		}
		if ok, _ := b.GetData(ctx, "session-2", "job", &got); ok {
			t.Error("another session's data was readable")
		}
	})
}

// TestMemoryStoreNeverDropsALiveSession: at its limit the memory store
// refuses a new record and keeps every live one; expired records make
// room.
func TestMemoryStoreNeverDropsALiveSession(t *testing.T) {
	c := &clock{time.Now()}
	s := newStore(t, Config{Keys: [][]byte{key(0)}, MaxRecords: 3, IdleTimeout: time.Minute, AbsoluteTimeout: time.Hour, Now: c.now})
	var cookies []*http.Cookie
	for i := range 3 {
		c.t = c.t.Add(time.Second)
		cookies = append(cookies, save(t, s, "n", map[any]any{"i": i}))
	}
	sess, _ := s.New(httptest.NewRequest("GET", "/", nil), "n")
	if err := s.Save(nil, httptest.NewRecorder(), sess); !errors.Is(err, ErrFull) {
		t.Fatalf("a fourth session at a limit of three: %v", err)
	}
	for i, ck := range cookies {
		if load(t, s, "n", ck).IsNew {
			t.Errorf("live session %d dropped", i)
		}
	}
	c.t = c.t.Add(2 * time.Minute) // all three idle past the timeout
	save(t, s, "n", map[any]any{"i": 3})
	if n := s.Len(); n > 3 {
		t.Errorf("%d records held", n)
	}
}

// BenchmarkMemoryStoreAtLimit: saving a session costs the same with 100
// or 100,000 records held (the old store scanned them all at its limit).
func BenchmarkMemoryStoreAtLimit(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			m := newMemory(n, time.Now)
			ctx := context.Background()
			for i := range n {
				_ = m.set(ctx, hex.EncodeToString([]byte{byte(i), byte(i >> 8), byte(i >> 16)}), nil, time.Minute)
			}
			i := 0
			for b.Loop() {
				i++
				_ = m.set(ctx, "k"+base64.RawStdEncoding.EncodeToString([]byte{byte(i), byte(i >> 8), byte(i >> 16)}), nil, time.Minute)
				_, _ = m.get(ctx, "k", time.Minute)
			}
		})
	}
}

// TestMemoryStoreBookkeepingEndsWithItsRecords: records saved with every
// time to live imaginable (a session near its absolute limit gets a
// shorter one on each save) leave nothing behind once they expire.
func TestMemoryStoreBookkeepingEndsWithItsRecords(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := newMemory(100_000, c.now)
	ctx := context.Background()
	for i := range 10_000 {
		if err := m.set(ctx, fmt.Sprint(i), []byte("v"), time.Duration(i+1)*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	c.t = c.t.Add(11 * time.Second)
	if err := m.set(ctx, "after", []byte("v"), time.Hour); err != nil { // a write expires what is due
		t.Fatal(err)
	}
	if n, b := m.len(), m.bookkeeping(); n != 1 || b != 1 {
		t.Fatalf("%d records and %d bookkeeping entries after 10,000 expired, want 1 and 1", n, b)
	}
}

// TestClaimData: a one-time key is claimed once, on any replica; its
// record can then be updated, and it ends with its time to live.
func TestClaimData(t *testing.T) {
	kinds(t, func(t *testing.T, newStore func(keys ...[]byte) *Store) {
		k := key(1)
		a, b := newStore(k), newStore(k)
		ctx := context.Background()
		var wins atomic.Int32
		var wg sync.WaitGroup
		for _, s := range []*Store{a, b, a, b} {
			wg.Go(func() {
				if ok, err := s.ClaimData(ctx, "sid", "once:K", "first", time.Minute); err != nil {
					t.Error(err)
				} else if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
		var got string
		if ok, err := b.GetData(ctx, "sid", "once:K", &got); !ok || err != nil || got != "first" {
			t.Fatalf("read back %q %v %v", got, ok, err)
		}
		if ok, _ := a.ClaimData(ctx, "other-session", "once:K", "x", time.Minute); !ok {
			t.Error("another session's key of the same name was refused")
		}
	})
}
