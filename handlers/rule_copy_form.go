package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

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
	all, holders, err := h.accountsAndHolders(c)
	f := h.copyForm(c, a, all, holders, err)
	title := "Copy access to " + a.Name
	if hx := hxOf(c); hx.Partial() && hx.Target == views.AccessCopyID {
		return h.render(c, http.StatusOK, title, views.CopyView(f))
	}
	f.Page = true
	return h.render(c, http.StatusOK, title, views.CopyView(f))
}
