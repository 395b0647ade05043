package inventory_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/inventory"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func TestTake(t *testing.T) {
	acct := func(id, name string, enabled bool, created, login time.Duration) runai.ServiceAccount {
		a := runai.ServiceAccount{ID: id, Name: name, Enabled: enabled, CreatedAt: now.Add(-created)}
		if login > 0 {
			a.LastLogin = now.Add(-login)
		}
		return a
	}
	accounts := []runai.ServiceAccount{
		acct("1", "etl", true, 400*day, 200*day),   // stale, automated, rotating (etl-r2)
		acct("2", "etl-r2", true, day, time.Hour),  // rotating
		acct("3", "new", true, 10*day, 0),          // never used, no access
		acct("4", "old", false, 500*day, 300*day),  // disabled with access, stale
		acct("5", "declared", true, 30*day, 2*day), // waiting for approval
	}
	rules := []runai.AccessRule{
		{SubjectType: runai.SubjectServiceAccount, SubjectID: "1", RoleID: 1, ScopeType: runai.ScopeTenant, ScopeID: "t"},
		{SubjectType: runai.SubjectServiceAccount, SubjectID: "2", RoleID: 1, ScopeType: runai.ScopeTenant, ScopeID: "t"},
		{SubjectType: runai.SubjectServiceAccount, SubjectID: "4", RoleID: 1, ScopeType: runai.ScopeTenant, ScopeID: "t"},
		{SubjectType: runai.SubjectServiceAccount, SubjectID: "5", RoleID: 1, ScopeType: runai.ScopeTenant, ScopeID: "t"},
	}
	held := []delivery.Held{
		{AccountID: "1", DeliveredAt: now.Add(-40 * day), HandedOverAt: now.Add(-40 * day), Ann: map[string]string{automation.AnnRotateEvery: "30d", automation.AnnPhase: string(automation.Failing)}},
		{Declared: true, Account: "declared", Ann: map[string]string{automation.AnnRotateEvery: "30d"}},
	}
	s := inventory.Take(inventory.Input{Accounts: accounts, Rules: rules, RulesKnown: true, Held: held, Now: now, StaleDays: 90})
	want := map[string]int{"enabled": 4, "disabled": 1, "never_used": 1, "stale": 2, "no_access": 1, "disabled_with_access": 1,
		"rotating": 2, "automated": 1, "waiting_for_approval": 1, "failing": 1}
	for st, n := range want {
		if s.Counts[st] != n {
			t.Errorf("%s: %d, want %d", st, s.Counts[st], n)
		}
	}
	if len(s.Counts) != len(inventory.States) || len(s.Accounts) != 5 || !s.Accounts[0].LastRotation.Equal(now.Add(-40*day)) {
		t.Errorf("snapshot %+v", s)
	}

	many := make([]runai.ServiceAccount, 1500) // more than the API holds: a hostile answer
	for i := range many {
		many[i] = acct(fmt.Sprint(i), fmt.Sprint("a", i), true, day, 0)
	}
	if s := inventory.Take(inventory.Input{Accounts: many, Now: now, StaleDays: 90}); len(s.Accounts) != runai.MaxServiceAccounts {
		t.Errorf("%d accounts exported, want at most %d", len(s.Accounts), runai.MaxServiceAccounts)
	}
}

// series gathers the registry's series by name.
func series(t *testing.T, reg *prometheus.Registry) map[string][]*dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf.GetMetric()
	}
	return out
}

// TestGaugesAt1000: against the stub with 1000 accounts and 1500 rules,
// one read exports a count for every state that agrees with the list
// page's summary (computed by listview, independently), and one series
// per account and per timestamp, labelled by name and id only. Before its
// first read (as on a replica that does not lead, where it never runs) it
// exports nothing but its error count.
func TestGaugesAt1000(t *testing.T) {
	s := stub.New(stub.Config{AdminClientID: "automation", AdminClientSecret: "standing-secret-value", Seed: 1000, Now: func() time.Time { return now }})
	s.GrowRules(1500)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	api, err := apiclient.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	token := func(ctx context.Context) (string, error) {
		tok, err := api.ExchangeToken(ctx, "automation", "standing-secret-value")
		return tok.AccessToken.Reveal(), err
	}
	src := inventory.Sources{API: api, Token: token, StaleDays: 90, Now: func() time.Time { return now }}
	w := inventory.NewWatch(src.Read, time.Minute, slog.New(slog.DiscardHandler), func() time.Time { return now })
	reg := prometheus.NewRegistry()
	reg.MustRegister(w)

	if got := series(t, reg); len(got) != 1 || got["runai_inventory_read_errors_total"] == nil {
		t.Fatalf("before the first read: %v", got)
	}
	s.ResetCalls()
	began := time.Now()
	w.Once(context.Background())
	t.Logf("one read at 1000 accounts, 1500 rules: %d Run:ai calls, %v", len(s.Calls()), time.Since(began).Round(time.Millisecond))
	got := series(t, reg)
	total := 0
	for name, ms := range got {
		total += len(ms)
		for _, m := range ms {
			for _, l := range m.GetLabel() {
				if name != "runai_service_accounts" && l.GetName() != "name" && l.GetName() != "id" {
					t.Fatalf("%s has the label %s", name, l.GetName())
				}
			}
		}
	}
	t.Logf("series: %d", total)
	if n := len(got["runai_service_account_last_login_timestamp_seconds"]); n != 1000 {
		t.Errorf("%d last-login series, want 1000", n)
	}
	if n := len(got["runai_service_account_created_timestamp_seconds"]); n != 1000 {
		t.Errorf("%d created series, want 1000", n)
	}
	if m := got["runai_inventory_last_success_timestamp_seconds"]; len(m) != 1 || m[0].GetGauge().GetValue() != float64(now.Unix()) {
		t.Errorf("last success %v", m)
	}
	counts := map[string]float64{}
	for _, m := range got["runai_service_accounts"] {
		counts[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	in := listview.Accounts{All: s.Accounts(), RulesKnown: true, Rules: runai.RulesByAccount(s.Accounts(), s.Rules())}
	sum := listview.Apply(in, listview.Default(90), now).Summary
	for st, n := range map[string]int{"enabled": sum.Enabled, "disabled": sum.Disabled, "never_used": sum.Never, "stale": sum.Stale,
		"no_access": sum.NoAccess, "disabled_with_access": sum.DisabledWithAccess} {
		if counts[st] != float64(n) {
			t.Errorf("%s: %v, the list's summary says %d", st, counts[st], n)
		}
	}
	if len(counts) != len(inventory.States) {
		t.Errorf("states exported: %v", counts)
	}
	for _, m := range got["runai_service_account_last_login_timestamp_seconds"] {
		if v := m.GetGauge().GetValue(); v != 0 && (v < float64(now.Add(-10*365*day).Unix()) || v > float64(now.Unix())) {
			t.Fatalf("a last login out of bounds: %v", v)
		}
	}

	s.FailNext(stub.OpToken, 1, 401) // the standing credential refused: the last snapshot stays, the error is counted
	w.Once(context.Background())
	got = series(t, reg)
	if got["runai_inventory_read_errors_total"][0].GetCounter().GetValue() != 1 || len(got["runai_service_account_created_timestamp_seconds"]) != 1000 {
		t.Error("a failed read dropped the snapshot or was not counted")
	}
}
