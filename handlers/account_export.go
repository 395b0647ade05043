package handlers

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/listview"
)

// exportAccounts downloads the current view (same search, filters and
// sort) as CSV. A plain link: it works without JavaScript.
func (h *handler) exportAccounts(c echo.Context) error {
	d, err := h.list(c, false)
	if err != nil {
		return &failure{act: action{verb: verbExport}, err: err}
	}
	v, _ := h.viewOf(c)
	var buf bytes.Buffer
	if err := listview.WriteCSV(&buf, listview.Apply(d.In, v, h.Now()).Rows); err != nil {
		return err
	}
	name := "service-accounts-" + h.Now().UTC().Format("2006-01-02") + ".csv"
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
