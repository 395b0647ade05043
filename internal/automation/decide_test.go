package automation

import (
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func TestDecide(t *testing.T) {
	policy := Policy{RotateEvery: 30 * day, RetireAfterUnused: day, DeleteAfter: 7 * day}
	old := &runai.ServiceAccount{ID: "o", Name: "etl", Enabled: true, LastLogin: t0.Add(-time.Hour)}
	succ := &runai.ServiceAccount{ID: "s", Name: "etl-r2", Enabled: true}
	delivered := SecretState{AccountName: "etl", AccountID: "o", DeliveredAt: t0.Add(-30 * day)}
	handedOver := SecretState{AccountName: "etl-r2", AccountID: "s", DeliveredAt: t0.Add(-2 * day), PredecessorID: "o", HandedOverAt: t0.Add(-2 * day)}
	with := func(a runai.ServiceAccount, f func(*runai.ServiceAccount)) *runai.ServiceAccount { f(&a); return &a }
	usedAt := func(a *runai.ServiceAccount, at time.Time) *runai.ServiceAccount {
		return with(*a, func(x *runai.ServiceAccount) { x.LastLogin = at })
	}
	disabledAt := func(a *runai.ServiceAccount, at time.Time) *runai.ServiceAccount {
		return with(*a, func(x *runai.ServiceAccount) { x.Enabled, x.UpdatedAt = false, at })
	}
	state := func(s SecretState, f func(*SecretState)) SecretState { f(&s); return s }

	tests := []struct {
		name string
		in   Input
		step Step
		at   time.Time
	}{
		{"no policy", Input{PolicyErr: ErrNoPolicy}, Idle, time.Time{}},
		{"invalid policy", Input{PolicyErr: errors.New("rotate-every: bad")}, Invalid, time.Time{}},
		{"paused everywhere", Input{Policy: policy, Paused: true, Secret: delivered, Held: old}, Paused, time.Time{}},
		{"paused Secret", Input{Policy: Policy{RotateEvery: day, Paused: true}, Secret: delivered, Held: old}, Paused, time.Time{}},

		{"declared, not approved", Input{Policy: policy, Secret: SecretState{Declared: true, AccountName: "etl"}, Held: old}, AwaitApproval, time.Time{}},
		{"declared, approved, no such account", Input{Policy: policy, Secret: SecretState{Declared: true, AccountName: "etl", Approved: true}}, Missing, time.Time{}},
		{"declared, approved", Input{Policy: policy, Secret: SecretState{Declared: true, AccountName: "etl", Approved: true}, Held: old}, Adopt, time.Time{}},
		{"adopted: due at once", Input{Policy: policy, Secret: SecretState{Declared: true, AccountName: "etl", AccountID: "o", Approved: true}, Held: old}, Start, time.Time{}},
		{"held account gone", Input{Policy: policy, Secret: delivered}, Missing, time.Time{}},

		{"a second before due", Input{Now: t0.Add(-time.Second), Policy: policy, Secret: delivered, Held: old}, Wait, t0},
		{"due", Input{Now: t0, Policy: policy, Secret: delivered, Held: old}, Start, time.Time{}},
		{"due, within its random delay", Input{Now: t0, Policy: policy, Secret: state(delivered, func(s *SecretState) { s.NextStepAt = t0.Add(time.Minute) }), Held: old}, Wait, t0.Add(time.Minute)},
		{"a stale random delay", Input{Now: t0, Policy: policy, Secret: state(delivered, func(s *SecretState) { s.NextStepAt = t0.Add(-40 * day) }), Held: old}, Start, time.Time{}},
		{"never delivered", Input{Now: t0, Policy: policy, Secret: state(delivered, func(s *SecretState) { s.DeliveredAt = time.Time{} }), Held: old}, Start, time.Time{}},

		{"successor lacks rules", Input{Now: t0, Policy: policy, Secret: delivered, Held: old, Successor: succ}, CopyRules, time.Time{}},
		{"successor has them, not handed over (a lost secret too)", Input{Now: t0, Policy: policy, Secret: delivered, Held: old, Successor: succ, RulesCopied: true}, HandOver, time.Time{}},

		{"successor unused since the hand-over", Input{Now: t0, Policy: policy, Secret: handedOver, Held: usedAt(succ, t0.Add(-2*day)), Predecessor: old}, AwaitEvidence, t0.Add(EvidencePoll)},
		{"successor used; old a second short of unused long enough", Input{Now: t0.Add(-time.Hour).Add(day - time.Second), Policy: policy, Secret: handedOver, Held: usedAt(succ, t0.Add(-day)), Predecessor: old}, AwaitEvidence, t0.Add(-time.Hour).Add(day)},
		{"successor used; old unused long enough", Input{Now: t0.Add(-time.Hour).Add(day), Policy: policy, Secret: handedOver, Held: usedAt(succ, t0.Add(-day)), Predecessor: old}, Disable, time.Time{}},
		{"old never used after the hand-over: counted from it", Input{Now: t0.Add(-day), Policy: policy, Secret: handedOver, Held: usedAt(succ, t0.Add(-36*time.Hour)), Predecessor: usedAt(old, t0.Add(-40*day))}, Disable, time.Time{}},
		{"old used again: the clock starts again", Input{Now: t0, Policy: policy, Secret: handedOver, Held: usedAt(succ, t0.Add(-day)), Predecessor: usedAt(old, t0.Add(-time.Minute))}, AwaitEvidence, t0.Add(-time.Minute).Add(day)},

		{"disabled, a second before delete-after", Input{Now: t0.Add(7*day - time.Second), Policy: policy, Secret: state(handedOver, func(s *SecretState) { s.DisabledAt = t0 }), Held: usedAt(succ, t0), Predecessor: disabledAt(old, t0)}, Wait, t0.Add(7 * day)},
		{"disabled for delete-after", Input{Now: t0.Add(7 * day), Policy: policy, Secret: state(handedOver, func(s *SecretState) { s.DisabledAt = t0 }), Held: usedAt(succ, t0), Predecessor: disabledAt(old, t0)}, Delete, time.Time{}},
		{"disabled by someone else: from Run:ai's last change", Input{Now: t0.Add(7 * day), Policy: policy, Secret: handedOver, Held: usedAt(succ, t0), Predecessor: disabledAt(old, t0.Add(time.Hour))}, Wait, t0.Add(7*day + time.Hour)},
		{"delete-after never", Input{Now: t0.Add(700 * day), Policy: Policy{RotateEvery: 30 * day, RetireAfterUnused: day, DeleteNever: true}, Secret: handedOver, Held: usedAt(succ, t0), Predecessor: disabledAt(old, t0)}, Idle, time.Time{}},
		{"no rotation while a predecessor exists, however due", Input{Now: t0.Add(400 * day), Policy: policy, Secret: handedOver, Held: usedAt(succ, t0), Predecessor: disabledAt(old, t0.Add(399*day))}, Wait, t0.Add(406 * day)},
		{"predecessor deleted: the next rotation is due from the hand-over", Input{Now: t0.Add(28 * day), Policy: policy, Secret: handedOver, Held: usedAt(succ, t0)}, Start, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.in)
			if d.Step != tt.step || !d.At.Equal(tt.at) {
				t.Errorf("Decide = %s at %v (%s), want %s at %v", d.Step, d.At, d.Why, tt.step, tt.at)
			}
			if d.Why == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		ann  map[string]string
		want Policy
		err  bool
	}{
		{map[string]string{}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "30d"}, Policy{RotateEvery: 30 * day, RetireAfterUnused: day, DeleteAfter: 7 * day}, false},
		{map[string]string{AnnRotateEvery: "720h", AnnRetireAfterUnused: "2h", AnnDeleteAfter: "never", AnnRestartWorkloads: "true", AnnPaused: "false"},
			Policy{RotateEvery: 30 * day, RetireAfterUnused: 2 * time.Hour, DeleteAfter: 7 * day, DeleteNever: true, RestartWorkloads: true}, false},
		{map[string]string{AnnRotateEvery: "24h"}, Policy{RotateEvery: day, RetireAfterUnused: day, DeleteAfter: 7 * day}, false},
		{map[string]string{AnnRotateEvery: "23h59m"}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "30d", AnnRetireAfterUnused: "59m"}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "30d", AnnDeleteAfter: "soon"}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "30d", AnnDeleteAfter: "-1h"}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "30d", AnnPaused: "yes"}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "-30d"}, Policy{}, true},
		{map[string]string{AnnRotateEvery: "x d"}, Policy{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePolicy(tt.ann)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParsePolicy(%v) = %+v, %v", tt.ann, got, err)
		}
	}
	if _, err := ParsePolicy(map[string]string{}); !errors.Is(err, ErrNoPolicy) {
		t.Errorf("no policy: %v", err)
	}
}

