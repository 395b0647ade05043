package handlers

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
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

// ipExtractor trusts X-Forwarded-For only from the configured proxies.
func (h *handler) ipExtractor() echo.IPExtractor {
	if len(h.trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range h.trusted {
		_, n, err := net.ParseCIDR(p.String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// fromTrustedProxy reports whether the TCP peer is a configured proxy.
func (h *handler) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range h.trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// isHTTPS reports whether the browser reached us over HTTPS, directly or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (h *handler) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if h.public != nil && h.public.Scheme == "https" {
		return true
	}
	return h.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// origin is the origin state-changing requests must come from.
func (h *handler) origin(r *http.Request) string {
	if h.public != nil {
		return h.public.Scheme + "://" + h.public.Host
	}
	scheme := "http"
	if h.isHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

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

const requestIDKey = "request_id"

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
		if h.metrics != nil {
			route := c.Path()
			if route == "" || route == "/*" {
				route = "unmatched"
			}
			h.metrics.ObserveRequest(route, c.Request().Method, status, time.Since(start))
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		h.log.LogAttrs(c.Request().Context(), level, "request",
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

// loadSession loads the session, makes sure it has a CSRF token, saves it
// before the response is written when it changed, and puts what the views
// need on the request context.
func (h *handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		sess, err := h.sessions.Get(r, session.CookieName(h.isHTTPS(r)))
		if err != nil {
			return fmt.Errorf("load session: %w", err)
		}
		st := &state{sess: sess}
		// A session belongs to the SSO identity that created it: another
		// identity ends it, before any API call.
		if who := identityOf(c).key(); st.str(keySSO) != who {
			if !sess.IsNew {
				h.securityEvent(c, "session ended: SSO identity changed", "session of "+st.str(keySSO)+" used by "+who)
				h.sessions.Renew(sess)
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
				if err := h.sessions.Save(r, c.Response(), sess); err != nil {
					h.log.Error("save session", "err", err, "request_id", requestIDOf(c))
				}
			}
		})
		c.Set(stateKey, st)
		vr := &views.Request{
			CSRF: maskToken(st.csrf()), BasePath: h.prefix(c), RequestID: requestIDOf(c), Demo: h.demo != nil, Now: h.now(),
			User: h.viewUser(c), SSO: identityOf(c).display(), Columns: h.columns(c),
		}
		c.SetRequest(r.WithContext(views.WithRequest(r.Context(), vr)))
		return next(c)
	}
}

// errCSRF is returned when a state-changing request fails the CSRF check.
type errCSRF struct{ reason string }

func (e *errCSRF) Error() string { return "csrf check failed: " + e.reason }

// checkCSRF guards every unsafe method: the request must come from this
// site (Sec-Fetch-Site, Origin against the public origin) and carry the
// session's synchronizer token in the X-CSRF-Token header or _csrf field.
func (h *handler) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" {
			return &errCSRF{reason: "Sec-Fetch-Site is " + sfs}
		}
		if o := r.Header.Get("Origin"); o != "" && o != h.origin(r) {
			return &errCSRF{reason: "Origin " + o + " is not " + h.origin(r)}
		}
		want := stateOf(c).csrf()
		got := r.Header.Get("X-CSRF-Token")
		if got == "" {
			got = c.FormValue("_csrf")
		}
		if got == "" {
			return &errCSRF{reason: "no token"}
		}
		if !tokenMatches(got, want) {
			return &errCSRF{reason: "token mismatch"}
		}
		return next(c)
	}
}

// requireAuth sends visitors without a live Run:ai token to sign in, and
// brings them back afterwards.
func (h *handler) requireAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := stateOf(c)
		if h.tokenOf(c) == "" {
			return h.toSignIn(c, "")
		}
		if _, viaHeader := c.Get(headerTokenKey).(string); viaHeader {
			return next(c) // the proxy keeps its token fresh
		}
		if exp := st.expires(); !exp.IsZero() && !h.now().Before(exp) {
			return h.toSignIn(c, "Your Run:ai token has expired. Sign in again to continue.")
		}
		return next(c)
	}
}

// toSignIn ends the signed-in part of the session and redirects to the
// sign-in page with a return path; HTMX requests get HX-Redirect.
func (h *handler) toSignIn(c echo.Context, notice string) error {
	st := stateOf(c)
	if st.token() != "" {
		st.clearAuth()
	}
	if notice != "" {
		st.addFlash("info", notice)
	}
	target := h.link(c, "/signin")
	if next := h.returnPath(c); next != h.link(c, "/accounts") {
		target += "?next=" + url.QueryEscape(next)
	}
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// returnPath is where to come back to after signing in or after an
// action without JavaScript: the current page for a GET, else the page the
// request was made from, if local.
func (h *handler) returnPath(c echo.Context) string {
	r := c.Request()
	switch {
	case isHTMX(c):
		if u := r.Header.Get("HX-Current-URL"); u != "" {
			return h.safeNext(c, localPart(u, h.origin(r)))
		}
	case r.Method == http.MethodGet:
		// Routes match the path without a proxy-stripped prefix; links
		// carry it.
		return h.safeNext(c, strings.TrimSuffix(h.prefix(c), h.base)+r.URL.RequestURI())
	default:
		if ref := r.Referer(); ref != "" {
			return h.safeNext(c, localPart(ref, h.origin(r)))
		}
	}
	return h.link(c, "/accounts")
}

// localPart returns the path and query of u when u is on origin.
func localPart(u, origin string) string {
	rest, ok := strings.CutPrefix(u, origin)
	if !ok || (rest != "" && rest[0] != '/') {
		return ""
	}
	return rest
}
