package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/views"
)

// signedOutParam marks the sign-in page shown right after a sign-out.
const signedOutParam = "signed_out"

// showSignIn is the sign-in page, or the way back for someone signed in.
func (h *handler) showSignIn(c echo.Context) error {
	next := c.QueryParam(form.FieldNext)
	if h.tokenOf(c) != "" {
		return c.Redirect(http.StatusSeeOther, h.safeNext(c, next))
	}
	return h.render(c, http.StatusOK, "Sign in", views.SignInView(h.signInPage(c, views.SignInPage{Next: next})))
}

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

// signInFailed shows a failed attempt in the form it came from.
func (h *handler) signInFailed(c echo.Context, act action, err error, page views.SignInPage) error {
	return h.fail(c, act, err, func(p problem) (string, templ.Component) {
		page.Errors = p.fields
		if len(p.fields) == 0 {
			page.Problem = &p.Problem
		}
		return "Sign in", views.SignInView(h.signInPage(c, page))
	})
}
