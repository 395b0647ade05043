package views

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/a-h/templ"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/saname"
)

// Problem explains a failure: what failed, why, and what to do next.
type Problem struct {
	Title     string     // what failed: "Could not disable "ci-bot""
	Detail    string     // why
	Next      string     // what to do next
	Refresh   paths.Path // when set, a link to reload the current state
	RequestID string     // shown for support
	Kind      string     // "error" (default) or "warning"
}

// CreateForm is the create form: the input, kept across a failed attempt,
// and what went wrong with it.
type CreateForm struct {
	Input   form.Create
	Errors  form.Errors // next to their fields
	Problem *Problem    // a failure that is not about a field
	Picker  Picker      // what the optional initial access rule may name
	Deliver DeliveryChoice
}

// Picker is what a role-and-scope choice offers: the roles and the scopes
// the admin's token may see, or why it sees none.
type Picker struct {
	Roles         []runai.Role
	Scopes        runai.Scopes
	RolesProblem  string // why no role can be offered
	ScopesProblem string // why some scopes may be missing
}

// GrantChoice is one role-and-scope choice in a form: its input, errors,
// and what it offers. Prefix distinguishes the element ids of several on
// one page.
type GrantChoice struct {
	Prefix string
	Input  form.Grant
	Errors form.Errors
	Picker Picker
	// Optional marks the create form's choice, which may be left empty.
	Optional bool
}

// RuleOutcome is what became of one access rule in an add, a copy or the
// create form's initial access.
type RuleOutcome struct {
	Label   string // "ML engineer · prod / ml / team-a"
	OK      bool
	Already bool   // the account had it already: nothing to do
	Reason  string // why it failed
}

// AccessSection is an account's access rules on its page.
type AccessSection struct {
	Account runai.ServiceAccount
	Access  listview.Access
	Problem string // why the rules could not be read, and what permission is missing
	Add     GrantChoice
	// AddProblem is a refused or failed add, shown next to the form.
	AddProblem *Problem
	// Outcomes report the last add, copy or removal, one line per rule.
	Outcomes     []RuleOutcome
	OutcomeTitle string
}

// CopyForm copies another account's access onto this one.
type CopyForm struct {
	Account runai.ServiceAccount
	Others  []runai.ServiceAccount // the accounts to copy from
	// Holders is set when Others are only the accounts known to hold
	// access (the session's list knew every account's rules).
	Holders bool
	Problem string // why the accounts could not be listed
	Page    bool   // a page of its own (without JavaScript), not in the account's
}

// AccountPage is an account's own page.
type AccountPage struct {
	Account   runai.ServiceAccount
	Access    AccessSection
	Rotations []RotationPanel // the rotations the account is part of
	History   HistoryView
	Held      HeldSection // the Kubernetes Secrets that hold it
	// Automation is its automatic rotation: the policy of each Secret
	// that holds it or is declared for it.
	Automation AutomationSection
}

// AutomationSection is an account's automatic rotation on its page.
type AutomationSection struct {
	On      bool // delivery is configured: policies can be set
	Running bool // the controller runs on this deployment (AUTOMATION_CLIENT_ID)
	Account runai.ServiceAccount
	Items   []AutomationItem
	// Input and Errors are a policy form that failed, for its Secret.
	Input  *form.Policy
	Errors form.Errors
}

// AutomationItem is one Secret's policy and where the automation stands.
type AutomationItem struct {
	Secret    delivery.Held
	Policy    automation.Policy
	HasPolicy bool
	PolicyErr string // an annotation out of bounds
	// What the automation recorded on the Secret.
	Phase, LastError, ApprovedBy string
	NextStepAt                   time.Time
}

// Key is the Secret's namespace/name, as the form names it.
func (i AutomationItem) Key() string { return i.Secret.String() }

// InputFor is the form's input for item i: the failed form's when it was
// for i, else the Secret's policy.
func (s AutomationSection) InputFor(i AutomationItem) form.Policy {
	if s.Input != nil && s.Input.Namespace+"/"+s.Input.Name == i.Key() {
		return *s.Input
	}
	f := form.Policy{Namespace: i.Secret.Namespace, Name: i.Secret.Name, Restart: i.Policy.RestartWorkloads, Paused: i.Policy.Paused}
	if i.HasPolicy {
		f.RotateEvery, f.RetireAfterUnused, f.DeleteAfter = automation.Duration(i.Policy.RotateEvery), automation.Duration(i.Policy.RetireAfterUnused), automation.Duration(i.Policy.DeleteAfter)
		if i.Policy.DeleteNever {
			f.DeleteAfter = "never"
		}
	}
	return f
}

