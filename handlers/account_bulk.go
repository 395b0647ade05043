package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// bulkConcurrency bounds the API calls one bulk action runs at once.
const bulkConcurrency = 4

// bulkVerbs is what each bulk action does to each account it names.
var bulkVerbs = map[form.BulkAction]verb{
	form.BulkDisable: verbDisable,
	form.BulkEnable:  verbEnable,
	form.BulkDelete:  verbDelete,
}

// confirmBulk lists every account a bulk action will touch and asks once:
// the ticked rows, or every account of the view when "all" is ticked. Ids
// no longer listed are kept (named by id) so that the result can say what
// became of them.
func (h *handler) confirmBulk(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseBulkSelection(values)
	v := h.formView(f.View)
	if errs := f.Validate(); errs != nil {
		if errs[form.FieldAction] != "" {
			return echo.NewHTTPError(http.StatusBadRequest, errs.Error())
		}
		return h.redirectWithFlash(c, "warning", errs[form.FieldIDs], h.link(c, v.Path()))
	}
	all, err := h.listAll(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	var items []views.BulkItem
	if f.All {
		for _, r := range listview.Apply(all, v, h.Now()).Rows {
			items = append(items, views.BulkItem{ID: r.ID, Name: r.Name})
		}
	} else {
		names := namesByID(all)
		for _, id := range f.IDs {
			items = append(items, views.BulkItem{ID: id, Name: names[id]})
		}
	}
	if len(items) == 0 {
		return h.redirectWithFlash(c, "warning", "No service account is in this view, so there is nothing to "+string(f.Action)+".", h.link(c, v.Path()))
	}
	return h.render(c, http.StatusOK, "Confirm", views.BulkView(views.Bulk{Action: f.Action, Items: items, View: v}))
}

// runBulk carries out a confirmed bulk action with bounded concurrency
// and reports every account's outcome, failures first.
func (h *handler) runBulk(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseBulkRun(values)
	if errs := f.Validate(); errs != nil {
		return echo.NewHTTPError(http.StatusBadRequest, errs.Error())
	}
	// Names for the report and the audit come from the API, not the form.
	all, err := h.listAll(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	names := namesByID(all)
	ctx, token := c.Request().Context(), h.tokenOf(c)
	items := make([]views.BulkItem, len(f.IDs))
	g := new(errgroup.Group)
	g.SetLimit(bulkConcurrency)
	for i, id := range f.IDs {
		act := action{verb: bulkVerbs[f.Action], id: id, name: names[id], bulk: true}
		items[i] = views.BulkItem{ID: id, Name: act.name}
		g.Go(func() error {
			err := h.bulkOne(ctx, token, f.Action, id)
			h.audit(c, act, err)
			if err != nil {
				items[i].Reason = classify(err, act).Detail
				return nil
			}
			items[i].OK = true
			return nil
		})
	}
	_ = g.Wait()
	slices.SortStableFunc(items, func(a, b views.BulkItem) int {
		switch {
		case a.OK == b.OK:
			return 0
		case !a.OK:
			return -1
		}
		return 1
	})
	return h.render(c, http.StatusOK, "Bulk result", views.BulkView(views.Bulk{Action: f.Action, Items: items, Done: true, View: h.formView(f.View)}))
}

// bulkOne applies the action to one account.
func (h *handler) bulkOne(ctx context.Context, token string, a form.BulkAction, id string) error {
	switch a {
	case form.BulkDelete:
		return h.API.DeleteServiceAccount(ctx, token, id)
	default:
		return h.API.SetServiceAccountEnabled(ctx, token, id, a == form.BulkEnable)
	}
}

// formView is the list view a form carries in its view field.
func (h *handler) formView(raw string) listview.View {
	q, _ := url.ParseQuery(raw)
	v, _ := form.ParseView(q, h.StaleDays)
	return v
}

// namesByID maps account ids to names.
func namesByID(all []runai.ServiceAccount) map[string]string {
	names := make(map[string]string, len(all))
	for _, a := range all {
		names[a.ID] = a.Name
	}
	return names
}
