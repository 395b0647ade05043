package session

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"
)

func key(b byte) []byte { return []byte(strings.Repeat(string(rune('a'+b)), 32)) }

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestStore(t *testing.T, c *clock, keys ...[]byte) *Store {
	t.Helper()
	s, err := NewStore(Config{Keys: keys, IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 8 * time.Hour, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// roundTrip saves values in a new session and returns its cookie.
func save(t *testing.T, s *Store, name string, values map[any]any) *http.Cookie {
	t.Helper()
	sess, _ := s.New(httptest.NewRequest("GET", "/", nil), name)
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

func load(s *Store, name string, c *http.Cookie) *sessions.Session {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(c)
	sess, _ := s.New(r, name)
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
	c := &clock{time.Now()}
	s := newTestStore(t, c, key(0))
	token := "eyJ" + strings.Repeat("x", 8*1024)
	ck := save(t, s, CookieName(true), map[any]any{"token": token})
	if len(ck.String()) >= 4096 || strings.Contains(ck.Value, "xxxx") {
		t.Fatalf("cookie is %d bytes", len(ck.String()))
	}
	if got := load(s, CookieName(true), ck).Values["token"]; got != token {
		t.Fatal("token not restored")
	}
}

func TestCookieAttributes(t *testing.T) {
	s := newTestStore(t, &clock{time.Now()}, key(0))
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

func TestKeyRotation(t *testing.T) {
	c := &clock{time.Now()}
	old := newTestStore(t, c, key(1))
	ck := save(t, old, "n", map[any]any{"v": "x"})

	// The same sessions, a new key in front: the old cookie still decodes.
	rotated := newTestStore(t, c, key(2), key(1))
	rotated.entries = old.entries
	if load(rotated, "n", ck).IsNew {
		t.Error("old-key cookie refused after a new key was added in front")
	}
	// New cookies use the new key.
	ck2 := save(t, rotated, "n", map[any]any{"v": "y"})
	onlyNew := newTestStore(t, c, key(2))
	onlyNew.entries = rotated.entries
	if load(onlyNew, "n", ck2).IsNew {
		t.Error("new cookie not decodable with the new key alone")
	}
	// Old key removed: the old cookie no longer decodes.
	if !load(onlyNew, "n", ck).IsNew {
		t.Error("old-key cookie accepted after the old key was removed")
	}
}

func TestTimeouts(t *testing.T) {
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	c := &clock{start}
	s := newTestStore(t, c, key(0))
	ck := save(t, s, "n", map[any]any{"token": "t"})

	c.t = start.Add(29 * time.Minute)
	if load(s, "n", ck).IsNew {
		t.Fatal("expired before the idle timeout")
	}
	c.t = c.t.Add(30 * time.Minute) // idle 30 minutes since the last use
	if !load(s, "n", ck).IsNew {
		t.Fatal("idle timeout not enforced")
	}

	ck = save(t, s, "n", map[any]any{"token": "t"})
	created := c.t
	for c.t = created; c.t.Sub(created) < 8*time.Hour-10*time.Minute; c.t = c.t.Add(10 * time.Minute) {
		if load(s, "n", ck).IsNew {
			t.Fatalf("ended early at %v", c.t.Sub(created))
		}
	}
	c.t = created.Add(8 * time.Hour)
	if !load(s, "n", ck).IsNew {
		t.Fatal("absolute timeout not enforced while active")
	}
}

func TestRenewAndDelete(t *testing.T) {
	s := newTestStore(t, &clock{time.Now()}, key(0))
	ck := save(t, s, "n", map[any]any{"csrf": "c"})
	sess := load(s, "n", ck)
	s.Renew(sess)
	sess.Values["token"] = "t"
	rec := httptest.NewRecorder()
	_ = s.Save(nil, rec, sess)
	newCk := rec.Result().Cookies()[0]
	if !load(s, "n", ck).IsNew {
		t.Error("the pre-renewal cookie still works")
	}
	got := load(s, "n", newCk)
	if got.IsNew || got.Values["token"] != "t" {
		t.Fatal("renewed session lost")
	}
	got.Options.MaxAge = -1
	rec = httptest.NewRecorder()
	_ = s.Save(nil, rec, got)
	if rec.Result().Cookies()[0].MaxAge >= 0 {
		t.Error("cookie not expired")
	}
	if !load(s, "n", newCk).IsNew || s.Len() != 0 {
		t.Error("deleted session still loads")
	}
}

func TestForgedCookie(t *testing.T) {
	s := newTestStore(t, &clock{time.Now()}, key(0))
	if !load(s, "n", &http.Cookie{Name: "n", Value: "forged"}).IsNew {
		t.Error("forged cookie accepted")
	}
}

func TestMaxSessions(t *testing.T) {
	c := &clock{time.Now()}
	s, _ := NewStore(Config{Keys: [][]byte{key(0)}, MaxSessions: 3, Now: c.now})
	var first *http.Cookie
	for i := range 5 {
		c.t = c.t.Add(time.Second)
		ck := save(t, s, "n", map[any]any{"i": i})
		if i == 0 {
			first = ck
		}
	}
	if s.Len() != 3 || !load(s, "n", first).IsNew {
		t.Errorf("len %d; the least recently used session should be gone", s.Len())
	}
}
