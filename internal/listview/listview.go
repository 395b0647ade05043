// Package listview is the accounts table's view state and the pure logic
// behind it: the view a URL describes, search, filters, sort with missing
// values last, the hygiene summary, the optional columns and the CSV
// export. It works on runai values and knows nothing of HTTP or HTML;
// internal/form parses a view from a URL, views renders the result.
package listview

import (
	"cmp"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Sort keys: the name and one per optional column.
const (
	SortName      = "name"
	SortClientID  = "clientId"
	SortStatus    = "status"
	SortCreatedBy = "createdBy"
	SortCreated   = "createdAt"
	SortUpdated   = "updatedAt"
	SortLastLogin = "lastLogin"
	SortAccess    = "access"
)

// SortKeys lists the sortable columns in table order.
var SortKeys = []string{SortName, SortClientID, SortStatus, SortAccess, SortCreatedBy, SortCreated, SortUpdated, SortLastLogin}

// Status filter values.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Usage filter values.
const (
	UsageNever = "never" // never obtained a token
	UsageStale = "stale" // last used more than StaleDays ago
)

// Rotation filter value: accounts in a rotation, either side.
const RotationRotating = "rotating"

// Automation filter values: accounts whose Secrets carry a rotation
// policy, are declared and waiting for approval, are due, or failing.
const (
	AutomationOn      = "automated"
	AutomationWaiting = "waiting"
	AutomationDue     = "due"
	AutomationFailing = "failing"
)

// Access filter values.
const (
	AccessNone     = "none"     // enabled, yet no access rule: it can sign in and do nothing
	AccessDisabled = "disabled" // disabled, yet still holding access rules
)

// Page sizes: PerPageAll shows every row.
const (
	DefaultPerPage = 100
	PerPageAll     = 0
)

// PerPageChoices are the page sizes offered, in order.
var PerPageChoices = []int{25, 50, 100, 250, PerPageAll}

// Limits of the view state.
const (
	DefaultStaleDays = 90   // what "stale" means unless configured (STALE_DAYS)
	MinStaleDays     = 1    // bounds of the stale threshold, configured or in a URL
	MaxStaleDays     = 3650 //
	MaxQueryLen      = 200  // longest search or creator value, in bytes
)

// URL query parameters of the view.
const (
	ParamQ         = "q"
	ParamStatus    = "status"
	ParamUsage     = "usage"
	ParamAccess    = "access"
	ParamRotation  = "rotation"
	ParamAutomated = "automation"
	ParamStaleDays = "staleDays"
	ParamCreatedBy = "createdBy"
	ParamSort      = "sort"
	ParamDir       = "dir"
	ParamPage      = "page"
	ParamPerPage   = "per"
	// ParamRefresh is not part of the view: it asks for the list to be
	// read anew from Run:ai rather than reused from a few seconds ago.
	ParamRefresh   = "refresh"
	PerPageAllText = "all"
	DirDesc        = "desc"
)

// View is the state of the accounts table: everything in the URL.
type View struct {
	Q         string // search in name, client ID and creator
	Status    string // "", StatusEnabled, StatusDisabled
	Usage     string // "", UsageNever, UsageStale
	Access    string // "", AccessNone, AccessDisabled
	Rotation  string // "", RotationRotating
	Automated string // "", AutomationOn, AutomationWaiting, AutomationDue, AutomationFailing
	StaleDays int    // what "stale" means, in days
	CreatedBy string // exact creator, or ""
	Sort      string // one of SortKeys
	Desc      bool
	Page      int // 1-based
	PerPage   int // one of PerPageChoices; PerPageAll for every row

	// defaultStaleDays is the configured threshold, which the URL omits.
	defaultStaleDays int
}

// Default is the view of a bare /accounts with the configured stale
// threshold.
func Default(staleDays int) View {
	return View{StaleDays: staleDays, Sort: SortName, Page: 1, PerPage: DefaultPerPage, defaultStaleDays: staleDays}
}

// Query is the canonical query for v, omitting defaults so URLs stay short.
func (v View) Query() url.Values {
	q := url.Values{}
	set := func(k, val string) {
		if val != "" {
			q.Set(k, val)
		}
	}
	set(ParamQ, v.Q)
	set(ParamStatus, v.Status)
	set(ParamUsage, v.Usage)
	set(ParamAccess, v.Access)
	set(ParamRotation, v.Rotation)
	set(ParamAutomated, v.Automated)
	set(ParamCreatedBy, v.CreatedBy)
	if v.StaleDays != v.defaultStaleDays {
		q.Set(ParamStaleDays, strconv.Itoa(v.StaleDays))
	}
	if v.Sort != SortName {
		q.Set(ParamSort, v.Sort)
	}
	if v.Desc {
		q.Set(ParamDir, DirDesc)
	}
	if v.Page > 1 {
		q.Set(ParamPage, strconv.Itoa(v.Page))
	}
	switch v.PerPage {
	case DefaultPerPage:
	case PerPageAll:
		q.Set(ParamPerPage, PerPageAllText)
	default:
		q.Set(ParamPerPage, strconv.Itoa(v.PerPage))
	}
	return q
}

// OnPage is v showing page n (clamped when rendered).
func (v View) OnPage(n int) View {
	v.Page = max(n, 1)
	return v
}

// Path is the accounts list under v, as a link.
func (v View) Path() paths.Path { return paths.Accounts.Link().Query(v.Query()) }

// RefreshPath is the view's link that reads the list anew (Refresh).
func (v View) RefreshPath() paths.Path {
	q := v.Query()
	q.Set(ParamRefresh, "1")
	return paths.Accounts.Link().Query(q)
}

// Filtered reports whether anything narrows the list.
func (v View) Filtered() bool {
	return v.Q != "" || v.Status != "" || v.Usage != "" || v.Access != "" || v.Rotation != "" || v.Automated != "" || v.CreatedBy != ""
}

// SortBy is v sorted by key: ascending, or descending when v already sorts
// by key ascending (a header clicked twice).
func (v View) SortBy(key string) View {
	v.Desc = v.Sort == key && !v.Desc
	v.Sort, v.Page = key, 1
	return v
}

// Cleared is v without search and filters, its sort and stale threshold
// kept.
func (v View) Cleared() View {
	v.Q, v.CreatedBy, v.Status, v.Usage, v.Access, v.Rotation, v.Automated, v.Page = "", "", "", "", "", "", "", 1
	return v
}

// Only is v showing every account of one category: the filter param
// (ParamStatus, ParamUsage or ParamAccess) set to value, nothing else
// narrowing, sort and stale threshold kept. The summary links with it.
func (v View) Only(param, value string) View {
	v = v.Cleared()
	switch param {
	case ParamStatus:
		v.Status = value
	case ParamUsage:
		v.Usage = value
	case ParamAccess:
		v.Access = value
	case ParamRotation:
		v.Rotation = value
	case ParamAutomated:
		v.Automated = value
	}
	return v
}

// Stale reports whether a was last used longer ago than the view's
// threshold.
func (v View) Stale(a runai.ServiceAccount, now time.Time) bool {
	return a.UnusedFor(time.Duration(v.StaleDays)*24*time.Hour, now)
}

// Access is what is known of one account's access rules.
type Access struct {
	Known bool // false when the token may not read access rules
	Rules []runai.AccessRule
}

// Rotation is an account's part in rotations (internal/rotation): the
// successor it is rotating to, and the account it succeeds.
type Rotation struct {
	To   *rotation.Pair // this account is Old
	From *rotation.Pair // this account is Successor
}

// Rotating reports that the account is part of a rotation in progress.
func (r Rotation) Rotating() bool { return r.To != nil || r.From != nil }

// Automation is what the Secrets that hold an account (or are declared
// for it) say of its automatic rotation.
type Automation struct {
	Automated bool // a Secret holding it carries a rotation policy
	Waiting   bool // a Secret declared for it waits for approval
	Due       bool // its rotation is due (or under way)
	Failing   bool // the automation's last step failed
}

// Related is what is known of an account beyond its own record.
type Related struct {
	Access
	Rotation
	Automation
}

// Row is one account as the table shows it under a view. Every row, in a
// whole list or swapped in alone after an action, is made by View.Row, so
// its badges never differ between a reload and a swap.
type Row struct {
	runai.ServiceAccount
	Related
	Stale bool // unused for longer than the view's threshold

	sortName string // the name in lower case, for sorting
}

// Row is a, with what is known of its rules and rotations, under the view.
func (v View) Row(a runai.ServiceAccount, rel Related, now time.Time) Row {
	return Row{ServiceAccount: a, Related: rel, Stale: v.Stale(a, now), sortName: strings.ToLower(a.Name)}
}

// NoAccess reports an enabled account without any access rule: it can
// obtain tokens and do nothing with them.
func (r Row) NoAccess() bool { return r.Known && r.Enabled && len(r.Rules) == 0 }

// DisabledWithAccess reports a disabled account that still holds rules:
// enabling it restores access nobody may remember granting.
func (r Row) DisabledWithAccess() bool { return r.Known && !r.Enabled && len(r.Rules) > 0 }

// Accounts is what a list is made of: every account and what is known of
// their access rules.
type Accounts struct {
	All []runai.ServiceAccount
	// Rules files the access rules under the account id they belong to;
	// RulesKnown is false when the token may not read them, and
	// RulesProblem then says why.
	Rules        map[string][]runai.AccessRule
	RulesKnown   bool
	RulesProblem string
	// Automation is each account's automatic rotation, by account id
	// (with delivery on).
	Automation map[string]Automation

	prep *prepared // what Prepare found; nil before
}

// prepared is what every view of a list needs and no view changes.
type prepared struct {
	pairs    []rotation.Pair
	related  []Related // of All[i]
	creators []string  // every distinct creator, sorted

	mu     sync.Mutex
	orders map[order][]int // positions in All, by sort order, each made on first use
}

// order is a sort key and its direction.
type order struct {
	key  string
	desc bool
}

// ordered is the positions in all in the order of key and desc: sorted
// once per list, for every view that asks (no sort key depends on the
// view's other settings or the time).
func (p *prepared) ordered(all []runai.ServiceAccount, key string, desc bool) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	o := order{key, desc}
	if ix, ok := p.orders[o]; ok {
		return ix
	}
	rows := make([]Row, len(all))
	ix := make([]int, len(all))
	for i, a := range all {
		rows[i] = Row{ServiceAccount: a, Related: p.related[i], sortName: strings.ToLower(a.Name)}
		ix[i] = i
	}
	by := compare(key, desc)
	slices.SortFunc(ix, func(x, y int) int { return by(&rows[x], &rows[y]) })
	if p.orders == nil {
		p.orders = map[order][]int{}
	}
	p.orders[o] = ix
	return ix
}

