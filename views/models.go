package views

import (
	"fmt"
	"net/http"
	"time"

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
	AccountID   string
	Name        string
	ClientID    string
	Value       string
	Regenerated bool
}

// AccountsPage is the accounts list page.
type AccountsPage struct {
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
