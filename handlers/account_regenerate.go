package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

func (h *handler) confirmRegenerate(c echo.Context) error { return h.confirm(c, "regenerate") }

// regenerateSecret replaces an account's secret and shows the new one once.
func (h *handler) regenerateSecret(c echo.Context) error {
	id, err := accountID(c)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	ctx := c.Request().Context()
	token := h.tokenOf(c)
	secret, err := h.api.RegenerateSecret(ctx, token, id)
	if err != nil {
		h.audit(c, "regenerate-secret", id, name, err)
		return &actionError{action: "regenerate the secret of " + subject(name, id), accountID: id, mutation: true, err: err}
	}
	row := h.fetchAccount(ctx, token, id, views.Account{ID: id, Name: name})
	h.audit(c, "regenerate-secret", id, row.Name, nil)
	s := views.Secret{Name: row.Name, ClientID: row.ClientID, Value: secret.Reveal(), Regenerated: true, TokenURL: h.api.TokenURL()}
	if isHTMX(c) {
		var r *views.Account
		if row.ClientID != "" { // a real read, not the fallback
			r = &row
		}
		return h.render(c, http.StatusOK, "New secret", views.RegenerateResult(s, r))
	}
	page, _, err := h.accountsPage(c, views.AccountsPage{Secret: &s})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "New secret", views.AccountsView(page))
}
