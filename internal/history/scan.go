package history

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/reqid"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Bounds of the history views, in one place.
const (
	// AccountDays is how far back an account's history goes.
	AccountDays = 30
	// AccountPage and ActivityPage are the events one page shows.
	AccountPage  = 20
	ActivityPage = 50
	// MaxScan bounds the audit-log events one page reads; MaxExportScan
	// one export. The page says when it stopped at the bound.
	MaxScan       = 5_000
	MaxExportScan = 20_000
	// batch is the events asked for per audit-log call while scanning
	// for matches: the most the API gives.
	batch = runai.MaxAuditPage
)

// AuditLog is what the scanner reads: the Run:ai client's audit-log
// listing, with the caller's token.
type AuditLog interface {
	ListAuditLog(ctx context.Context, token string, q runai.AuditQuery) (runai.AuditPage, error)
}

// Record is what the scanner needs of the dashboard's own record: the
// people behind request ids, and the recent changes for when Run:ai's log
// cannot be read.
type Record interface {
	Identities(ctx context.Context, ids []string) (map[string][]string, error)
	Recent(ctx context.Context, n int) ([]record.Entry, error)
}

// Scanner reads the histories: Run:ai's audit log, joined with the
// dashboard's record by request id, and the record alone when Run:ai's
// log cannot be read. It holds no state between calls.
type Scanner struct {
	Log    AuditLog
	Record Record
	Logger *slog.Logger
}

// Scope is what of the dashboard's record a session may see where
// Run:ai's audit log cannot be read (the record names the people behind
// changes, which the token alone could not learn): the changes to the
// accounts its token may read from Run:ai, and its own changes.
type Scope struct {
	Accounts map[string]bool // ids of the accounts the token may read
	Session  string          // the session, hashed as the record keeps it
}

// Allows reports whether the scope may see e.
func (s Scope) Allows(e record.Entry) bool {
	return (s.Session != "" && e.Session == s.Session) || (e.AccountID != "" && s.Accounts[e.AccountID])
}

// Page is one page of a history.
type Page struct {
	Items []Item
	// Limited is the number of events read when the scan stopped at its
	// bound before finding a page of matches; 0 otherwise.
	Limited int
	// Err is why Run:ai's audit log could not be read: Items are then the
	// dashboard's own record.
	Err error
	// RecordUnavailable: the dashboard's record could not be read, so the
	// people behind the events (or, with Err, the events) are missing.
	RecordUnavailable bool
}

// AccountPageResult is a page of one account's history, and where the
// next one starts ("" at the end).
type AccountPageResult struct {
	Page
	Older string
}

// Account reads the page of a's history that starts at cursor ("" for
// the newest): the last AccountDays of events about a and its rules
// (ruleIDs, its rules now: asked for once, when the first event that
// needs them has been read, so that the caller may read them meanwhile),
// newest first. Two listings make it, read
// together and merged by time: the events whose entity is named as the
// account, and the access-rule events (whose subject, in their metadata,
// or id picks a's), so that neither reads the whole audit log. The
// Run:ai calls: two listings of up to 1000 events each, more only while a
// page of matches is not found (at most MaxScan events each).
//
// The record stands in for Run:ai's log within scope.
func (s *Scanner) Account(ctx context.Context, token string, a runai.ServiceAccount, ruleIDs func() []string, cursor string, now time.Time, scope Scope) AccountPageResult {
	start, end := now.Add(-AccountDays*24*time.Hour), now.Add(time.Minute)
	from := ParseCursor(cursor)
	ids := sync.OnceValue(ruleIDs)
	about := func(it Item) bool { return it.About(a, ids()) }
	// Each listing keeps its own kind, so that no event shows twice.
	aboutAccount := func(it Item) bool { return !it.AboutRule() && about(it) }
	aboutRule := func(it Item) bool { return it.AboutRule() && about(it) }
	who := s.attributor()
	var own, rules scan
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		q := runai.AuditQuery{Start: start, End: end, Offset: from.account}
		if !strings.ContainsRune(a.Name, ',') { // filterBy terms are comma-joined
			q.Filters = []string{"entity_name==" + a.Name}
		}
		own, err = s.scan(gctx, token, q, AccountPage, MaxScan, who, aboutAccount)
		return err
	})
	g.Go(func() (err error) {
		q := runai.AuditQuery{Start: start, End: end, Offset: from.rules, Filters: []string{"url=@" + RulesURL}}
		rules, err = s.scan(gctx, token, q, AccountPage, MaxScan, who, aboutRule)
		return err
	})
	if err := g.Wait(); err != nil {
		var out AccountPageResult
		items, next, ok := s.fromRecord(ctx, start, end, scope, about, from.account, AccountPage)
		out.Items, out.Err, out.RecordUnavailable = items, err, !ok
		if next > 0 {
			out.Older = Cursor{account: next}.String()
		}
		return out
	}
	items, next := merge(own, rules, from, AccountPage)
	return AccountPageResult{Page: Page{Items: items, Limited: max(own.read, rules.read), RecordUnavailable: !who.ok()}, Older: next.String()}
}

