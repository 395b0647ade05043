package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// confirmDelete asks before deleting.
func (h *handler) confirmDelete(c echo.Context) error { return h.confirm(c, views.ConfirmDelete) }

// confirmRegenerate asks before replacing a secret.
func (h *handler) confirmRegenerate(c echo.Context) error {
	return h.confirm(c, views.ConfirmRegenerate)
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
	return h.render(c, http.StatusOK, "Confirm", views.ConfirmView(views.Confirm{
		Account: a, Action: action, Page: !hxOf(c).Partial(), View: h.originView(c),
	}))
}
