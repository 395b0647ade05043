package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/views"
)

// showBulkJob is a bulk job's page: progress while it runs, then its
// result. htmx polls it for the progress section alone.
func (h *handler) showBulkJob(c echo.Context) error {
	j, err := h.jobOf(c)
	if err != nil {
		return err
	}
	if hxOf(c).Partial() {
		return h.render(c, http.StatusOK, "Bulk action", views.BulkProgress(j))
	}
	if j.Running && !j.Stalled {
		views.RequestFrom(c.Request().Context()).Refresh = 2
	}
	return h.render(c, http.StatusOK, "Bulk action", views.BulkJobView(j))
}

// jobOf reads the job the path names, as its owner's.
func (h *handler) jobOf(c echo.Context) (views.BulkJob, error) {
	rec, ok, err := h.Jobs.Get(c.Request().Context(), h.jobOwner(c), c.Param("id"))
	if err != nil {
		return views.BulkJob{}, err
	}
	if !ok {
		return views.BulkJob{}, errJobGone{}
	}
	return views.BulkJob{
		Bulk: views.Bulk{Action: form.BulkAction(rec.Action), Items: rec.Items, View: h.storedView(rec.View), GrantLabel: rec.GrantLabel, Done: rec.Finished},
		ID:   rec.ID, Running: !rec.Finished, Cancelling: rec.Cancelling, Started: rec.Started, Stalled: h.Jobs.Stalled(rec),
	}, nil
}
