package handlers

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/listview"
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

const requestIDKey = "request_id"

// requestID accepts a well-formed X-Request-ID or makes one, echoes it,
// and sends it upstream with every API call of the request.
func (h *handler) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id := r.Header.Get("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			id = strings.ToLower(rand.Text()[:16])
		}
		c.Response().Header().Set("X-Request-ID", id)
		c.Set(requestIDKey, id)
		c.SetRequest(r.WithContext(apiclient.ContextWithRequestID(r.Context(), id)))
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
		h.Logger.LogAttrs(c.Request().Context(), level, "request",
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.EscapedPath()),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.String("ip", c.RealIP()),
			slog.String("request_id", requestIDOf(c)),
		)
		return nil
	}
}

// columnsCookie remembers a browser's visible columns (not a secret, not
// tied to the session: it outlives sign-out on purpose). Only the POST of
// the column chooser writes it.
const columnsCookie = "runai-sa-cols"

// loadSession loads the session, makes sure it has a CSRF token, saves it
// before the response is written when it changed, and puts what the views
// need on the request context.
func (h *handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sess, err := h.Sessions.Get(r, session.CookieName(h.isHTTPS(r)))
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		st := &state{sess: sess}
		// A session belongs to the SSO identity that created it: another
		// identity ends it, before any API call.
		if who := identityOf(c).key(); st.str(keySSO) != who {
			if !sess.IsNew {
				h.securityEvent(c, "session ended: SSO identity changed", "session of "+st.str(keySSO)+" used by "+who)
				h.Sessions.Renew(sess)
				clear(sess.Values)
				st.addFlash("warning", "Your SSO identity changed, so the previous dashboard session was ended. Sign in to Run:ai again.")
			}
			st.set(keySSO, who)
		}
		if st.csrf() == "" {
			st.set(keyCSRF, rand.Text())
		}
		c.Response().Before(func() {
			if st.dirty {
				if err := h.Sessions.Save(r, c.Response(), sess); err != nil {
					h.Logger.Error("save session", "err", err, "request_id", requestIDOf(c))
				}
			}
		})
		c.Set(stateKey, st)
		vr := &views.Request{
			CSRF: maskToken(st.csrf()), BasePath: h.prefix(c), RequestID: requestIDOf(c), Demo: h.DemoClientID != "",
			Now: h.Now(), User: h.viewUser(c), SSO: identityOf(c).display(), Columns: columnsOf(c),
		}
		c.SetRequest(r.WithContext(views.WithRequest(r.Context(), vr)))
		return next(c)
	}
}

// columnsOf returns this browser's chosen columns (nil before any choice).
func columnsOf(c echo.Context) listview.ColumnSet {
	ck, err := c.Cookie(columnsCookie)
	if err != nil {
		return nil
	}
	return listview.DecodeColumns(ck.Value)
}