func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{"30d", "720h", "24h", "1d", "0d", "never", "-1h", "99999d", "1.5h"} {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, every, retire, del string) {
		p, err := ParsePolicy(map[string]string{AnnRotateEvery: every, AnnRetireAfterUnused: retire, AnnDeleteAfter: del})
		if err != nil {
			return
		}
		if p.RotateEvery < MinRotateEvery || p.RetireAfterUnused < TokenLifetime || (!p.DeleteNever && p.DeleteAfter < 0) {
			t.Fatalf("%q %q %q: accepted %+v", every, retire, del, p)
		}
	})
}

func TestAdopt(t *testing.T) {
	rules, err := ParseAdopt(" team-a=etl-* , ml-ci=*,")
	if err != nil || len(rules) != 2 {
		t.Fatalf("ParseAdopt = %v, %v", rules, err)
	}
	for _, tt := range []struct {
		ns, name string
		want     bool
	}{
		{"team-a", "etl-nightly", true}, {"team-a", "etl", false}, {"team-a", "ml-x", false},
		{"ml-ci", "anything", true}, {"team-b", "etl-nightly", false}, {"team-a-2", "etl-x", false},
	} {
		if got := Adopts(rules, tt.ns, tt.name); got != tt.want {
			t.Errorf("Adopts(%s, %s) = %v", tt.ns, tt.name, got)
		}
	}
	for _, bad := range []string{"team-a", "=x", "team-a=", "team-a=[x"} {
		if _, err := ParseAdopt(bad); err == nil {
			t.Errorf("ParseAdopt(%q) accepted", bad)
		}
	}
}

