package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// createAccount creates an account and shows its secret once, with the new
// row under the list's view. A failure re-renders the form with the typed
// name and the reason.
func (h *handler) createAccount(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseCreate(values)
	d, derrs := h.parseDelivery(values, 0)
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	v := h.view(c)
	act := action{verb: verbCreate, name: f.Name}
	failed := func(err error) error {
		return h.fail(c, act, err, func(p problem) (string, templ.Component) { return h.createForm(c, v, f, d, err, p) })
	}
	errs := merged(f.Validate(), derrs)
	var cat runai.Catalog
	var cluster, label string
	if errs == nil && !f.Access.Empty() {
		cat = h.catalogOf(c)
		cluster, label, errs = checkGrant(f.Access, cat, scopesFor(cat, nil, nil), nil)
	}
	if errs != nil {
		return failed(errs)
	}
	if err := h.precheck(c, d, runai.ServiceAccount{Name: f.Name}); err != nil {
		return failed(err)
	}
	done := h.begin(c, act)
	cr, err := h.API.CreateServiceAccount(c.Request().Context(), h.tokenOf(c), f.Name)
	act.id = cr.ID
	done(act, err)
	o.settle(c.Request().Context(), err, act.subject()+" was created at "+clock(o.at)+"; its secret was shown once then.", paths.Account.ID(cr.ID))
	if err != nil {
		return failed(err)
	}

	acct, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), cr.ID)
	if err != nil { // the create worked: show what its answer said
		h.Logger.Warn("read after create failed", "id", cr.ID, "err", err, "request_id", requestIDOf(c))
		acct = runai.ServiceAccount{ID: cr.ID, Name: cr.Name, ClientID: cr.ClientID, Enabled: true, CreatedAt: h.Now(), UpdatedAt: h.Now()}
	}
	secret := views.Secret{Name: cr.Name, ClientID: acct.ClientID, Value: cr.ClientSecret.Reveal(), TokenURL: h.API.TokenURL(),
		AccountID: acct.ID, Grant: f.Access, DeliveryOff: !h.deliveryOn()}
	secret.Delivered = h.deliver(c, d, delivery.Credentials{Account: acct, ClientID: acct.ClientID, Secret: cr.ClientSecret, URL: h.runaiURL()})
	if !secret.Shown() {
		secret.Value = "" // deliver only: the secret never reaches the browser
	}
	if !f.Access.Empty() {
		// The account exists whatever becomes of its rule: the secret is
		// shown either way, and a failed rule can be added again at once.
		grant := action{verb: verbAddRule, id: acct.ID, name: acct.Name, detail: label}
		out, err := h.grant(c, grant, acct, f.Access.Grant(), cluster)
		if err != nil {
			p := h.problemOf(c, err, grant)
			h.logFailure(c, err, p)
			out.Reason = p.Detail + " " + p.Next
		}
		secret.Access = &out
	}
	row := h.rowOf(c, v, acct)
	secret.OutOfView = !v.Shows(row)
	if hxOf(c).Partial() {
		empty := views.CreateForm{Picker: h.createPicker(c, acct.TenantID), Deliver: h.deliveryChoice(form.Delivery{}, nil, nil)}
		return h.render(c, http.StatusOK, "Service accounts", views.CreateResult(secret, empty, v, row))
	}
	// Without JavaScript the secret is rendered into this response: it may
	// not travel through a redirect (no secret in the session or a URL).
	// Nothing may keep it from being shown, a rejected list included.
	page, _, err := h.listPage(c, v, views.AccountsPage{Secret: &secret}, true)
	if err != nil {
		p := h.problemOf(c, err, action{verb: verbList})
		page.LoadError = &p.Problem
	}
	return h.render(c, http.StatusOK, "Service accounts", views.AccountsView(page))
}

// createForm is the answer to a failed create: the form with the input
// kept and the problem next to its field (a Secret in the way of the
// delivery, to confirm); the form alone for HTMX, the whole page (the
// list read as usual) otherwise.
func (h *handler) createForm(c echo.Context, v listview.View, f form.Create, d form.Delivery, err error, p problem) (string, templ.Component) {
	cf := views.CreateForm{Input: f, Errors: p.fields, Deliver: h.deliveryChoice(d, p.fields, foreignOf(err))}
	if len(p.fields) == 0 {
		cf.Problem = &p.Problem
	}
	if hxOf(c).Partial() {
		cf.Picker = h.createPicker(c, "")
		return "Service accounts", views.CreateSection(cf, v)
	}
	page, _, err := h.listPage(c, v, views.AccountsPage{Create: cf}, false)
	if err != nil { // only a refused token, which the responder handles
		p := h.problemOf(c, err, action{verb: verbList})
		page.LoadError = &p.Problem
	}
	return "Service accounts", views.AccountsView(page)
}
