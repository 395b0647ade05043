package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// listAll fetches every account with the request's token.
func (h *handler) listAll(c echo.Context) ([]runai.ServiceAccount, error) {
	return h.API.ListServiceAccounts(c.Request().Context(), h.tokenOf(c))
}

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

// listView is the view this request's own URL asks for: the list page, a
// search, the export.
func (h *handler) listView(c echo.Context) (listview.View, form.Errors) {
	return form.ParseView(c.QueryParams(), h.StaleDays)
}

// originView is the view of the list the user acted from, so that a row
// swapped in after an action, or the page answering a plain form, shows
// what a reload of that list would. htmx names the page it was sent from
// (the freshest: searches push their URL); forms on the list post to the
// list's own URL; a confirmation page without JavaScript is known by its
// Referer.
func (h *handler) originView(c echo.Context) listview.View {
	if hx := hxOf(c); hx.Enabled {
		if v, ok := h.viewAt(c, hx.CurrentURL); ok {
			return v
		}
	}
	if q := c.QueryParams(); len(q) > 0 {
		v, _ := form.ParseView(q, h.StaleDays)
		return v
	}
	if v, ok := h.viewAt(c, c.Request().Referer()); ok {
		return v
	}
	return listview.Default(h.StaleDays)
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

// accountsPage fills page with the list under the view the URL asks for,
// and the create form's rule picker. A list that cannot be loaded is shown
// in the page (the create form and any new secret stay usable), except
// 401, returned so that the user signs in again.
func (h *handler) accountsPage(c echo.Context, v listview.View, page views.AccountsPage) (views.AccountsPage, int, error) {
	return h.accountsPageFrom(c, v, page, false)
}

// accountsPageFrom is accountsPage, reusing the session's list of the last
// few seconds when reuse is set (an interaction on the page).
func (h *handler) accountsPageFrom(c echo.Context, v listview.View, page views.AccountsPage, reuse bool) (views.AccountsPage, int, error) {
	page.List.View = v
	in, cat, fetched, err := h.listDataFor(c, reuse)
	if err != nil {
		if apiclient.IsUnauthorized(err) {
			return page, 0, err
		}
		p := h.problemOf(c, err, action{verb: verbList})
		page.LoadError = &p.Problem
		return page, p.status, nil
	}
	page.List = listview.Apply(in, v, h.Now())
	page.List.Fetched = fetched
	if !listInteraction(c) { // the list region alone has no create form
		page.Create.Picker = h.picker(c, cat, h.scopesFor(cat, in.All, in.AllRules()))
	}
	return page, http.StatusOK, nil
}
