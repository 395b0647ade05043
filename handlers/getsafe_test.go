package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/static"
)

// TestNoStateChangeOnGET enumerates the router's GET routes and requests
// each, plainly and as htmx, with and without query parameters that a
// state-changing handler might act on: the stub records no mutating call
// and no response sets a cookie other than the session's.
func TestNoStateChangeOnGET(t *testing.T) {
	h := newHarness(t, options{seed: 3})
	h.signIn()
	id := h.stub.Accounts()[0].ID
	queries := []string{"", "?columns=1&cols=status&view=sort%3Dname", "?action=delete&ids=" + url.QueryEscape(id) + "&all=1", "?enabled=false&name=x"}
	h.stub.ResetCalls()
	seen := 0
	for _, r := range h.e.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		seen++
		path := strings.NewReplacer(":id", url.PathEscape(id), "*", strings.TrimPrefix(static.URL(static.CSS), static.Prefix)).Replace(r.Path)
		for _, q := range queries {
			for _, hdr := range []map[string]string{nil, {htmx.HeaderRequest: "true", htmx.HeaderCurrentURL: h.url(paths.Accounts.Link())}} {
				res := h.do("GET", paths.Path(path+q), nil, hdr)
				for _, c := range res.Cookies() {
					if c.Name != session.CookieName(false) {
						t.Errorf("GET %s%s sets cookie %s", path, q, c.Name)
					}
				}
			}
		}
	}
	if seen < 8 {
		t.Fatalf("only %d GET routes found", seen)
	}
	for _, c := range h.stub.Calls() {
		if c.Op.Mutating() {
			t.Errorf("a GET caused %s %s", c.Method, c.Path)
		}
	}
	if _, ok := h.stub.Account(id); !ok {
		t.Error("account gone after GETs")
	}
}
