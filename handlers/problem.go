package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/dustin/go-humanize"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
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
	case verbCreate, verbEnable, verbDisable, verbDelete, verbRegenerate, verbAddRule, verbRemoveRule, verbRotate:
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
	}
	return "complete the request"
}

// failure is an action that did not succeed, on its way to the responder
// (respond). Handlers return it; none writes its own words for a failure.
type failure struct {
	act action
	err error
	// show, when set, renders the problem where the user acted: inside the
	// form that failed, with the input kept. Otherwise the responder
	// chooses the panel, a redirect with a flash, or an error page.
	show func(problem) error
}

func (f *failure) Error() string { return f.act.what() + ": " + f.err.Error() }
func (f *failure) Unwrap() error { return f.err }

// problem is an error classified for the person who caused it.
type problem struct {
	views.Problem
	status  int
	unknown bool        // a change whose outcome is unknown
	gone    bool        // the account acted on no longer exists
	fields  form.Errors // the form fields at fault, for a form's own errors
	event   string      // a security event to log, if any
}

// classify turns an error into what the user reads: status, what failed,
// why, and what to do next. It is pure (no request, no context), so that
// bulk actions call it from their goroutines; the responder adds the
// request id.
func classify(err error, a action) problem {
	p := problem{Problem: views.Problem{Title: "Could not " + a.what()}}
	var (
		fe form.Errors
		na *errNotAllowed
		ce *errCSRF
		he *echo.HTTPError
		ae *apiclient.Error
		ru errRulesUnreadable
		tl *apiclient.BodyTooLargeError
		su *session.UnavailableError
	)
	errors.As(err, &ae)
	switch {
	case errors.As(err, &fe):
		p.status, p.fields = http.StatusUnprocessableEntity, fe
		p.Detail = fe.Messages()
	case errors.As(err, &na):
		p.status, p.event = http.StatusForbidden, "SSO identity not on the allow-list"
		p.Title = "Access denied"
		p.Detail = "No SSO identity came with this request, and this dashboard admits only the identities on its allow-list."
		if na.who != "" {
			p.Detail = "Your SSO identity " + na.who + " is not on this dashboard's allow-list."
		}
		p.Next = "Ask the dashboard's operators to add your email or one of your groups (ALLOWED_EMAILS, ALLOWED_GROUPS)."
	case errors.As(err, &ce):
		p.status, p.event = http.StatusForbidden, "csrf check failed"
		p.Title = "Request refused"
		p.Detail = "The form was stale or did not come from this dashboard, so nothing was changed."
		p.Next = "Reload the page and try again."
	case errors.As(err, &he):
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
	case errors.As(err, new(errJobGone)):
		p.status, p.Title = http.StatusNotFound, "This bulk action's result is gone"
		p.Detail = "Results are kept for an hour after the action ends, in the session that started it; this one has ended, or the link is from another session."
		p.Next = "The service accounts list shows every account as it is now."
		p.Refresh = paths.Accounts.Link()
	case errors.As(err, &ru):
		p.status = http.StatusBadGateway
		p.Detail = "The access rules could not be read: " + string(ru)
	case a.signsIn() && ae != nil && ae.StatusCode >= 400 && ae.StatusCode < 500:
		classifyRefusedCredentials(&p, a, ae)
	case a.mutates() && !a.before && (apiclient.IsUnanswered(err) || apiclient.StatusCode(err) >= 500 || apiclient.IsMalformed(err)):
		// A change sent and not answered, answered by a server error, or
		// answered unreadably, may have been made: never "nothing was
		// changed", never retried.
		p.status, p.unknown, p.Kind = http.StatusBadGateway, true, "warning"
		p.Title = "The outcome is unknown: " + a.what()
		switch {
		case apiclient.IsTimeout(err):
			p.status = http.StatusGatewayTimeout
			p.Detail = "The Run:ai control plane did not answer in time, so the change may or may not have been made."
		case apiclient.IsMalformed(err):
			p.Detail = "The Run:ai control plane answered, but its answer could not be read, so the change was probably made."
		case apiclient.StatusCode(err) == 0:
			p.Detail = "The connection to the Run:ai control plane broke before it answered, so the change may or may not have been made."
		default:
			p.Detail = fmt.Sprintf("The Run:ai control plane answered %d %s to it, so the change may or may not have been made.",
				apiclient.StatusCode(err), http.StatusText(apiclient.StatusCode(err)))
		}
		p.Next = "Check the current state before trying again."
		p.Refresh = paths.Accounts.Link()
	case ae != nil && a.aboutAccess():
		classifyRules(&p, a, ae)
	case apiclient.IsBadRequest(err):
		p.status = http.StatusBadRequest
		p.Detail = "Run:ai refused the request: " + ae.UserMessage() + "."
		p.Next = "Correct the input and try again."
		if a.verb == verbCreate {
			p.fields = form.Errors{form.FieldName: p.Detail}
		}
	case apiclient.IsForbidden(err) && a.verb == verbReadHistory:
		p.status, p.Kind = http.StatusForbidden, "info"
		p.Title = "Run:ai's history needs tenant-wide rights"
		p.Detail = "Only administrators with rights on the whole tenant may read Run:ai's audit log; this sign-in may not. Shown instead: the changes made through this dashboard."
	case apiclient.IsForbidden(err):
		p.status = http.StatusForbidden
		p.Detail = "Your Run:ai role does not allow this action."
		p.Next = "Ask a Run:ai administrator for a role that may manage service accounts, or sign in with other credentials."
	case apiclient.IsNotFound(err):
		p.status, p.gone = http.StatusNotFound, a.id != ""
		p.Detail = "The service account no longer exists; another admin or an automation may have deleted it."
		p.Next = "It has been removed from the list."
	case apiclient.IsConflict(err) && a.verb == verbCreate:
		p.status = http.StatusConflict
		p.Detail = "The name " + a.subject() + " is already taken."
		p.Next = "Choose another name."
		p.fields = form.Errors{form.FieldName: p.Detail + " " + p.Next}
	case apiclient.IsConflict(err):
		p.status = http.StatusConflict
		p.Detail = "Run:ai reports a conflict: " + ae.UserMessage() + "."
		p.Next = "Refresh the list and try again."
	case apiclient.IsUnauthorized(err):
		p.status = http.StatusUnauthorized
		p.Detail = "Run:ai did not accept this session's token: it has expired or was revoked."
		p.Next = "Sign in again."
	case errors.As(err, &su):
		p.status = http.StatusServiceUnavailable
		p.Detail = "The dashboard's session store (Redis) did not answer, so the dashboard cannot tell who you are."
		p.Next = "Nothing was changed. Try again in a moment; if it goes on, tell the dashboard's operators, who should check Redis and REDIS_URL."
	case errors.Is(err, session.ErrFull):
		p.status = http.StatusServiceUnavailable
		p.Detail = "The dashboard holds as many signed-in sessions as it keeps in memory."
		p.Next = "Try again later, when idle sessions have ended; the dashboard's operators can run it with Redis (REDIS_URL) to hold more."
	case errors.As(err, &tl):
		p.status = http.StatusBadGateway
		p.Detail = "Run:ai's answer is larger than this dashboard accepts (" + humanize.IBytes(uint64(tl.Limit)) + "): the list is too large for its current limit, so trying again will not help."
		p.Next = "Ask the dashboard's operators to raise UPSTREAM_MAX_BODY (--upstream-max-body)."
		if a.mutates() && !a.before {
			p.Kind, p.unknown = "warning", true
			p.Next = "The change may have been made: check the current state. " + p.Next
		}
	case apiclient.IsUnavailable(err):
		p.status = http.StatusBadGateway
		if apiclient.IsTimeout(err) {
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
	default:
		p.status = http.StatusInternalServerError
		p.Detail = "Something went wrong in the dashboard."
		p.Next = "Try again. If it keeps failing, report the request ID below."
	}
	return p
}

// classifyRefusedCredentials explains a 4xx to presented credentials: a
// sign-in or a Verify.
func classifyRefusedCredentials(p *problem, a action, ae *apiclient.Error) {
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

// classifyRules explains an API answer about access rules; p.Title is
// already set.
func classifyRules(p *problem, a action, ae *apiclient.Error) {
	p.status = ae.StatusCode
	if p.status >= 500 {
		p.status = http.StatusBadGateway
		p.Detail = "The Run:ai control plane is unavailable (" + upstreamReason(ae) + ")."
		p.Next = "Try again in a moment."
		return
	}
	switch {
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
	switch {
	case apiclient.IsTimeout(err):
		return "no answer in time"
	case errors.Is(err, apiclient.ErrBodyTooLarge):
		return "its answer was larger than the dashboard accepts"
	}
	if s := apiclient.StatusCode(err); s != 0 {
		return fmt.Sprintf("it answered %d %s", s, http.StatusText(s))
	}
	if apiclient.IsMalformed(err) {
		return "its answer was malformed"
	}
	return "it could not be reached"
}
