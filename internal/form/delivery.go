package form

import (
	"net/url"
	"slices"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
)

// Fields of a delivery choice, on the forms that make a secret (create,
// regenerate).
const (
	FieldDeliverNamespace = "deliver_namespace" // "" for no delivery
	FieldDeliverName      = "deliver_name"
	FieldDeliverKeys      = "deliver_keys" // a delivery.Preset
	FieldDeliverOnly      = "deliver_only"
	// FieldDeliverOverwrite confirms a Secret in the way: its resource
	// version, as the person was shown it.
	FieldDeliverOverwrite = "deliver_overwrite"
	// FieldDeleteSecrets, on the delete confirmation, deletes the Secrets
	// that hold the account too.
	FieldDeleteSecrets = "delete_secrets"
	// FieldHandover ("1") writes the new secret into the Secrets that
	// already hold the account (regenerate, a rotation's successor);
	// FieldHandoverOffered says the form offered it, so that an unchecked
	// box means no. FieldRestart ("1") restarts their readers that need
	// it.
	FieldHandover        = "handover"
	FieldHandoverOffered = "handover_offered"
	FieldRestart         = "restart_workloads"
)

// Handover is what a form that makes a new secret for an account already
// delivered does with the Secrets that hold it.
type Handover struct {
	// Write puts the new secret into every Secret that holds the account:
	// on unless the form offered it and it was unchecked.
	Write bool
	// Restart restarts, after the write, the Deployments, StatefulSets
	// and DaemonSets that read it through environment variables or subPath.
	Restart bool
}

// ParseHandover reads a hand-over choice.
func ParseHandover(v url.Values) Handover {
	return Handover{Write: v.Get(FieldHandover) == "1" || !v.Has(FieldHandoverOffered), Restart: v.Get(FieldRestart) == "1"}
}

// Delivery is where a form's new secret goes, chosen before it exists.
type Delivery struct {
	Namespace string // "" when the secret is not delivered
	Name      string
	Preset    delivery.Preset
	// Only: the secret is not shown in the browser at all.
	Only bool
	// Overwrite is the resource version of a Secret in the way that the
	// person confirmed overwriting.
	Overwrite string
}

// ParseDelivery reads a delivery choice; the preset defaults to the
// environment's keys.
func ParseDelivery(v url.Values) Delivery {
	d := Delivery{Namespace: one(v, FieldDeliverNamespace), Name: one(v, FieldDeliverName),
		Preset: delivery.Preset(one(v, FieldDeliverKeys)), Only: v.Get(FieldDeliverOnly) == "1", Overwrite: one(v, FieldDeliverOverwrite)}
	if d.Preset == "" {
		d.Preset = delivery.PresetEnv
	}
	return d
}

// Wanted reports whether the secret is to be delivered.
func (d Delivery) Wanted() bool { return d.Namespace != "" }

// Target is the choice as a delivery target; valid after Validate.
func (d Delivery) Target() delivery.Target {
	keys, _ := d.Preset.Keys()
	return delivery.Target{Namespace: d.Namespace, Name: d.Name, Keys: keys}
}

// Validate checks a wanted delivery against the allowed namespaces: a
// namespace among them, a valid Secret name, a known preset. "Deliver
// only" without a delivery is refused unless the secret also goes into
// Secrets that hold the account (handedOver of them): it would go
// nowhere.
func (d Delivery) Validate(allowed []string, handedOver int) Errors {
	e := Errors{}
	if !d.Wanted() {
		if d.Only && handedOver == 0 {
			e[FieldDeliverNamespace] = "Choose the namespace to deliver to: with \"deliver only\" the secret is shown nowhere else."
		}
		return e.orNil()
	}
	if !slices.Contains(allowed, d.Namespace) {
		e[FieldDeliverNamespace] = "The dashboard may deliver only to these namespaces: choose one of them."
	}
	if d.Name == "" {
		e[FieldDeliverName] = "Name the Secret."
	} else if err := delivery.ValidName(d.Name); err != nil {
		e[FieldDeliverName] = "Not a valid Secret name: " + err.Error() + "."
	}
	if _, ok := d.Preset.Keys(); !ok {
		e[FieldDeliverKeys] = "Choose the keys from the list."
	}
	return e.orNil()
}
