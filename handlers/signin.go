package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/views"
)

// maxTokenLen bounds a pasted token (Run:ai JWTs reach about 8 KiB).
const maxTokenLen = 16 << 10

// probeID is a well-formed id that no account has: GET of it answers 404
// for a valid token and 401 for an invalid one, and costs the control
// plane far less than a full list.
const probeID = "00000000-0000-0000-0000-000000000000"

func (h *handler) signInPage(c echo.Context, p views.SignInPage) views.SignInPage {
	p.Next = h.safeNext(c, p.Next)
	p.Demo = h.demo
	if c.QueryParam("signed_out") == "1" && p.Error == nil {
		p.Notice = "You have signed out. The session was ended on the server."
	}
	return p
}

func (h *handler) showSignIn(c echo.Context) error {
	if h.tokenOf(c) != "" {
		return c.Redirect(http.StatusSeeOther, h.safeNext(c, c.QueryParam("next")))
	}
	return h.render(c, http.StatusOK, "Sign in", views.SignInView(h.signInPage(c, views.SignInPage{Next: c.QueryParam("next")})))
}

// signInWithKey exchanges a client ID and secret for a token. The secret
// is used for that one call and dropped; it is never re-rendered.
func (h *handler) signInWithKey(c echo.Context) error {
	clientID := strings.TrimSpace(c.FormValue("client_id"))
	secret := c.FormValue("client_secret")
	page := views.SignInPage{Next: c.FormValue("next"), ClientID: clientID, Method: "key"}
	if clientID == "" || secret == "" {
		page.Error = &views.Problem{Title: "Enter both the client ID and the client secret."}
		return h.render(c, http.StatusUnprocessableEntity, "Sign in", views.SignInView(h.signInPage(c, page)))
	}
	tok, err := h.api.ExchangeToken(c.Request().Context(), clientID, apiclient.Secret(secret))
	if err != nil {
		status, p := h.signInProblem(c, err, "These credentials were not accepted.",
			"Check the client ID and the client secret. A disabled or deleted access key, or a secret that was regenerated, no longer works.")
		page.Error = &p
		h.securityEvent(c, "sign-in failed", "access key: "+p.Detail)
		return h.render(c, status, "Sign in", views.SignInView(h.signInPage(c, page)))
	}
	exp := tok.ExpiresAt
	return h.startSession(c, tok.AccessToken.Reveal(), exp, page.Next)
}

// signInWithToken accepts a pasted bearer token after one API call proves
// it works.
func (h *handler) signInWithToken(c echo.Context) error {
	token := strings.TrimSpace(c.FormValue("token"))
	if t, ok := strings.CutPrefix(token, "Bearer "); ok {
		token = strings.TrimSpace(t)
	}
	page := views.SignInPage{Next: c.FormValue("next"), Method: "token"}
	fail := func(status int, p views.Problem) error {
		page.Error = &p
		return h.render(c, status, "Sign in", views.SignInView(h.signInPage(c, page)))
	}
	switch {
	case token == "":
		return fail(http.StatusUnprocessableEntity, views.Problem{Title: "Paste a Run:ai API token."})
	case len(token) > maxTokenLen || strings.ContainsAny(token, " \t\r\n"):
		return fail(http.StatusUnprocessableEntity, views.Problem{
			Title: "This does not look like a Run:ai API token.",
			Next:  "Paste the token alone, without spaces or line breaks (at most 16 KiB).",
		})
	}
	_, _, exp := tokenClaims(token)
	if !exp.IsZero() && !h.now().Before(exp) {
		return fail(http.StatusUnprocessableEntity, views.Problem{
			Title:  "This token has expired.",
			Detail: "It expired " + views.Absolute(exp) + ".",
			Next:   "Get a new token, or sign in with an access key.",
		})
	}
	_, err := h.api.GetServiceAccount(c.Request().Context(), token, probeID)
	// Any answer past authentication proves the token: the probe account
	// does not exist (404), the caller may not read accounts (403), or the
	// control plane dislikes the id (400).
	if st := apiclient.StatusCode(err); err != nil && st != http.StatusNotFound && st != http.StatusForbidden && st != http.StatusBadRequest {
		status, p := h.signInProblem(c, err, "This token was not accepted.",
			"It may have expired or been revoked. Get a new token, or sign in with an access key.")
		h.securityEvent(c, "sign-in failed", "token: "+p.Detail)
		return fail(status, p)
	}
	return h.startSession(c, token, exp, page.Next)
}

// signInProblem explains a failed sign-in.
func (h *handler) signInProblem(c echo.Context, err error, rejected, next string) (int, views.Problem) {
	if s := apiclient.StatusCode(err); s >= 400 && s < 500 {
		p := views.Problem{Title: rejected, Next: next}
		var ae *apiclient.Error
		if errors.As(err, &ae) && ae.Message != "" {
			p.Detail = "Run:ai said: " + ae.Message
		}
		return http.StatusUnauthorized, p
	}
	status, p := h.problemFor(c, "sign in", false, err)
	p.Title = "Could not sign in"
	p.RefreshURL = ""
	return status, p
}

// startSession stores the token under a new session id and goes to next.
func (h *handler) startSession(c echo.Context, token string, exp time.Time, next string) error {
	st := stateOf(c)
	h.sessions.Renew(st.sess)
	name, sub, jwtExp := tokenClaims(token)
	if exp.IsZero() || (!jwtExp.IsZero() && jwtExp.Before(exp)) {
		exp = jwtExp
	}
	st.signIn(identityOf(c).key(), token, name, sub, exp)
	msg := "Signed in."
	if name != "" {
		msg = "Signed in as " + name + "."
	}
	h.log.Info("signed in", "user", name, "subject", sub, "sso", identityOf(c).display(), "ip", c.RealIP(), "request_id", requestIDOf(c))
	return h.redirectWithFlash(c, "success", msg, h.safeNext(c, next))
}

// signOut ends the session on the server and in the browser.
func (h *handler) signOut(c echo.Context) error {
	st := stateOf(c)
	h.log.Info("signed out", "user", st.str(keyUser), "request_id", requestIDOf(c))
	clear(st.sess.Values)
	st.sess.Options.MaxAge = -1
	st.dirty = true
	c.Response().Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	return c.Redirect(http.StatusSeeOther, h.link(c, "/signin?signed_out=1"))
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
