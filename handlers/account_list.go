package handlers

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/views"
)

func (h *handler) listAccounts(c echo.Context) error {
	page, status, err := h.accountsPage(c, views.AccountsPage{})
	if err != nil {
		return err
	}
	return h.render(c, status, "Service accounts", views.AccountsView(page))
}

// accountsPage fills page with the current list. A failed list is shown
// in the page (the create form stays usable), except 401, returned so the
// user is sent to sign in.
func (h *handler) accountsPage(c echo.Context, page views.AccountsPage) (views.AccountsPage, int, error) {
	list, err := h.api.ListServiceAccounts(c.Request().Context(), h.tokenOf(c))
	if err != nil {
		if apiclient.IsUnauthorized(err) {
			return page, 0, err
		}
		status, p := h.problemFor(c, "load the service accounts", false, err)
		page.LoadError = &p
		h.log.Warn("list failed", "err", err, "request_id", requestIDOf(c))
		return page, status, nil
	}
	page.Accounts = toViews(list)
	return page, http.StatusOK, nil
}

// toViews converts API accounts to view models, sorted by name.
func toViews(list []apiclient.ServiceAccount) []views.Account {
	out := make([]views.Account, len(list))
	for i, a := range list {
		out[i] = toView(a)
	}
	slices.SortStableFunc(out, func(a, b views.Account) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

func toView(a apiclient.ServiceAccount) views.Account {
	return views.Account{
		ID: a.ID, Name: a.Name, ClientID: a.ClientID, CreatedBy: a.CreatedBy, TenantID: a.TenantID,
		Enabled: a.Enabled, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, LastLogin: a.LastLogin,
	}
}

// fetchAccount reads one account for display after a mutation; when that
// read fails the fallback is shown instead (the mutation itself succeeded).
func (h *handler) fetchAccount(ctx context.Context, token, id string, fallback views.Account) views.Account {
	a, err := h.api.GetServiceAccount(ctx, token, id)
	if err != nil {
		h.log.Warn("read after write failed", "id", id, "err", err)
		return fallback
	}
	return toView(a)
}

// subject names an account in messages: its name when known, else its id.
func subject(name, id string) string {
	if name != "" {
		return `"` + name + `"`
	}
	return "service account " + `"` + id + `"`
}
