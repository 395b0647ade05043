package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the actions that make a secret share to deliver it into a
// Kubernetes Secret (internal/delivery): the choice on the form, a check
// before the secret exists (a server-side dry run: RBAC, a Secret in the
// way), the write, and the Secrets that hold an account.

// Delivery configures delivery into Kubernetes Secrets.
type Delivery struct {
	Cluster *kube.Cluster
	// Namespaces are the only namespaces Secrets are written to.
	Namespaces []string
	// RunaiURL is what the Secrets' URL key holds: the control plane's
	// address, where the credentials obtain tokens.
	RunaiURL string
	// Automation says the controller that rotates on the Secrets' policy
	// runs on this deployment; AutomationClientID is its standing
	// credential's client ID (AUTOMATION_CLIENT_ID), which the history
	// names as the automation.
	Automation         bool
	AutomationClientID string
}

// automationID is the standing credential's client ID, when the
// automation runs.
func (h *handler) automationID() string {
	if !h.deliveryOn() || !h.Delivery.Automation {
		return ""
	}
	return h.Delivery.AutomationClientID
}

// deliveryOn reports whether delivery is configured.
func (h *handler) deliveryOn() bool { return h.Delivery != nil && h.Delivery.Cluster != nil }

// kubeFor is the Kubernetes clients of this request: the dashboard's
// own, or (with impersonation) the person's behind the SSO proxy.
func (h *handler) kubeFor(c echo.Context) (kube.Clients, error) {
	id := identityOf(c)
	return h.Delivery.Cluster.For(kube.Person{User: cmp.Or(id.Email, id.User), Groups: id.Groups})
}

// deliveredBy is whom a Secret says delivered it: the SSO identity, or
// without the proxy the Run:ai token's subject.
func (h *handler) deliveredBy(c echo.Context) string {
	a := h.actorOf(c)
	return cmp.Or(a.sso, a.sub)
}

// deliveryChoice is a form's delivery part: off, or the allowed
// namespaces with the input, its errors and a Secret in the way.
func (h *handler) deliveryChoice(input form.Delivery, errs form.Errors, foreign *delivery.ForeignError) views.DeliveryChoice {
	if !h.deliveryOn() {
		return views.DeliveryChoice{Errors: errs} // why a delivery posted anyway was refused
	}
	ch := views.DeliveryChoice{On: true, Namespaces: h.Delivery.Namespaces, Input: input, Errors: errs}
	if foreign != nil {
		ch.Foreign = &views.ForeignSecret{Target: foreign.Target.String(), Holds: foreign.Holds, Keys: foreign.Keys,
			ResourceVersion: foreign.ResourceVersion}
	}
	return ch
}

// parseDelivery reads and checks a form's delivery choice (see
// checkDelivery).
func (h *handler) parseDelivery(values map[string][]string, handedOver int) (form.Delivery, form.Errors) {
	d := form.ParseDelivery(values)
	return d, h.checkDelivery(d, handedOver)
}

// checkDelivery checks a delivery choice; handedOver is how many Secrets
// that hold the account the secret goes into besides (a hand-over). A
// choice made while delivery is off is refused.
func (h *handler) checkDelivery(d form.Delivery, handedOver int) form.Errors {
	if !h.deliveryOn() {
		if d.Wanted() || d.Only {
			return form.Errors{form.FieldDeliverNamespace: "Delivery into Kubernetes Secrets is not configured on this dashboard (DELIVERY_NAMESPACES)."}
		}
		return nil
	}
	return d.Validate(h.Delivery.Namespaces, handedOver)
}

// errDelivery is a delivery the cluster or the dashboard refused, worded
// for the form that asked for it.
type errDelivery struct {
	err    error
	target delivery.Target
}

func (e *errDelivery) Error() string { return "deliver to " + e.target.String() + ": " + e.err.Error() }
func (e *errDelivery) Unwrap() error { return e.err }

func (e *errDelivery) word(p *problem, _ action) {
	p.status, p.fields = deliveryStatus(e.err), form.Errors{}
	field := form.FieldDeliverNamespace
	switch delivery.KindOf(e.err) {
	case delivery.InTheWay, delivery.Conflict, delivery.NotWritable:
		field = form.FieldDeliverName
	}
	msg := delivery.Reason(e.err)
	p.fields[field] = msg
	p.Detail = "The Secret " + e.target.String() + " cannot be written: " + msg
	p.Next = "Nothing was created or changed. Choose another Secret or namespace, or deliver nowhere."
}

// deliveryStatus is the HTTP status of a page that says a delivery was
// refused, by the refusal's kind.
func deliveryStatus(err error) int {
	switch delivery.KindOf(err) {
	case delivery.InTheWay, delivery.Conflict:
		return http.StatusConflict
	case delivery.Forbidden:
		return http.StatusForbidden
	case delivery.Unreachable:
		return http.StatusBadGateway
	}
	return http.StatusUnprocessableEntity
}

