package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/views"
)

// showAccount renders an account's own page: its record, its access rules
// and the forms that change them, its rotations and its history.
func (h *handler) showAccount(c echo.Context) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, a.Name, views.AccountView(h.accountPage(c, h.accessSection(c, a, form.Grant{}, nil))))
}
