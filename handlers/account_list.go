package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// listAccounts renders the accounts page for the view in the URL, read
// anew from Run:ai. An HTMX request aimed at the list (a search, filter,
// sort or page) gets the list region alone, from the list the page read
// when that is only seconds old.
func (h *handler) listAccounts(c echo.Context) error {
	v, verrs := h.listView(c)
	hx := hxOf(c)
	interaction := hx.Partial() && hx.Target == views.ListID
	page, status, err := h.accountsPageFrom(c, v, views.AccountsPage{ViewErrors: verrs}, interaction)
	if err != nil {
		return err
	}
	if interaction {
		if page.LoadError != nil {
			retargetPanel(c)
			return h.render(c, status, "Service accounts", views.ProblemResult(*page.LoadError, ""))
		}
		announce(c, views.ShownLabel(page.List))
		return h.render(c, status, "Service accounts", views.ListRegion(page.List))
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}
