package form

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// BulkAction is what a bulk action does to each account it names.
type BulkAction string

// The bulk actions.
const (
	BulkDisable     BulkAction = "disable"
	BulkEnable      BulkAction = "enable"
	BulkDelete      BulkAction = "delete"
	BulkAddRule     BulkAction = "add-access-rule"
	BulkRemoveRules BulkAction = "remove-access-rules"
)

// BulkActions lists the bulk actions in the order the bulk bar offers them.
var BulkActions = []BulkAction{BulkDisable, BulkEnable, BulkDelete, BulkAddRule, BulkRemoveRules}

// Valid reports whether a is one of BulkActions.
func (a BulkAction) Valid() bool {
	for _, b := range BulkActions {
		if a == b {
			return true
		}
	}
	return false
}

// MaxBulk is the most accounts one bulk action names: every account the
// API can list.
const MaxBulk = runai.MaxServiceAccounts

// BulkSelection is the bulk bar's form: an action and the ticked rows, or
// every account of the view.
type BulkSelection struct {
	Action BulkAction
	IDs    []string // unique and non-empty, in form order
	All    bool     // every account of the view instead of IDs
	View   string   // the list view's query: what All means, and where to return
}

// ParseBulkSelection reads the form.
func ParseBulkSelection(v url.Values) BulkSelection {
	return BulkSelection{Action: BulkAction(v.Get(FieldAction)), IDs: ids(v), All: v.Get(FieldAll) == "1", View: v.Get(FieldView)}
}

// Validate requires a known action and a selection of at most MaxBulk.
func (f BulkSelection) Validate() Errors {
	e := validateBulk(f.Action, f.IDs)
	if len(f.IDs) == 0 && !f.All {
		e[FieldIDs] = "Select at least one service account (or all in the view) first."
	}
	return e.orNil()
}

// BulkRun is a confirmed bulk action: the ids the confirmation listed,
// and for BulkAddRule the rule chosen there.
type BulkRun struct {
	Action BulkAction
	IDs    []string
	Grant  Grant
	View   string // where to return afterwards
}

// ParseBulkRun reads the form.
func ParseBulkRun(v url.Values) BulkRun {
	return BulkRun{Action: BulkAction(v.Get(FieldAction)), IDs: ids(v), Grant: ParseGrant(v), View: v.Get(FieldView)}
}

// Validate requires a known action, one to MaxBulk ids and, to add a
// rule, the rule.
func (f BulkRun) Validate() Errors {
	e := validateBulk(f.Action, f.IDs)
	if len(f.IDs) == 0 {
		e[FieldIDs] = "The confirmation named no service account."
	}
	if f.Action == BulkAddRule {
		for k, v := range f.Grant.Validate() {
			e[k] = v
		}
	}
	return e.orNil()
}

func validateBulk(a BulkAction, ids []string) Errors {
	e := Errors{}
	if !a.Valid() {
		names := make([]string, len(BulkActions))
		for i, b := range BulkActions {
			names[i] = string(b)
		}
		e[FieldAction] = "Choose a bulk action: " + strings.Join(names, ", ") + "."
	}
	if len(ids) > MaxBulk {
		e[FieldIDs] = fmt.Sprintf("A bulk action names at most %d service accounts; this one named %d.", MaxBulk, len(ids))
	}
	return e
}

// ids returns the form's account ids, unique and non-empty, in order.
func ids(v url.Values) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range v[FieldIDs] {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