// Prepare works out, once, what every view of the accounts needs (their
// rules and rotations, the creators), for a list that serves many views
// in its lifetime. Call it after setting Rules; Apply on an unprepared
// list does the work itself.
func (in *Accounts) Prepare() {
	p := &prepared{pairs: rotation.Pairs(in.All), related: make([]Related, len(in.All))}
	seen := map[string]bool{}
	for i, a := range in.All {
		p.related[i] = in.related(a.ID, p.pairs)
		if a.CreatedBy != "" && !seen[a.CreatedBy] {
			seen[a.CreatedBy] = true
			p.creators = append(p.creators, a.CreatedBy)
		}
	}
	slices.Sort(p.creators)
	in.prep = p
}

func (in Accounts) pairs() []rotation.Pair {
	if in.prep != nil {
		return in.prep.pairs
	}
	return rotation.Pairs(in.All)
}

// AllRules yields every account's rules.
func (in Accounts) AllRules() iter.Seq[runai.AccessRule] {
	return func(yield func(runai.AccessRule) bool) {
		for _, rs := range in.Rules {
			for _, r := range rs {
				if !yield(r) {
					return
				}
			}
		}
	}
}

// Related is what is known of the account with id: its rules, and its
// rotations (from every account's name).
func (in Accounts) Related(id string) Related {
	return in.related(id, in.pairs())
}

