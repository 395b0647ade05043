package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Readiness probe settings: a short budget per check, a brief cache so a
// busy prober does not hammer the control plane.
const (
	readyTimeout = 2 * time.Second
	readyTTL     = 5 * time.Second
)

// readiness caches the result of the Run:ai reachability check.
type readiness struct {
	check func(context.Context) error
	mu    sync.Mutex
	at    time.Time
	err   error
}

func (r *readiness) get(ctx context.Context, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && now.Sub(r.at) < readyTTL {
		return r.err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	r.err = r.check(ctx)
	r.at = now
	return r.err
}

// readyz is readiness: the session store and the Run:ai control plane
// answer.
func (h *handler) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	if err := h.Sessions.Ping(ctx); err != nil {
		h.Logger.Warn("not ready", "err", err)
		return c.String(http.StatusServiceUnavailable, "not ready: the session store ("+h.Sessions.Backend()+") does not answer\n")
	}
	if h.ready == nil {
		return c.String(http.StatusOK, "ready (no upstream check configured)\n")
	}
	if err := h.ready.get(c.Request().Context(), h.Now()); err != nil {
		h.Logger.Warn("not ready", "err", err)
		return c.String(http.StatusServiceUnavailable, "not ready: the Run:ai control plane does not answer\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
