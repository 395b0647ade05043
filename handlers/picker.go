package handlers

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// picker is what a role-and-scope choice offers: the catalog's enabled
// roles by name, the scopes (completed by scopesFor), and why either part
// may be missing.
func (h *handler) picker(c echo.Context, cat catalog, scopes runai.Scopes) views.Picker {
	p := views.Picker{Scopes: scopes}
	for _, r := range cat.Roles {
		if r.Enabled {
			p.Roles = append(p.Roles, r)
		}
	}
	slices.SortFunc(p.Roles, func(a, b runai.Role) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	if cat.RolesErr != nil && !errors.Is(cat.RolesErr, context.Canceled) {
		pr := h.problemOf(c, cat.RolesErr, action{verb: verbReadRoles})
		p.RolesProblem = pr.Detail + " " + pr.Next
	}
	if cat.ScopesErr != nil && !errors.Is(cat.ScopesErr, context.Canceled) {
		pr := h.problemOf(c, cat.ScopesErr, action{verb: verbReadScopes})
		p.ScopesProblem = pr.Detail + " " + pr.Next
	}
	return p
}

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
		if all, err := h.listAll(c); err == nil {
			scopes = h.scopesFor(cat, all, nil)
		}
	}
	p := h.picker(c, cat, scopes)
	return h.render(c, http.StatusOK, "Scopes", views.ScopeField(views.GrantChoice{
		Prefix: prefix, Input: g, Picker: p, Optional: prefix == views.GrantCreate,
	}))
}

// checkGrant checks a chosen grant against the catalog: the role and the
// scope must exist (when the token may list them), and the account must
// not have it already. It returns the scope's cluster and the rule's
// label, or the fields at fault.
func checkGrant(g form.Grant, cat catalog, scopes runai.Scopes, have []runai.AccessRule) (cluster, label string, errs form.Errors) {
	errs = g.Validate()
	if errs != nil {
		return "", "", errs
	}
	role := "role " + strconv.Itoa(g.RoleID)
	if cat.RolesErr == nil {
		r, ok := cat.role(g.RoleID)
		if !ok || !r.Enabled {
			return "", "", form.Errors{form.FieldRole: "That role does not exist (any more): choose another."}
		}
		role = r.Name
	}
	path := string(g.ScopeType) + " " + g.ScopeID
	if sc, ok := scopes.Find(g.ScopeType, g.ScopeID); ok {
		cluster, path = sc.ClusterID, sc.Path
	} else if cat.ScopesErr == nil && g.ScopeType != runai.ScopeTenant {
		return "", "", form.Errors{form.FieldScope: "That scope does not exist (any more): choose another."}
	}
	label = runai.AccessRule{RoleName: role, ScopePath: path}.Label()
	for _, r := range have {
		if r.Grant() == g.Grant() {
			return "", "", form.Errors{form.FieldScope: "The account already has " + label + "."}
		}
	}
	return cluster, label, nil
}

// accountPicker is the picker on an account's page.
func (h *handler) accountPicker(c echo.Context, a runai.ServiceAccount, rules []runai.AccessRule) views.Picker {
	cat := h.catalogOf(c)
	return h.picker(c, cat, h.scopesFor(cat, []runai.ServiceAccount{a}, slices.Values(rules)))
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