func (in Accounts) related(id string, pairs []rotation.Pair) Related {
	rel := Related{Access: Access{Known: in.RulesKnown, Rules: in.Rules[id]}, Automation: in.Automation[id]}
	rel.To, rel.From = rotation.Of(pairs, id)
	return rel
}

// ApproxBytes estimates the memory the list holds, with what Prepare
// worked out, for the caches that keep it (internal/cache).
func (in Accounts) ApproxBytes() int64 {
	n := int64(unsafe.Sizeof(in)) + int64(len(in.RulesProblem))
	for _, a := range in.All {
		n += a.ApproxBytes()
	}
	n += int64(len(in.Automation)) * (36 + int64(unsafe.Sizeof(Automation{})) + mapEntryOverhead)
	for id, rs := range in.Rules {
		n += int64(len(id)) + int64(unsafe.Sizeof(rs)) + mapEntryOverhead
		for _, r := range rs {
			n += r.ApproxBytes()
		}
	}
	if p := in.prep; p != nil {
		n += int64(len(p.related))*int64(unsafe.Sizeof(Related{})) + int64(len(p.pairs))*int64(unsafe.Sizeof(rotation.Pair{}))
		for _, c := range p.creators {
			n += int64(len(c)) + int64(unsafe.Sizeof(c))
		}
	}
	return n
}