// ActivityResult is a page of the Activity view, and the offset of the
// next one (0 at the end).
type ActivityResult struct {
	Page
	Next int
}

// Activity reads up to want events of q's range and filters that keep
// accepts, from q.Offset, reading at most maxScan events: the Activity
// page (want ActivityPage) and its export (want and maxScan
// MaxExportScan). Run:ai calls: one listing per 1000 events read. The
// record stands in for Run:ai's log within scope, which is asked for only
// then (the caller may read it meanwhile).
func (s *Scanner) Activity(ctx context.Context, token string, q runai.AuditQuery, keep func(Item) bool, want, maxScan int, scope func() Scope) ActivityResult {
	who := s.attributor()
	sc, err := s.scan(ctx, token, q, want, maxScan, who, keep)
	out := ActivityResult{Page: Page{Items: sc.items, Limited: sc.read, RecordUnavailable: !who.ok()}, Next: sc.next}
	if err != nil {
		items, next, ok := s.fromRecord(ctx, q.Start, q.End, scope(), keep, q.Offset, want)
		out.Items, out.Next, out.Limited, out.Err, out.RecordUnavailable = items, next, 0, err, !ok
	}
	return out
}

// RulesURL picks the audit log's access-rule events (filterBy url=@…).
const RulesURL = "/authorization/access-rules"

// scan is what one scan found.
type scan struct {
	items []Item
	pos   []int // each item's offset in the log
	next  int   // the offset to go on from; 0 at the end of the log
	read  int   // events read when the scan stopped at its bound, else 0
}

