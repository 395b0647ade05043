package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// healthz is liveness: the process serves requests.
func (h *handler) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}
