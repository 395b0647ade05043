package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// home sends the site root to the accounts list.
func (h *handler) home(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.Accounts.Link()))
}
