package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// showActivity renders the Activity page, or its results alone for an
// HTMX filter change.
func (h *handler) showActivity(c echo.Context) error {
	f, errs := form.ParseActivity(c.QueryParams())
	p, _ := h.activity(c, f, history.ActivityPage, history.MaxScan) // the page says what failed
	p.Errors = errs
	if hx := hxOf(c); hx.Partial() && hx.Target == views.ActivityResultsID {
		return h.render(c, http.StatusOK, "Activity", views.ActivityResults(p))
	}
	return h.render(c, http.StatusOK, "Activity", views.ActivityView(p))
}

// activity reads the Activity page's events for f: up to want of them,
// reading at most maxScan, and, at the same time, the accounts they name
// (the session's list while it is fresh, else the accounts alone). When
// Run:ai's audit log cannot be read the page holds the dashboard's own
// record, says why, and the error is returned too.
func (h *handler) activity(c echo.Context, f form.Activity, want, maxScan int) (views.ActivityPage, error) {
	start, end := f.Window(h.Now())
	q := runai.AuditQuery{Start: start, End: end, Offset: f.Offset, Filters: f.Filters()}
	// The accounts the token may read: the events' links, and what of
	// the dashboard's record the page may show (nothing of others when
	// the token may read no account).
	var (
		ix    history.Index
		scope = history.Scope{Accounts: map[string]bool{}, Session: session.HashID(stateOf(c).id())}
		read  = make(chan struct{}) // ix and scope are filled
		r     history.ActivityResult
		g     errgroup.Group
	)
	g.Go(func() error {
		defer close(read)
		if all, err := h.accounts(c); err == nil {
			ix = history.NewIndex(all)
			for _, a := range all {
				scope.Accounts[a.ID] = true
			}
		}
		return nil
	})
	g.Go(func() error {
		r = h.histories.Activity(c.Request().Context(), h.tokenOf(c), q, f.Keep, want, maxScan, func() history.Scope { <-read; return scope })
		return nil
	})
	_ = g.Wait()
	p := views.ActivityPage{Filter: f, Start: start, End: end, Items: worded(r.Items, false, ix, h.automationID()), Older: r.Next}
	p.HistorySource = h.historySource(c, r.Page)
	return p, r.Err
}
