package handlers

import (
	"cmp"
	"context"
	"crypto/rand"
	"hash/maphash"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/cache"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// The loaders: what each page reads, named for it, with the Run:ai calls
// it makes (counted at the stub by TestCallsPerPage). Reads that do not
// depend on each other run at once.
//
//	list (a page of it, a search, an export)
//	    from the session's list while it is fresh (cache.ListTTL) and the
//	    session has changed nothing since: none;
//	    else readList: the accounts (1), every service account's rules (1
//	    per 500), the catalog (roles, clusters, departments, projects: 4
//	    or more, kept a minute per token); with delivery on, the managed
//	    Secrets' metadata (1 Kubernetes listing per allowed namespace,
//	    kept 10 s per Kubernetes identity, read anew after this replica
//	    delivered or deleted a Secret: delivery.Listings). A read whose
//	    answers are those of the session's last read uses what was worked
//	    out from them again (sameAnswers).
//	account page (showAccount, assemble)
//	    the account (1), its rules (1), the catalog (kept), every account
//	    (1; none while the session's list is fresh), the rules of both
//	    accounts of each rotation it is in (2 per rotation), its history
//	    (2 audit-log listings, more while a page of matches is not found);
//	    with delivery on, the managed Secrets' metadata (as the list's).
//	    All at once, but the rotations' rules after the account list (and
//	    everything after the account when the session's list does not
//	    name it, for its ids and name).
//	Activity page (activity)
//	    the audit log (1 per 1000 events read) and, at the same time,
//	    every account (none while the session's list is fresh).
//	one row, redrawn after a change (rowOf)
//	    its rules and every account's name from the session's list while
//	    it is fresh, whatever the session changed since (a change to one
//	    account touches neither): none; else 2.

// listData is a list read from Run:ai: the accounts and what is known of
// their rules, the catalog it was read with, and when.
type listData struct {
	In  listview.Accounts
	Cat runai.Catalog
	At  time.Time
	// Orphans are the Kubernetes Secrets the dashboard manages (with
	// delivery on) that hold a deleted account; HeldUnread the namespaces
	// that could not be listed, in words. (The Secrets that hold live
	// accounts are not kept: only an account's page lists them.)
	Orphans    []delivery.Held
	HeldUnread []string
	// answers is what In was worked out from, as read (see sameAnswers).
	answers answers
}

// answers identifies what a list read got from Run:ai: the accounts and
// the rules as decoded (hashed: the rules are kept only filed and with
// their scopes' paths), and the catalog.
type answers struct {
	accounts, rules uint64
	cat             runai.Catalog
}

// answersSeed keys the hashes of answers (random per process).
var answersSeed = maphash.MakeSeed()

// answersOf identifies a read of all and rules with cat.
func answersOf(all []runai.ServiceAccount, rules []runai.AccessRule, cat runai.Catalog) answers {
	var a, r maphash.Hash
	a.SetSeed(answersSeed)
	r.SetSeed(answersSeed)
	for _, x := range all {
		maphash.WriteComparable(&a, x)
	}
	for _, x := range rules {
		maphash.WriteComparable(&r, x)
	}
	return answers{accounts: a.Sum64(), rules: r.Sum64(), cat: cat}
}

// sameAnswers reports whether a read got what an earlier one did, so
// that what was worked out from it (rules by account, scope paths,
// rotations, sort orders) still holds.
func sameAnswers(x, y answers) bool {
	return x.accounts == y.accounts && x.rules == y.rules && reflect.DeepEqual(x.cat, y.cat)
}

// approxBytes is about how much memory d holds, for the list cache's
// bound.
func (d listData) approxBytes() int64 {
	n := d.In.ApproxBytes()
	for _, h := range d.Orphans {
		n += int64(200 + len(h.Namespace) + len(h.Name) + len(h.Account) + len(h.AccountID) + len(h.ClientID) + len(h.DeliveredBy))
	}
	for _, s := range d.HeldUnread {
		n += int64(16 + len(s))
	}
	return n
}

// listKey is the session's key in the list cache; "" without a session.
func listKey(c echo.Context) string {
	if st, ok := c.Get(stateKey).(*state); ok {
		return st.id()
	}
	return ""
}

// list is the list for this request: the session's of the last few
// seconds unless fresh is asked for (Refresh, a reload) or the session has
// changed something since it was read, else a new read, which is kept for
// the next requests.
func (h *handler) list(c echo.Context, fresh bool) (listData, error) {
	key := listKey(c)
	gen := h.generation(c.Request().Context(), key)
	if !fresh && key != "" {
		if d, _, ok := h.lists.Get(key, gen); ok {
			return d, nil
		}
	}
	d, err := h.readList(c)
	if err == nil && key != "" {
		h.lists.Put(key, gen, d, d.approxBytes(), d.At)
	}
	return d, err
}

// readList reads everything the accounts list shows, in one round of
// concurrent calls: the accounts, every service account's access rules
// (PageSize a page, never one call per account) and the catalog for scope
// paths. Only the accounts are required: rules that cannot be read leave
// the list without them and say why.
func (h *handler) readList(c echo.Context) (listData, error) {
	var (
		all      []runai.ServiceAccount
		rules    []runai.AccessRule
		rulesErr error
		cat      runai.Catalog
		held     []delivery.Held
		unread   []string
	)
	at := h.Now()
	g, ctx := errgroup.WithContext(c.Request().Context())
	token := h.tokenOf(c)
	g.Go(func() error {
		var err error
		all, err = h.API.ListServiceAccounts(ctx, token)
		return err
	})
	g.Go(func() error { rules, rulesErr = h.API.ListServiceAccountRules(ctx, token); return nil })
	g.Go(func() error { cat = h.catalogs.Get(ctx, token); return nil })
	if h.deliveryOn() {
		g.Go(func() error { held, unread = h.managedSecrets(c); return nil })
	}
	if err := g.Wait(); err != nil {
		return listData{}, err
	}
	// Answers the same as the session's last read's (a reload, a
	// Refresh, a view past the list's lifetime with nothing changed):
	// what was worked out from them is used again. Not with delivery on,
	// where the Secrets and the time make the automation's states.
	var got answers
	if rulesErr == nil && !h.deliveryOn() {
		got = answersOf(all, rules, cat)
		if prev, ok := h.recentList(c); ok && prev.In.RulesKnown && sameAnswers(prev.answers, got) {
			prev.At, prev.Cat = at, cat
			return prev, nil
		}
	}
	in := listview.Accounts{All: all}
	if rulesErr != nil {
		in.RulesProblem = h.note(c, rulesErr, action{verb: verbReadRules})
	} else {
		scopes := scopesFor(cat, all, slices.Values(rules))
		scopes.FillPaths(rules)
		in.RulesKnown, in.Rules = true, runai.RulesByAccount(all, rules)
	}
	in.Automation = automationStates(held, all, at)
	in.Prepare() // once for the views the list serves while cached
	return listData{In: in, Cat: cat, At: at, Orphans: delivery.Orphans(held, all), HeldUnread: unread, answers: got}, nil
}

// accounts is every account: the session's fresh list's when there is
// one, else one listing.
func (h *handler) accounts(c echo.Context) ([]runai.ServiceAccount, error) {
	if d, ok := h.freshList(c); ok {
		return d.In.All, nil
	}
	return h.API.ListServiceAccounts(c.Request().Context(), h.tokenOf(c))
}

// freshList is the session's list while it is fresh and the session has
// changed nothing since it was read.
func (h *handler) freshList(c echo.Context) (listData, bool) {
	key := listKey(c)
	if key == "" {
		return listData{}, false
	}
	d, _, ok := h.lists.Get(key, h.generation(c.Request().Context(), key))
	return d, ok
}

// recentList is the session's list while it is fresh, whatever the
// session changed since: for what a change does not touch (an account's
// ids and name, the rules around another account, the answers a read
// is compared with).
func (h *handler) recentList(c echo.Context) (listData, bool) {
	key := listKey(c)
	if key == "" {
		return listData{}, false
	}
	d, _, ok := h.lists.Recent(key)
	return d, ok
}

// catalogOf is the request token's roles and scopes (kept a minute).
func (h *handler) catalogOf(c echo.Context) runai.Catalog {
	return h.catalogs.Get(c.Request().Context(), h.tokenOf(c))
}

// accessOf reads one account's access rules (one call), with scope paths.
// When they cannot be read, the second result says why.
func (h *handler) accessOf(c echo.Context, a runai.ServiceAccount) (listview.Access, string) {
	rules, err := h.API.ListServiceAccountRules(c.Request().Context(), h.tokenOf(c), a.SubjectIDs()...)
	if err != nil {
		return listview.Access{}, h.note(c, err, action{verb: verbReadRules})
	}
	mine := rules[:0]
	for _, r := range rules {
		if a.Owns(r) {
			mine = append(mine, r)
		}
	}
	scopesFor(h.catalogOf(c), []runai.ServiceAccount{a}, slices.Values(mine)).FillPaths(mine)
	return listview.Access{Known: true, Rules: mine}, ""
}

// listPage fills page with the list under view v and the create form's
// rule picker: from the session's list unless fresh. A list that cannot
// be loaded is shown in the page (the create form and any new secret stay
// usable), except 401, returned so that the user signs in again.
func (h *handler) listPage(c echo.Context, v listview.View, page views.AccountsPage, fresh bool) (views.AccountsPage, int, error) {
	page.List.View = v
	d, err := h.list(c, fresh)
	if err != nil {
		if apiclient.IsUnauthorized(err) {
			return page, 0, err
		}
		p := h.problemOf(c, err, action{verb: verbList})
		h.logFailure(c, err, p)
		page.LoadError = &p.Problem
		return page, p.status, nil
	}
	page.List = listview.Apply(d.In, v, h.Now())
	page.List.Fetched = d.At
	if !listInteraction(c) { // the list region alone has no create form
		page.Create.Picker = h.picker(c, d.Cat, scopesFor(d.Cat, d.In.All, d.In.AllRules()))
		if page.Create.Deliver.IsZero() { // not a failed create's, which has its own
			page.Create.Deliver = h.deliveryChoice(form.Delivery{}, nil, nil)
		}
		page.Orphans, page.SecretsUnread = d.Orphans, d.HeldUnread
	}
	return page, 200, nil
}

// rowOf is a's row under view v: its rules and rotations from the
// session's list of the last few seconds when there is one (a change to a
// does not touch them), else read (its rules and every account, at once).
func (h *handler) rowOf(c echo.Context, v listview.View, a runai.ServiceAccount) listview.Row {
	return v.Row(a, h.related(c, a), h.Now())
}

// related is what a row shows beyond the account's own record: see rowOf.
func (h *handler) related(c echo.Context, a runai.ServiceAccount) listview.Related {
	if d, ok := h.recentList(c); ok {
		in := d.In
		if slices.ContainsFunc(in.All, func(x runai.ServiceAccount) bool { return x.ID == a.ID }) {
			return in.Related(a.ID)
		}
	}
	var (
		access listview.Access
		all    []runai.ServiceAccount
		g      errgroup.Group
	)
	g.Go(func() error { access, _ = h.accessOf(c, a); return nil })
	g.Go(func() error { all, _ = h.API.ListServiceAccounts(c.Request().Context(), h.tokenOf(c)); return nil })
	_ = g.Wait()
	in := listview.Accounts{All: all, RulesKnown: access.Known, Rules: map[string][]runai.AccessRule{a.ID: access.Rules}}
	if !slices.ContainsFunc(all, func(x runai.ServiceAccount) bool { return x.ID == a.ID }) {
		in.All = append(in.All, a)
	}
	return in.Related(a.ID)
}

// accessSection reads what the account page's access section shows: the
// account's rules and the add form's picker, with the form's input and
// field errors when it failed.
func (h *handler) accessSection(c echo.Context, a runai.ServiceAccount, input form.Grant, errs form.Errors) views.AccessSection {
	access, problem := h.accessOf(c, a)
	return views.AccessSection{Account: a, Access: access, Problem: problem,
		Add: views.GrantChoice{Prefix: views.GrantAdd, Input: input, Errors: errs, Picker: h.accountPicker(c, a, access.Rules)}}
}

// accountPage is an account's page around its access section s, which
// was read already (a failed form's): see assemble.
func (h *handler) accountPage(c echo.Context, s views.AccessSection) views.AccountPage {
	return h.assemble(c, s.Account, func() views.AccessSection { return s })
}

// accountPageOf is a's page, its access section read with the rest.
func (h *handler) accountPageOf(c echo.Context, a runai.ServiceAccount) views.AccountPage {
	return h.assemble(c, a, func() views.AccessSection { return h.accessSection(c, a, form.Grant{}, nil) })
}

// assemble reads an account's page at once: its access section (section,
// the account's rules), every account (then the rules of the rotations it
// is in), its history (whose rule events need
// the account's rules only once read) and the Secrets that hold it, with
// their readers. Only a's ids and name are used until the automation
// section, the last and the only one that reads its record.
func (h *handler) assemble(c echo.Context, a runai.ServiceAccount, section func() views.AccessSection) views.AccountPage {
	var (
		page  = views.AccountPage{Account: a}
		ready = make(chan struct{}) // page.Access is read
		g     errgroup.Group
	)
	g.Go(func() error { defer close(ready); page.Access = section(); return nil })
	g.Go(func() error {
		all, _ := h.accounts(c) // without them, no rotation is found
		page.Rotations = h.rotationPanels(c, a, all)
		return nil
	})
	g.Go(func() error {
		rules := func() []string { <-ready; return ruleIDs(page.Access.Access) }
		page.History = h.accountHistory(c, a, rules, c.QueryParam(form.ParamHistory))
		return nil
	})
	g.Go(func() error { page.Held = h.withReaders(c, h.heldBy(c, a)); return nil })
	_ = g.Wait()
	page.Automation = h.automationOf(c, a, page.Held)
	policyNamed(page.History.Items, page.Automation)
	return page
}

// withRecord puts a, read while its page was (see showAccount), in the
// page assembled from the session's list's copy of it.
func withRecord(page views.AccountPage, a runai.ServiceAccount) views.AccountPage {
	page.Account, page.Access.Account, page.Automation.Account = a, a, a
	return page
}

// copyForm lists the accounts access can be copied from: those that hold
// access when that is known (holders), else every other.
func (h *handler) copyForm(c echo.Context, a runai.ServiceAccount, all []runai.ServiceAccount, holders map[string]bool, err error) views.CopyForm {
	f := views.CopyForm{Account: a, Holders: holders != nil}
	if err != nil {
		f.Problem = "The other accounts could not be listed: " + h.note(c, err, action{verb: verbList})
		return f
	}
	type keyed struct {
		key string // the name in lower case, made once
		i   int    // in all
	}
	others := make([]keyed, 0, len(all))
	for i, o := range all {
		if o.ID != a.ID && (holders == nil || holders[o.ID]) {
			others = append(others, keyed{strings.ToLower(o.Name), i})
		}
	}
	slices.SortFunc(others, func(x, y keyed) int { return cmp.Compare(x.key, y.key) })
	f.Others = make([]runai.ServiceAccount, len(others))
	for i, o := range others {
		f.Others[i] = all[o.i]
	}
	return f
}

// accountHistory is the history section of a's page (ruleIDs: its rules
// now, asked for when needed), from the page cursor names.
func (h *handler) accountHistory(c echo.Context, a runai.ServiceAccount, ruleIDs func() []string, cursor string) views.HistoryView {
	scope := history.Scope{Accounts: map[string]bool{a.ID: true}, Session: session.HashID(stateOf(c).id())} // the page read a
	r := h.histories.Account(c.Request().Context(), h.tokenOf(c), a, ruleIDs, cursor, h.Now(), scope)
	v := views.HistoryView{AccountID: a.ID, Days: history.AccountDays, Paged: history.ParseCursor(cursor) != history.Cursor{},
		Items: worded(r.Items, true, history.Index{}, h.automationID()), Older: r.Older}
	v.HistorySource = h.historySource(c, r.Page)
	return v
}

// The session's generation of changes: every change the session sends
// gives it a new value (see changed), kept in the session store so that
// every replica sees it. A list is kept under the generation it was read
// in, and served only in that generation: the session's own changes show
// at once on every replica, and a read that was in flight while the
// session changed something cannot put the list from before back.
const generationKey = "list-generation"

// generation is the session's current generation; "" before its first
// change (or for no session).
func (h *handler) generation(ctx context.Context, sessionID string) string {
	if sessionID == "" {
		return ""
	}
	var g string
	if ok, err := h.Sessions.GetData(ctx, sessionID, generationKey, &g); !ok || err != nil {
		return ""
	}
	return g
}

// changed starts a new generation for the session: a change was sent.
// It outlives any list kept under the old one.
func (h *handler) changed(ctx context.Context, sessionID string) {
	if sessionID == "" {
		return
	}
	if err := h.Sessions.PutData(context.WithoutCancel(ctx), sessionID, generationKey, rand.Text(), 2*cache.ListTTL); err != nil {
		h.Logger.Warn("the session's generation of changes was not saved: its list may be served for a few more seconds", "err", err)
	}
}
