package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// showAccount renders an account's own page from the get-by-id operation.
func (h *handler) showAccount(c echo.Context) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, a.Name, views.AccountView(a))
}

// loadAccount reads the account named by the :id path parameter.
func (h *handler) loadAccount(c echo.Context) (views.Account, error) {
	id, err := accountID(c)
	if err != nil {
		return views.Account{}, err
	}
	a, err := h.api.GetServiceAccount(c.Request().Context(), h.tokenOf(c), id)
	if err != nil {
		return views.Account{}, &actionError{action: "load " + subject("", id), accountID: id, err: err}
	}
	return h.row(a, h.now()), nil
}
