package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/reqid"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// contentSecurityPolicy allows only this origin's scripts, styles, images
// and requests: no inline script or style, no eval, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the response headers every answer carries, errors
// and static files included (which then set their own Cache-Control).
func (h *handler) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		hd.Set("Cache-Control", "no-store")
		if h.isHTTPS(c.Request()) {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

const (
	requestIDKey       = "request_id"
	clientRequestIDKey = "client_request_id"
)

// requestID gives each request an id of the dashboard's own making (a
// UUID, as the audit log's request_id is), echoes it, shows it on error
// pages and sends it upstream with every API call of the request, where
// it joins Run:ai's audit log with the dashboard's record. A caller's
// X-Request-ID is never used for that (an admin could otherwise reuse
// another's id to blur who made a change): a well-formed one is logged
// beside it as client_request_id, for correlation with the proxy's logs.
func (h *handler) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := uuid.NewString()
		if in := r.Header.Get("X-Request-ID"); requestIDPattern.MatchString(in) {
			c.Set(clientRequestIDKey, in)
		}
		c.Response().Header().Set("X-Request-ID", id)
		c.Set(requestIDKey, id)
		c.SetRequest(r.WithContext(reqid.With(r.Context(), id)))
		return next(c)
	}
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// logRequests writes one line per request: never a query, body, cookie or
// header value that could hold a secret.
func (h *handler) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		if h.Metrics != nil {
			route := c.Path()
			if route == "" || route == "/*" {
				route = "unmatched"
			}
			h.Metrics.ObserveRequest(route, c.Request().Method, status, time.Since(start))
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.EscapedPath()),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", c.RealIP()),
			slog.String("request_id", requestIDOf(c)),
		}
		if in, ok := c.Get(clientRequestIDKey).(string); ok {
			attrs = append(attrs, slog.String("client_request_id", in))
		}
		h.Logger.LogAttrs(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

// ColumnsCookie is the cookie that remembers a browser's visible columns (not a secret, not
// tied to the session: it outlives sign-out on purpose). Only the POST of
// the column chooser writes it.
const ColumnsCookie = "runai-sa-cols"

// loadSession loads the request's session state (see state): the
// server-side session when the cookie names a live one, the visitor
// cookie otherwise. It ends a session bound to another SSO identity,
// makes sure there is a CSRF token, saves what changed before the
// response is written, and puts what the views need on the request
// context. A session store that does not answer is an error: nothing
// falls back to an anonymous visit.
func (h *handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		secure := h.isHTTPS(r)
		sess, err := h.Sessions.Get(r, session.CookieName(secure))
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		visitor, _ := h.Sessions.Visitors().Get(r, session.VisitorCookieName(secure)) // a bad cookie is a new visitor
		visitor.Options = session.VisitorOptions(secure)
		st := &state{visitor: visitor}
		if !sess.IsNew {
			st.sess = sess
		}
		c.Set(stateKey, st)
		_, viaHeader := c.Get(headerTokenKey).(string)
		who := identityOf(c).key()
		switch {
		case st.sess != nil && st.str(keySSO) != who:
			// A session belongs to the SSO identity that created it:
			// another identity ends it, before any API call.
			h.securityEvent(c, "session ended: SSO identity changed", "session of "+st.str(keySSO)+" used by "+who)
			if err := h.endSession(c); err != nil {
				return err
			}
			st.addFlash("warning", "Your SSO identity changed, so the previous dashboard session was ended. Sign in to Run:ai again.")
		case st.sess != nil && st.token() == "" && !viaHeader:
			// Nothing to keep: not signed in, not vouched for.
			if err := h.endSession(c); err != nil {
				return err
			}
		}
		if st.sess == nil && viaHeader {
			// The SSO proxy vouches for this admin with a token: a
			// server-side session for the CSRF token, flashes and jobs.
			st.sess = h.Sessions.Fresh(session.CookieName(secure))
			st.set(keySSO, who)
		}
		if st.csrf() == "" {
			st.set(keyCSRF, rand.Text())
		}
		c.Response().Before(func() { h.saveState(c, st) })
		vr := &views.Request{
			CSRF: maskToken(st.csrf()), BasePath: h.prefix(c), RequestID: requestIDOf(c), Demo: h.DemoClientID != "",
			Now: h.Now(), User: h.viewUser(c), SSO: identityOf(c).display(), Columns: columnsOf(c),
		}
		if h.Upstream != nil {
			if s := h.Upstream.Status(); s.Known && !s.Up {
				vr.RunaiDownSince = s.Since
			}
		}
		c.SetRequest(r.WithContext(views.WithRequest(r.Context(), vr)))
		return next(c)
	}
}

// saveState writes what changed in the request's session state, just
// before the response: the server-side session and the visitor cookie. A
// failure can only be logged by then; sign-in and sign-out save at once
// and report theirs.
func (h *handler) saveState(c echo.Context, st *state) {
	r, w := c.Request(), c.Response()
	if st.sess != nil && st.dirty {
		if err := h.Sessions.Save(r, w, st.sess); err != nil {
			h.Logger.Error("save session", "err", err, "request_id", requestIDOf(c))
		}
		st.dirty = false
	}
	if st.visDirty {
		if err := st.visitor.Save(r, w); err != nil {
			h.Logger.Error("save visitor cookie", "err", err, "request_id", requestIDOf(c))
		}
		st.visDirty = false
	}
}

// columnsOf returns this browser's chosen columns (nil before any choice).
func columnsOf(c echo.Context) listview.ColumnSet {
	ck, err := c.Cookie(ColumnsCookie)
	if err != nil {
		return nil
	}
	return listview.DecodeColumns(ck.Value)
}

// upstreamBudget gives the request's Run:ai calls one budget together,
// UpstreamTimeout: a change that timed out is not followed by a page read
// that waits as long again. Pages still render (render does not inherit
// the deadline).
func (h *handler) upstreamBudget(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if h.UpstreamTimeout <= 0 {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), h.UpstreamTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
