package views

// DOM ids that htmx swaps aim at. Components render them; handlers name
// them in HX-Retarget and compare them with HX-Target. Sel gives the CSS
// selector.
const (
	MainID         = "main"           // the page body inside the layout
	PanelID        = "panel"          // outcomes, problems, confirmations and secrets
	ListID         = "list"           // summary, bulk bar and table: what a search replaces
	CreateID       = "create-section" // the create form
	AccountsBodyID = "accounts-body"  // the table body new rows go into
	VerifyResultID = "verify-result"  // where Verify answers
	BulkFormID     = "bulk"           // the bulk bar's form, which row checkboxes belong to
	BulkJobID      = "bulk-job"       // a bulk job's progress, polled while it runs
	RowActionsID   = "ra"             // the one form the rows' buttons submit (short: every row names it)
	HistoryID      = "history"        // an account's history list, which "Load older" extends
	// ActivityResultsID is the Activity page's results, which a filter
	// change replaces.
	ActivityResultsID = "activity-results"
)

// DOM ids that scripts and tests find. app.js reads them from the body's
// data attributes (see Layout), so that no id is spelled there.
const (
	AnnouncerID   = "announcer"   // the live region outcomes are read out from
	CreateNameID  = "create-name" // the create form's name field, where focus returns
	SearchID      = "q"           // the list's search field
	ActivityWhoID = "a-who"       // the Activity page's "who" field
)

// EventAnnounce is the client event app.js reads out through the live
// region once a swap has settled (HX-Trigger-After-Settle).
const EventAnnounce = "announce"

// Sel is the CSS selector of a DOM id.
func Sel(id string) string { return "#" + id }

// DOM ids of the account page's access section.
const (
	AccessRulesID = "access-rules" // the rules, their outcomes and the add form
	AccessCopyID  = "access-copy"  // the copy-from-another-account form
)

// Prefixes of the role-and-scope choices, one per form that has one; the
// scope picker answers for these only.
const (
	GrantCreate = "create-access"
	GrantAdd    = "add-access"
	GrantBulk   = "bulk-access"
)

// GrantPrefixes lists the choice prefixes.
var GrantPrefixes = []string{GrantCreate, GrantAdd, GrantBulk}

// ScopeFieldID is the DOM id of a choice's scope field, which a new scope
// type replaces.
func ScopeFieldID(prefix string) string { return prefix + "-scope-field" }

// RoleID, ScopeTypeID and ScopeID are the DOM ids of a choice's role,
// scope type and scope selects.
func RoleID(prefix string) string      { return prefix + "-role" }
func ScopeTypeID(prefix string) string { return prefix + "-scope-type" }
func ScopeID(prefix string) string     { return prefix + "-scope" }
