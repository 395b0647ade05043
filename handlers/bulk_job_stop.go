package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// stopBulkJob asks a running job to stop: the replica running it hears
// it within a second.
func (h *handler) stopBulkJob(c echo.Context) error {
	j, err := h.jobOf(c)
	if err != nil {
		return err
	}
	if j.Running {
		if err := h.Jobs.Stop(c.Request().Context(), h.jobOwner(c), j.ID); err != nil {
			return err
		}
		j.Cancelling = true
	}
	if hxOf(c).Partial() {
		return h.render(c, http.StatusOK, "Bulk action", views.BulkProgress(j))
	}
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.BulkJob.ID(j.ID)))
}
