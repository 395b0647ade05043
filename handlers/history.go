package handlers

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

const (
	// historyDays is how far back an account's history goes.
	historyDays = 30
	// historyPage and activityPage are the events one page shows.
	historyPage  = 20
	activityPage = 50
	// auditBatch is the events asked for per audit-log call while
	// scanning for matches: the most the API gives.
	auditBatch = runai.MaxAuditPage
	// maxAuditScan bounds the events one page reads; maxExportScan one
	// export. The page says when it stopped at the bound.
	maxAuditScan  = 5_000
	maxExportScan = 20_000
)

// scan is what scanAudit found.
type scan struct {
	items []history.Item
	pos   []int // each item's offset in the log
	next  int   // the offset to go on from; 0 at the end of the log
	read  int   // events read when the scan stopped at its bound, else 0
}

// scanAudit reads the audit log, newest first, from q.Offset, and keeps
// the service-account and access-rule events keep accepts (attributed to
// the person behind them first), until it has want of them, the log ends
// or maxScan events were read.
func (h *handler) scanAudit(ctx context.Context, token string, q runai.AuditQuery, want, maxScan int, who *attributor, keep func(history.Item) bool) (scan, error) {
	var out scan
	q.NewestFirst = true
	for read := 0; ; {
		q.Limit = min(auditBatch, maxScan-read)
		page, err := h.API.ListAuditLog(ctx, token, q)
		if err != nil {
			return scan{}, err
		}
		attribution := who.of(ctx, page.Events)
		for i, e := range page.Events {
			it, ok := history.FromEvent(e)
			if !ok {
				continue
			}
			attribution.Apply(&it)
			if !keep(it) {
				continue
			}
			out.items, out.pos = append(out.items, it), append(out.pos, q.Offset+i)
			if len(out.items) == want {
				if i+1 < len(page.Events) || page.Next != 0 {
					out.next = q.Offset + i + 1
				}
				return out, nil
			}
		}
		read += len(page.Events)
		if page.Next == 0 || len(page.Events) == 0 {
			return out, nil
		}
		if read >= maxScan {
			out.next, out.read = page.Next, read
			return out, nil
		}
		q.Offset = page.Next
	}
}

// attributor finds the people behind events in the dashboard's record.
// A record that cannot be read attributes nothing and says so once.
type attributor struct {
	h         *handler
	requestID string
	mu        sync.Mutex
	failed    bool
}

func (h *handler) attributorFor(c echo.Context) *attributor {
	return &attributor{h: h, requestID: requestIDOf(c)}
}

// of is the attribution of one page of events: one lookup in the record.
func (a *attributor) of(ctx context.Context, events []runai.AuditEvent) history.Attribution {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		if e.RequestID != "" {
			ids = append(ids, e.RequestID)
		}
	}
	who, err := a.h.Record.Identities(ctx, ids)
	if err != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		if !a.failed {
			a.failed = true
			a.h.Logger.Warn("the dashboard's record could not be read", "err", err, "request_id", a.requestID)
		}
		return nil
	}
	return who
}

// ok reports whether every lookup worked.
func (a *attributor) ok() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return !a.failed
}

// recent is the dashboard's record, newest first; ok is false when it
// could not be read (logged).
func (h *handler) recent(c echo.Context) ([]record.Entry, bool) {
	entries, err := h.Record.Recent(c.Request().Context(), record.DefaultLimit)
	if err != nil {
		h.Logger.Warn("the dashboard's record could not be read", "err", err, "request_id", requestIDOf(c))
		return nil, false
	}
	return entries, true
}

// fromRecord is the page of the record's entries in [start, end] that
// keep accepts, from offset, and the offset of the next page (0 at the
// end): the history when Run:ai's cannot be read.
func fromRecord(entries []record.Entry, start, end time.Time, keep func(history.Item) bool, offset, want int) ([]history.Item, int) {
	var out []history.Item
	n := 0
	for _, e := range entries {
		if e.Time.Before(start) || e.Time.After(end) {
			continue
		}
		it, ok := history.FromRecord(e)
		if !ok || !keep(it) {
			continue
		}
		if n++; n <= offset {
			continue
		}
		if len(out) == want {
			return out, offset + want
		}
		out = append(out, it)
	}
	return out, 0
}

// historySource says why Run:ai's history could not be read.
func (h *handler) historySource(c echo.Context, err error, recordOK bool) views.HistorySource {
	p := h.problemOf(c, err, action{verb: verbReadHistory})
	return views.HistorySource{Refused: apiclient.IsForbidden(err), Problem: &p.Problem, RecordUnavailable: !recordOK}
}

// historyCursor is where the account page's history goes on from: an
// offset into each of its two listings ("12.40"), or into the record.
type historyCursor struct{ account, rules int }

