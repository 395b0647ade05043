package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/redistest"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// holdList holds the upstream's next answer to the account listing: the
// answer is made when the request arrives (the list as it is then) and
// written only once release is closed, as a slow network would deliver an
// old answer late.
type holdList struct {
	mu      sync.Mutex
	armed   bool
	got     chan struct{} // closed when the held request has arrived
	release chan struct{}
}

func (hl *holdList) arm() {
	hl.mu.Lock()
	hl.armed, hl.got, hl.release = true, make(chan struct{}), make(chan struct{})
	hl.mu.Unlock()
}

func (hl *holdList) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hl.mu.Lock()
		hold := hl.armed && r.Method == http.MethodGet && r.URL.Path == "/api/v1/service-accounts"
		if hold {
			hl.armed = false
		}
		got, release := hl.got, hl.release
		hl.mu.Unlock()
		if !hold {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		close(got)
		<-release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// TestReadInFlightDoesNotRestoreTheOldList: a read of the list that was
// on its way while the session disabled an account ends after the
// change; the list it brings (from before the change) is not what the
// session's next page shows.
func TestReadInFlightDoesNotRestoreTheOldList(t *testing.T) {
	hl := &holdList{}
	h := newHarness(t, options{seed: 5, upstream: hl.wrap})
	h.signIn()
	a := h.stub.Accounts()[0]
	if !a.Enabled {
		t.Fatal("the fixture's first account should be enabled")
	}
	hl.arm()
	done := make(chan resp)
	go func() { done <- h.reload(paths.Accounts.Link()) }() // a second tab reloads
	<-hl.got
	if r := h.post(paths.AccountDisable.ID(a.ID), url.Values{}, true); r.StatusCode != http.StatusOK {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	close(hl.release)
	<-done // the old list arrives, after the change
	doc := h.get(paths.Accounts.Link()).doc(t)
	if got := rowOf(doc, a.Name).Find("td.st").Text(); !strings.HasPrefix(got, "Disabled") {
		t.Errorf("after its own change the session is shown %s as %q: the list read before the change came back", a.Name, got)
	}
}

// TestOwnChangesShowOnEveryReplica: with Redis, a change made through
// one replica drops the session's list on the others too, before its
// lifetime is up.
func TestOwnChangesShowOnEveryReplica(t *testing.T) {
	srv := redistest.Start(t)
	a := newHarness(t, options{seed: 5, redisURL: srv.URL})
	a.signIn()
	b := a.twin()
	acct := a.stub.Accounts()[0]
	if got := rowOf(b.get(paths.Accounts.Link()).doc(t), acct.Name).Find("td.st").Text(); !strings.HasPrefix(got, "Enabled") {
		t.Fatalf("B shows %s as %q before the change", acct.Name, got)
	}
	if r := a.post(paths.AccountDisable.ID(acct.ID), url.Values{}, true); r.StatusCode != http.StatusOK {
		t.Fatalf("disable on A: %d", r.StatusCode)
	}
	if got := rowOf(b.get(paths.Accounts.Link()).doc(t), acct.Name).Find("td.st").Text(); !strings.HasPrefix(got, "Disabled") {
		t.Errorf("B still shows %s as %q after the session disabled it on A", acct.Name, got)
	}
}

// TestReloadShowsChangesMadeElsewhere: a reload whose answers are the
// same as the last read's shows the same list (worked out once), and one
// whose answers changed outside the dashboard (a rule granted, an account
// added) shows the change.
func TestReloadShowsChangesMadeElsewhere(t *testing.T) {
	h, accts := accessFixture(t, nil)
	cell := func(doc interface {
		Find(string) *goquery.Selection
	}, name string) string {
		return strings.Join(strings.Fields(rowOf(doc, name).Find(`td.access`).Text()), " ")
	}
	first := h.reload(paths.Accounts.Link()).doc(t)
	again := h.reload(paths.Accounts.Link()).doc(t)
	if cell(first, "gamma") != "none" || cell(again, "gamma") != "none" || rowNames(t, h.reload(paths.Accounts.Link())) != "alpha,beta,gamma" {
		t.Fatalf("gamma: %q then %q", cell(first, "gamma"), cell(again, "gamma"))
	}
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: accts["gamma"].ClientID, RoleID: 3, ScopeType: runai.ScopeTenant, ScopeID: "1001"})
	if got := cell(h.reload(paths.Accounts.Link()).doc(t), "gamma"); !strings.Contains(got, "Viewer") {
		t.Errorf("after a rule granted elsewhere: %q", got)
	}
	h.stub.Insert(stub.Account{Name: "delta", Enabled: true}, "s")
	if got := rowNames(t, h.reload(paths.Accounts.Link())); got != "alpha,beta,delta,gamma" {
		t.Errorf("after an account added elsewhere: %s", got)
	}
}
