package handlers

import (
	"context"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/views"
)

// bulkConcurrency bounds the API calls one bulk action runs at once.
const bulkConcurrency = 4

// bulkTargets resolves the accounts a bulk form names: the ticked rows, or
// every account of the view when "all" is ticked. Ids no longer listed are
// kept (named by id) so that the result can say what became of them.
func (h *handler) bulkTargets(c echo.Context) (action string, items []views.BulkItem, err error) {
	action = c.FormValue("action")
	if action != "enable" && action != "disable" && action != "delete" {
		return "", nil, echo.NewHTTPError(http.StatusBadRequest, "unknown bulk action")
	}
	all, err := h.listAll(c)
	if err != nil {
		return "", nil, &actionError{action: "load the service accounts", err: err}
	}
	if c.FormValue("all") == "1" {
		for _, a := range listview.Apply(all, h.view(c), h.now()) {
			items = append(items, views.BulkItem{ID: a.ID, Name: a.Name})
		}
		return action, items, nil
	}
	form, _ := c.FormParams()
	names := make(map[string]string, len(all))
	for _, a := range all {
		names[a.ID] = a.Name
	}
	seen := map[string]bool{}
	for _, id := range form["ids"] {
		if id == "" || seen[id] || len(items) >= 1000 {
			continue
		}
		seen[id] = true
		items = append(items, views.BulkItem{ID: id, Name: names[id]})
	}
	return action, items, nil
}

// confirmBulk lists every account a bulk action will touch and asks once.
func (h *handler) confirmBulk(c echo.Context) error {
	action, items, err := h.bulkTargets(c)
	if err != nil {
		return err
	}
	back := h.link(c, "/accounts")
	if q := h.view(c).Query(h.staleDays).Encode(); q != "" {
		back += "?" + q
	}
	if len(items) == 0 {
		return h.redirectWithFlash(c, "warning", "Select at least one service account (or all in the view) first.", back)
	}
	return h.render(c, http.StatusOK, "Confirm", views.BulkView(views.Bulk{Action: action, Items: items, Back: back}))
}

// runBulk carries out a confirmed bulk action with bounded concurrency
// and reports every account's outcome.
func (h *handler) runBulk(c echo.Context) error {
	action := c.FormValue("action")
	if action != "enable" && action != "disable" && action != "delete" {
		return echo.NewHTTPError(http.StatusBadRequest, "unknown bulk action")
	}
	form, _ := c.FormParams()
	ids := form["ids"]
	if len(ids) == 0 || len(ids) > 1000 {
		return echo.NewHTTPError(http.StatusBadRequest, "malformed bulk request")
	}
	ctx := c.Request().Context()
	token := h.tokenOf(c)
	// Names for the report and the audit come from the API, not the form.
	all, err := h.listAll(c)
	if err != nil {
		return &actionError{action: "load the service accounts", err: err}
	}
	names := make(map[string]string, len(all))
	for _, a := range all {
		names[a.ID] = a.Name
	}
	items := make([]views.BulkItem, len(ids))
	g := new(errgroup.Group)
	g.SetLimit(bulkConcurrency)
	for i, id := range ids {
		items[i] = views.BulkItem{ID: id, Name: names[id]}
		g.Go(func() error {
			err := h.bulkOne(ctx, token, action, id)
			h.audit(c, "bulk-"+action, id, names[id], err)
			if err != nil {
				_, p := h.problemFor(c, action, true, err)
				items[i].Reason = p.Detail
				return nil
			}
			items[i].OK = true
			return nil
		})
	}
	_ = g.Wait()
	// Failures first: they need the admin's attention.
	slices.SortStableFunc(items, func(a, b views.BulkItem) int {
		switch {
		case a.OK == b.OK:
			return 0
		case !a.OK:
			return -1
		}
		return 1
	})
	return h.render(c, http.StatusOK, "Bulk result", views.BulkView(views.Bulk{Action: action, Items: items, Done: true, Back: h.link(c, "/accounts")}))
}

func (h *handler) bulkOne(ctx context.Context, token, action, id string) error {
	switch action {
	case "delete":
		return h.api.DeleteServiceAccount(ctx, token, id)
	default:
		return h.api.SetServiceAccountEnabled(ctx, token, id, action == "enable")
	}
}
