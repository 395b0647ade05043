package handlers

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/a-h/templ"
	"github.com/dustin/go-humanize"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/internal/words"
	"github.com/runai-tools/sa-dashboard/views"
)

// verb is what a user asked the dashboard to do. For a change, its value
// is the audit log's name for it.
type verb string

// The verbs.
const (
	verbRequest     verb = "request" // anything not named below
	verbList        verb = "list"
	verbShow        verb = "show"
	verbExport      verb = "export"
	verbColumns     verb = "save-columns"
	verbVerify      verb = "verify"
	verbSignInKey   verb = "sign-in-key"
	verbSignInToken verb = "sign-in-token"
	verbCreate      verb = "create"
	verbEnable      verb = "enable"
	verbDisable     verb = "disable"
	verbDelete      verb = "delete"
	verbRegenerate  verb = "regenerate-secret"
	verbReadRules   verb = "read-access-rules"
	verbReadRoles   verb = "read-roles"
	verbReadScopes  verb = "read-scopes"
	verbAddRule     verb = "add-access-rule"
	verbRemoveRule  verb = "remove-access-rule"
	verbCopyAccess  verb = "copy-access"
	verbRotate      verb = "rotate"
	verbReadHistory verb = "read-history"
	verbBulk        verb = "start-bulk-action"
	verbDeliver     verb = "deliver-secret"
	verbDeleteHeld  verb = "delete-secret"    // a Kubernetes Secret that held a deleted account
	verbRestart     verb = "restart-workload" // a reader of a Secret just written
	verbSetPolicy   verb = "set-rotation-policy"
	verbApprove     verb = "approve-declaration" // a Secret declared in Git for an account
)

// action is what a user asked for, on which account, for messages and the
// audit log.
type action struct {
	verb verb
	id   string // the account acted on, if any
	name string // its name as the API tells it, when known
	bulk bool   // one account of a bulk action
	// detail names what the action is about beyond the account: an
	// access rule ("ML engineer · prod / ml / team-a").
	detail string
	// before says the action failed before the change was sent (reading
	// the account first), so nothing was changed whatever the error.
	before bool
}

// mutates reports whether the action changes anything upstream.
func (a action) mutates() bool {
	switch a.verb {
	case verbCreate, verbEnable, verbDisable, verbDelete, verbRegenerate, verbAddRule, verbRemoveRule, verbRotate, verbDeliver, verbDeleteHeld, verbRestart, verbSetPolicy, verbApprove:
		return true
	}
	return false
}

// aboutAccess reports an action on access rules or what they name.
func (a action) aboutAccess() bool {
	switch a.verb {
	case verbReadRules, verbReadRoles, verbReadScopes, verbAddRule, verbRemoveRule:
		return true
	}
	return false
}

// signsIn reports whether the action presents credentials of its own, so
// that a 401 means "these credentials", not "your session".
func (a action) signsIn() bool {
	return a.verb == verbSignInKey || a.verb == verbSignInToken || a.verb == verbVerify
}

// auditName is the action's name in the audit log.
func (a action) auditName() string {
	if a.bulk {
		return "bulk-" + string(a.verb)
	}
	return string(a.verb)
}

// subject names the account in a sentence: its name when known, else its id.
func (a action) subject() string {
	if a.name != "" {
		return `"` + a.name + `"`
	}
	return `service account "` + a.id + `"`
}

// what names the action in a sentence: `disable "ci-bot"`.
func (a action) what() string {
	switch a.verb {
	case verbList:
		return "load the service accounts"
	case verbShow:
		return "load " + a.subject()
	case verbExport:
		return "export the service accounts"
	case verbColumns:
		return "save the columns"
	case verbVerify:
		return "verify the credentials"
	case verbSignInKey, verbSignInToken:
		return "sign in"
	case verbCreate, verbEnable, verbDisable, verbDelete:
		return string(a.verb) + " " + a.subject()
	case verbRegenerate:
		return "regenerate the secret of " + a.subject()
	case verbReadRules:
		return "read the access rules"
	case verbReadRoles:
		return "list the roles"
	case verbReadScopes:
		return "list the clusters, departments and projects"
	case verbAddRule:
		return "add the access rule " + a.detail + " to " + a.subject()
	case verbRemoveRule:
		return "remove the access rule " + a.detail + " from " + a.subject()
	case verbCopyAccess:
		return "copy access to " + a.subject()
	case verbRotate:
		return "rotate " + a.subject()
	case verbReadHistory:
		return "read the history from Run:ai"
	case verbBulk:
		return "start the bulk action"
	case verbDeliver:
		return "deliver the credentials of " + a.subject() + " to the " + a.detail
	case verbDeleteHeld:
		return "delete the " + a.detail
	case verbRestart:
		return "restart the " + a.detail
	case verbSetPolicy:
		return "set the rotation policy of the " + a.detail
	case verbApprove:
		return "approve the " + a.detail + " declared for " + a.subject()
	}
	return "complete the request"
}

