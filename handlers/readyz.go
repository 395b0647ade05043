package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readyTimeout is the budget of the readiness check.
const readyTimeout = 2 * time.Second

// readyz is readiness: what this replica itself needs to serve, its
// session store. Whether Run:ai answers is not a reason to leave the load
// balancer: the pages say when it does not (and the SSO proxy in the pod
// stays reachable); it is a metric, dashboard_runai_up.
func (h *handler) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := h.Sessions.Ping(ctx); err != nil {
		h.Logger.Warn("not ready", "err", err)
		return c.String(http.StatusServiceUnavailable, "not ready: the session store ("+h.Sessions.Backend()+") does not answer\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