// precheck tries the delivery as a server-side dry run, before the
// secret exists: RBAC, admission and a Secret in the way refuse it now,
// when nothing has been created yet. a is the account the Secret is for
// (its id empty for one still to be created).
func (h *handler) precheck(c echo.Context, d form.Delivery, a runai.ServiceAccount) error {
	if !d.Wanted() {
		return nil
	}
	cl, err := h.kubeFor(c)
	if err == nil {
		cr := delivery.Credentials{Account: a, ClientID: "dry-run", Secret: "dry-run", URL: h.Delivery.RunaiURL}
		err = delivery.Write(c.Request().Context(), cl.Typed, d.Target(), cr, h.deliveredBy(c), h.Now(),
			delivery.Overwrite{ResourceVersion: d.Overwrite}, true)
	}
	if err != nil {
		return &errDelivery{err: err, target: d.Target()}
	}
	return nil
}

// deliver writes cr into the chosen Secret, recorded as a change of its
// own, and says what became of it.
func (h *handler) deliver(c echo.Context, d form.Delivery, cr delivery.Credentials) *views.Delivered {
	if !d.Wanted() {
		return nil
	}
	t := d.Target()
	out := &views.Delivered{Target: t.String(), Keys: []string{t.Keys.ClientID, t.Keys.ClientSecret, t.Keys.URL}, Only: d.Only,
		AccountID: cr.Account.ID}
	act := action{verb: verbDeliver, id: cr.Account.ID, name: cr.Account.Name, detail: "Secret " + t.String()}
	done := h.begin(c, act)
	cl, err := h.kubeFor(c)
	if err == nil {
		err = delivery.Write(context.WithoutCancel(c.Request().Context()), cl.Typed, t, cr, h.deliveredBy(c), h.Now(),
			delivery.Overwrite{ResourceVersion: d.Overwrite}, false)
		h.secrets.Changed() // whatever came of it: the next page lists anew
	}
	done(act, err)
	if err != nil {
		out.Reason = delivery.Reason(err)
		return out
	}
	out.OK = true
	return out
}

// heldBy lists the Secrets that hold the account, from their metadata
// (one listing per allowed namespace, as the request's person), and why
// a namespace could not be read.
func (h *handler) heldBy(c echo.Context, a runai.ServiceAccount) views.HeldSection {
	s := views.HeldSection{On: h.deliveryOn(), Account: a}
	if !s.On {
		return s
	}
	held, problems := h.managedSecrets(c)
	for _, hs := range delivery.Holding(held, a.ID) {
		s.Held = append(s.Held, views.HeldSecret{Held: hs})
	}
	s.Problems = problems
	return s
}

// managedSecrets lists every Secret the dashboard manages in the allowed
// namespaces (sorted; shared, not to be modified), and the namespaces it
// could not read, in words.
func (h *handler) managedSecrets(c echo.Context) ([]delivery.Held, []string) {
	cl, err := h.kubeFor(c)
	if err != nil {
		return nil, []string{delivery.Reason(err)}
	}
	held, errs := h.secrets.List(c.Request().Context(), cl.Metadata, cl.As, h.Delivery.Namespaces)
	var problems []string
	for _, err := range errs {
		var ne *delivery.NamespaceError
		if errors.As(err, &ne) {
			problems = append(problems, "namespace "+ne.Namespace+": "+delivery.Reason(ne.Err))
		}
	}
	return held, problems
}

// merged joins the field errors of the parts of one form.
func merged(parts ...form.Errors) form.Errors {
	var out form.Errors
	for _, p := range parts {
		for k, v := range p {
			if out == nil {
				out = form.Errors{}
			}
			out[k] = v
		}
	}
	return out
}

// foreignOf is the Secret in the way of a delivery, if that is what err
// is about.
func foreignOf(err error) *delivery.ForeignError {
	var fe *delivery.ForeignError
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}

// runaiURL is what delivered Secrets name as the control plane.
func (h *handler) runaiURL() string {
	if h.deliveryOn() {
		return h.Delivery.RunaiURL
	}
	return ""
}

// deleteHeld deletes the Secrets that held a deleted account (each only
// if it still holds it), recorded as changes of their own, and says what
// became of them.
func (h *handler) deleteHeld(c echo.Context, a runai.ServiceAccount, held []delivery.Held) string {
	cl, err := h.kubeFor(c)
	if err != nil {
		return "Its Secrets were not deleted: " + delivery.Reason(err)
	}
	var gone, kept []string
	for _, s := range held {
		act := action{verb: verbDeleteHeld, id: a.ID, name: a.Name, detail: "Secret " + s.String()}
		done := h.begin(c, act)
		err := delivery.Delete(context.WithoutCancel(c.Request().Context()), cl.Typed, s.Namespace, s.Name, a.ID)
		h.secrets.Changed()
		done(act, err)
		if err != nil {
			kept = append(kept, s.String()+" ("+delivery.Reason(err)+")")
			continue
		}
		gone = append(gone, s.String())
	}
	out := ""
	if len(gone) > 0 {
		out = "Deleted its Secrets: " + strings.Join(gone, ", ") + "."
	}
	if len(kept) > 0 {
		out += " Not deleted: " + strings.Join(kept, "; ")
	}
	return strings.TrimSpace(out)
}
