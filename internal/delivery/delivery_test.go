package delivery

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

var (
	target  = Target{Namespace: "creds", Name: "team-a", Keys: EnvKeys}
	account = runai.ServiceAccount{ID: "id-1", Name: "team-a-ci", ClientID: "cid-1"}
)

func secret(labels, ann map[string]string, typ corev1.SecretType, rv string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Namespace: "creds", Labels: labels, Annotations: ann, ResourceVersion: rv},
		Type: typ, Data: map[string][]byte{"tls.crt": []byte("x"), "password": []byte("y")}}
}

func TestCheck(t *testing.T) {
	managed := map[string]string{LabelManagedBy: ManagedBy}
	tests := []struct {
		name string
		s    *corev1.Secret
		ow   Overwrite
		want func(error) bool
	}{
		{"managed for this account", secret(managed, map[string]string{AnnServiceAccountID: "id-1"}, corev1.SecretTypeOpaque, "5"), Overwrite{}, isNil},
		{"type left empty is Opaque", secret(managed, map[string]string{AnnServiceAccountID: "id-1"}, "", "5"), Overwrite{}, isNil},
		{"managed for another account", secret(managed, map[string]string{AnnServiceAccountID: "id-2", AnnServiceAccount: "other"}, corev1.SecretTypeOpaque, "5"), Overwrite{},
			func(err error) bool {
				var fe *ForeignError
				return errors.As(err, &fe) && fe.Holds == "other" && fe.ResourceVersion == "5"
			}},
		{"not managed", secret(nil, nil, corev1.SecretTypeOpaque, "5"), Overwrite{}, func(err error) bool {
			var fe *ForeignError
			return errors.As(err, &fe) && fe.Holds == "" && strings.Join(fe.Keys, ",") == "password,tls.crt"
		}},
		{"not managed, confirmed", secret(nil, nil, corev1.SecretTypeOpaque, "5"), Overwrite{ResourceVersion: "5"}, isNil},
		{"confirmed, changed since", secret(nil, nil, corev1.SecretTypeOpaque, "6"), Overwrite{ResourceVersion: "5"}, func(err error) bool {
			var fe *ForeignError
			return errors.As(err, &fe) && fe.ResourceVersion == "6"
		}},
		{"TLS, even confirmed", secret(nil, nil, corev1.SecretTypeTLS, "5"), Overwrite{ResourceVersion: "5"}, func(err error) bool {
			var no *NotOpaqueError
			return errors.As(err, &no) && no.Type == corev1.SecretTypeTLS
		}},
		{"the dashboard's own, even confirmed", secret(map[string]string{LabelOwnSecret: OwnSecret}, nil, corev1.SecretTypeOpaque, "5"), Overwrite{ResourceVersion: "5"},
			func(err error) bool { return errors.Is(err, ErrOwnSecret) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.s, target, "id-1", tt.ow); !tt.want(err) {
				t.Errorf("Check = %v", err)
			}
		})
	}
}

func isNil(err error) bool { return err == nil }

// TestWriteStampsAndReplacesItsOldKeys: a Secret delivered with one
// preset and then another holds the new keys only (the old secret under
// the old names is gone), keeps keys it never wrote, and says in its
// annotations what it holds, never the secret.
func TestWriteStampsAndReplacesItsOldKeys(t *testing.T) {
	cs := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "team-a", Namespace: "creds", ResourceVersion: "1"},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"unrelated": []byte("kept")}})
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	cr := Credentials{Account: account, ClientID: "cid-1", Secret: runai.Secret("s3cret-one"), URL: "https://x.run.ai"}
	if err := Write(ctx, cs, target, cr, "ada@example.com", now, Overwrite{ResourceVersion: "1"}, false); err != nil {
		t.Fatal(err)
	}
	file := target
	file.Keys = FileKeys
	cr.Secret = runai.Secret("s3cret-two")
	if err := Write(ctx, cs, file, cr, "ada@example.com", now, Overwrite{}, false); err != nil {
		t.Fatal(err)
	}
	s, err := cs.CoreV1().Secrets("creds").Get(ctx, "team-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Data["secret"]) != "s3cret-two" || string(s.Data["unrelated"]) != "kept" || s.Data["RUNAI_CLIENT_SECRET"] != nil {
		t.Errorf("data keys %v", keysOf(s.Data))
	}
	want := map[string]string{AnnServiceAccount: "team-a-ci", AnnServiceAccountID: "id-1", AnnClientID: "cid-1",
		AnnDeliveredAt: "2026-12-06T10:00:00Z", AnnDeliveredBy: "ada@example.com", AnnKeys: "client-id,secret,url"}
	for k, v := range want {
		if s.Annotations[k] != v {
			t.Errorf("%s = %q, want %q", k, s.Annotations[k], v)
		}
	}
	for k, v := range s.Annotations {
		if strings.Contains(v, "s3cret") {
			t.Errorf("annotation %s holds the secret", k)
		}
	}
	if !Managed(s.Labels) {
		t.Error("not labelled as managed")
	}
	h := heldOf(s.ObjectMeta)
	if h.String() != "creds/team-a" || !h.Current(account) || !h.DeliveredAt.Equal(now) || h.DeliveredBy != "ada@example.com" {
		t.Errorf("held %+v", h)
	}
}