// mapEntryOverhead is roughly what a map spends per entry beyond its key
// and value.
const mapEntryOverhead = 16

// Summary counts accounts by hygiene category.
type Summary struct {
	Total, Enabled, Disabled, Never, Stale int
	NoAccess, DisabledWithAccess           int // when rules are known
	Rotations                              int // rotations in progress (pairs)
	Automated, Waiting, Failing            int // automatic rotation, with delivery on
}

// List is what a view shows of all accounts.
type List struct {
	View     View
	Rows     []Row    // the accounts the view shows, in its order
	Summary  Summary  // counts over all accounts, not just the shown
	Creators []string // every distinct creator, sorted, for the filter
	// RulesKnown is false when the token may not read access rules;
	// RulesProblem says why.
	RulesKnown   bool
	RulesProblem string
	// Fetched is when the accounts were read from Run:ai.
	Fetched time.Time
}

// Shown is the number of accounts the view matches (on every page).
func (l List) Shown() int { return len(l.Rows) }

// Pages is the number of pages the matching accounts fill (at least 1).
func (l List) Pages() int {
	if l.View.PerPage == PerPageAll || len(l.Rows) == 0 {
		return 1
	}
	return (len(l.Rows) + l.View.PerPage - 1) / l.View.PerPage
}

// PageNumber is the page shown: the view's, within the pages there are.
func (l List) PageNumber() int { return min(max(l.View.Page, 1), l.Pages()) }

// PageRows are the rows of the page shown; counts, the summary, the
// export and "all in the view" still cover Rows, every matching account.
func (l List) PageRows() []Row {
	if l.View.PerPage == PerPageAll {
		return l.Rows
	}
	start := (l.PageNumber() - 1) * l.View.PerPage
	return l.Rows[start:min(start+l.View.PerPage, len(l.Rows))]
}

// FirstShown is the position of the page's first row (1-based; 0 when
// nothing matches).
func (l List) FirstShown() int {
	if len(l.Rows) == 0 {
		return 0
	}
	if l.View.PerPage == PerPageAll {
		return 1
	}
	return (l.PageNumber()-1)*l.View.PerPage + 1
}

// Apply returns what v shows of the accounts at time now. Nothing in in
// is modified.
func Apply(in Accounts, v View, now time.Time) List {
	if in.prep == nil {
		in.Prepare() // this copy only
	}
	p := in.prep
	q := strings.ToLower(v.Q)
	l := List{View: v, Summary: Summary{Total: len(in.All), Rotations: len(p.pairs)}, Creators: p.creators,
		RulesKnown: in.RulesKnown, RulesProblem: in.RulesProblem}
	rows := make([]Row, 0, len(in.All))
	for _, i := range p.ordered(in.All, v.Sort, v.Desc) {
		r := v.Row(in.All[i], p.related[i], now)
		l.Summary.count(r)
		if v.shows(r, q) {
			rows = append(rows, r)
		}
	}
	l.Rows = rows
	return l
}

// Shows reports whether the view shows the row: a new account may not
// match the filters of the list it was created from.
func (v View) Shows(r Row) bool { return v.shows(r, strings.ToLower(v.Q)) }

