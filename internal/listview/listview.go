// Package listview is the accounts table's view state and the pure logic
// behind it: parsing the state from a URL query (hostile values fall back
// to defaults, never an error), search, filters, sort with nulls last,
// the hygiene summary, and the CSV export.
package listview

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runai-tools/sa-dashboard/views"
)

// Sort keys, one per sortable column.
const (
	SortName      = "name"
	SortClientID  = "clientId"
	SortStatus    = "status"
	SortCreatedBy = "createdBy"
	SortCreated   = "createdAt"
	SortUpdated   = "updatedAt"
	SortLastLogin = "lastLogin"
)

// SortKeys lists the sortable columns in table order.
var SortKeys = []string{SortName, SortClientID, SortStatus, SortCreatedBy, SortCreated, SortUpdated, SortLastLogin}

// Usage filter values.
const (
	UsageNever = "never" // never obtained a token
	UsageStale = "stale" // last used more than StaleDays ago
)

// Limits on query values.
const (
	MaxQueryLen  = 200
	MaxStaleDays = 3650
)

// View is the state of the accounts table: everything in the URL.
type View struct {
	Q         string // search in name, client ID and creator
	Status    string // "", "enabled", "disabled"
	Usage     string // "", UsageNever, UsageStale
	StaleDays int    // what "stale" means, in days
	CreatedBy string // exact creator, or ""
	Sort      string // one of SortKeys
	Desc      bool
}

// Default is the view of a bare /accounts.
func Default(staleDays int) View {
	return View{StaleDays: staleDays, Sort: SortName}
}

// Parse reads a view from query values. Anything malformed, unknown or
// oversized falls back to the default for that field.
func Parse(q url.Values, defaultStaleDays int) View {
	v := Default(defaultStaleDays)
	clean := func(s string) string {
		s = strings.TrimSpace(s)
		if len(s) > MaxQueryLen || !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return ""
		}
		return s
	}
	v.Q = clean(q.Get("q"))
	v.CreatedBy = clean(q.Get("createdBy"))
	switch s := q.Get("status"); s {
	case "enabled", "disabled":
		v.Status = s
	}
	switch u := q.Get("usage"); u {
	case UsageNever, UsageStale:
		v.Usage = u
	}
	if d, err := strconv.Atoi(q.Get("staleDays")); err == nil && d >= 1 && d <= MaxStaleDays {
		v.StaleDays = d
	}
	if s := q.Get("sort"); slices.Contains(SortKeys, s) {
		v.Sort = s
	}
	v.Desc = q.Get("dir") == "desc"
	return v
}

// Query is the canonical query for v, omitting defaults so URLs stay short.
func (v View) Query(defaultStaleDays int) url.Values {
	q := url.Values{}
	set := func(k, val string) {
		if val != "" {
			q.Set(k, val)
		}
	}
	set("q", v.Q)
	set("status", v.Status)
	set("usage", v.Usage)
	set("createdBy", v.CreatedBy)
	if v.StaleDays != defaultStaleDays {
		q.Set("staleDays", strconv.Itoa(v.StaleDays))
	}
	if v.Sort != SortName {
		q.Set("sort", v.Sort)
	}
	if v.Desc {
		q.Set("dir", "desc")
	}
	return q
}

// Filtered reports whether anything narrows the list.
func (v View) Filtered() bool {
	return v.Q != "" || v.Status != "" || v.Usage != "" || v.CreatedBy != ""
}

// NeverUsed reports whether the account has never obtained a token.
func NeverUsed(a views.Account) bool { return a.LastLogin.IsZero() }

// Stale reports whether the account was last used more than days ago.
func Stale(a views.Account, now time.Time, days int) bool {
	return !a.LastLogin.IsZero() && now.Sub(a.LastLogin) > time.Duration(days)*24*time.Hour
}

