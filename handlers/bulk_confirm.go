package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/views"
)

// confirmBulk lists every account a bulk action will touch and asks once:
// the ticked rows, or every account of the view when "all" is ticked. Ids
// no longer listed are kept (named by id) so that the result can say what
// became of them. Adding a rule asks for the rule here.
func (h *handler) confirmBulk(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseBulkSelection(values)
	v := h.view(c)
	if errs := f.Validate(); errs != nil {
		if errs[form.FieldAction] != "" {
			return echo.NewHTTPError(http.StatusBadRequest, errs.Error())
		}
		return h.redirectWithFlash(c, "warning", errs[form.FieldIDs], h.link(c, v.Path()))
	}
	d, err := h.readList(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	var items []bulk.Item
	if f.All {
		for _, r := range listview.Apply(d.In, v, h.Now()).Rows {
			items = append(items, bulk.Item{ID: r.ID, Name: r.Name})
		}
	} else {
		items = itemsOf(f.IDs, accountsByID(d.In.All))
	}
	if len(items) == 0 {
		return h.redirectWithFlash(c, "warning", "No service account is in this view, so there is nothing to do.", h.link(c, v.Path()))
	}
	b := views.Bulk{Action: f.Action, Items: items, View: v}
	if f.Action == form.BulkAddRule {
		b.Grant = views.GrantChoice{Prefix: views.GrantBulk, Picker: h.picker(c, d.Cat, scopesFor(d.Cat, d.In.All, d.In.AllRules()))}
	}
	return h.render(c, http.StatusOK, "Confirm", views.BulkView(b))
}
