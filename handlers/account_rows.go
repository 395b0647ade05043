package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

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