func keysOf(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestHoldingAndOrphans(t *testing.T) {
	held := []Held{{Name: "a", AccountID: "id-1"}, {Name: "b", AccountID: "id-2"}, {Name: "c", AccountID: "id-1"}}
	if got := Holding(held, "id-1"); len(got) != 2 || got[0].Name != "a" || got[1].Name != "c" {
		t.Errorf("Holding = %v", got)
	}
	if got := Orphans(held, []runai.ServiceAccount{{ID: "id-1"}}); len(got) != 1 || got[0].Name != "b" {
		t.Errorf("Orphans = %v", got)
	}
}

func TestValidNameAndPresets(t *testing.T) {
	for name, ok := range map[string]bool{"team-a": true, "a.b": true, "Team": false, "": false, strings.Repeat("a", 254): false, "-a": false} {
		if err := ValidName(name); (err == nil) != ok {
			t.Errorf("ValidName(%q) = %v", name, err)
		}
	}
	for _, p := range Presets {
		if k, ok := p.Keys(); !ok || k.ClientID == "" || p.Label() == "" {
			t.Errorf("preset %s", p)
		}
	}
	if _, ok := Preset("other").Keys(); ok {
		t.Error("unknown preset accepted")
	}
}

// TestHandOverRecordsThePredecessor: a Secret that holds an account takes
// its successor's credentials only as a hand-over from that account
// (never from another's), records whom it held and when, keeps that
// through the successor's later writes, and forgets it when another
// account is written into it.
func TestHandOverRecordsThePredecessor(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	cs := fake.NewClientset()
	old := runai.ServiceAccount{ID: "id-old", Name: "etl", ClientID: "cid-old"}
	succ := runai.ServiceAccount{ID: "id-new", Name: "etl-r2", ClientID: "cid-new"}
	get := func() *corev1.Secret {
		s, err := cs.CoreV1().Secrets("creds").Get(ctx, "team-a", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	write := func(a runai.ServiceAccount, ow Overwrite, at time.Time) error {
		return Write(ctx, cs, target, Credentials{Account: a, ClientID: a.ClientID, Secret: "s", URL: "u"}, "ada", at, ow, false)
	}
	if err := write(old, Overwrite{}, t0); err != nil {
		t.Fatal(err)
	}
	var fe *ForeignError
	if err := write(succ, Overwrite{From: "id-someone-else"}, t0); !errors.As(err, &fe) || fe.Holds != "etl" {
		t.Fatalf("a hand-over from another account: %v", err)
	}
	if err := write(succ, Overwrite{From: old.ID}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	h := heldOf(get().ObjectMeta)
	if h.AccountID != succ.ID || h.Predecessor != "etl" || h.PredecessorID != old.ID || !h.HandedOverAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after the hand-over: %+v", h)
	}
	if err := write(succ, Overwrite{}, t0.Add(2*time.Hour)); err != nil { // the successor's secret regenerated
		t.Fatal(err)
	}
	if h := heldOf(get().ObjectMeta); h.Predecessor != "etl" || !h.HandedOverAt.Equal(t0.Add(time.Hour)) || !h.DeliveredAt.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("the successor's own write lost the hand-over: %+v", h)
	}
	other := runai.ServiceAccount{ID: "id-other", Name: "other", ClientID: "cid-other"}
	cur := get() // the fake keeps no resource versions: give it one to confirm
	cur.ResourceVersion = "42"
	if _, err := cs.CoreV1().Secrets("creds").Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := write(other, Overwrite{ResourceVersion: "42"}, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if h := heldOf(get().ObjectMeta); h.Predecessor != "" || h.PredecessorID != "" || !h.HandedOverAt.IsZero() {
		t.Errorf("another account's write kept a hand-over it did not make: %+v", h)
	}
	if tg, ok := h.Target(); !ok || tg.Keys != EnvKeys || tg.String() != "creds/team-a" {
		t.Errorf("Target = %v %v", tg, ok)
	}
	if _, ok := (Held{Keys: []string{"a", "b"}}).Target(); ok {
		t.Error("a Secret with two keys recorded has a target")
	}
}
