package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// confirmDelete asks before deleting.
func (h *handler) confirmDelete(c echo.Context) error { return h.confirm(c, views.ConfirmDelete) }
