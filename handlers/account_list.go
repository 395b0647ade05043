package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// listAccounts renders the accounts page for the view in the URL. An HTMX
// request aimed at the list gets the list region alone.
func (h *handler) listAccounts(c echo.Context) error {
	v, verrs := h.listView(c)
	page, status, err := h.accountsPage(c, v, views.AccountsPage{ViewErrors: verrs})
	if err != nil {
		return err
	}
	if hx := hxOf(c); hx.Partial() && hx.Target == views.ListID {
		if page.LoadError != nil {
			retargetPanel(c)
			return h.render(c, status, "Service accounts", views.ProblemResult(*page.LoadError, ""))
		}
		announce(c, views.ShownLabel(page.List))
		return h.render(c, status, "Service accounts", views.ListRegion(page.List))
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}
