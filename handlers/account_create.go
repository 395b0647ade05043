package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/saname"
	"github.com/runai-tools/sa-dashboard/views"
)

// createAccount creates an account and shows its secret once. Failures
// re-render the form with the typed name and the reason.
func (h *handler) createAccount(c echo.Context) error {
	form := views.CreateForm{Name: strings.TrimSpace(c.FormValue("name"))}
	if err := saname.Validate(form.Name); err != nil {
		form.Error = "Invalid name: " + err.Error() + "."
		return h.renderCreateForm(c, http.StatusUnprocessableEntity, form)
	}
	ctx := c.Request().Context()
	token := h.tokenOf(c)
	cr, err := h.api.CreateServiceAccount(ctx, token, form.Name)
	h.audit(c, "create", cr.ID, form.Name, err)
	if err != nil {
		if apiclient.IsUnauthorized(err) {
			return err
		}
		status, p := h.problemFor(c, "create "+subject(form.Name, ""), true, err)
		switch {
		case apiclient.IsConflict(err):
			form.Error = `The name "` + form.Name + `" is already taken. Choose another name.`
		case apiclient.IsBadRequest(err):
			form.Error = p.Detail + "."
		default:
			form.Error = p.Detail + " " + p.Next
		}
		return h.renderCreateForm(c, status, form)
	}

	row := h.fetchAccount(ctx, token, cr.ID, views.Account{
		ID: cr.ID, Name: cr.Name, ClientID: cr.ClientID, Enabled: true, CreatedAt: h.now(), UpdatedAt: h.now(),
	})
	secret := views.Secret{Name: cr.Name, ClientID: row.ClientID, Value: cr.ClientSecret.Reveal(), TokenURL: h.api.TokenURL()}
	if isHTMX(c) {
		return h.render(c, http.StatusOK, "Service accounts", views.CreateResult(secret, row))
	}
	// Without JavaScript the secret is rendered into this response: it may
	// not travel through a redirect (no secret in the session or a URL).
	page, status, err := h.accountsPage(c, views.AccountsPage{Secret: &secret})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		status = http.StatusOK // the create worked; the list failure is shown in the page
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}

// renderCreateForm answers a failed create: the form alone for HTMX, the
// whole page otherwise, with the input kept.
func (h *handler) renderCreateForm(c echo.Context, status int, form views.CreateForm) error {
	if isHTMX(c) {
		return h.render(c, status, "Service accounts", views.CreateSection(form))
	}
	page, _, err := h.accountsPage(c, views.AccountsPage{Create: form})
	if err != nil {
		return err
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}
