package handlers

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/session"
)

// actor is who makes changes, taken from the request: the Run:ai token the
// calls carry and what the audit log says of them. A bulk job carries it
// past the request that started it.
type actor struct {
	token     string
	sso       string // the SSO identity, for display
	sub       string // the token's subject
	requestID string
	session   string // the session's id, whose generation a change moves on
}

// actorOf is the request's actor.
func (h *handler) actorOf(c echo.Context) actor {
	tok := h.tokenOf(c)
	_, sub, _ := tokenClaims(tok)
	return actor{token: tok, sso: identityOf(c).display(), sub: sub, requestID: requestIDOf(c), session: stateOf(c).id()}
}

// audit records one attempted change of the request: see auditAs.
func (h *handler) audit(c echo.Context, a action, err error) {
	h.auditAs(c.Request().Context(), h.actorOf(c), a, err)
}

// auditAs records one attempted change: who, what, on which account (named
// as the API names it, never as a form did), and the outcome. Never a
// secret or token. A change sent starts a new generation of the session's
// list (see loaders.go), whatever its outcome.
func (h *handler) auditAs(ctx context.Context, who actor, a action, err error) {
	outcome, status := "success", 0
	if err != nil {
		outcome, status = "failure", apiclient.StatusCode(err)
		if apiclient.IsTimeout(err) {
			outcome = "unknown"
		}
	}
	h.Logger.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("action", a.auditName()),
		slog.String("sso", who.sso),
		slog.String("subject", who.sub),
		slog.String("target_id", a.id),
		slog.String("target_name", a.name),
		slog.String("detail", a.detail),
		slog.String("outcome", outcome),
		slog.Int("upstream_status", status),
		slog.String("request_id", who.requestID),
	)
	if !a.mutates() || a.before {
		return // nothing was sent
	}
	h.changed(ctx, who.session)
	e := record.Entry{
		Time: h.Now().UTC(), SSO: who.sso, Subject: who.sub, Action: a.auditName(), AccountID: a.id, AccountName: a.name,
		Detail: a.detail, Outcome: outcome, Status: status, RequestID: who.requestID, Session: session.HashID(who.session),
	}
	// Not the request's context: a change made is recorded even when the
	// request's budget ran out.
	if err := h.Record.Add(context.WithoutCancel(ctx), e); err != nil {
		h.Logger.LogAttrs(ctx, slog.LevelError, "the dashboard's record did not keep a change (the audit line above has it)",
			slog.Any("err", err), slog.String("request_id", who.requestID))
	}
}

// securityEvent logs a refused request for security monitoring: who, what,
// where from; the session id only as a hash.
func (h *handler) securityEvent(c echo.Context, event, reason string) {
	var sid string
	if st, ok := c.Get(stateKey).(*state); ok {
		sid = session.HashID(st.id())
	}
	h.Logger.LogAttrs(c.Request().Context(), slog.LevelWarn, "security event",
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
