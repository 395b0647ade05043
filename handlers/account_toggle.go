package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

func (h *handler) enableAccount(c echo.Context) error  { return h.setEnabled(c, true) }
func (h *handler) disableAccount(c echo.Context) error { return h.setEnabled(c, false) }

// setEnabled enables or disables an account; HTMX gets the row back to
// swap in place, a plain form post a redirect with a flash.
func (h *handler) setEnabled(c echo.Context, enabled bool) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	verb, state := "disable", "disabled"
	if enabled {
		verb, state = "enable", "enabled"
	}
	ctx := c.Request().Context()
	token := h.tokenOf(c)
	err = h.api.SetServiceAccountEnabled(ctx, token, id, enabled)
	if err != nil {
		h.audit(c, verb, id, name, err)
		return &actionError{action: verb + " " + subject(name, id), accountID: id, mutation: true, err: err}
	}
	row := h.fetchAccount(ctx, token, id, views.Account{ID: id, Name: name, Enabled: enabled})
	h.audit(c, verb, id, row.Name, nil) // the name as the API tells it, when it could be read
	msg := subject(row.Name, id) + " is now " + state + "."
	if !isHTMX(c) {
		return h.redirectWithFlash(c, "success", msg, h.returnPath(c))
	}
	announce(c, msg)
	return h.render(c, http.StatusOK, "Service accounts", views.AccountRow(row, true))
}

// announce asks the page's script to read msg out through the live region
// once the swap has settled.
func announce(c echo.Context, msg string) {
	b, _ := json.Marshal(map[string]string{"announce": msg})
	c.Response().Header().Set("HX-Trigger-After-Settle", string(b))
}
