package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// regenerateSecret replaces an account's secret and shows the new one
// once, with the row (its new updated time) under the list's view. The
// new secret goes into the Secrets that hold the account (unless the
// person unchecked it), and into a Secret chosen on the form; a write the
// cluster would refuse stops it before anything changes.
func (h *handler) regenerateSecret(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	in := form.ParseHandover(values)
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	a, act, err := h.target(c, verbRegenerate)
	if err != nil {
		return err
	}
	ho := h.handover(c, a, in)
	d := form.ParseDelivery(values)
	into := intoHeld(ho, d)
	derrs := h.checkDelivery(d, len(into))
	refused := func(err error) error { // before anything was sent: the confirmation again, input kept
		return h.fail(c, act, err, func(p problem) (string, templ.Component) {
			cf := h.confirmation(c, a, views.ConfirmRegenerate, d, p.fields, foreignOf(err), &ho)
			if len(p.fields) == 0 {
				cf.Problem = &p.Problem
			}
			return "Confirm", views.ConfirmView(cf)
		})
	}
	if derrs != nil {
		return refused(derrs)
	}
	if err := h.precheck(c, d, a); err != nil {
		return refused(err)
	}
	if err := h.precheckHandover(c, views.HeldSection{Held: into}.Secrets(), a, ""); err != nil {
		return refused(err)
	}
	done := h.begin(c, act)
	secret, err := h.API.RegenerateSecret(c.Request().Context(), h.tokenOf(c), a.ID)
	done(act, err)
	o.settle(c.Request().Context(), err, "this secret was regenerated at "+clock(o.at)+"; it was shown once then.", paths.Account.ID(a.ID))
	if err != nil {
		return &failure{act: act, err: err}
	}
	a.UpdatedAt = h.Now()
	s := views.Secret{Name: a.Name, ClientID: a.ClientID, Value: secret.Reveal(), Regenerated: true, TokenURL: h.API.TokenURL(),
		DeliveryOff: !h.deliveryOn(), AccountID: a.ID}
	cr := delivery.Credentials{Account: a, ClientID: a.ClientID, Secret: secret, URL: h.runaiURL()}
	s.Delivered = h.deliver(c, d, cr)
	s.HandedOver = h.handOver(c, into, cr, "", in.Restart)
	if s.Hidden = d.Only; !s.Shown() {
		s.Value = "" // deliver only: the secret never reaches the browser
	}
	v := h.view(c)
	if hxOf(c).Partial() {
		if !h.fromList(c) { // the account's page: no row to update
			return h.render(c, http.StatusOK, "New secret", views.SecretPanel(s))
		}
		return h.render(c, http.StatusOK, "New secret", views.RegenerateResult(s, h.rowOf(c, v, a)))
	}
	// The secret is rendered into this response, never redirected.
	page, _, err := h.listPage(c, v, views.AccountsPage{Secret: &s}, true)
	if err != nil {
		p := h.problemOf(c, err, action{verb: verbList})
		page.LoadError = &p.Problem
	}
	return h.render(c, http.StatusOK, "New secret", views.AccountsView(page))
}

// intoHeld are the Secrets holding the account that a new secret is
// written into: all of them when the hand-over is wanted, but the one
// the form delivers to anyway.
func intoHeld(ho views.Handover, d form.Delivery) []views.HeldSecret {
	if !ho.Input.Write {
		return nil
	}
	var out []views.HeldSecret
	for _, hs := range ho.Held.Held {
		if d.Wanted() && hs.Namespace == d.Namespace && hs.Name == d.Name {
			continue
		}
		out = append(out, hs)
	}
	return out
}
