package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// confirmDelete asks before deleting: a page without JavaScript, a panel
// with it. It reads the account so the question names it.
func (h *handler) confirmDelete(c echo.Context) error { return h.confirm(c, "delete") }

func (h *handler) confirm(c echo.Context, action string) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "Confirm", views.ConfirmView(views.Confirm{Account: a, Action: action, Page: !isHTMX(c)}))
}

func (h *handler) deleteAccount(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	// The name for messages and the audit line comes from the API when it
	// can be read (the form's copy is only a fallback).
	name := c.FormValue("name")
	if a, gerr := h.api.GetServiceAccount(c.Request().Context(), h.tokenOf(c), id); gerr == nil {
		name = a.Name
	}
	err = h.api.DeleteServiceAccount(c.Request().Context(), h.tokenOf(c), id)
	h.audit(c, "delete", id, name, err)
	if err != nil {
		return &actionError{action: "delete " + subject(name, id), accountID: id, mutation: true, err: err}
	}
	msg := subject(name, id) + " was deleted. Its credentials no longer work."
	if !isHTMX(c) {
		return h.redirectWithFlash(c, "success", msg, h.link(c, "/accounts"))
	}
	return h.render(c, http.StatusOK, "Service accounts", views.Outcome("success", msg, id))
}
