package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/views"
)

// enableAccount lets an account obtain tokens again.
func (h *handler) enableAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	return h.setEnabled(c, id, true)
}

// disableAccount stops an account from obtaining tokens.
func (h *handler) disableAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	return h.setEnabled(c, id, false)
}

// rowAction takes a row's button: its name says enable or disable, its
// value the account. The rows share one form, so that no row carries a
// form or a CSRF field of its own.
func (h *handler) rowAction(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	switch {
	case values.Get(views.FieldRowEnable) != "":
		return h.setEnabled(c, values.Get(views.FieldRowEnable), true)
	case values.Get(views.FieldRowDisable) != "":
		return h.setEnabled(c, values.Get(views.FieldRowDisable), false)
	}
	return echo.NewHTTPError(http.StatusBadRequest, "no row action")
}

// setEnabled enables or disables an account; HTMX gets the row back, made
// under the list's view, to swap in place; a plain form post a redirect
// with a flash.
func (h *handler) setEnabled(c echo.Context, id string, enabled bool) error {
	v, state := verbDisable, "disabled"
	if enabled {
		v, state = verbEnable, "enabled"
	}
	a, act, err := h.targetID(c, id, v)
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
	htmx.Response{Retarget: views.Sel(views.RowID(a.ID)), Reswap: htmx.SwapOuterHTML}.Apply(c.Response().Header())
	return h.render(c, http.StatusOK, "Service accounts", views.AccountRow(h.originView(c).Row(a, h.related(c, a), h.Now()), true))
}
