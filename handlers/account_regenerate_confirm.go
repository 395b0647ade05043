package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// confirmRegenerate asks before replacing a secret.
func (h *handler) confirmRegenerate(c echo.Context) error {
	return h.confirm(c, views.ConfirmRegenerate)
}
