package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// actionError is a failed API call made for a user action. The error
// handler turns it into words next to what the user did.
type actionError struct {
	action    string // what the user tried, in words: `disable "ci-bot"`
	accountID string // the account acted on, if any
	mutation  bool   // whether the action changes state
	err       error
}

func (e *actionError) Error() string { return e.action + ": " + e.err.Error() }
func (e *actionError) Unwrap() error { return e.err }

// problemFor maps an API error to a status and an explanation: what
// failed, why, and what to do next. 401 is not mapped here: it sends the
// user to sign in.
func (h *handler) problemFor(c echo.Context, action string, mutation bool, err error) (int, views.Problem) {
	p := views.Problem{Title: "Could not " + action, RequestID: requestIDOf(c)}
	var ae *apiclient.Error
	errors.As(err, &ae)
	switch {
	case apiclient.IsBadRequest(err):
		p.Detail = "Run:ai refused the request: " + ae.UserMessage()
		p.Next = "Correct the input and try again."
		return http.StatusBadRequest, p
	case apiclient.IsForbidden(err):
		p.Detail = "Your Run:ai role does not allow this action."
		p.Next = "Ask a Run:ai administrator for a role that may manage service accounts, or sign in with other credentials."
		return http.StatusForbidden, p
	case apiclient.IsNotFound(err):
		p.Detail = "The service account no longer exists; another admin or an automation may have deleted it."
		p.Next = "It has been removed from the list."
		return http.StatusNotFound, p
	case apiclient.IsConflict(err):
		p.Detail = "Run:ai reports a conflict: " + ae.UserMessage()
		p.Next = "Refresh the list and try again."
		return http.StatusConflict, p
	case mutation && apiclient.IsTimeout(err):
		p.Title = "The outcome is unknown: " + action
		p.Detail = "The Run:ai control plane did not answer in time, so the change may or may not have been made."
		p.Next = "Check the current state before trying again."
		p.RefreshURL = h.link(c, "/accounts")
		p.Kind = "warning"
		return http.StatusGatewayTimeout, p
	case apiclient.IsUnavailable(err):
		p.Detail = "The Run:ai control plane is unavailable (" + upstreamReason(err) + ")."
		if mutation {
			p.Next = "Nothing was changed. Try again in a moment."
		} else {
			p.Next = "Try again in a moment."
		}
		p.RefreshURL = h.link(c, "/accounts")
		if apiclient.IsTimeout(err) {
			return http.StatusGatewayTimeout, p
		}
		return http.StatusBadGateway, p
	}
	p.Detail = "Something went wrong in the dashboard."
	p.Next = "Try again. If it keeps failing, report the request ID below."
	return http.StatusInternalServerError, p
}

// upstreamReason says briefly why the control plane gave no usable answer,
// without echoing its body (which might carry anything).
func upstreamReason(err error) string {
	switch {
	case apiclient.IsTimeout(err):
		return "no answer in time"
	case errors.Is(err, apiclient.ErrBodyTooLarge):
		return "its answer was too large"
	}
	if s := apiclient.StatusCode(err); s != 0 {
		return fmt.Sprintf("it answered %d %s", s, http.StatusText(s))
	}
	var mf *apiclient.MissingFieldError
	if errors.As(err, &mf) {
		return "its answer was malformed"
	}
	return "it could not be reached"
}