// Apply returns the accounts the view shows, in its order, each marked
// Stale by the view's threshold (so badges and the stale filter agree).
// all is not modified.
func Apply(all []views.Account, v View, now time.Time) []views.Account {
	q := strings.ToLower(v.Q)
	out := make([]views.Account, 0, len(all))
	for _, a := range all {
		switch {
		case v.Status == "enabled" && !a.Enabled, v.Status == "disabled" && a.Enabled:
			continue
		case v.Usage == UsageNever && !NeverUsed(a), v.Usage == UsageStale && !Stale(a, now, v.StaleDays):
			continue
		case v.CreatedBy != "" && !strings.EqualFold(a.CreatedBy, v.CreatedBy):
			continue
		case q != "" && !containsFold(a.Name, q) && !containsFold(a.ClientID, q) && !containsFold(a.CreatedBy, q):
			continue
		}
		a.Stale = Stale(a, now, v.StaleDays)
		out = append(out, a)
	}
	slices.SortStableFunc(out, compare(v.Sort, v.Desc))
	return out
}

// containsFold reports whether s contains the lower-case needle, ignoring case.
func containsFold(s, lowerNeedle string) bool {
	return strings.Contains(strings.ToLower(s), lowerNeedle)
}

// compare orders by key, direction applied, with missing values (zero
// times, empty strings) last either way and the name as tie-breaker.
func compare(key string, desc bool) func(a, b views.Account) int {
	dir := func(c int) int {
		if desc {
			return -c
		}
		return c
	}
	byName := func(a, b views.Account) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.ID, b.ID))
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
	str := func(get func(views.Account) string) func(a, b views.Account) int {
		return func(a, b views.Account) int {
			x, y := get(a), get(b)
			if c, done := nullsLast(x == "", y == ""); done && c != 0 {
				return c
			}
			return cmp.Or(dir(cmp.Compare(strings.ToLower(x), strings.ToLower(y))), byName(a, b))
		}
	}
	tm := func(get func(views.Account) time.Time) func(a, b views.Account) int {
		return func(a, b views.Account) int {
			x, y := get(a), get(b)
			if c, done := nullsLast(x.IsZero(), y.IsZero()); done && c != 0 {
				return c
			}
			return cmp.Or(dir(x.Compare(y)), byName(a, b))
		}
	}
	switch key {
	case SortClientID:
		return str(func(a views.Account) string { return a.ClientID })
	case SortCreatedBy:
		return str(func(a views.Account) string { return a.CreatedBy })
	case SortStatus:
		return func(a, b views.Account) int {
			// Enabled first ascending.
			x, y := 1, 1
			if a.Enabled {
				x = 0
			}
			if b.Enabled {
				y = 0
			}
			return cmp.Or(dir(cmp.Compare(x, y)), byName(a, b))
		}
	case SortCreated:
		return tm(func(a views.Account) time.Time { return a.CreatedAt })
	case SortUpdated:
		return tm(func(a views.Account) time.Time { return a.UpdatedAt })
	case SortLastLogin:
		return tm(func(a views.Account) time.Time { return a.LastLogin })
	}
	return func(a, b views.Account) int { return dir(byName(a, b)) }
}

// Summary counts the accounts by hygiene category.
type Summary struct {
	Total, Enabled, Disabled, Never, Stale int
}

// Summarize counts all accounts (not just the view's).
func Summarize(all []views.Account, now time.Time, staleDays int) Summary {
	s := Summary{Total: len(all)}
	for _, a := range all {
		if a.Enabled {
			s.Enabled++
		} else {
			s.Disabled++
		}
		if NeverUsed(a) {
			s.Never++
		}
		if Stale(a, now, staleDays) {
			s.Stale++
		}
	}
	return s
}

// Creators lists the distinct creators, sorted, for the filter.
func Creators(all []views.Account) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range all {
		if a.CreatedBy != "" && !seen[a.CreatedBy] {
			seen[a.CreatedBy] = true
			out = append(out, a.CreatedBy)
		}
	}
	slices.Sort(out)
	return out
}
