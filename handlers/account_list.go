package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/views"
)

// columnsCookie remembers a browser's visible columns (not a secret, not
// tied to the session: it outlives sign-out on purpose).
const columnsCookie = "runai-sa-cols"

// listAccounts renders the accounts page for the view in the URL. An HTMX
// request aimed at the list gets the list region alone.
func (h *handler) listAccounts(c echo.Context) error {
	if c.QueryParam("columns") == "1" {
		return h.saveColumns(c)
	}
	page, status, err := h.accountsPage(c, views.AccountsPage{})
	if err != nil {
		return err
	}
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "list" {
		if page.LoadError != nil {
			c.Response().Header().Set("HX-Retarget", "#panel")
			c.Response().Header().Set("HX-Reswap", "innerHTML")
			return h.render(c, status, "Service accounts", views.ProblemResult(*page.LoadError, ""))
		}
		announce(c, page.List.ShownAnnouncement())
		return h.render(c, status, "Service accounts", views.ListRegion(page.List, page.Accounts))
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}

// view is the list view the request asks for.
func (h *handler) view(c echo.Context) listview.View {
	q := c.QueryParams()
	if raw := c.FormValue("view"); raw != "" && len(q) == 0 {
		q, _ = url.ParseQuery(raw)
	}
	return listview.Parse(q, h.staleDays)
}

// listAll fetches every account as view models.
func (h *handler) listAll(c echo.Context) ([]views.Account, error) {
	list, err := h.api.ListServiceAccounts(c.Request().Context(), h.tokenOf(c))
	if err != nil {
		return nil, err
	}
	out := make([]views.Account, len(list))
	for i, a := range list {
		out[i] = toView(a) // Apply marks staleness with the view's own threshold
	}
	return out, nil
}

// accountsPage fills page with the view the URL asks for. A failed list
// is shown in the page (the create form stays usable), except 401,
// returned so the user is sent to sign in.
func (h *handler) accountsPage(c echo.Context, page views.AccountsPage) (views.AccountsPage, int, error) {
	all, err := h.listAll(c)
	if err != nil {
		if apiclient.IsUnauthorized(err) {
			return page, 0, err
		}
		status, p := h.problemFor(c, "load the service accounts", false, err)
		page.LoadError = &p
		h.log.Warn("list failed", "err", err, "request_id", requestIDOf(c))
		return page, status, nil
	}
	v := h.view(c)
	page.Accounts = listview.Apply(all, v, h.now())
	page.List = h.listState(c, v, all, len(page.Accounts))
	return page, http.StatusOK, nil
}

// listState computes what the toolbar, summary and headers show.
func (h *handler) listState(c echo.Context, v listview.View, all []views.Account, shown int) views.ListState {
	base := h.link(c, "/accounts")
	at := func(w listview.View) string {
		if q := w.Query(h.staleDays).Encode(); q != "" {
			return base + "?" + q
		}
		return base
	}
	s := listview.Summarize(all, h.now(), v.StaleDays)
	l := views.ListState{
		Q: v.Q, Status: v.Status, Usage: v.Usage, CreatedBy: v.CreatedBy, StaleDays: v.StaleDays,
		Creators: listview.Creators(all), Sort: v.Sort, Desc: v.Desc,
		Query:    v.Query(h.staleDays).Encode(),
		SortURLs: map[string]string{},
		Summary:  views.Summary{Total: s.Total, Enabled: s.Enabled, Disabled: s.Disabled, Never: s.Never, Stale: s.Stale},
		Filtered: v.Filtered(), Shown: shown, Total: len(all),
		Columns: views.RequestFrom(c.Request().Context()).Columns, // read once, in loadSession
	}
	if l.Columns == nil { // no choice made yet: every column shows
		l.Columns = map[string]bool{}
		for _, col := range views.Columns {
			l.Columns[col.Key] = true
		}
	}
	for _, k := range listview.SortKeys {
		w := v
		w.Desc = v.Sort == k && !v.Desc
		w.Sort = k
		l.SortURLs[k] = at(w)
	}
	// Summary links keep the sort and stale threshold, and show everything
	// of that category.
	only := func(status, usage string) string {
		return at(listview.View{Status: status, Usage: usage, StaleDays: v.StaleDays, Sort: v.Sort, Desc: v.Desc})
	}
	l.SummaryURLs = map[string]string{
		"total": only("", ""), "enabled": only("enabled", ""), "disabled": only("disabled", ""),
		"never": only("", listview.UsageNever), "stale": only("", listview.UsageStale),
	}
	l.ClearURL = only("", "")
	l.ExportURL = h.link(c, "/accounts/export.csv")
	if l.Query != "" {
		l.ExportURL += "?" + l.Query
	}
	return l
}

// row converts an API account to a table row on its own (after a
// mutation, outside any view): stale by the configured threshold.
func (h *handler) row(a apiclient.ServiceAccount, now time.Time) views.Account {
	v := toView(a)
	v.Stale = listview.Stale(v, now, h.staleDays)
	return v
}

func toView(a apiclient.ServiceAccount) views.Account {
	return views.Account{
		ID: a.ID, Name: a.Name, ClientID: a.ClientID, CreatedBy: a.CreatedBy, TenantID: a.TenantID,
		Enabled: a.Enabled, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, LastLogin: a.LastLogin,
	}
}

// fetchAccount reads one account for display after a mutation; when that
// read fails the fallback is shown instead (the mutation itself succeeded).
func (h *handler) fetchAccount(ctx context.Context, token, id string, fallback views.Account) views.Account {
	a, err := h.api.GetServiceAccount(ctx, token, id)
	if err != nil {
		h.log.Warn("read after write failed", "id", id, "err", err)
		return fallback
	}
	return h.row(a, h.now())
}

// columns returns this browser's visible optional columns (nil: all).
func (h *handler) columns(c echo.Context) map[string]bool {
	ck, err := c.Cookie(columnsCookie)
	if err != nil {
		return nil
	}
	return parseColumns(strings.Split(ck.Value, "."))
}

func parseColumns(keys []string) map[string]bool {
	on := map[string]bool{}
	for _, k := range keys {
		for _, col := range views.Columns {
			if col.Key == k {
				on[k] = true
			}
		}
	}
	return on
}

// saveColumns remembers the chosen columns for this browser and returns
// to the view they were chosen from.
func (h *handler) saveColumns(c echo.Context) error {
	on := parseColumns(c.QueryParams()["cols"])
	var keys []string
	for _, col := range views.Columns {
		if on[col.Key] {
			keys = append(keys, col.Key)
		}
	}
	c.SetCookie(&http.Cookie{
		Name: columnsCookie, Value: strings.Join(keys, "."), Path: h.link(c, "/"), MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.isHTTPS(c.Request()),
	})
	to := h.link(c, "/accounts")
	if q, err := url.ParseQuery(c.QueryParam("view")); err == nil {
		if enc := listview.Parse(q, h.staleDays).Query(h.staleDays).Encode(); enc != "" {
			to += "?" + enc
		}
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// subject names an account in messages: its name when known, else its id.
func subject(name, id string) string {
	if name != "" {
		return `"` + name + `"`
	}
	return "service account " + `"` + id + `"`
}
