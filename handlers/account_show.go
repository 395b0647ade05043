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
