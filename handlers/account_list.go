package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/views"
)

// listAccounts renders the accounts page for the view in the URL. The list
// is the session's read of the last few seconds when there is one (see
// loaders.go), else read anew from Run:ai; Refresh and a browser reload
// always read anew. An HTMX request aimed at the list (a search, filter,
// sort or page) gets the list region alone.
func (h *handler) listAccounts(c echo.Context) error {
	v, verrs := h.viewOf(c)
	fresh := refreshRequested(c.Request())
	if c.QueryParam(listview.ParamRefresh) != "" && !hxOf(c).Enabled {
		// Without JavaScript, back to the view's own URL, which reads anew.
		h.lists.Delete(listKey(c))
		return c.Redirect(http.StatusSeeOther, h.link(c, v.Path()))
	}
	page, status, err := h.listPage(c, v, views.AccountsPage{ViewErrors: verrs}, fresh)
	if err != nil {
		return err
	}
	if listInteraction(c) {
		if page.LoadError != nil {
			retargetPanel(c)
			return h.render(c, status, "Service accounts", views.ProblemResult(*page.LoadError, ""))
		}
		announce(c, views.ShownLabel(page.List))
		return h.render(c, status, "Service accounts", views.ListRegion(page.List))
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}

// refreshRequested reports a request for a fresh read: the Refresh link's
// parameter, or a browser reload (which sends Cache-Control max-age=0 or
// no-cache).
func refreshRequested(r *http.Request) bool {
	if r.URL.Query().Get(listview.ParamRefresh) != "" {
		return true
	}
	for _, d := range strings.Split(r.Header.Get("Cache-Control"), ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d == "no-cache" || d == "max-age=0" {
			return true
		}
	}
	return false
}

// listInteraction reports an HTMX request aimed at the list region: a
// search, filter, sort or page, answered with the region alone.
func listInteraction(c echo.Context) bool {
	hx := hxOf(c)
	return hx.Partial() && hx.Target == views.ListID
}