func parseCursor(s string) historyCursor {
	a, r, _ := strings.Cut(s, ".")
	var c historyCursor
	c.account, _ = strconv.Atoi(a)
	c.rules, _ = strconv.Atoi(r)
	return historyCursor{max(c.account, 0), max(c.rules, 0)}
}

func (c historyCursor) String() string {
	if c == (historyCursor{}) {
		return ""
	}
	return strconv.Itoa(c.account) + "." + strconv.Itoa(c.rules)
}

// rulesURL picks the audit log's access-rule events (filterBy url=@…).
const rulesURL = "/authorization/access-rules"

// accountHistory is the history section of a's page: the last 30 days of
// events about a and its rules (ruleIDs, its rules now), newest first.
// Two listings make it, read together and merged by time: the events
// whose entity is named as the account, and the access-rule events (whose
// subject, in their metadata, or id picks a's), so that neither reads the
// whole audit log. When Run:ai's log cannot be read it is the dashboard's
// own record, and says why.
func (h *handler) accountHistory(c echo.Context, a runai.ServiceAccount, ruleIDs []string) views.HistoryView {
	v := views.HistoryView{AccountID: a.ID, Days: historyDays}
	now := h.Now()
	start, end := now.Add(-historyDays*24*time.Hour), now.Add(time.Minute)
	from := parseCursor(c.QueryParam(form.ParamHistory))
	v.Paged = from != (historyCursor{})
	about := func(it history.Item) bool { return it.About(a, ruleIDs) }
	// Each listing keeps its own kind, so that no event shows twice.
	aboutAccount := func(it history.Item) bool { return !it.AboutRule() && about(it) }
	aboutRule := func(it history.Item) bool { return it.AboutRule() && about(it) }
	who, token := h.attributorFor(c), h.tokenOf(c)
	var own, rules scan
	g, ctx := errgroup.WithContext(c.Request().Context())
	g.Go(func() (err error) {
		q := runai.AuditQuery{Start: start, End: end, Offset: from.account}
		if !strings.ContainsRune(a.Name, ',') { // filterBy terms are comma-joined
			q.Filters = []string{"entity_name==" + a.Name}
		}
		own, err = h.scanAudit(ctx, token, q, historyPage, maxAuditScan, who, aboutAccount)
		return err
	})
	g.Go(func() (err error) {
		q := runai.AuditQuery{Start: start, End: end, Offset: from.rules, Filters: []string{"url=@" + rulesURL}}
		rules, err = h.scanAudit(ctx, token, q, historyPage, maxAuditScan, who, aboutRule)
		return err
	})
	if err := g.Wait(); err != nil {
		entries, recordOK := h.recent(c)
		v.HistorySource = h.historySource(c, err, recordOK)
		items, next := fromRecord(entries, start, end, about, from.account, historyPage)
		v.Items = worded(items, true, nil)
		if next > 0 {
			v.Older = historyCursor{account: next}.String()
		}
		return v
	}
	items, next := merge(own, rules, from, historyPage)
	v.Items, v.Older, v.Limited = worded(items, true, nil), next.String(), max(own.read, rules.read)
	v.RecordUnavailable = !who.ok()
	return v
}

// merge takes the newest want items of two scans and says where each goes
// on from (the zero cursor when both are done).
func merge(a, b scan, from historyCursor, want int) ([]history.Item, historyCursor) {
	var out []history.Item
	i, j := 0, 0
	for len(out) < want && (i < len(a.items) || j < len(b.items)) {
		if j == len(b.items) || (i < len(a.items) && !a.items[i].Time.Before(b.items[j].Time)) {
			out, i = append(out, a.items[i]), i+1
		} else {
			out, j = append(out, b.items[j]), j+1
		}
	}
	goOn := func(s scan, used, at int) (int, bool) {
		switch {
		case used < len(s.items):
			return s.pos[used], true // the first one not shown
		case s.next > 0:
			return s.next, true
		}
		return at, false
	}
	na, moreA := goOn(a, i, from.account)
	nb, moreB := goOn(b, j, from.rules)
	if !moreA && !moreB {
		return out, historyCursor{}
	}
	return out, historyCursor{account: na, rules: nb}
}

// showAccountHistory serves "Load older" of an account's history: the
// next items for HTMX to append, or (without JavaScript) the account page
// with its history from there.
func (h *handler) showAccountHistory(c echo.Context) error {
	if !hxOf(c).Partial() {
		return h.showAccount(c)
	}
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	access, _ := h.accessOf(c, a)
	return h.render(c, http.StatusOK, a.Name, views.HistoryItems(h.accountHistory(c, a, ruleIDs(access))))
}

// ruleIDs lists the ids of an account's rules, as the audit log writes
// them.
func ruleIDs(a listview.Access) []string {
	ids := make([]string, len(a.Rules))
	for i, r := range a.Rules {
		ids[i] = strconv.Itoa(r.ID)
	}
	return ids
}

