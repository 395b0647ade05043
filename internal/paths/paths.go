// Package paths names every URL of the dashboard once. handlers/routes.go
// registers the Route patterns; handlers and views build links with the
// typed helpers below, so that no path is spelled twice and every link is
// a value of type Path. The base path (BASE_PATH, a proxy's prefix) is
// added where a link is written out.
package paths

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/runai-tools/sa-dashboard/internal/pathseg"
)

// Route is the path pattern of one route as Echo registers it; ":id"
// stands for an account id.
type Route string

// Every route of the dashboard.
const (
	Home            Route = "/"
	SignIn          Route = "/signin"
	SignInKey       Route = "/signin/key"
	SignInToken     Route = "/signin/token"
	SignOut         Route = "/signout"
	Accounts        Route = "/accounts"
	AccountsExport  Route = "/accounts/export.csv"
	AccountsColumns Route = "/accounts/columns"
	// AccountsRows takes the rows' buttons (enable or disable one account).
	AccountsRows Route = "/accounts/rows"
	BulkConfirm  Route = "/accounts/bulk/confirm"
	Bulk         Route = "/accounts/bulk"
	// BulkJob is a bulk action running in the background, and its result.
	BulkJob           Route = "/accounts/bulk/jobs/:id"
	BulkJobCancel     Route = "/accounts/bulk/jobs/:id/cancel"
	Verify            Route = "/accounts/verify"
	Account           Route = "/accounts/:id"
	AccountEnable     Route = "/accounts/:id/enable"
	AccountDisable    Route = "/accounts/:id/disable"
	AccountDelete     Route = "/accounts/:id/delete"
	AccountRegenerate Route = "/accounts/:id/regenerate"
	AccountRules      Route = "/accounts/:id/rules"
	AccountRulesCopy  Route = "/accounts/:id/rules/copy"
	AccountRuleDelete Route = "/accounts/:id/rules/:rule/delete"
	AccountRotate     Route = "/accounts/:id/rotate"
	RotationResume    Route = "/accounts/:id/rotation/resume"
	RotationRetire    Route = "/accounts/:id/rotation/retire"
	RotationFinish    Route = "/accounts/:id/rotation/finish"
	RotationCancel    Route = "/accounts/:id/rotation/cancel"
	RotationDiscard   Route = "/accounts/:id/rotation/discard"
	// RotationDeliver writes a rotation's successor into the Secrets that
	// still hold the old account, its secret regenerated (the first one
	// was lost before it was written).
	RotationDeliver Route = "/accounts/:id/rotation/deliver"
	// AccountAutomation sets the rotation policy of a Secret that holds
	// the account; AccountApprove approves a Secret declared for it.
	AccountAutomation Route = "/accounts/:id/automation"
	AccountApprove    Route = "/accounts/:id/automation/approve"
	// AccountHistory is the next page of an account's history.
	AccountHistory Route = "/accounts/:id/history"
	// Activity is every service-account and access-rule event.
	Activity       Route = "/activity"
	ActivityExport Route = "/activity/export.csv"
	// ScopePicker is the scope choice of one scope type, swapped into a
	// role-and-scope form when its scope type changes.
	ScopePicker Route = "/scopes"
	Healthz     Route = "/healthz"
	Readyz      Route = "/readyz"
	Metrics     Route = "/metrics"
	// Static serves the embedded assets (static.URL names them).
	Static Route = "/static/*"
)

// All lists every route, for the test that checks routes.go registers
// exactly these.
var All = []Route{
	Home, SignIn, SignInKey, SignInToken, SignOut, Accounts, AccountsExport, AccountsColumns, AccountsRows, BulkConfirm, Bulk,
	BulkJob, BulkJobCancel, Verify, Account, AccountEnable, AccountDisable, AccountDelete, AccountRegenerate, AccountRules, AccountRulesCopy,
	AccountRuleDelete, AccountRotate, RotationResume, RotationRetire, RotationFinish, RotationCancel, RotationDiscard,
	RotationDeliver, AccountAutomation, AccountApprove, AccountHistory, Activity, ActivityExport, ScopePicker, Healthz, Readyz, Metrics, Static,
}

// Path is a link within the dashboard, relative to its base path: a route
// with its parameters filled in and, optionally, a query.
type Path string

// Link is the route as a link. It panics for a route with a parameter,
// which needs ID: a programming error that any test rendering the link
// catches.
func (r Route) Link() Path {
	if strings.ContainsAny(string(r), ":*") {
		panic("paths: route " + string(r) + " needs a parameter")
	}
	return Path(r)
}

// ID is the route with its :id filled in by id, escaped so that it stays
// one path segment whatever it holds ("/", "..", "?").
func (r Route) ID(id string) Path {
	if !strings.Contains(string(r), ":id") {
		panic("paths: route " + string(r) + " has no :id")
	}
	return Path(strings.Replace(string(r), ":id", pathseg.Escape(id), 1))
}

// Rule is the route with its :id filled in by an account id and its
// :rule by an access rule id.
func (r Route) Rule(accountID string, ruleID int) Path {
	if !strings.Contains(string(r), ":rule") {
		panic("paths: route " + string(r) + " has no :rule")
	}
	return Path(strings.Replace(string(r.ID(accountID)), ":rule", strconv.Itoa(ruleID), 1))
}

// Query returns p with q as its query; an empty q leaves p as it is.
func (p Path) Query(q url.Values) Path {
	if len(q) == 0 {
		return p
	}
	return Path(string(p) + "?" + q.Encode())
}

// RawQuery returns p with an already encoded query.
func (p Path) RawQuery(q string) Path {
	if q == "" {
		return p
	}
	return Path(string(p) + "?" + q)
}

// String returns the link as text.
func (p Path) String() string { return string(p) }

// Under returns the link under a base path ("" or "/prefix").
func (p Path) Under(base string) string { return base + string(p) }
