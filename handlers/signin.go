package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// probeID is a well-formed id that no account has: GET of it answers 404
// for a valid token and 401 for an invalid one, and costs the control
// plane far less than a full list.
const probeID = "00000000-0000-0000-0000-000000000000"

// signedOutParam marks the sign-in page shown right after a sign-out.
const signedOutParam = "signed_out"

// signInPage completes the sign-in page model for this request.
func (h *handler) signInPage(c echo.Context, p views.SignInPage) views.SignInPage {
	p.Next = h.safeNext(c, p.Next)
	p.Key.ClientSecret = "" // never rendered back
	if h.DemoClientID != "" {
		p.Demo = &views.DemoHint{ClientID: h.DemoClientID}
	}
	if c.QueryParam(signedOutParam) == "1" && p.Problem == nil && p.Errors == nil {
		p.Notice = "You have signed out. The session was ended on the server."
	}
	return p
}

// showSignIn is the sign-in page, or the way back for someone signed in.
func (h *handler) showSignIn(c echo.Context) error {
	next := c.QueryParam(form.FieldNext)
	if h.tokenOf(c) != "" {
		return c.Redirect(http.StatusSeeOther, h.safeNext(c, next))
	}
	return h.render(c, http.StatusOK, "Sign in", views.SignInView(h.signInPage(c, views.SignInPage{Next: next})))
}

// showSignInFailure shows a failed attempt in the form it came from.
func (h *handler) showSignInFailure(c echo.Context, page views.SignInPage) func(problem) error {
	return func(p problem) error {
		page.Errors = p.fields
		if len(p.fields) == 0 {
			page.Problem = &p.Problem
		}
		return h.render(c, p.status, "Sign in", views.SignInView(h.signInPage(c, page)))
	}
}

// signInWithKey exchanges a client ID and secret for a token. The secret
// is used for that one call and dropped; it is never re-rendered.
func (h *handler) signInWithKey(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseSignInKey(values)
	act := action{verb: verbSignInKey}
	show := h.showSignInFailure(c, views.SignInPage{Next: f.Next, Key: f, Method: views.MethodKey})
	if errs := f.Validate(); len(errs) > 0 {
		return &failure{act: act, err: errs, show: show}
	}
	tok, err := h.API.ExchangeToken(c.Request().Context(), f.ClientID, runai.Secret(f.ClientSecret))
	if err != nil {
		return &failure{act: act, err: err, show: show}
	}
	return h.startSession(c, tok.AccessToken.Reveal(), tok.ExpiresAt, f.Next)
}

// signInWithToken accepts a pasted bearer token after one API call proves
// it works.
func (h *handler) signInWithToken(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseSignInToken(values)
	act := action{verb: verbSignInToken}
	show := h.showSignInFailure(c, views.SignInPage{Next: f.Next, Method: views.MethodToken})
	if errs := f.Validate(); len(errs) > 0 {
		return &failure{act: act, err: errs, show: show}
	}
	_, _, exp := tokenClaims(f.Token)
	if !exp.IsZero() && !h.Now().Before(exp) {
		return &failure{act: act, show: show, err: form.Errors{form.FieldToken: "This token has expired: it expired " +
			views.Absolute(exp) + ". Get a new token, or sign in with an access key."}}
	}
	_, err = h.API.GetServiceAccount(c.Request().Context(), f.Token, probeID)
	// Any answer past authentication proves the token: the probe account
	// does not exist (404), the caller may not read accounts (403), or the
	// control plane dislikes the id (400).
	if st := apiclient.StatusCode(err); err != nil && st != http.StatusNotFound && st != http.StatusForbidden && st != http.StatusBadRequest {
		return &failure{act: act, err: err, show: show}
	}
	return h.startSession(c, f.Token, exp, f.Next)
}

// signOut ends the session on the server and in the browser.
func (h *handler) signOut(c echo.Context) error {
	st := stateOf(c)
	h.Logger.Info("signed out", "user", st.str(keyUser), "session", session.HashID(st.id()), "request_id", requestIDOf(c))
	if err := h.endSession(c); err != nil {
		return err
	}
	c.Response().Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.SignIn.Link().RawQuery(signedOutParam+"=1")))
}