// ErrorsFor are the failed form's errors when it was for i.
func (s AutomationSection) ErrorsFor(i AutomationItem) form.Errors {
	if s.Input != nil && s.Input.Namespace+"/"+s.Input.Name == i.Key() {
		return s.Errors
	}
	return nil
}

// RotateStart is the confirmation that starts a rotation.
type RotateStart struct {
	Account      runai.ServiceAccount
	Input        form.Rotate
	Errors       form.Errors
	Problem      *Problem
	Rules        []runai.AccessRule // the rules the successor gets
	RulesProblem string             // why they cannot be read: no rotation then
	// Handover is the Secrets that hold the account: the successor's
	// credentials go into them.
	Handover Handover
}

// RotationResult is what starting or resuming a rotation did.
type RotationResult struct {
	Pair     rotation.Pair
	Outcomes []RuleOutcome
	Complete bool    // every rule of the old account is on the successor
	Secret   *Secret // the successor's credentials, shown once
	Resumed  bool
	// HandedOver is what became of writing the successor's credentials
	// into the Secrets that held the old account; TokenProblem says why
	// nothing was written (no token was obtained with them).
	HandedOver   []HandedOver
	TokenProblem string
	// Redelivered says the successor's secret was regenerated to be
	// written (its first one was lost).
	Redelivered bool
}

// HandedOverAny reports whether the credentials were to go into Secrets.
func (r RotationResult) HandedOverAny() bool { return len(r.HandedOver) > 0 || r.TokenProblem != "" }

// RotationPanel is a rotation on the page of one of its accounts.
type RotationPanel struct {
	Pair rotation.Pair
	// Missing are the old account's rules the successor lacks; MissingKnown
	// is false when the rules could not be read.
	Missing      []runai.AccessRule
	MissingKnown bool
	// Old are the Secrets that still hold the old account, Successor
	// those that hold the successor, each with its readers.
	Old, Successor HeldSection
	// CanDeliver offers to write the successor into the Secrets still
	// holding the old account (its secret regenerated: nobody uses it yet).
	CanDeliver bool
}

// StillOld names the readers that still run with the old account's
// credentials: every reader of a Secret that holds it, and those of a
// Secret handed over that need a restart and have not had one.
func (r RotationPanel) StillOld() []string { return stillOld(r.Old, r.Successor) }

func stillOld(old, succ HeldSection) []string {
	var out []string
	for _, hs := range old.Held {
		for _, rd := range hs.Readers {
			out = append(out, rd.String()+" ("+hs.String()+")")
		}
	}
	for _, hs := range succ.Held {
		for _, rd := range hs.StillOld() {
			out = append(out, rd.String()+" ("+hs.String()+", not restarted since)")
		}
	}
	return out
}

// RotationConfirm asks before one step of a rotation.
type RotationConfirm struct {
	Pair rotation.Pair
	Step paths.Route // RotationRetire, RotationFinish, RotationCancel or RotationDiscard
	Page bool
	// Old and Successor are the Secrets that hold each account (with
	// delivery on): Retire warns of the readers still on the old one.
	Old, Successor HeldSection
}

// StillOld names the readers that still run with the old account's
// credentials.
func (c RotationConfirm) StillOld() []string { return stillOld(c.Old, c.Successor) }

// RemoveRule confirms removing an access rule.
type RemoveRule struct {
	Account runai.ServiceAccount
	Rule    runai.AccessRule
	Page    bool // a page of its own (no JavaScript)
}

// Secret is a one-time credential display after create or regenerate. It
// is rendered once, into a no-store response, and never kept.
type Secret struct {
	Name        string
	ClientID    string
	Value       string
	Regenerated bool
	TokenURL    string // the control plane's token endpoint, for the downloads
	// OutOfView says the new account does not match the list's filters, so
	// the table does not show it.
	OutOfView bool
	// Access is the outcome of the create form's initial access rule;
	// AccountID and Grant let a failed one be added again at once.
	Access    *RuleOutcome
	AccountID string
	Grant     form.Grant
	// Delivered is what became of the delivery into a Kubernetes Secret,
	// when one was asked for; with Only the secret itself is not in the
	// page. DeliveryOff says delivery is not configured: the panel says
	// in a line what it would do.
	Delivered   *Delivered
	DeliveryOff bool
	// HandedOver is what became of writing it into the Secrets that held
	// the account; Hidden says it was to be delivered only (never shown).
	HandedOver []HandedOver
	Hidden     bool
}

