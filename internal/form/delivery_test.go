package form_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
)

// FuzzParseDelivery: whatever is posted, a choice Validate accepts is
// deliverable: an allowed namespace, a valid Secret name, known keys; and
// "deliver only" never goes nowhere.
func FuzzParseDelivery(f *testing.F) {
	for _, s := range []string{
		"deliver_namespace=creds&deliver_name=team-a&deliver_keys=env",
		"deliver_namespace=creds&deliver_name=team-a&deliver_keys=file&deliver_only=1",
		"deliver_only=1", "deliver_namespace=kube-system&deliver_name=x",
		"deliver_namespace=creds&deliver_name=%00&deliver_keys=yaml&deliver_overwrite=12",
		"deliver_namespace=creds&deliver_name=a&deliver_name=b",
	} {
		f.Add(s)
	}
	allowed := []string{"creds", "ml-ci"}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		d := form.ParseDelivery(v)
		if errs := d.Validate(allowed, 0); errs != nil {
			return
		}
		if d.Only && !d.Wanted() {
			t.Fatalf("%q: deliver only, to nowhere", raw)
		}
		if !d.Wanted() {
			return
		}
		tg := d.Target()
		if !slices.Contains(allowed, tg.Namespace) || delivery.ValidName(tg.Name) != nil || tg.Keys.ClientSecret == "" {
			t.Fatalf("%q: accepted %+v", raw, tg)
		}
	})
}

func TestParseHandover(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want form.Handover
	}{
		{"", form.Handover{Write: true}}, // a form that did not offer it: the default
		{"handover_offered=1", form.Handover{}},
		{"handover_offered=1&handover=1", form.Handover{Write: true}},
		{"handover_offered=1&handover=1&restart_workloads=1", form.Handover{Write: true, Restart: true}},
		{"handover_offered=1&restart_workloads=1", form.Handover{Restart: true}},
		{"handover=0&handover_offered=1", form.Handover{}},
	} {
		v, _ := url.ParseQuery(tt.raw)
		if got := form.ParseHandover(v); got != tt.want {
			t.Errorf("%q: %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}

// TestDeliverOnlyIntoHeldSecrets: "deliver only" with no new Secret is
// refused unless the secret goes into Secrets that hold the account.
func TestDeliverOnlyIntoHeldSecrets(t *testing.T) {
	d := form.Delivery{Only: true}
	if d.Validate([]string{"creds"}, 0) == nil {
		t.Error("deliver only, to nowhere, accepted")
	}
	if errs := d.Validate([]string{"creds"}, 2); errs != nil {
		t.Errorf("deliver only into two held Secrets refused: %v", errs)
	}
}
