package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// deleteAccount deletes an account after its confirmation.
func (h *handler) deleteAccount(c echo.Context) error {
	a, act, err := h.target(c, verbDelete)
	if err != nil {
		return err
	}
	err = h.API.DeleteServiceAccount(c.Request().Context(), h.tokenOf(c), a.ID)
	h.audit(c, act, err)
	if err != nil {
		return &failure{act: act, err: err}
	}
	msg := act.subject() + " was deleted. Its credentials no longer work."
	if !hxOf(c).Partial() {
		return h.redirectWithFlash(c, "success", msg, h.link(c, h.originView(c).Path()))
	}
	return h.render(c, http.StatusOK, "Service accounts", views.Outcome("success", msg, a.ID))
}