func TestStates(t *testing.T) {
	all := []runai.ServiceAccount{{ID: "a", Name: "etl"}, {ID: "b", Name: "ml"}, {ID: "c", Name: "ci"}}
	held := []delivery.Held{
		{AccountID: "a", DeliveredAt: t0.Add(-31 * day), HandedOverAt: t0.Add(-31 * day), PredecessorID: "old", Ann: map[string]string{AnnRotateEvery: "30d"}},
		{AccountID: "a", DeliveredAt: t0, Ann: map[string]string{AnnRotateEvery: "30d", AnnPhase: string(Failing)}},
		{Declared: true, Account: "ml", Ann: map[string]string{AnnRotateEvery: "30d"}},
		{Declared: true, Account: "nobody", Ann: map[string]string{AnnRotateEvery: "30d"}},
		{AccountID: "c", DeliveredAt: t0, Ann: map[string]string{AnnRotateEvery: "1h"}},
	}
	got := States(held, all, t0)
	want := map[string]State{
		"a":   {Automated: true, Due: true, Failing: true, LastRotation: t0.Add(-31 * day), RotationDue: t0.Add(-day)},
		"old": {HandedOverFrom: t0.Add(-31 * day)},
		"b":   {Waiting: true},
		"c":   {},
	}
	if len(got) != len(want) {
		t.Fatalf("States = %v", got)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %+v, want %+v", id, got[id], w)
		}
	}
}

// TestStatusOnly: the controller's own status writes do not wake it; any
// other change of the Secret's metadata does.
func TestStatusOnly(t *testing.T) {
	base := map[string]string{AnnRotateEvery: "30d", AnnPhase: "waiting", AnnNextStepAt: "2026-12-06T12:00:00Z"}
	with := func(kv ...string) map[string]string {
		m := maps.Clone(base)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	labels := map[string]string{delivery.LabelManagedBy: delivery.ManagedBy}
	for _, tt := range []struct {
		name     string
		ann      map[string]string
		newLabel map[string]string
		want     bool
	}{
		{"next-step-at moved", with(AnnNextStepAt, "2026-12-06T12:10:00Z"), labels, true},
		{"phase and last error", with(AnnPhase, string(Failing), AnnLastError, "x"), labels, true},
		{"the policy changed", with(AnnRotateEvery, "7d"), labels, false},
		{"paused", with(AnnPaused, "true"), labels, false},
		{"approved", with(AnnApprovedBy, "ada"), labels, false},
		{"the label changed", base, nil, false},
	} {
		if got := StatusOnly(labels, tt.newLabel, base, tt.ann); got != tt.want {
			t.Errorf("%s: %v", tt.name, got)
		}
	}
}
