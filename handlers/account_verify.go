package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/views"
)

// verifyCredentials exchanges freshly shown credentials for a token to
// prove they work. The token is dropped unseen; the secret arrived in this
// request's body and is not kept.
func (h *handler) verifyCredentials(c echo.Context) error {
	clientID := strings.TrimSpace(c.FormValue("client_id"))
	secret := c.FormValue("client_secret")
	var v views.Verify
	if clientID == "" || secret == "" {
		v.Message = "Nothing to verify: the client ID or secret is missing."
	} else if tok, err := h.api.ExchangeToken(c.Request().Context(), clientID, apiclient.Secret(secret)); err != nil {
		var reason string
		var ae *apiclient.Error
		if errors.As(err, &ae) {
			reason = ae.UserMessage()
		} else {
			_, p := h.problemFor(c, "verify the credentials", false, err)
			reason = p.Detail
		}
		v.Message = "Not verified: Run:ai refused to issue a token for these credentials (" + reason + ")."
	} else {
		v.OK = true
		v.Message = "Verified: Run:ai issued a token for these credentials."
		if !tok.ExpiresAt.IsZero() {
			v.Message = "Verified: Run:ai issued a token for these credentials, valid until " + views.Absolute(tok.ExpiresAt) + "."
		}
	}
	h.log.Info("credentials verified", "client_id", clientID, "ok", v.OK, "request_id", requestIDOf(c))
	return h.render(c, http.StatusOK, "Verify credentials", views.VerifyResult(v))
}
