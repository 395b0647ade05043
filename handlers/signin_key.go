package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// signInWithKey exchanges a client ID and secret for a token. The secret
// is used for that one call and dropped; it is never re-rendered.
func (h *handler) signInWithKey(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseSignInKey(values)
	act := action{verb: verbSignInKey}
	page := views.SignInPage{Next: f.Next, Key: f, Method: views.MethodKey}
	if errs := f.Validate(); len(errs) > 0 {
		return h.signInFailed(c, act, errs, page)
	}
	tok, err := h.API.ExchangeToken(c.Request().Context(), f.ClientID, runai.Secret(f.ClientSecret))
	if err != nil {
		return h.signInFailed(c, act, err, page)
	}
	return h.startSession(c, tok.AccessToken.Reveal(), tok.ExpiresAt, f.Next)
}
