package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/views"
)

// showAccountHistory serves "Load older" of an account's history: the
// next items for HTMX to append, or (without JavaScript) the account page
// with its history from there.
func (h *handler) showAccountHistory(c echo.Context) error {
	if !hxOf(c).Partial() {
		return h.showAccount(c)
	}
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	access, _ := h.accessOf(c, a)
	return h.render(c, http.StatusOK, a.Name, views.HistoryItems(h.accountHistory(c, a, func() []string { return ruleIDs(access) }, c.QueryParam(form.ParamHistory))))
}
