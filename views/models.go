package views

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"

	"github.com/runai-tools/sa-dashboard/internal/saname"
)

// Account is one service account as the pages show it.
type Account struct {
	ID        string
	Name      string
	ClientID  string
	CreatedBy string
	TenantID  string
	Enabled   bool
	CreatedAt time.Time // zero: unknown
	UpdatedAt time.Time // zero: unknown
	LastLogin time.Time // zero: never
	Stale     bool      // last used longer ago than the stale threshold
}

// Status is the account's state in words (never conveyed by colour alone).
func (a Account) Status() string {
	if a.Enabled {
		return "Enabled"
	}
	return "Disabled"
}

// Problem explains a failure: what failed, why, and what to do next.
type Problem struct {
	Title      string // what failed: "Could not disable ci-bot"
	Detail     string // why
	Next       string // what to do next
	RefreshURL string // when set, a link to reload the current state
	RequestID  string // shown for support
	Kind       string // "error" (default) or "warning"
}

// CreateForm is the create form's state, kept across a failed attempt.
type CreateForm struct {
	Name  string
	Error string
}

// Name rule for the create form's hint and browser-side check.
const (
	NameRule    = saname.Rule
	NamePattern = saname.HTMLPattern
	NameMin     = saname.MinLen
	NameMax     = saname.MaxLen
)

// Secret is a one-time credential display after create or regenerate. It
// is rendered once, into a no-store response, and never kept.
type Secret struct {
	Name        string
	ClientID    string
	Value       string
	Regenerated bool
	TokenURL    string // the control plane's token endpoint, for the downloads
}

// BulkItem is one account in a bulk confirmation or result.
type BulkItem struct {
	ID, Name string
	OK       bool
	Reason   string // why it failed
}

// Bulk is a bulk action's confirmation (Done false) or result (Done true).
type Bulk struct {
	Action string // "enable", "disable" or "delete"
	Items  []BulkItem
	Done   bool
	Back   string // the list URL to return to
}

// Verify is the outcome of checking new credentials at the token endpoint.
type Verify struct {
	OK      bool
	Message string
}

// ListState is what the toolbar, summary bar and table headers show of
// the current view; the handler computes every URL.
type ListState struct {
	Q, Status, Usage, CreatedBy string
	StaleDays                   int
	Creators                    []string
	Sort                        string
	Desc                        bool
	Query                       string            // the view's canonical query (may be empty)
	SortURLs                    map[string]string // column key → URL sorting by it
	Summary                     Summary
	SummaryURLs                 map[string]string // "total", "enabled", "disabled", "never", "stale"
	ExportURL                   string
	ClearURL                    string
	Filtered                    bool
	Shown, Total                int
	Columns                     map[string]bool // visible optional columns
}

// Summary counts accounts by hygiene category.
type Summary struct{ Total, Enabled, Disabled, Never, Stale int }

// Optional table columns, in order, with their headings.
var Columns = []struct{ Key, Label string }{
	{"clientId", "Client ID"}, {"status", "Status"}, {"createdBy", "Created by"},
	{"createdAt", "Created"}, {"updatedAt", "Last updated"}, {"lastLogin", "Last login"},
}

// AccountsPage is the accounts list page.
type AccountsPage struct {
	List      ListState
	Accounts  []Account
	LoadError *Problem // the list could not be loaded
	Create    CreateForm
	Secret    *Secret  // shown once, after a create or regenerate without JavaScript
	Problem   *Problem // a failed action, shown above the table
}

// Confirm is a confirmation of a destructive action.
type Confirm struct {
	Account Account
	Action  string // "delete" or "regenerate"
	Page    bool   // rendered as a page of its own (no JavaScript), not into the panel
}

// SignInPage is the sign-in page: two forms, one failed attempt at most.
type SignInPage struct {
	Next     string // local path to return to
	ClientID string // kept after a failed attempt; secrets never are
	Method   string // "key" or "token": which form the error belongs to
	Error    *Problem
	Notice   string // why the user is here (session expired, signed out)
	Demo     *DemoHint
}

// DemoHint tells a demo user where the credentials are.
type DemoHint struct{ ClientID string }

// ErrorPage is a full-page error.
type ErrorPage struct {
	Status  int
	Problem Problem
}

func statusLine(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprintf("Error %d", status)
}

// envDataURL and jsonDataURL carry the new credentials as downloads made
// in the browser, with no further request. They live only in this one
// no-store response, like the secret itself.
func envDataURL(s Secret) templ.SafeURL {
	body := "RUNAI_CLIENT_ID=" + s.ClientID + "\nRUNAI_CLIENT_SECRET=" + s.Value + "\nRUNAI_TOKEN_URL=" + s.TokenURL + "\n"
	return templ.SafeURL("data:text/plain;charset=utf-8," + url.PathEscape(body))
}

func jsonDataURL(s Secret) templ.SafeURL {
	b, _ := json.MarshalIndent(map[string]string{"clientId": s.ClientID, "clientSecret": s.Value, "tokenUrl": s.TokenURL}, "", "  ")
	return templ.SafeURL("data:application/json;charset=utf-8," + url.PathEscape(string(b)+"\n"))
}

// ShownAnnouncement is what a screen reader hears after the list changes.
func (l ListState) ShownAnnouncement() string { return shownLabel(l) }
