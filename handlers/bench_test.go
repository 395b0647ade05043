package handlers_test

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func accounts(n int) []runai.ServiceAccount {
	now := time.Now()
	out := make([]runai.ServiceAccount, n)
	for i := range out {
		out[i] = runai.ServiceAccount{
			ID: fmt.Sprintf("id-%06d", i), Name: fmt.Sprintf("service-account-%04d", i), ClientID: fmt.Sprintf("%08x-aaaa-bbbb-cccc-%012d", i, i),
			CreatedBy: "someone@example.com", TenantID: "1001", Enabled: i%5 != 0,
			CreatedAt: now.Add(-time.Duration(i) * time.Hour), UpdatedAt: now.Add(-time.Duration(i) * time.Minute),
		}
		if i%4 != 0 {
			out[i].LastLogin = now.Add(-time.Duration(i) * time.Minute)
		}
	}
	return out
}

// BenchmarkAccountsPage measures one signed-in GET /accounts through the
// whole Echo stack (middleware, session, sorting, templ rendering) with
// the API answered in memory, at 100 and 1000 accounts.
func BenchmarkAccountsPage(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			e, cookie := benchApp(b, n)
			req := httptest.NewRequest("GET", paths.Accounts.Link().String(), nil)
			req.Header.Set("Cookie", cookie)
			var size int
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req.Clone(context.Background()))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size)/1024, "KiB/page")
		})
	}
}

// benchApp is the dashboard over an in-memory API holding n accounts with
// 1.5 rules each on average (the stub's tenant for scopes), with a
// signed-in session cookie.
func benchApp(b *testing.B, n int) (http.Handler, string) {
	b.Helper()
	list := accounts(n)
	s := stub.New(stub.Config{})
	sc := s.Scopes()
	var rules []runai.AccessRule
	for i := range n * 3 / 2 {
		a, p := list[(i*7)%n], sc.Projects[i%len(sc.Projects)]
		rules = append(rules, runai.AccessRule{ID: i, SubjectType: runai.SubjectServiceAccount, SubjectID: a.ClientID, RoleID: 28,
			RoleName: "ML engineer", ScopeType: runai.ScopeProject, ScopeID: p.ID, ScopeName: p.Name, ClusterID: p.ClusterID})
	}
	api := &fakeAPI{
		ListFn: func(context.Context, string) ([]runai.ServiceAccount, error) { return list, nil },
		ExchangeFn: func(context.Context, string, runai.Secret) (runai.Token, error) {
			return runai.Token{AccessToken: "tok"}, nil
		},
		RulesFn: func(context.Context, string, ...string) ([]runai.AccessRule, error) { return slices.Clone(rules), nil },
	}
	api.Catalog.Roles, api.Catalog.Scopes = s.Roles(), sc
	store, _ := session.NewStore(session.Config{Keys: [][]byte{session.RandomKey()}})
	e, err := handlers.New(handlers.Deps{API: api, Sessions: store})
	if err != nil {
		b.Fatal(err)
	}
	return e, benchSignIn(b, e)
}

func benchSignIn(b *testing.B, e http.Handler) string {
	b.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest("GET", paths.SignIn.Link().String(), nil))
	cookie := strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())[1]
	req := httptest.NewRequest("POST", paths.SignInKey.Link().String(), strings.NewReader(url.Values{form.FieldCSRF: {csrf}, "client_id": {"x"}, "client_secret": {"y"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("sign-in: %d", rec.Code)
	}
	return strings.Split(rec.Header().Get("Set-Cookie"), ";")[0]
}

// BenchmarkListInteractions measures what one search, filter or sort
// costs the server at 1000 accounts: an htmx GET aimed at the list region
// (middleware, session, the API answered in memory, filtering, sorting,
// rendering). The target is well under 50 ms each.
func BenchmarkListInteractions(b *testing.B) {
	e, cookie := benchApp(b, 1000)
	for _, q := range []struct{ name, query string }{
		{"search", "q=account-04"},
		{"search-all-match", "q=service"},
		{"filter-disabled", "status=disabled"},
		{"filter-stale", "usage=stale&staleDays=10"},
		{"filter-creator", "createdBy=someone%40example.com"},
		{"sort-lastLogin-desc", "sort=lastLogin&dir=desc"},
		{"sort-createdBy", "sort=createdBy"},
		{"page-3", "page=3"},
	} {
		b.Run(q.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", paths.Accounts.Link().RawQuery("").String()+q.query, nil)
			req.Header.Set("Cookie", cookie)
			req.Header.Set(htmx.HeaderRequest, "true")
			req.Header.Set(htmx.HeaderTarget, "list")
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req.Clone(context.Background()))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkGzipLevel compresses the list page (the default page of 100
// rows, and all 1000) at each gzip level, reporting the compressed size:
// the measurement behind the level the dashboard uses (gzipLevel).
func BenchmarkGzipLevel(b *testing.B) {
	e, cookie := benchApp(b, 1000)
	for _, view := range []string{"", "?per=all"} {
		req := httptest.NewRequest("GET", paths.Accounts.Link().String()+view, nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		page := rec.Body.Bytes()
		for _, level := range []int{1, 2, 4, 5, 6, 9} {
			b.Run(fmt.Sprintf("rows=%s/level=%d", cmp.Or(strings.TrimPrefix(view, "?per="), "100"), level), func(b *testing.B) {
				var out bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&out, level)
				b.SetBytes(int64(len(page)))
				for b.Loop() {
					out.Reset()
					zw.Reset(&out)
					_, _ = zw.Write(page)
					_ = zw.Close()
				}
				b.ReportMetric(float64(out.Len())/1024, "KiB-out")
			})
		}
	}
}
