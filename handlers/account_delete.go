package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/views"
)

// deleteAccount deletes an account after its confirmation.
func (h *handler) deleteAccount(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	a, act, err := h.target(c, verbDelete)
	if err != nil {
		return err
	}
	var held []delivery.Held
	if values.Get(form.FieldDeleteSecrets) == "1" && h.deliveryOn() {
		held = h.heldBy(c, a).Secrets() // read while the account exists
	}
	done := h.begin(c, act)
	err = h.API.DeleteServiceAccount(c.Request().Context(), h.tokenOf(c), a.ID)
	done(act, err)
	if err != nil {
		return &failure{act: act, err: err}
	}
	msg := act.subject() + " was deleted. Its credentials no longer work."
	if len(held) > 0 {
		msg += " " + h.deleteHeld(c, a, held)
	}
	if !hxOf(c).Partial() {
		return h.redirectWithFlash(c, "success", msg, h.link(c, h.view(c).Path()))
	}
	if !h.fromList(c) { // its own page is gone: back to the list
		stateOf(c).addFlash("success", msg)
		htmx.Response{Redirect: h.link(c, h.view(c).Path())}.Apply(c.Response().Header())
		return c.NoContent(http.StatusOK)
	}
	return h.render(c, http.StatusOK, "Service accounts", views.Outcome("success", msg, a.ID))
}
