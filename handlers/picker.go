package handlers

import (
	"cmp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// picker is what a role-and-scope choice offers: the catalog's enabled
// roles by name, the scopes (completed by scopesFor), and why either part
// may be missing.
func (h *handler) picker(c echo.Context, cat runai.Catalog, scopes runai.Scopes) views.Picker {
	p := views.Picker{Scopes: scopes}
	for _, r := range cat.Roles {
		if r.Enabled {
			p.Roles = append(p.Roles, r)
		}
	}
	slices.SortFunc(p.Roles, func(a, b runai.Role) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	if cat.RolesErr != nil {
		p.RolesProblem = h.note(c, cat.RolesErr, action{verb: verbReadRoles})
	}
	if cat.ScopesErr != nil {
		p.ScopesProblem = h.note(c, cat.ScopesErr, action{verb: verbReadScopes})
	}
	return p
}

// accountPicker is the picker on an account's page.
func (h *handler) accountPicker(c echo.Context, a runai.ServiceAccount, rules []runai.AccessRule) views.Picker {
	cat := h.catalogOf(c)
	return h.picker(c, cat, scopesFor(cat, []runai.ServiceAccount{a}, slices.Values(rules)))
}

// createPicker is the create form's picker when the list is not at hand.
func (h *handler) createPicker(c echo.Context, tenantID string) views.Picker {
	cat := h.catalogOf(c)
	scopes := cat.Scopes
	if scopes.TenantID == "" {
		scopes.TenantID = tenantID
	}
	return h.picker(c, cat, scopes)
}