// scan reads the audit log, newest first, from q.Offset, and keeps the
// service-account and access-rule events keep accepts (attributed to the
// person behind them first), until it has want of them, the log ends or
// maxScan events were read.
func (s *Scanner) scan(ctx context.Context, token string, q runai.AuditQuery, want, maxScan int, who *attributor, keep func(Item) bool) (scan, error) {
	var out scan
	q.NewestFirst = true
	for read := 0; ; {
		q.Limit = min(batch, maxScan-read)
		page, err := s.Log.ListAuditLog(ctx, token, q)
		if err != nil {
			return scan{}, err
		}
		attribution := who.of(ctx, page.Events)
		for i, e := range page.Events {
			it, ok := FromEvent(e)
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

// attributor finds the people behind events in the dashboard's record,
// for one page view. A record that cannot be read attributes nothing and
// says so once.
type attributor struct {
	s      *Scanner
	mu     sync.Mutex
	failed bool
}

func (s *Scanner) attributor() *attributor { return &attributor{s: s} }

// of is the attribution of one page of events: one lookup in the record.
func (a *attributor) of(ctx context.Context, events []runai.AuditEvent) Attribution {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		if e.RequestID != "" {
			ids = append(ids, e.RequestID)
		}
	}
	who, err := a.s.Record.Identities(ctx, ids)
	if err != nil {
		a.mu.Lock()
		defer a.mu.Unlock()
		if !a.failed {
			a.failed = true
			a.s.log(ctx, err)
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

func (s *Scanner) log(ctx context.Context, err error) {
	if s.Logger != nil {
		s.Logger.WarnContext(ctx, "the dashboard's record could not be read", "err", err, "request_id", reqid.From(ctx))
	}
}

// fromRecord is the page of the record's entries in [start, end] that
// scope allows and keep accepts, from offset, and the offset of the next
// page (0 at the end): the history when Run:ai's cannot be read. ok is
// false when the record could not be read either (logged).
func (s *Scanner) fromRecord(ctx context.Context, start, end time.Time, scope Scope, keep func(Item) bool, offset, want int) (out []Item, next int, ok bool) {
	entries, err := s.Record.Recent(context.WithoutCancel(ctx), record.DefaultLimit)
	if err != nil {
		s.log(ctx, err)
		return nil, 0, false
	}
	n := 0
	for _, e := range entries {
		if e.Time.Before(start) || e.Time.After(end) || !scope.Allows(e) {
			continue
		}
		it, ok := FromRecord(e)
		if !ok || !keep(it) {
			continue
		}
		if n++; n <= offset {
			continue
		}
		if len(out) == want {
			return out, offset + want, true
		}
		out = append(out, it)
	}
	return out, 0, true
}

// Cursor is where an account's history goes on from: an offset into each
// of its two listings ("12.40"), or into the record.
type Cursor struct{ account, rules int }

// ParseCursor reads a cursor; anything malformed is the start.
func ParseCursor(s string) Cursor {
	a, r, _ := strings.Cut(s, ".")
	var c Cursor
	c.account, _ = strconv.Atoi(a)
	c.rules, _ = strconv.Atoi(r)
	return Cursor{max(c.account, 0), max(c.rules, 0)}
}

// String is the cursor as a URL writes it; "" at the start.
func (c Cursor) String() string {
	if c == (Cursor{}) {
		return ""
	}
	return strconv.Itoa(c.account) + "." + strconv.Itoa(c.rules)
}

// merge takes the newest want items of two scans and says where each goes
// on from (the zero cursor when both are done).
func merge(a, b scan, from Cursor, want int) ([]Item, Cursor) {
	var out []Item
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
		return out, Cursor{}
	}
	return out, Cursor{account: na, rules: nb}
}

// Index finds the accounts events name, by id, client ID or name. The
// zero Index finds none.
type Index struct {
	all []runai.ServiceAccount
	at  map[indexKey]int // position in all
}

// indexKey is an id (or client ID), or a name.
type indexKey struct {
	name bool
	s    string
}

// NewIndex indexes every account.
func NewIndex(all []runai.ServiceAccount) Index {
	ix := Index{all: all, at: make(map[indexKey]int, 3*len(all))}
	for i, a := range all {
		ix.at[indexKey{true, a.Name}] = i
		ix.at[indexKey{false, a.ClientID}] = i
		ix.at[indexKey{false, a.ID}] = i
	}
	return ix
}

// IsZero reports the zero Index, which knows no accounts (none could be
// read), unlike an index of no accounts.
func (ix Index) IsZero() bool { return ix.at == nil }

// Find is the account an item is about, if it still exists.
func (ix Index) Find(it Item) (runai.ServiceAccount, bool) {
	for _, k := range [...]indexKey{{false, it.AccountID}, {false, it.RuleHolder}, {true, it.RuleHolder}, {true, it.Account}} {
		if k.s != "" {
			if i, ok := ix.at[k]; ok {
				return ix.all[i], true
			}
		}
	}
	return runai.ServiceAccount{}, false
}