// handleError is Echo's HTTPErrorHandler: the one place where errors turn
// into pages or fragments.
func (h *handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		h.log.Warn("error after the response started", "err", err, "request_id", requestIDOf(c))
		return
	}
	if errors.Is(err, context.Canceled) {
		h.log.Info("request cancelled by the client", "path", c.Request().URL.EscapedPath(), "request_id", requestIDOf(c))
		_ = c.NoContent(499)
		return
	}
	if apiclient.IsUnauthorized(err) && c.Get(stateKey) != nil {
		h.log.Info("upstream rejected the session token", "request_id", requestIDOf(c))
		_ = h.toSignIn(c, "Your Run:ai session has expired or was revoked. Sign in again to continue; you will come back to this page.")
		return
	}

	var (
		status   int
		problem  views.Problem
		removeID string
		mutation = c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead
	)
	var (
		ae *actionError
		ce *errCSRF
		na *errNotAllowed
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &na):
		status, problem = http.StatusForbidden, forbiddenProblem(na.who, requestIDOf(c))
		h.securityEvent(c, "SSO identity not on the allow-list", na.who)
		mutation = false
	case errors.As(err, &ae):
		status, problem = h.problemFor(c, ae.action, ae.mutation, ae.err)
		if status == http.StatusNotFound {
			removeID = ae.accountID
		}
	case errors.As(err, &ce):
		status = http.StatusForbidden
		problem = views.Problem{
			Title:     "Request refused",
			Detail:    "The form was stale or did not come from this dashboard, so nothing was changed.",
			Next:      "Reload the page and try again.",
			RequestID: requestIDOf(c),
		}
		h.securityEvent(c, "csrf check failed", ce.reason)
		mutation = false // show the page: a redirect could loop
	case errors.As(err, &he):
		status = he.Code
		problem = views.Problem{Title: http.StatusText(he.Code), RequestID: requestIDOf(c)}
		switch he.Code {
		case http.StatusNotFound:
			problem.Title = "Page not found"
			problem.Detail = "There is nothing at this address."
		case http.StatusRequestEntityTooLarge:
			problem.Title = "Request too large"
			problem.Detail = "The form sent more data than the dashboard accepts (" + maxBody + "B)."
			problem.Next = "Check what was pasted and try again."
		case http.StatusMethodNotAllowed:
			problem.Detail = "This address does not accept that kind of request."
		}
		mutation = false
	default:
		status, problem = h.problemFor(c, "complete the request", mutation, err)
	}

	attrs := []any{"err", err, "status", status, "path", c.Request().URL.EscapedPath(), "request_id", requestIDOf(c)}
	if status >= 500 {
		h.log.Error("request failed", attrs...)
	} else {
		h.log.Warn("request failed", attrs...)
	}

	switch {
	case isHTMX(c):
		c.Response().Header().Set("HX-Retarget", "#panel")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		err = h.render(c, status, problem.Title, views.ProblemResult(problem, removeID))
	case mutation && c.Get(stateKey) != nil:
		text := problem.Title + ". " + problem.Detail + " " + problem.Next
		back := h.returnPath(c)
		if status == http.StatusNotFound {
			back = h.link(c, "/accounts")
		}
		kind := problem.Kind
		if kind == "" {
			kind = "error"
		}
		err = h.redirectWithFlash(c, kind, text, back)
	default:
		err = h.render(c, status, problem.Title, views.ErrorView(views.ErrorPage{Status: status, Problem: problem}))
	}
	if err != nil {
		h.log.Error("rendering the error page failed", "err", err, "request_id", requestIDOf(c))
		_ = c.String(http.StatusInternalServerError, "Internal error. Request ID: "+requestIDOf(c))
	}
}

// securityEvent logs a refused request for security monitoring: who, what,
// where from; the session id only as a hash.
func (h *handler) securityEvent(c echo.Context, event, reason string) {
	var sid string
	if st, ok := c.Get(stateKey).(*state); ok {
		sid = session.HashID(st.sess.ID)
	}
	h.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "security event",
		slog.String("event", event),
		slog.String("reason", reason),
		slog.String("method", c.Request().Method),
		slog.String("path", c.Request().URL.EscapedPath()),
		slog.String("ip", c.RealIP()),
		slog.String("sso", identityOf(c).display()),
		slog.String("session", sid),
		slog.String("request_id", requestIDOf(c)),
	)
}

// audit records one attempted mutation: who, what, on which account, and
// the outcome. Never a secret or token.
func (h *handler) audit(c echo.Context, action, id, name string, err error) {
	outcome, status := "success", 0
	if err != nil {
		outcome, status = "failure", apiclient.StatusCode(err)
		if apiclient.IsTimeout(err) {
			outcome = "unknown"
		}
	}
	_, sub, _ := tokenClaims(h.tokenOf(c))
	h.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "audit",
		slog.String("action", action),
		slog.String("sso", identityOf(c).display()),
		slog.String("subject", sub),
		slog.String("target_id", id),
		slog.String("target_name", name),
		slog.String("outcome", outcome),
		slog.Int("upstream_status", status),
		slog.String("request_id", requestIDOf(c)),
	)
}
