package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the account actions share: reading the account a request is
// about, the list view it stands in, and the enable/disable change.

// loadAccount reads the account named by the :id path parameter, for a
// page about it.
func (h *handler) loadAccount(c echo.Context) (runai.ServiceAccount, error) {
	id, err := accountID(c)
	if err != nil {
		return runai.ServiceAccount{}, err
	}
	a, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), id)
	if err != nil {
		return runai.ServiceAccount{}, &failure{act: action{verb: verbShow, id: id}, err: err}
	}
	return a, nil
}

// target reads the account a change is about before the change is sent:
// its name, from the API and never from a form, names it in messages and
// the audit line, and a failure here means nothing was changed.
func (h *handler) target(c echo.Context, v verb) (runai.ServiceAccount, action, error) {
	id, err := accountID(c)
	if err != nil {
		return runai.ServiceAccount{}, action{}, err
	}
	return h.targetID(c, id, v)
}

// targetID is target for an id from elsewhere than the path (a row's button).
func (h *handler) targetID(c echo.Context, id string, v verb) (runai.ServiceAccount, action, error) {
	act := action{verb: v, id: id}
	a, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), id)
	if err != nil {
		act.before = true
		h.audit(c, act, err)
		return runai.ServiceAccount{}, act, &failure{act: act, err: err}
	}
	act.name = a.Name
	return a, act, nil
}

// viewOf is the list view the request stands in, the one way to it, from
// the first of these that applies:
//
//  1. the list's own URL: a page of the list, a search, the export (the
//     errors of its query are kept, for the page to show);
//  2. the view a form carries in its view field (bulk actions, columns);
//  3. the page htmx says the request was sent from, when it is the list
//     (the freshest: searches push their URL);
//  4. the request's query: plain forms on the list post to the list's
//     own URL;
//  5. the Referer, when it is the list: a confirmation page without
//     JavaScript;
//  6. the default view.
//
// A row swapped in after an action, or the page answering a plain form,
// so shows what a reload of that list would.
func (h *handler) viewOf(c echo.Context) (listview.View, form.Errors) {
	r := c.Request()
	switch {
	case r.Method == http.MethodGet && (c.Path() == h.BasePath+string(paths.Accounts) || c.Path() == h.BasePath+string(paths.AccountsExport)):
		return form.ParseView(c.QueryParams(), h.StaleDays)
	case r.Method == http.MethodPost && r.PostFormValue(form.FieldView) != "":
		q, _ := url.ParseQuery(r.PostFormValue(form.FieldView))
		v, _ := form.ParseView(q, h.StaleDays)
		return v, nil
	}
	if hx := hxOf(c); hx.Enabled {
		if v, ok := h.viewAt(c, hx.CurrentURL); ok {
			return v, nil
		}
	}
	if q := c.QueryParams(); len(q) > 0 {
		v, _ := form.ParseView(q, h.StaleDays)
		return v, nil
	}
	if v, ok := h.viewAt(c, r.Referer()); ok {
		return v, nil
	}
	return listview.Default(h.StaleDays), nil
}

// view is viewOf without its errors, for the actions that answer with a
// row or a page of the list.
func (h *handler) view(c echo.Context) listview.View {
	v, _ := h.viewOf(c)
	return v
}

// viewAt is the view of the page at raw, when raw is this dashboard's
// accounts list.
func (h *handler) viewAt(c echo.Context, raw string) (listview.View, bool) {
	rest := localPart(raw, h.origin(c.Request()))
	u, err := url.Parse(rest)
	if rest == "" || err != nil || u.Path != h.link(c, paths.Accounts.Link()) {
		return listview.View{}, false
	}
	v, _ := form.ParseView(u.Query(), h.StaleDays)
	return v, true
}

// fromList reports an htmx request sent from the accounts list (rather
// than from an account's page).
func (h *handler) fromList(c echo.Context) bool {
	_, ok := h.viewAt(c, hxOf(c).CurrentURL)
	return ok
}

// setEnabled enables or disables an account; HTMX gets the row back, made
// under the list's view, to swap in place; a plain form post a redirect
// with a flash.
func (h *handler) setEnabled(c echo.Context, id string, enabled bool) error {
	v, state := verbDisable, "disabled"
	if enabled {
		v, state = verbEnable, "enabled"
	}
	a, act, err := h.targetID(c, id, v)
	if err != nil {
		return err
	}
	done := h.begin(c, act)
	err = h.API.SetServiceAccountEnabled(c.Request().Context(), h.tokenOf(c), a.ID, enabled)
	done(act, err)
	if err != nil {
		return &failure{act: act, err: err}
	}
	if a.Enabled != enabled {
		a.Enabled, a.UpdatedAt = enabled, h.Now()
	}
	msg := act.subject() + " is now " + state + "."
	if !hxOf(c).Partial() {
		return h.redirectWithFlash(c, "success", msg, h.returnPath(c))
	}
	announce(c, msg)
	htmx.Response{Retarget: views.Sel(views.RowID(a.ID)), Reswap: htmx.SwapOuterHTML}.Apply(c.Response().Header())
	return h.render(c, http.StatusOK, "Service accounts", views.AccountRow(h.rowOf(c, h.view(c), a), true))
}

// confirm asks before a destructive action: a page of its own without
// JavaScript, a panel with it. It reads the account so that the question
// names it, and carries the list view the user came from to the action
// and back.
func (h *handler) confirm(c echo.Context, action string) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "Confirm", views.ConfirmView(h.confirmation(c, a, action, form.Delivery{}, nil, nil, nil)))
}

// confirmation is a confirmation's model: with delivery on, where a
// regenerated secret goes (the input, its errors, a Secret in the way)
// and the Secrets that hold the account.
// ho is the hand-over already read for the request (nil: read it).
func (h *handler) confirmation(c echo.Context, a runai.ServiceAccount, action string, d form.Delivery, errs form.Errors, foreign *delivery.ForeignError, ho *views.Handover) views.Confirm {
	cf := views.Confirm{Account: a, Action: action, Page: !hxOf(c).Partial(), View: h.view(c)}
	if action == views.ConfirmDelete {
		cf.Held = h.heldBy(c, a)
		return cf
	}
	if ho != nil {
		cf.Handover = *ho
	} else {
		cf.Handover = h.handover(c, a, form.Handover{Write: true})
	}
	if d == (form.Delivery{}) && cf.Handover.Offered() {
		d.Only = true // the new secret goes where the old one was: no need to see it
	} else if d.Name == "" && !cf.Handover.Offered() {
		d.Name = a.Name // a good Secret name, when it is one
	}
	cf.Deliver = h.deliveryChoice(d, errs, foreign)
	return cf
}

// accountsByID maps account ids to accounts.
func accountsByID(all []runai.ServiceAccount) map[string]runai.ServiceAccount {
	m := make(map[string]runai.ServiceAccount, len(all))
	for _, a := range all {
		m[a.ID] = a
	}
	return m
}
