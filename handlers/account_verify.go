package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// verifyCredentials exchanges freshly shown credentials for a token to
// prove they work. The token is dropped unseen; the secret arrived in this
// request's body and is not kept. Its answer is a verdict in place, "yes"
// or "no and why", never an error page.
func (h *handler) verifyCredentials(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseVerify(values)
	act := action{verb: verbVerify}
	verdict := func(p problem) (string, templ.Component) {
		msg := p.Title + ": " + p.Detail
		if len(p.fields) > 0 {
			msg = p.fields[form.FieldClientSecret]
		} else if p.Next != "" {
			msg += " " + p.Next
		}
		return "Verify credentials", views.VerifyResult(views.Verify{Message: msg})
	}
	if errs := f.Validate(); errs != nil {
		return h.fail(c, act, errs, verdict)
	}
	tok, err := h.API.ExchangeToken(c.Request().Context(), f.ClientID, runai.Secret(f.ClientSecret))
	h.Logger.Info("credentials verified", "client_id", f.ClientID, "ok", err == nil, "request_id", requestIDOf(c))
	if err != nil {
		return h.fail(c, act, err, verdict)
	}
	v := views.Verify{OK: true, Message: "Verified: Run:ai issued a token for these credentials."}
	if !tok.ExpiresAt.IsZero() {
		v.Message = "Verified: Run:ai issued a token for these credentials, valid until " + views.Absolute(tok.ExpiresAt) + "."
	}
	return h.render(c, http.StatusOK, "Verify credentials", views.VerifyResult(v))
}
