package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/views"
)

// showScopePicker answers a new scope type with the scope list of that
// type, for the choice whose prefix the request names.
func (h *handler) showScopePicker(c echo.Context) error {
	prefix := c.QueryParam("prefix")
	if !slices.Contains(views.GrantPrefixes, prefix) {
		return echo.NewHTTPError(http.StatusNotFound, "unknown picker")
	}
	g := form.ParseGrant(c.QueryParams())
	if g.PickedType != "" && !g.PickedType.Offered() {
		g.PickedType = ""
	}
	cat := h.catalogOf(c)
	scopes := cat.Scopes
	if scopes.TenantID == "" {
		if all, err := h.accounts(c); err == nil {
			scopes = scopesFor(cat, all, nil)
		}
	}
	return h.render(c, http.StatusOK, "Scopes", views.ScopeField(views.GrantChoice{
		Prefix: prefix, Input: g, Picker: h.picker(c, cat, scopes), Optional: prefix == views.GrantCreate,
	}))
}
