package handlers

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

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

// A change is recorded twice in the dashboard's record: its intent, before
// it is sent (begin), and its outcome, once Run:ai answered (the function
// begin returns). A process that dies in between leaves the intent, and
// the change is not lost from the histories (its outcome unknown).

// begin records the intent of a change the request is about to send, and
// returns what records its outcome: see beginAs.
func (h *handler) begin(c echo.Context, a action) func(action, error) {
	return h.beginAs(c.Request().Context(), h.actorOf(c), a)
}

// beginAs records, for who, the intent of the change a (in the record),
// and returns the function to call with the action as it ended (its
// account id may only be known then) and the error: it writes the audit
// line and the outcome, and starts a new generation of the session's
// list (see loaders.go), whatever the outcome.
func (h *handler) beginAs(ctx context.Context, who actor, a action) func(action, error) {
	ch := change{id: rand.Text(), at: h.Now().UTC()}
	h.keep(ctx, who, a, ch, record.Pending, 0)
	return func(a action, err error) { h.auditAs(ctx, who, a, err, &ch) }
}

// change names one change in the record: its intent and outcome share it.
type change struct {
	id string
	at time.Time
}

// audit logs an attempted change that failed before anything was sent
// (reading the account first): an audit line, nothing in the record.
func (h *handler) audit(c echo.Context, a action, err error) {
	h.auditAs(c.Request().Context(), h.actorOf(c), a, err, nil)
}

// auditAs writes the audit line of one attempted change: who, what, on
// which account (named as the API names it, never as a form did), and the
// outcome; never a secret or token. A change that was sent (ch) also gets
// its outcome in the record.
func (h *handler) auditAs(ctx context.Context, who actor, a action, err error, ch *change) {
	outcome, status := record.Succeeded, 0
	if err != nil {
		outcome, status = record.Failed, apiclient.StatusCode(err)
		if mayHaveChanged(err) {
			outcome = record.Unknown
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
	if ch == nil || !a.mutates() || a.before {
		return // nothing was sent
	}
	h.changed(ctx, who.session)
	h.keep(ctx, who, a, *ch, outcome, status)
}

// keep writes one line of a change to the record. Not the request's
// context: a change made is recorded even when the request's budget ran
// out.
func (h *handler) keep(ctx context.Context, who actor, a action, ch change, outcome string, status int) {
	if !a.mutates() {
		return
	}
	e := record.Entry{
		ID: ch.id, Time: ch.at, SSO: who.sso, Subject: who.sub, Action: a.auditName(), AccountID: a.id, AccountName: a.name,
		Detail: a.detail, Outcome: outcome, Status: status, RequestID: who.requestID, Session: session.HashID(who.session),
	}
	if err := h.Record.Add(context.WithoutCancel(ctx), e); err != nil {
		h.Logger.LogAttrs(ctx, slog.LevelError, "the dashboard's record did not keep a change (the audit line has it)",
			slog.Any("err", err), slog.String("outcome", outcome), slog.String("request_id", who.requestID))
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
