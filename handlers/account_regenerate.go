package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// regenerateSecret replaces an account's secret and shows the new one
// once, with the row (its new updated time) under the list's view.
func (h *handler) regenerateSecret(c echo.Context) error {
	a, act, err := h.target(c, verbRegenerate)
	if err != nil {
		return err
	}
	secret, err := h.API.RegenerateSecret(c.Request().Context(), h.tokenOf(c), a.ID)
	h.audit(c, act, err)
	if err != nil {
		return &failure{act: act, err: err}
	}
	a.UpdatedAt = h.Now()
	s := views.Secret{Name: a.Name, ClientID: a.ClientID, Value: secret.Reveal(), Regenerated: true, TokenURL: h.API.TokenURL()}
	v := h.view(c)
	if hxOf(c).Partial() {
		if !h.fromList(c) { // the account's page: no row to update
			return h.render(c, http.StatusOK, "New secret", views.SecretPanel(s))
		}
		return h.render(c, http.StatusOK, "New secret", views.RegenerateResult(s, h.rowOf(c, v, a)))
	}
	// The secret is rendered into this response, never redirected.
	page, _, err := h.listPage(c, v, views.AccountsPage{Secret: &s}, true)
	if err != nil {
		p := h.problemOf(c, err, action{verb: verbList})
		page.LoadError = &p.Problem
	}
	return h.render(c, http.StatusOK, "New secret", views.AccountsView(page))
}
