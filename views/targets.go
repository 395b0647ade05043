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
)

// Sel is the CSS selector of a DOM id.
func Sel(id string) string { return "#" + id }
