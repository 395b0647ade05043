package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/history"
)

// exportActivity downloads the Activity page's events, every page of
// them (up to history.MaxExportScan events read), as CSV.
func (h *handler) exportActivity(c echo.Context) error {
	f, _ := form.ParseActivity(c.QueryParams())
	f.Offset = 0
	p, err := h.activity(c, f, history.MaxExportScan, history.MaxExportScan)
	if err != nil && !apiclient.IsForbidden(err) { // refused: the record alone, marked as such
		return &failure{act: action{verb: verbReadHistory}, err: err}
	}
	items := make([]history.Item, len(p.Items))
	for i, it := range p.Items {
		items[i] = it.Item
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="service-account-activity-`+h.Now().UTC().Format("20060102-1504")+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return history.WriteCSV(c.Response(), items)
}
