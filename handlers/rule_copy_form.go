package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// showCopyForm draws the form that copies another account's access: in
// place of the account page's link with htmx, a page of its own without
// JavaScript. It lists the accounts that hold access when the session's
// list knows, else every other account.
func (h *handler) showCopyForm(c echo.Context) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	var (
		all     []runai.ServiceAccount
		holders map[string]bool // nil: not known
	)
	if d, ok := h.freshList(c); ok {
		all = d.In.All
		if d.In.RulesKnown {
			holders = make(map[string]bool, len(d.In.Rules))
			for id, rules := range d.In.Rules {
				holders[id] = len(rules) > 0
			}
		}
	} else {
		all, err = h.API.ListServiceAccounts(c.Request().Context(), h.tokenOf(c))
	}
	f := h.copyForm(c, a, all, holders, err)
	hx := hxOf(c)
	f.Page = !hx.Partial() || hx.Target != views.AccessCopyID
	return h.render(c, http.StatusOK, "Copy access to "+a.Name, views.CopyView(f))
}
