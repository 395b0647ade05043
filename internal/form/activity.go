package form

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/runai-tools/sa-dashboard/internal/history"
)

// The Activity page's query parameters.
const (
	ParamRange  = "range"
	ParamFrom   = "from"
	ParamTo     = "to"
	ParamWho    = "who"
	ParamKind   = "action"
	ParamResult = "result"
	ParamOffset = "offset"
	// ParamHistory is the offset of an account page's history.
	ParamHistory = "history"
)

// Time ranges of the Activity page; RangeDates uses From and To.
const (
	Range24h   = "24h"
	Range7d    = "7d"
	Range30d   = "30d"
	Range90d   = "90d"
	RangeDates = "dates"
)

// Ranges lists the ranges in the order the page offers them.
var Ranges = []string{Range24h, Range7d, Range30d, Range90d, RangeDates}

// RangeLabel names a range in the filter.
func RangeLabel(r string) string {
	switch r {
	case Range24h:
		return "Last 24 hours"
	case Range7d:
		return "Last 7 days"
	case Range30d:
		return "Last 30 days"
	case Range90d:
		return "Last 90 days"
	}
	return "From the first to the last day"
}

// Results of the result filter.
const (
	ResultSucceeded = "succeeded"
	ResultFailed    = "failed"
)

// DateLayout is how From and To are written (an <input type=date> value).
const DateLayout = time.DateOnly

// maxWho bounds the who filter.
const maxWho = 200

// Activity is the Activity page's view: its filters and where the page
// starts (an offset into the audit log, from the "older" link).
type Activity struct {
	Range    string
	From, To string // dates, with RangeDates
	Who      string // part of the Run:ai subject or of the SSO identity
	Kind     history.Kind
	Result   string
	Offset   int
	from, to time.Time
}

// ParseActivity reads the Activity page's view from a URL query. As with
// the accounts list, a malformed value gives that field's default and an
// error to show next to it, never an error page.
func ParseActivity(q url.Values) (Activity, Errors) {
	a := Activity{Range: Range7d}
	e := Errors{}
	if r := q.Get(ParamRange); r != "" {
		if slices.Contains(Ranges, r) {
			a.Range = r
		} else {
			e[ParamRange] = fmt.Sprintf("The time range %q is not one of the choices, so the last 7 days are shown.", r)
		}
	}
	if a.Range == RangeDates {
		a.From, a.To = strings.TrimSpace(q.Get(ParamFrom)), strings.TrimSpace(q.Get(ParamTo))
		from, err1 := time.Parse(DateLayout, a.From)
		to, err2 := time.Parse(DateLayout, a.To)
		switch {
		case err1 != nil:
			e[ParamFrom] = "Enter the first day as a date (YYYY-MM-DD); the last 7 days are shown meanwhile."
		case err2 != nil:
			e[ParamTo] = "Enter the last day as a date (YYYY-MM-DD); the last 7 days are shown meanwhile."
		case to.Before(from):
			e[ParamTo] = "The last day is before the first; the last 7 days are shown meanwhile."
		default:
			a.from, a.to = from, to.Add(24*time.Hour)
		}
		if a.from.IsZero() {
			a.Range = Range7d
		}
	}
	a.Who = strings.TrimSpace(q.Get(ParamWho))
	if len(a.Who) > maxWho || !utf8.ValidString(a.Who) || strings.ContainsFunc(a.Who, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		e[ParamWho] = fmt.Sprintf("Who must be at most %d plain characters, so it was ignored.", maxWho)
		a.Who = ""
	}
	if k := history.Kind(q.Get(ParamKind)); k != "" {
		if slices.Contains(history.Kinds, k) {
			a.Kind = k
		} else {
			e[ParamKind] = fmt.Sprintf("The action %q is not one of the choices, so it was ignored.", k)
		}
	}
	switch r := q.Get(ParamResult); r {
	case "", ResultSucceeded, ResultFailed:
		a.Result = r
	default:
		e[ParamResult] = fmt.Sprintf("The result %q is not one of the choices, so it was ignored.", r)
	}
	if s := q.Get(ParamOffset); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 1<<24 {
			a.Offset = n
		}
	}
	return a, e.orNil()
}

// Window is the time range to read, at now.
func (a Activity) Window(now time.Time) (start, end time.Time) {
	switch a.Range {
	case Range24h:
		return now.Add(-24 * time.Hour), now
	case Range30d:
		return now.Add(-30 * 24 * time.Hour), now
	case Range90d:
		return now.Add(-90 * 24 * time.Hour), now
	case RangeDates:
		if !a.from.IsZero() {
			return a.from, a.to
		}
	}
	return now.Add(-7 * 24 * time.Hour), now
}

// Query is the view as a URL query, defaults left out; with the offset
// only when withOffset.
func (a Activity) Query(withOffset bool) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if a.Range != Range7d {
		set(ParamRange, a.Range)
	}
	if a.Range == RangeDates {
		set(ParamFrom, a.From)
		set(ParamTo, a.To)
	}
	set(ParamWho, a.Who)
	set(ParamKind, string(a.Kind))
	set(ParamResult, a.Result)
	if withOffset && a.Offset > 0 {
		q.Set(ParamOffset, strconv.Itoa(a.Offset))
	}
	return q
}

// Keep reports whether an item passes the filters the audit log cannot
// apply itself: who and the kind of change.
func (a Activity) Keep(it history.Item) bool {
	if a.Kind != "" && it.Kind != a.Kind {
		return false
	}
	if a.Result == ResultFailed && !it.Failed || a.Result == ResultSucceeded && it.Failed {
		return false
	}
	if a.Who != "" {
		w := strings.ToLower(a.Who)
		return strings.Contains(strings.ToLower(it.Actor), w) || strings.Contains(strings.ToLower(it.Via), w)
	}
	return true
}

// Filters are the audit log's own filterBy terms for the view.
func (a Activity) Filters() []string {
	switch a.Result {
	case ResultSucceeded:
		return []string{"result==Succeeded"}
	case ResultFailed:
		return []string{"result==Failed"}
	}
	return nil
}