// Shown reports whether the secret itself is in the page: not when it was
// delivered only (or was to be, and the delivery failed).
func (s Secret) Shown() bool { return !s.Hidden && (s.Delivered == nil || !s.Delivered.Only) }

// DeliveryChoice is the delivery part of a form that makes a secret
// (create, regenerate): where the secret goes, chosen before it exists.
type DeliveryChoice struct {
	On         bool     // delivery is configured
	Namespaces []string // the namespaces Secrets may be written to
	Input      form.Delivery
	Errors     form.Errors
	// Foreign is a Secret in the way, for the person to confirm.
	Foreign *ForeignSecret
}

// IsZero reports whether the choice was never made up (not even to say
// why a delivery was refused while delivery is off).
func (d DeliveryChoice) IsZero() bool { return !d.On && d.Errors == nil }

// ForeignSecret is a Secret in the way of a delivery: what is there.
type ForeignSecret struct {
	Target          string   // namespace/name
	Holds           string   // the account it holds, when the dashboard manages it
	Keys            []string // its data keys
	ResourceVersion string   // what the person confirms
}

// Delivered is what became of a delivery.
type Delivered struct {
	Target    string   // namespace/name
	Keys      []string // the data keys written
	OK        bool
	Reason    string // why it failed
	Only      bool   // the secret was to be delivered only, never shown
	AccountID string // for the way to deliver again
}

// HeldSection is an account's Kubernetes Secrets on its page: those that
// hold it (with who reads them, where that was asked), and the
// namespaces that could not be read.
type HeldSection struct {
	On       bool // delivery is configured
	Account  runai.ServiceAccount
	Held     []HeldSecret
	Problems []string
	// ReadersListed says the readers were asked for (else none are shown).
	ReadersListed bool
}

// Secrets are the Secrets, as delivery names them.
func (s HeldSection) Secrets() []delivery.Held {
	out := make([]delivery.Held, len(s.Held))
	for i, h := range s.Held {
		out[i] = h.Held
	}
	return out
}

// HeldSecret is a Secret that holds an account, and the workloads that
// read it.
type HeldSecret struct {
	delivery.Held
	Readers []delivery.Reader
	// ReadersProblem says why its readers could not be listed.
	ReadersProblem string
}

// NeedRestart are its readers that see a new secret only once restarted.
func (h HeldSecret) NeedRestart() []delivery.Reader {
	var out []delivery.Reader
	for _, r := range h.Readers {
		if r.NeedsRestart() {
			out = append(out, r)
		}
	}
	return out
}

// StillOld are its readers that still run with what it held before its
// last write (they need a restart and started before it).
func (h HeldSecret) StillOld() []delivery.Reader {
	var out []delivery.Reader
	for _, r := range h.Readers {
		if r.StillOld(h.DeliveredAt) {
			out = append(out, r)
		}
	}
	return out
}

// Handover is the part of a form that writes a new secret (regenerate, a
// rotation's successor) into the Secrets that hold the account: the
// Secrets and their readers, and the choices.
type Handover struct {
	Held  HeldSection
	Input form.Handover
}

// Offered reports whether there is anything to write into.
func (h Handover) Offered() bool { return len(h.Held.Held) > 0 }

// HandedOver is what became of writing into one Secret that held an
// account, and of its readers.
type HandedOver struct {
	Secret string // namespace/name
	OK     bool
	Reason string // why it was not written
	// Restarted are the readers restarted after the write; NotRestarted
	// those that would have been and why not; ByHand those that need a
	// restart the dashboard does not make (restart not asked for, or not
	// a Deployment, StatefulSet or DaemonSet); Files those that see the
	// new secret by themselves within about a minute.
	Restarted, NotRestarted, ByHand, Files []string
}

// Bulk is a bulk action's confirmation (Done false) or result (Done true).
type Bulk struct {
	Action form.BulkAction
	Items  []bulk.Item
	Done   bool
	View   listview.View // the list view the action was chosen from, to return to
	// Grant is the rule a BulkAddRule adds: chosen on the confirmation,
	// named in the result.
	Grant      GrantChoice
	GrantLabel string
}

// BulkJob is a confirmed bulk action running in the background, or its
// result, kept for bulk.Keep.
type BulkJob struct {
	Bulk
	ID         string
	Running    bool // calls are still being made
	Cancelling bool // asked to stop: calls not yet started will not be
	Stalled    bool // no progress for a while: the instance running it went away
	Started    time.Time
}

// Counts are how many items are done, failed, not done and still to do.
func (j BulkJob) Counts() (ok, failed, notDone, pending int) {
	return bulk.Job{Items: j.Items}.Counts()
}