// accountIndex finds the accounts events name, by id, client ID or name.
type accountIndex map[string]runai.ServiceAccount

func newAccountIndex(all []runai.ServiceAccount) accountIndex {
	ix := make(accountIndex, 3*len(all))
	for _, a := range all {
		ix["n:"+a.Name] = a
		ix["i:"+a.ClientID] = a
		ix["i:"+a.ID] = a
	}
	return ix
}

// find is the account an item is about, if it still exists.
func (ix accountIndex) find(it history.Item) (runai.ServiceAccount, bool) {
	for _, k := range []string{"i:" + it.AccountID, "i:" + it.RuleHolder, "n:" + it.RuleHolder, "n:" + it.Account} {
		if len(k) > 2 {
			if a, ok := ix[k]; ok {
				return a, true
			}
		}
	}
	return runai.ServiceAccount{}, false
}

// worded turns items into what a page shows. With an index (the Activity
// page) each names and links its account, or says it is gone.
func worded(items []history.Item, onAccount bool, ix accountIndex) []views.HistoryItem {
	out := make([]views.HistoryItem, len(items))
	for i, it := range items {
		vi := views.HistoryItem{Item: it}
		if ix != nil {
			if a, ok := ix.find(it); ok {
				vi.Account, vi.AccountID, vi.Link = a.Name, a.ID, paths.Account.ID(a.ID)
			} else {
				vi.Gone = true
			}
		}
		if vi.Account == "" {
			vi.Account = it.RuleHolder
		}
		vi.Sentence = vi.Item.Sentence(onAccount)
		out[i] = vi
	}
	return out
}

// activity reads the Activity page's events for f: up to want of them.
// When Run:ai's audit log cannot be read (err) the page holds the
// dashboard's own record and says why.
func (h *handler) activity(c echo.Context, f form.Activity, want, maxScan int) (views.ActivityPage, error) {
	start, end := f.Window(h.Now())
	p := views.ActivityPage{Filter: f, Start: start, End: end}
	q := runai.AuditQuery{Start: start, End: end, Offset: f.Offset, Filters: f.Filters()}
	who := h.attributorFor(c)
	s, err := h.scanAudit(c.Request().Context(), h.tokenOf(c), q, want, maxScan, who, f.Keep)
	p.RecordUnavailable = !who.ok()
	if err != nil {
		entries, recordOK := h.recent(c)
		p.HistorySource = h.historySource(c, err, recordOK)
		s.items, s.next = fromRecord(entries, start, end, f.Keep, f.Offset, want)
	}
	var ix accountIndex
	if in, _, _, err := h.listDataFor(c, true); err == nil {
		ix = newAccountIndex(in.All)
	}
	p.Items, p.Older, p.Limited = worded(s.items, false, ix), s.next, s.read
	return p, err
}

// showActivity renders the Activity page, or its results alone for an
// HTMX filter change.
func (h *handler) showActivity(c echo.Context) error {
	f, errs := form.ParseActivity(c.QueryParams())
	p, _ := h.activity(c, f, activityPage, maxAuditScan) // the page says what failed
	p.Errors = errs
	if hx := hxOf(c); hx.Partial() && hx.Target == views.ActivityResultsID {
		return h.render(c, http.StatusOK, "Activity", views.ActivityResults(p))
	}
	return h.render(c, http.StatusOK, "Activity", views.ActivityView(p))
}

// exportActivity downloads the Activity page's events, every page of
// them (up to maxExportScan events read), as CSV.
func (h *handler) exportActivity(c echo.Context) error {
	f, _ := form.ParseActivity(c.QueryParams())
	f.Offset = 0
	p, err := h.activity(c, f, maxExportScan, maxExportScan)
	if err != nil && !apiclient.IsForbidden(err) { // refused: the record alone, marked as such
		return &failure{act: action{verb: verbReadHistory}, err: err}
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="service-account-activity-`+h.Now().UTC().Format("20060102-1504")+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"time", "who", "via_dashboard", "sso_identity", "what", "account", "account_id", "access_rule", "result", "http_status", "request_id", "source"})
	for _, it := range p.Items {
		result := "succeeded"
		switch {
		case it.Unknown:
			result = "unknown"
		case it.Failed:
			result = "failed"
		}
		source := "run:ai"
		if it.FromRecord {
			source = "dashboard"
		}
		status := ""
		if it.Status != 0 {
			status = strconv.Itoa(it.Status)
		}
		_ = w.Write([]string{
			it.Time.UTC().Format(time.RFC3339), listview.SafeCell(it.Actor), strconv.FormatBool(it.ViaDash), listview.SafeCell(it.Via),
			string(it.Kind), listview.SafeCell(it.Account), listview.SafeCell(it.AccountID), listview.SafeCell(it.Rule), result, status,
			listview.SafeCell(it.RequestID), source,
		})
	}
	w.Flush()
	return w.Error()
}
