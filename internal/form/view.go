package form

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/runai-tools/sa-dashboard/internal/listview"
)

// ParseView reads the accounts list's view from a URL query (or the query
// a form carries in its view field). A malformed, unknown or oversized
// value gives that field's default, so a hand-edited or hostile URL still
// shows a list, never an error page; Errors says what was ignored, for the
// toolbar to show next to the field.
func ParseView(q url.Values, defaultStaleDays int) (listview.View, Errors) {
	v := listview.Default(defaultStaleDays)
	e := Errors{}
	text := func(field, label string) string {
		s := strings.TrimSpace(q.Get(field))
		switch {
		case len(s) > listview.MaxQueryLen:
			e[field] = fmt.Sprintf("%s is longer than %d characters, so it was ignored.", label, listview.MaxQueryLen)
		case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
			e[field] = label + " holds characters that cannot be searched for, so it was ignored."
		default:
			return s
		}
		return ""
	}
	oneOf := func(field, label string, allowed ...string) string {
		s := q.Get(field)
		if s == "" || slices.Contains(allowed, s) {
			return s
		}
		e[field] = fmt.Sprintf("%s %q is not one of the choices, so it was ignored.", label, s)
		return ""
	}
	v.Q = text(listview.ParamQ, "The search")
	v.CreatedBy = text(listview.ParamCreatedBy, "The creator")
	v.Status = oneOf(listview.ParamStatus, "Status", listview.StatusEnabled, listview.StatusDisabled)
	v.Usage = oneOf(listview.ParamUsage, "Usage", listview.UsageNever, listview.UsageStale)
	v.Access = oneOf(listview.ParamAccess, "Access", listview.AccessNone, listview.AccessDisabled)
	v.Rotation = oneOf(listview.ParamRotation, "Rotation", listview.RotationRotating)
	v.Automated = oneOf(listview.ParamAutomated, "Automation", listview.AutomationOn, listview.AutomationWaiting, listview.AutomationDue, listview.AutomationFailing)
	if s := q.Get(listview.ParamStaleDays); s != "" {
		d, err := strconv.Atoi(s)
		if err != nil || d < listview.MinStaleDays || d > listview.MaxStaleDays {
			e[listview.ParamStaleDays] = fmt.Sprintf("Stale (days) must be a whole number from %d to %d; %d days are used.",
				listview.MinStaleDays, listview.MaxStaleDays, defaultStaleDays)
		} else {
			v.StaleDays = d
		}
	}
	// Sort and direction come from links, not fields: unknown values fall
	// back silently.
	if s := q.Get(listview.ParamSort); slices.Contains(listview.SortKeys, s) {
		v.Sort = s
	}
	v.Desc = q.Get(listview.ParamDir) == listview.DirDesc
	if p, err := strconv.Atoi(q.Get(listview.ParamPage)); err == nil && p >= 1 && p <= 1e6 {
		v.Page = p
	}
	switch s := q.Get(listview.ParamPerPage); s {
	case "":
	case listview.PerPageAllText:
		v.PerPage = listview.PerPageAll
	default:
		n, err := strconv.Atoi(s)
		if err != nil || n == listview.PerPageAll || !slices.Contains(listview.PerPageChoices, n) {
			e[listview.ParamPerPage] = "Rows per page " + strconv.Quote(s) + " is not one of the choices, so it was ignored."
		} else {
			v.PerPage = n
		}
	}
	return v, e
}

// Columns is the column chooser's form: the optional columns to show, and
// the view to return to.
type Columns struct {
	Set     listview.ColumnSet
	Unknown []string // keys the table has no column for
	View    string
}

// ParseColumns reads the form.
func ParseColumns(v url.Values) Columns {
	f := Columns{Set: listview.ParseColumns(v[FieldColumns]), View: v.Get(FieldView)}
	for _, k := range v[FieldColumns] {
		if !f.Set[k] {
			f.Unknown = append(f.Unknown, k)
		}
	}
	return f
}

// Validate refuses columns the table does not have (only a hand-made
// request names them).
func (f Columns) Validate() Errors {
	if len(f.Unknown) > 0 {
		return Errors{FieldColumns: fmt.Sprintf("There is no column %q.", f.Unknown[0])}
	}
	return nil
}