// Verify is the outcome of checking new credentials at the token endpoint.
type Verify struct {
	OK      bool
	Message string
}

// AccountsPage is the accounts list page.
type AccountsPage struct {
	List       listview.List
	ViewErrors form.Errors // parts of the URL's view that were ignored
	LoadError  *Problem    // the list could not be loaded
	Create     CreateForm
	Secret     *Secret // shown once, after a create or regenerate without JavaScript
	// Orphans are the Kubernetes Secrets that hold an account that no
	// longer exists (with delivery on).
	Orphans []delivery.Held
	// SecretsUnread says which allowed namespaces could not be listed,
	// and why: the count above leaves them out.
	SecretsUnread []string
}

// Confirm is a confirmation of a destructive action.
type Confirm struct {
	Account runai.ServiceAccount
	Action  string        // ConfirmDelete or ConfirmRegenerate
	Page    bool          // rendered as a page of its own (no JavaScript), not into the panel
	View    listview.View // the list view the user came from, carried to the action and back
	// Deliver is where a regenerated secret goes (regenerate).
	Deliver DeliveryChoice
	// Held are the Secrets that hold the account (delete offers to delete
	// them too).
	Held HeldSection
	// Handover is, for regenerate, the Secrets that hold the account and
	// their readers: the new secret goes into them.
	Handover Handover
	// Problem is why the action was refused before anything was sent
	// (a delivery the cluster refused), shown in the confirmation.
	Problem *Problem
}

// Confirmation actions.
const (
	ConfirmDelete     = "delete"
	ConfirmRegenerate = "regenerate"
)

// SignInPage is the sign-in page: two forms, one failed attempt at most.
type SignInPage struct {
	Next    string         // local path to return to
	Key     form.SignInKey // the client ID is kept after a failed attempt; secrets never are
	Method  string         // "key" or "token": which form Problem and Errors belong to
	Problem *Problem
	Errors  form.Errors
	Notice  string // why the user is here (session expired, signed out)
	Demo    *DemoHint
}

// Sign-in methods, for SignInPage.Method.
const (
	MethodKey   = "key"
	MethodToken = "token"
)

// DemoHint tells a demo user where the credentials are.
type DemoHint struct{ ClientID string }

// ErrorPage is a full-page error.
type ErrorPage struct {
	Status  int
	Problem Problem
}

// The name rule, for the create form's hint and browser-side check.
var (
	nameRule    = saname.Rule
	namePattern = saname.HTMLPattern
)

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

// ShownLabel is what the list says of its size, and what a screen reader
// hears after a search: "Showing 3 of 40 service accounts".
func ShownLabel(l listview.List) string {
	if l.View.Filtered() {
		return fmt.Sprintf("Showing %d of %s", l.Shown(), countLabel(l.Summary.Total))
	}
	return countLabel(l.Summary.Total)
}

func countLabel(n int) string {
	if n == 1 {
		return "1 service account"
	}
	return fmt.Sprintf("%d service accounts", n)
}

// statusWord is the account's state in words (never conveyed by colour
// alone).
func statusWord(enabled bool) string {
	if enabled {
		return "Enabled"
	}
	return "Disabled"
}

// HistoryItem is one event of a history, worded.
type HistoryItem struct {
	history.Item
	Sentence string
	// Link is the account's page, on the Activity page; empty when the
	// account no longer exists (Gone) or is not known.
	Link paths.Path
	Gone bool
}

// HistorySource says where a history's events come from and why.
type HistorySource struct {
	// Refused: the token may not read Run:ai's audit log; the items are
	// the dashboard's own record, and Problem says why.
	Refused bool
	// Problem is why Run:ai's history could not be read, if it could not.
	Problem *Problem
	// Limited: the scan stopped after this many events of the audit log.
	Limited int
	// RecordUnavailable: the dashboard's own record could not be read.
	RecordUnavailable bool
}

// HistoryView is an account's history section, or the next page of it.
type HistoryView struct {
	AccountID string
	Days      int
	Items     []HistoryItem
	// Older is where the next page starts (an opaque cursor), "" at the
	// end.
	Older string
	// Paged: this page is not the newest (reached without JavaScript).
	Paged bool
	HistorySource
}

// ActivityPage is the Activity page: every service-account and
// access-rule event in a time range, filtered.
type ActivityPage struct {
	Filter form.Activity
	Errors form.Errors
	Start  time.Time
	End    time.Time
	Items  []HistoryItem
	// Older is the offset of the next page, 0 at the end.
	Older int
	HistorySource
}
