package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/views"
)

// probeID is a well-formed id that no account has: GET of it answers 404
// for a valid token and 401 for an invalid one, and costs the control
// plane far less than a full list.
const probeID = "00000000-0000-0000-0000-000000000000"

// signInWithToken accepts a pasted bearer token after one API call proves
// it works.
func (h *handler) signInWithToken(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseSignInToken(values)
	act := action{verb: verbSignInToken}
	page := views.SignInPage{Next: f.Next, Method: views.MethodToken}
	if errs := f.Validate(); len(errs) > 0 {
		return h.signInFailed(c, act, errs, page)
	}
	_, _, exp := tokenClaims(f.Token)
	if !exp.IsZero() && !h.Now().Before(exp) {
		return h.signInFailed(c, act, form.Errors{form.FieldToken: "This token has expired: it expired " +
			views.Absolute(exp) + ". Get a new token, or sign in with an access key."}, page)
	}
	_, err = h.API.GetServiceAccount(c.Request().Context(), f.Token, probeID)
	// Any answer past authentication proves the token: the probe account
	// does not exist (404), the caller may not read accounts (403), or the
	// control plane dislikes the id (400).
	if st := apiclient.StatusCode(err); err != nil && st != http.StatusNotFound && st != http.StatusForbidden && st != http.StatusBadRequest {
		return h.signInFailed(c, act, err, page)
	}
	return h.startSession(c, f.Token, exp, f.Next)
}
