package static

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHashedAssets(t *testing.T) {
	h := Handler()
	for _, name := range []string{CSS, JS, Favicon, HTMX} {
		u := URL(name)
		if !strings.HasPrefix(u, Prefix) || u == Prefix+name {
			t.Fatalf("URL(%s) = %s, not content-hashed", name, u)
		}
		req := httptest.NewRequest("GET", strings.TrimPrefix(u, "/static"), nil)
		req.Header.Set("Accept-Encoding", "gzip, br")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("%s: %d %q", u, rec.Code, rec.Header().Get("Cache-Control"))
		}
		body := rec.Body.Bytes()
		if rec.Header().Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		} else if name != Favicon {
			t.Errorf("%s not compressed", name)
		}
		want, _ := files.ReadFile(name)
		if string(body) != string(want) {
			t.Errorf("%s: body differs", name)
		}
		// Revalidation by ETag.
		req = httptest.NewRequest("GET", strings.TrimPrefix(u, "/static"), nil)
		req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match gave %d", name, rec.Code)
		}
	}
	for _, p := range []string{"/app.css", "/app.000000000000.css", "/../static.go"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 404 {
			t.Errorf("%s: %d", p, rec.Code)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{"gzip": true, "br, gzip;q=0.5": true, "gzip;q=0": false, "identity": false, "": false, "GZIP": true} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", in)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v", in, got)
		}
	}
}
