package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// enableAccount lets an account obtain tokens again.
func (h *handler) enableAccount(c echo.Context) error { return h.setEnabled(c, true) }

// disableAccount stops an account from obtaining tokens.
func (h *handler) disableAccount(c echo.Context) error { return h.setEnabled(c, false) }

// setEnabled enables or disables an account; HTMX gets the row back, made
// under the list's view, to swap in place; a plain form post a redirect
// with a flash.
func (h *handler) setEnabled(c echo.Context, enabled bool) error {
	v, state := verbDisable, "disabled"
	if enabled {
		v, state = verbEnable, "enabled"
	}
	a, act, err := h.target(c, v)
	if err != nil {
		return err
	}
	err = h.API.SetServiceAccountEnabled(c.Request().Context(), h.tokenOf(c), a.ID, enabled)
	h.audit(c, act, err)
	if err != nil {
		return &failure{act: act, err: err}
	}
	if a.Enabled != enabled {
		a.Enabled, a.UpdatedAt = enabled, h.Now()
	}
	msg := act.subject() + " is now " + state + "."
	if !hxOf(c).Partial() {
		return h.redirectWithFlash(c, "success", msg, h.returnPath(c))
	}
	announce(c, msg)
	return h.render(c, http.StatusOK, "Service accounts", views.AccountRow(h.originView(c).Row(a, h.related(c, a), h.Now()), true))
}