// failure is an action that did not succeed, on its way to the responder
// (respond), which words it, logs it and shows it in the panel, as a
// flash after a redirect, or as an error page. Handlers return it; none
// writes its own words for a failure.
type failure struct {
	act action
	err error
}

func (f *failure) Error() string { return f.act.what() + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// shown is a failure the handler has already drawn where the user acted:
// the form that failed, re-rendered with its problem and the user's input,
// in the handler's own (live) context. It carries its status and page, in
// the manner of pkgsite's serrors; respond logs it and writes the page.
type shown struct {
	failure
	p     problem
	title string
	page  templ.Component
}

// fail words err for act and lets draw put it where the user acted: draw
// gets the problem and returns the page's title and body. A session whose
// token Run:ai refused is not drawn (the page would be refused too):
// respond sends it to sign in.
func (h *handler) fail(c echo.Context, act action, err error, draw func(problem) (string, templ.Component)) error {
	if apiclient.IsUnauthorized(err) && !act.signsIn() {
		return &failure{act: act, err: err}
	}
	p := h.problemOf(c, err, act)
	title, page := draw(p)
	return &shown{failure: failure{act: act, err: err}, p: p, title: title, page: page}
}

// problem is an error classified for the person who caused it.
type problem struct {
	views.Problem
	status  int
	unknown bool        // a change whose outcome is unknown
	gone    bool        // the account acted on no longer exists
	fields  form.Errors // the form fields at fault, for a form's own errors
	event   string      // a security event to log, if any
}

// ownError is an error of the dashboard's own that says what it means: it
// fills the problem (whose Title already names the action).
type ownError interface {
	error
	word(p *problem, a action)
}

// classify turns an error into what the user reads: status, what failed,
// why, and what to do next. It is pure (no request, no context), so that
// bulk jobs call it from their goroutines; the responder adds the request
// id. Three kinds of error reach it, and each kind is worded in one
// place, so no order among them matters: the dashboard's own errors word
// themselves (ownError); the few foreign types the handlers pass on are
// matched by type; and an answer of the Run:ai API (or its absence) is
// sorted into exactly one upstreamKind, each kind worded by its own
// function.
func classify(err error, a action) problem {
	p := problem{Problem: views.Problem{Title: "Could not " + a.what()}}
	var (
		w  ownError
		fe form.Errors
		he *echo.HTTPError
		su *session.UnavailableError
	)
	switch {
	case errors.As(err, &w):
		w.word(&p, a)
	case errors.As(err, &fe):
		p.status, p.fields = http.StatusUnprocessableEntity, fe
		p.Detail = fe.Messages()
	case errors.As(err, &he):
		wordHTTP(&p, he)
	case errors.As(err, &su):
		p.status = http.StatusServiceUnavailable
		p.Detail = "The dashboard's session store (Redis) did not answer, so the dashboard cannot tell who you are."
		p.Next = "Nothing was changed. Try again in a moment; if it goes on, tell the dashboard's operators, who should check Redis and REDIS_URL."
	case errors.Is(err, session.ErrFull):
		p.status = http.StatusServiceUnavailable
		p.Detail = "The dashboard holds as many signed-in sessions as it keeps in memory."
		p.Next = "Try again later, when idle sessions have ended; the dashboard's operators can run it with Redis (REDIS_URL) to hold more."
	case errors.Is(err, bulk.ErrStopping):
		p.status = http.StatusServiceUnavailable
		p.Detail = "The dashboard is restarting and starts no new bulk action."
		p.Next = "Nothing was changed. Try again in a minute."
	default:
		wordUpstream(&p, a, err)
	}
	return p
}

// wordHTTP explains Echo's own refusals: no route, wrong method, a body
// too large.
func wordHTTP(p *problem, he *echo.HTTPError) {
	p.status, p.Title = he.Code, http.StatusText(he.Code)
	switch he.Code {
	case http.StatusNotFound:
		p.Title, p.Detail = "Page not found", "There is nothing at this address."
	case http.StatusRequestEntityTooLarge:
		p.Title = "Request too large"
		p.Detail = "The form sent more data than the dashboard accepts (" + maxBody + "B)."
		p.Next = "Check what was pasted and try again."
	case http.StatusMethodNotAllowed:
		p.Detail = "This address does not accept that kind of request."
	}
}

// upstreamKind is what became of a call to the Run:ai API: exactly one
// of these, whatever the error's chain holds.
type upstreamKind int

const (
	notUpstream upstreamKind = iota // not about the API at all: a bug here
	refused                         // a 4xx answer
	serverError                     // a 5xx answer
	timedOut                        // sent, and no answer in time
	broken                          // sent, and the connection broke before an answer
	notSent                         // no connection could be made: the request never left
	malformed                       // an answer that could not be read
	tooLarge                        // an answer past UPSTREAM_MAX_BODY
	tooMany                         // an answer listing more than the API holds
)

// kindOf sorts an error into its one upstreamKind; the checks are
// disjoint (an answer's status, else how the exchange failed).
func kindOf(err error) upstreamKind {
	var (
		tl *apiclient.BodyTooLargeError
		tm *apiclient.TooManyError
		oe *net.OpError
	)
	switch s := apiclient.StatusCode(err); {
	case errors.As(err, &tl):
		return tooLarge
	case errors.As(err, &tm):
		return tooMany
	case s >= 400 && s < 500:
		return refused
	case s >= 500:
		return serverError
	case apiclient.IsMalformed(err):
		return malformed
	case apiclient.IsTimeout(err):
		return timedOut
	case errors.As(err, &oe) && oe.Op == "dial":
		return notSent
	case apiclient.IsUnanswered(err):
		return broken
	}
	return notUpstream
}

// wordUpstream explains what became of a call to the Run:ai API.
func wordUpstream(p *problem, a action, err error) {
	switch kindOf(err) {
	case refused:
		var ae *apiclient.Error
		errors.As(err, &ae)
		switch {
		case a.signsIn():
			wordRefusedCredentials(p, a, ae)
		case a.aboutAccess():
			wordRefusedRules(p, a, ae)
		default:
			wordRefused(p, a, ae)
		}
	case serverError, timedOut, broken, malformed:
		if a.mutates() && !a.before {
			wordUnknownOutcome(p, a, err)
		} else {
			wordUnavailable(p, a, err)
		}
	case notSent:
		wordUnavailable(p, a, err)
	case tooLarge:
		var tl *apiclient.BodyTooLargeError
		errors.As(err, &tl)
		p.status = http.StatusBadGateway
		p.Detail = "Run:ai's answer is larger than this dashboard accepts (" + humanize.IBytes(uint64(tl.Limit)) + "): the list is too large for its current limit, so trying again will not help."
		p.Next = "Ask the dashboard's operators to raise UPSTREAM_MAX_BODY (--upstream-max-body)."
		if a.mutates() && !a.before {
			p.Kind, p.unknown = "warning", true
			p.Next = "The change may have been made: check the current state. " + p.Next
		}
	case tooMany:
		var tm *apiclient.TooManyError
		errors.As(err, &tm)
		p.status = http.StatusBadGateway
		p.Detail = fmt.Sprintf("Run:ai's answer lists %s %s, more than the dashboard reads (%s), so it refused the answer rather than keep it.",
			humanize.Comma(int64(tm.Count)), tm.What, humanize.Comma(int64(tm.Max)))
		if tm.What == "service accounts" {
			p.Detail = fmt.Sprintf("Run:ai's answer lists %s service accounts; the API holds at most %s, so the dashboard refused the answer rather than keep it.",
				humanize.Comma(int64(tm.Count)), humanize.Comma(int64(tm.Max)))
		}
		p.Next = "Something between the dashboard and Run:ai, or Run:ai itself, is answering wrongly: tell the dashboard's operators."
	default:
		p.status = http.StatusInternalServerError
		p.Detail = "Something went wrong in the dashboard."
		p.Next = "Try again. If it keeps failing, report the request ID below."
	}
}

// wordUnknownOutcome explains a change that was sent and not answered,
// answered by a server error, or answered unreadably: it may have been
// made. Never "nothing was changed", never retried.
func wordUnknownOutcome(p *problem, a action, err error) {
	p.status, p.unknown, p.Kind = http.StatusBadGateway, true, "warning"
	p.Title = "The outcome is unknown: " + a.what()
	switch kindOf(err) {
	case timedOut:
		p.status = http.StatusGatewayTimeout
		p.Detail = "The Run:ai control plane did not answer in time, so the change may or may not have been made."
	case malformed:
		p.Detail = "The Run:ai control plane answered, but its answer could not be read, so the change was probably made."
	case broken:
		p.Detail = "The connection to the Run:ai control plane broke before it answered, so the change may or may not have been made."
	default:
		p.Detail = fmt.Sprintf("The Run:ai control plane answered %d %s to it, so the change may or may not have been made.",
			apiclient.StatusCode(err), http.StatusText(apiclient.StatusCode(err)))
	}
	p.Next = "Check the current state before trying again."
	p.Refresh = paths.Accounts.Link()
}

// wordUnavailable explains a read (or a change not sent) that got no
// usable answer.
func wordUnavailable(p *problem, a action, err error) {
	p.status = http.StatusBadGateway
	if kindOf(err) == timedOut {
		p.status = http.StatusGatewayTimeout
	}
	p.Detail = "The Run:ai control plane is unavailable (" + upstreamReason(err) + ")."
	p.Next = "Try again in a moment."
	if a.mutates() {
		p.Next = "Nothing was changed. Try again in a moment."
	}
	if !a.signsIn() {
		p.Refresh = paths.Accounts.Link()
	}
}

// wordRefused explains a 4xx to an action on service accounts.
func wordRefused(p *problem, a action, ae *apiclient.Error) {
	switch ae.StatusCode {
	case http.StatusBadRequest:
		p.status = http.StatusBadRequest
		p.Detail = "Run:ai refused the request: " + ae.UserMessage() + "."
		p.Next = "Correct the input and try again."
		if a.verb == verbCreate {
			p.fields = form.Errors{form.FieldName: p.Detail}
		}
	case http.StatusUnauthorized:
		p.status = http.StatusUnauthorized
		p.Detail = "Run:ai did not accept this session's token: it has expired or was revoked."
		p.Next = "Sign in again."
	case http.StatusForbidden:
		p.status = http.StatusForbidden
		if a.verb == verbReadHistory {
			p.Kind = "info"
			p.Title = "Run:ai's history needs tenant-wide rights"
			p.Detail = "Only administrators with rights on the whole tenant may read Run:ai's audit log; this sign-in may not. Shown instead: the changes made through this dashboard."
			return
		}
		p.Detail = "Your Run:ai role does not allow this action."
		p.Next = "Ask a Run:ai administrator for a role that may manage service accounts, or sign in with other credentials."
	case http.StatusNotFound:
		p.status, p.gone = http.StatusNotFound, a.id != ""
		p.Detail = "The service account no longer exists; another admin or an automation may have deleted it."
		p.Next = "It has been removed from the list."
	case http.StatusConflict:
		p.status = http.StatusConflict
		if a.verb == verbCreate {
			p.Detail = "The name " + a.subject() + " is already taken."
			p.Next = "Choose another name."
			p.fields = form.Errors{form.FieldName: p.Detail + " " + p.Next}
			return
		}
		p.Detail = "Run:ai reports a conflict: " + ae.UserMessage() + "."
		p.Next = "Refresh the list and try again."
	default:
		p.status = ae.StatusCode
		p.Detail = "Run:ai refused the request: " + ae.UserMessage() + "."
		p.Next = "Refresh the list and try again."
	}
}

// wordRefusedCredentials explains a 4xx to presented credentials: a
// sign-in or a Verify.
func wordRefusedCredentials(p *problem, a action, ae *apiclient.Error) {
	switch a.verb {
	case verbVerify:
		p.status = http.StatusOK // the check ran; its answer is "no"
		p.Title = "Not verified"
		p.Detail = "Run:ai refused to issue a token for these credentials (" + ae.UserMessage() + ")."
	case verbSignInKey:
		p.status, p.event = http.StatusUnauthorized, "sign-in failed"
		p.Title = "These credentials were not accepted."
		p.Next = "Check the client ID and the client secret. A disabled or deleted access key, or a secret that was regenerated, no longer works."
	default:
		p.status, p.event = http.StatusUnauthorized, "sign-in failed"
		p.Title = "This token was not accepted."
		p.Next = "It may have expired or been revoked. Get a new token, or sign in with an access key."
	}
	if a.verb != verbVerify && ae.Message != "" {
		p.Detail = "Run:ai said: " + ae.Message
	}
}

// wordRefusedRules explains a 4xx about access rules or what they name.
func wordRefusedRules(p *problem, a action, ae *apiclient.Error) {
	p.status = ae.StatusCode
	switch {
	case ae.StatusCode == http.StatusUnauthorized:
		p.Detail = "Run:ai did not accept this session's token: it has expired or was revoked."
		p.Next = "Sign in again."
	case ae.StatusCode == http.StatusForbidden && a.verb == verbReadRules:
		p.Detail = "Your Run:ai role may not read access rules."
		p.Next = "Ask a Run:ai administrator for a role that can view access rules, such as Viewer on the tenant."
	case ae.StatusCode == http.StatusForbidden && (a.verb == verbReadRoles || a.verb == verbReadScopes):
		p.Detail = "Your Run:ai role may not " + a.what() + "."
		p.Next = "Ask a Run:ai administrator for a role that can view them, such as Viewer on the tenant."
	case ae.StatusCode == http.StatusForbidden:
		p.Detail = "Run:ai refused: " + ae.UserMessage() + "."
		p.Next = "A rule may grant at most the rights your own role has on that scope; ask a Run:ai administrator to add it, or choose a narrower role or scope."
	case ae.StatusCode == http.StatusNotFound && a.verb == verbRemoveRule:
		p.Detail = "The access rule no longer exists; another admin may have removed it."
		p.Next = "Reload the page to see the account's rules as they are."
	case ae.StatusCode == http.StatusNotFound:
		p.Detail = "Run:ai did not find it: " + ae.UserMessage() + "."
		p.Next = "The role or scope may have been deleted; reload the page and choose again."
	case ae.StatusCode == http.StatusConflict:
		p.Detail = "Run:ai says the account already has this rule."
	default:
		p.Detail = "Run:ai refused the request: " + ae.UserMessage() + "."
		p.Next = "Check the role and scope and try again."
	}
}

// upstreamReason says briefly why the control plane gave no usable answer,
// without echoing its body (which might carry anything).
func upstreamReason(err error) string {
	switch kindOf(err) {
	case timedOut:
		return "no answer in time"
	case tooLarge:
		return "its answer was larger than the dashboard accepts"
	case malformed:
		return "its answer was malformed"
	case serverError, refused:
		s := apiclient.StatusCode(err)
		return fmt.Sprintf("it answered %d %s", s, http.StatusText(s))
	}
	return "it could not be reached"
}

// The dashboard's own errors, each worded where it is defined.

// errNotAllowed refuses an SSO identity outside the allow-list.
type errNotAllowed struct{ who string }

func (e *errNotAllowed) Error() string { return "sso identity not allowed: " + e.who }

func (e *errNotAllowed) word(p *problem, _ action) {
	p.status, p.event = http.StatusForbidden, "SSO identity not on the allow-list"
	p.Title = "Access denied"
	p.Detail = "No SSO identity came with this request, and this dashboard admits only the identities on its allow-list."
	if e.who != "" {
		p.Detail = "Your SSO identity " + e.who + " is not on this dashboard's allow-list."
	}
	p.Next = "Ask the dashboard's operators to add your email or one of your groups (ALLOWED_EMAILS, ALLOWED_GROUPS)."
}

// errCSRF is returned when a state-changing request fails the CSRF check.
type errCSRF struct{ reason string }

func (e *errCSRF) Error() string { return "csrf check failed: " + e.reason }

func (e *errCSRF) word(p *problem, _ action) {
	p.status, p.event = http.StatusForbidden, "csrf check failed"
	p.Title = "Request refused"
	p.Detail = "The form was stale or did not come from this dashboard, so nothing was changed."
	p.Next = "Reload the page and try again."
}

// errJobGone is a bulk job its reader does not have (any more).
type errJobGone struct{}

func (errJobGone) Error() string { return "bulk job not found for this reader" }

func (errJobGone) word(p *problem, _ action) {
	p.status, p.Title = http.StatusNotFound, "This bulk action's result is gone"
	p.Detail = "Results are kept for " + words.Duration(bulk.Keep) + " after the action ends, for the person who started it; this one has ended, or the link is someone else's."
	p.Next = "The service accounts list shows every account as it is now."
	p.Refresh = paths.Accounts.Link()
}

// errRulesUnreadable carries why rules could not be read into a failure.
type errRulesUnreadable string

func (e errRulesUnreadable) Error() string { return "access rules could not be read: " + string(e) }

func (e errRulesUnreadable) word(p *problem, _ action) {
	p.status = http.StatusBadGateway
	p.Detail = "The access rules could not be read: " + string(e)
}
