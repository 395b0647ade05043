package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// rotationFixture: etl (secret "old-secret") with two rules.
func rotationFixture(t *testing.T) (*harness, stub.Account) {
	t.Helper()
	h := newHarness(t, options{})
	etl := h.stub.Insert(stub.Account{Name: "etl", Enabled: true, CreatedBy: "ann@x.io", CreatedAt: time.Now().Add(-90 * 24 * time.Hour)}, "old-secret")
	sc := h.stub.Scopes()
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: etl.ClientID, RoleID: 28, ScopeType: runai.ScopeProject, ScopeID: sc.Projects[0].ID})
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: etl.ClientID, RoleID: 3, ScopeType: runai.ScopeTenant, ScopeID: "1001"})
	h.signIn()
	return h, etl
}

// TestRotationEndToEnd: start, hand over, retire, finish, with the point of
// the feature proved at the stub: during the rotation both secrets get a
// token; after retiring, the old one is refused.
func TestRotationEndToEnd(t *testing.T) {
	h, etl := rotationFixture(t)
	confirm := h.get(paths.AccountRotate.ID(etl.ID)).doc(t)
	if got := confirm.Find("#successor-name").AttrOr("value", ""); got != "etl-r2" {
		t.Fatalf("proposed name %q", got)
	}
	if confirm.Find(`[data-testid="rotate-rules"] li`).Length() != 2 {
		t.Error("the confirmation does not list the rules to copy")
	}
	r := h.post(paths.AccountRotate.ID(etl.ID), url.Values{"name": {"etl-r2"}}, false)
	doc := r.doc(t)
	secret := doc.Find(`[data-testid="secret-value"]`).Text()
	clientID := doc.Find(`[data-testid="secret-client-id"]`).Text()
	if r.StatusCode != 200 || secret == "" || doc.Find(`[data-testid="rule-ok"]`).Length() != 2 {
		t.Fatalf("%d: %s", r.StatusCode, doc.Find("main").Text())
	}
	succ, _ := h.stub.AccountByName("etl-r2")
	if n := len(rulesOf(h, succ)); n != 2 {
		t.Fatalf("the successor has %d rules", n)
	}
	if _, err := h.api.ExchangeToken(t.Context(), etl.ClientID, "old-secret"); err != nil {
		t.Errorf("during the rotation the old secret must work: %v", err)
	}
	if _, err := h.api.ExchangeToken(t.Context(), clientID, runai.Secret(secret)); err != nil {
		t.Errorf("the successor's secret must work: %v", err)
	}

	// Both pages show the pairing; the successor has logged in now (the
	// exchange above), after the old one: ready to retire.
	page := h.get(paths.Account.ID(etl.ID)).doc(t)
	if got := page.Find(`[data-testid="rotation-next"]`).Text(); !strings.Contains(got, "Ready to retire etl") {
		t.Errorf("next step %q", got)
	}
	if !strings.Contains(h.get(paths.Account.ID(succ.ID)).doc(t).Find(`[data-testid="rotation-panel"] h2`).Text(), "etl → etl-r2") {
		t.Error("the successor's page does not show the pairing")
	}
	list := h.get(paths.Accounts.Link()).doc(t)
	if rowOf(list, "etl").Find(`td.st[data-flags~=rotating]`).Length() != 1 || rowOf(list, "etl-r2").Find(`td.st[data-flags~=successor]`).Length() != 1 {
		t.Error("rows of the pair carry no badge")
	}
	if got := strings.Join(strings.Fields(list.Find(`[data-testid^="summary-rotation"]`).Text()), " "); got != "1 rotation" {
		t.Errorf("summary %q", got)
	}
	if got := rowNames(t, h.get(paths.Accounts.Link().RawQuery("rotation=rotating"))); got != "etl,etl-r2" {
		t.Errorf("rotating filter: %s", got)
	}

	// Retire: disabled first; finish: deleted after a second confirmation.
	if h.get(paths.RotationFinish.ID(etl.ID)).StatusCode != http.StatusSeeOther {
		t.Error("delete offered before the old account was retired")
	}
	if r := h.post(paths.RotationRetire.ID(etl.ID), nil, false); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire: %d", r.StatusCode)
	}
	if a, _ := h.stub.Account(etl.ID); a.Enabled {
		t.Fatal("not disabled")
	}
	if _, err := h.api.ExchangeToken(t.Context(), etl.ClientID, "old-secret"); err == nil {
		t.Error("after retiring, the old secret still gets a token")
	}
	if got := h.get(paths.Account.ID(etl.ID)).doc(t).Find(`[data-testid="rotation-next"]`).Text(); !strings.Contains(got, "retired") {
		t.Errorf("after retiring: %q", got)
	}
	if h.get(paths.RotationFinish.ID(etl.ID)).StatusCode != 200 {
		t.Error("no second confirmation")
	}
	r = h.post(paths.RotationFinish.ID(etl.ID), nil, false)
	if _, ok := h.stub.Account(etl.ID); ok || r.Header.Get("Location") != paths.Account.ID(succ.ID).String() {
		t.Errorf("finish: old exists=%v, to %q", ok, r.Header.Get("Location"))
	}
	for _, l := range []string{"action=rotate", "action=disable", "action=delete"} {
		if !strings.Contains(h.logs.String(), "msg=audit "+l) {
			t.Errorf("no audit line %s", l)
		}
	}
}

