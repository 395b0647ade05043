package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

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
		if exp := st.expires(); !exp.IsZero() && !h.Now().Before(exp) {
			return h.toSignIn(c, "Your Run:ai token has expired. Sign in again to continue.")
		}
		return next(c)
	}
}

// toSignIn ends the session (on every replica) and redirects to the
// sign-in page with a return path; HTMX requests get HX-Redirect.
func (h *handler) toSignIn(c echo.Context, notice string) error {
	st := stateOf(c)
	if st.token() != "" {
		if err := h.endSession(c); err != nil {
			return err
		}
	}
	if notice != "" {
		st.addFlash("info", notice)
	}
	target := h.link(c, paths.SignIn.Link())
	if next := h.returnPath(c); next != h.link(c, paths.Accounts.Link()) {
		target += "?" + url.Values{"next": {next}}.Encode()
	}
	if hxOf(c).Partial() {
		htmx.Response{Redirect: target}.Apply(c.Response().Header())
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// returnPath is where to come back to after signing in or after an
// action without JavaScript: the current page for a GET, else the page the
// request was made from, if local.
func (h *handler) returnPath(c echo.Context) string {
	r := c.Request()
	switch hx := hxOf(c); {
	case hx.Partial():
		if hx.CurrentURL != "" {
			return h.safeNext(c, localPart(hx.CurrentURL, h.origin(r)))
		}
	case r.Method == http.MethodGet:
		// Routes match the path without a proxy-stripped prefix; links
		// carry it.
		return h.safeNext(c, strings.TrimSuffix(h.prefix(c), h.BasePath)+r.URL.RequestURI())
	default:
		if ref := r.Referer(); ref != "" {
			return h.safeNext(c, localPart(ref, h.origin(r)))
		}
	}
	return h.link(c, paths.Accounts.Link())
}

// localPart returns the path and query of u when u is on origin.
func localPart(u, origin string) string {
	rest, ok := strings.CutPrefix(u, origin)
	if !ok || (rest != "" && rest[0] != '/') {
		return ""
	}
	return rest
}

// safeNext accepts a return path only when it is a local path under the
// base path; anything else (other hosts, scheme-relative //host, back
// slashes, control characters) gives the accounts page.
func (h *handler) safeNext(c echo.Context, p string) string {
	base := h.prefix(c)
	def := h.link(c, paths.Accounts.Link())
	if p == "" || len(p) > 2048 || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\\x00\r\n\t") {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return def
	}
	if base != "" && u.Path != base && !strings.HasPrefix(u.Path, base+"/") {
		return def
	}
	if strings.HasPrefix(u.Path, h.link(c, paths.SignIn.Link())) || strings.HasPrefix(u.Path, h.link(c, paths.SignOut.Link())) {
		return def
	}
	return p
}

// tokenOf is the Run:ai token for this request's API calls: the proxy's
// token header when so configured, else the one stored at sign-in.
func (h *handler) tokenOf(c echo.Context) string {
	if t, ok := c.Get(headerTokenKey).(string); ok && t != "" {
		return t
	}
	return stateOf(c).token()
}

// viewUser is the signed-in user for the page header, nil if signed out.
func (h *handler) viewUser(c echo.Context) *views.User {
	tok := h.tokenOf(c)
	if tok == "" {
		return nil
	}
	u := &views.User{}
	if _, viaHeader := c.Get(headerTokenKey).(string); viaHeader {
		u.ViaProxy = true
		u.Name, _, u.Expires = tokenClaims(tok)
		return u
	}
	st := stateOf(c)
	u.Name, u.Expires = st.str(keyUser), st.expires()
	return u
}

// startSession stores the token in a new server-side session (a new id,
// whatever came before) and goes to next. The session is saved at once: a
// store that refuses it (full, or Redis down) fails the sign-in.
func (h *handler) startSession(c echo.Context, token string, exp time.Time, next string) error {
	st := stateOf(c)
	r := c.Request()
	if err := h.endSession(c); err != nil {
		return err
	}
	name, sub, jwtExp := tokenClaims(token)
	if exp.IsZero() || (!jwtExp.IsZero() && jwtExp.Before(exp)) {
		exp = jwtExp
	}
	st.signIn(h.Sessions.Fresh(session.CookieName(h.isHTTPS(r))), identityOf(c).key(), token, name, sub, exp)
	msg := "Signed in."
	if name != "" {
		msg = "Signed in as " + name + "."
	}
	st.addFlash("success", msg)
	h.reportSignedOutJobs(c)
	if err := h.Sessions.Save(r, c.Response(), st.sess); err != nil {
		st.sess = nil
		return fmt.Errorf("start session: %w", err)
	}
	st.dirty = false
	// The visitor cookie has served its purpose.
	st.visitor.Options.MaxAge = -1
	st.visDirty = true
	h.Logger.Info("signed in", "user", name, "subject", sub, "sso", identityOf(c).display(), "ip", c.RealIP(),
		"session", session.HashID(st.id()), "request_id", requestIDOf(c))
	return c.Redirect(http.StatusSeeOther, h.safeNext(c, next))
}

// endSession ends the request's server-side session, in the store (for
// every replica) and in the browser; what follows in the request (a
// flash) goes to the visitor cookie.
func (h *handler) endSession(c echo.Context) error {
	st := stateOf(c)
	if st.sess == nil {
		return nil
	}
	// The session's token may not be used once it has ended: its bulk
	// jobs stop, on every replica, before their next call.
	if err := h.Jobs.StopSession(c.Request().Context(), h.jobOwner(c), session.HashID(st.id())); err != nil {
		h.Logger.Warn("the session's bulk jobs were not told to stop (they stop here; other replicas hear it when the store answers)", "err", err, "request_id", requestIDOf(c))
	}
	h.lists.Delete(st.id())
	st.sess.Options.MaxAge = -1
	err := h.Sessions.Save(c.Request(), c.Response(), st.sess)
	st.sess, st.dirty = nil, false
	if err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// tokenClaims reads who the token belongs to, its subject and when it
// expires, for display and the audit log only: the signature is not (and
// cannot be) checked here; the Run:ai API checks it on every call.
func tokenClaims(token string) (name, sub string, exp time.Time) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return "", "", time.Time{}
	}
	sub, _ = claims["sub"].(string)
	for _, k := range []string{"email", "preferred_username", "sub"} {
		if s, ok := claims[k].(string); ok && s != "" {
			name = s
			break
		}
	}
	if e, err := claims.GetExpirationTime(); err == nil && e != nil {
		exp = e.Time
	}
	return name, sub, exp
}