func (v View) shows(r Row, lowerQ string) bool {
	switch {
	case v.Status == StatusEnabled && !r.Enabled, v.Status == StatusDisabled && r.Enabled:
		return false
	case v.Usage == UsageNever && !r.NeverUsed(), v.Usage == UsageStale && !r.Stale:
		return false
	case v.Access == AccessNone && !r.NoAccess(), v.Access == AccessDisabled && !r.DisabledWithAccess():
		return false
	case v.Rotation == RotationRotating && !r.Rotating():
		return false
	case v.Automated == AutomationOn && !r.Automated, v.Automated == AutomationWaiting && !r.Waiting,
		v.Automated == AutomationDue && !r.Due, v.Automated == AutomationFailing && !r.Failing:
		return false
	case v.CreatedBy != "" && !strings.EqualFold(r.CreatedBy, v.CreatedBy):
		return false
	case lowerQ != "" && !containsFold(r.Name, lowerQ) && !containsFold(r.ClientID, lowerQ) && !containsFold(r.CreatedBy, lowerQ) &&
		!rulesMatch(r.Rules, lowerQ):
		return false
	}
	return true
}

// rulesMatch reports whether a rule's role or scope mentions the needle.
func rulesMatch(rules []runai.AccessRule, lowerNeedle string) bool {
	for _, ar := range rules {
		if containsFold(ar.RoleName, lowerNeedle) || containsFold(ar.ScopePath, lowerNeedle) || containsFold(ar.ScopeName, lowerNeedle) {
			return true
		}
	}
	return false
}

func (s *Summary) count(r Row) {
	if r.Enabled {
		s.Enabled++
	} else {
		s.Disabled++
	}
	if r.NeverUsed() {
		s.Never++
	}
	if r.Stale {
		s.Stale++
	}
	if r.NoAccess() {
		s.NoAccess++
	}
	if r.DisabledWithAccess() {
		s.DisabledWithAccess++
	}
	if r.Automated {
		s.Automated++
	}
	if r.Waiting {
		s.Waiting++
	}
	if r.Failing {
		s.Failing++
	}
}

// containsFold reports whether s contains the lower-case needle, ignoring case.
func containsFold(s, lowerNeedle string) bool {
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}

// compare orders by key, direction applied, with missing values (zero
// times, empty strings) last either way and the name, then the id, as
// tie-breakers: a total order, so an unstable sort is deterministic.
func compare(key string, desc bool) func(a, b *Row) int {
	dir := func(c int) int {
		if desc {
			return -c
		}
		return c
	}
	byName := func(a, b *Row) int {
		if c := cmp.Compare(a.sortName, b.sortName); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	// then is c, or the name order when c ties (evaluated only then).
	then := func(c int, a, b *Row) int {
		if c != 0 {
			return c
		}
		return byName(a, b)
	}
	nullsLast := func(aNull, bNull bool) (int, bool) {
		switch {
		case aNull && bNull:
			return 0, true
		case aNull:
			return 1, true
		case bNull:
			return -1, true
		}
		return 0, false
	}
	str := func(get func(*Row) string) func(a, b *Row) int {
		return func(a, b *Row) int {
			x, y := get(a), get(b)
			if c, done := nullsLast(x == "", y == ""); done && c != 0 {
				return c
			}
			return then(dir(cmp.Compare(strings.ToLower(x), strings.ToLower(y))), a, b)
		}
	}
	tm := func(get func(*Row) time.Time) func(a, b *Row) int {
		return func(a, b *Row) int {
			x, y := get(a), get(b)
			if c, done := nullsLast(x.IsZero(), y.IsZero()); done && c != 0 {
				return c
			}
			return then(dir(x.Compare(y)), a, b)
		}
	}
	switch key {
	case SortClientID:
		return str(func(r *Row) string { return r.ClientID })
	case SortCreatedBy:
		return str(func(r *Row) string { return r.CreatedBy })
	case SortStatus:
		return func(a, b *Row) int {
			// Enabled first ascending.
			return then(dir(cmp.Compare(disabledRank(a), disabledRank(b))), a, b)
		}
	case SortAccess:
		return func(a, b *Row) int {
			// Fewest rules first ascending, unknown last either way.
			if c, done := nullsLast(!a.Known, !b.Known); done && c != 0 {
				return c
			}
			return then(dir(cmp.Compare(len(a.Rules), len(b.Rules))), a, b)
		}
	case SortCreated:
		return tm(func(r *Row) time.Time { return r.CreatedAt })
	case SortUpdated:
		return tm(func(r *Row) time.Time { return r.UpdatedAt })
	case SortLastLogin:
		return tm(func(r *Row) time.Time { return r.LastLogin })
	}
	return func(a, b *Row) int { return dir(byName(a, b)) }
}

func disabledRank(r *Row) int {
	if r.Enabled {
		return 0
	}
	return 1
}