func rulesOf(h *harness, a stub.Account) []stub.Rule {
	var out []stub.Rule
	for _, r := range h.stub.Rules() {
		if a.Owns(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestRotationStopsOnARefusedRule: a refused rule stops before the
// handover (no credentials shown), and resuming adds it.
func TestRotationStopsOnARefusedRule(t *testing.T) {
	h, etl := rotationFixture(t)
	h.get(paths.AccountRotate.ID(etl.ID))
	h.stub.FailNext(stub.OpRuleCreate, 1, 403)
	doc := h.post(paths.AccountRotate.ID(etl.ID), url.Values{"name": {"etl-r2"}}, false).doc(t)
	if doc.Find(`[data-testid="secret-value"]`).Length() != 0 {
		t.Error("credentials shown although the successor lacks access")
	}
	if doc.Find(`[data-testid="rule-failed"]`).Length() != 1 || doc.Find(`[data-testid="rotation-stopped"]`).Length() != 1 {
		t.Fatalf("stop not explained: %s", doc.Find("main").Text())
	}
	page := h.get(paths.Account.ID(etl.ID)).doc(t)
	if page.Find(`[data-testid="rotation-missing"] li`).Length() != 1 {
		t.Error("the panel does not say what is missing")
	}
	doc = h.post(paths.RotationResume.ID(etl.ID), nil, false).doc(t)
	if doc.Find(`[data-testid="rule-ok"]`).Length() != 1 || doc.Find(`[data-testid="rule-already"]`).Length() != 1 || doc.Find(`[data-testid="rotation-issue"]`).Length() != 1 {
		t.Errorf("resume: %s", doc.Find("main").Text())
	}
	succ, _ := h.stub.AccountByName("etl-r2")
	if n := len(rulesOf(h, succ)); n != 2 {
		t.Errorf("after resuming the successor has %d rules", n)
	}
}

func TestRotationCancel(t *testing.T) {
	h, etl := rotationFixture(t)
	h.get(paths.AccountRotate.ID(etl.ID))
	h.post(paths.AccountRotate.ID(etl.ID), url.Values{"name": {"etl-r2"}}, false)
	succ, _ := h.stub.AccountByName("etl-r2")
	if h.get(paths.RotationDiscard.ID(etl.ID)).StatusCode != http.StatusSeeOther {
		t.Error("delete of the successor offered before cancelling")
	}
	h.post(paths.RotationCancel.ID(etl.ID), nil, false)
	if a, _ := h.stub.Account(succ.ID); a.Enabled {
		t.Fatal("successor not disabled")
	}
	if a, _ := h.stub.Account(etl.ID); !a.Enabled {
		t.Fatal("the old account was touched")
	}
	if got := h.get(paths.Account.ID(etl.ID)).doc(t).Find(`[data-testid="rotation-next"]`).Text(); !strings.Contains(got, "Cancelled") {
		t.Errorf("after cancelling: %q", got)
	}
	h.post(paths.RotationDiscard.ID(etl.ID), nil, false)
	if _, ok := h.stub.Account(succ.ID); ok {
		t.Error("successor not deleted")
	}
	if len(rulesOf(h, succ)) != 0 {
		t.Error("the successor's rules outlived it")
	}
}

func TestRotationName(t *testing.T) {
	h, etl := rotationFixture(t)
	h.get(paths.AccountRotate.ID(etl.ID))
	for name, want := range map[string]string{"etl-copy": "rotation can be followed", "Etl-r2": "Invalid successor name", "etl-r2": ""} {
		r := h.post(paths.AccountRotate.ID(etl.ID), url.Values{"name": {name}}, false)
		got := r.doc(t).Find("#successor-name-error").Text()
		if want == "" {
			if r.StatusCode != 200 {
				t.Errorf("%s: %d %s", name, r.StatusCode, got)
			}
			continue
		}
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, want) {
			t.Errorf("%s: %d %q", name, r.StatusCode, got)
		}
	}
	// The next proposal skips the generation now taken.
	if got := h.get(paths.AccountRotate.ID(etl.ID)).doc(t).Find("#successor-name").AttrOr("value", ""); got != "etl-r3" {
		t.Errorf("second proposal %q", got)
	}
	// A taken name is refused by Run:ai and said next to the field.
	r := h.post(paths.AccountRotate.ID(etl.ID), url.Values{"name": {"etl-r2"}}, false)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.doc(t).Find("#successor-name-error").Text(), "already taken") {
		t.Errorf("taken: %d %q", r.StatusCode, r.doc(t).Find("#successor-name-error").Text())
	}
}

// TestRotationRecordedWhenDone: the dashboard's record says a rotation
// succeeded only once every rule was copied; one stopped by a refused
// rule is recorded as failed. Every change is recorded before it is sent
// (its intent), and once with its outcome.
func TestRotationRecordedWhenDone(t *testing.T) {
	rec := record.NewMemory(100)
	h, accts := accessFixture(t, func(d *handlers.Deps) { d.Record = rec })
	h.stub.FailNext(stub.OpRuleCreate, 1, http.StatusForbidden)
	h.post(paths.AccountRotate.ID(accts["alpha"].ID), url.Values{"name": {"alpha-r2"}}, false)
	entries, _ := rec.Recent(context.Background(), 100)
	outcomes := map[string]string{}
	for _, e := range entries {
		outcomes[e.Action] = e.Outcome
	}
	if outcomes["rotate"] != record.Failed || outcomes["create"] != record.Succeeded {
		t.Errorf("outcomes %v: the rotation stopped before the handover must be recorded as failed", outcomes)
	}
	for _, e := range entries {
		if e.ID == "" || e.Outcome == record.Pending {
			t.Errorf("%s: %+v, want a change id and an outcome", e.Action, e)
		}
	}
}
