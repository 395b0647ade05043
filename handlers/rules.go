package handlers

import (
	"context"

	"iter"
	"net/http"
	"slices"
	"strconv"

	"github.com/a-h/templ"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the access-rule actions share: granting a rule, reading the rule
// a path names, and the scopes rules are drawn and checked against.

// scopesFor completes the catalog's scopes with what other reads tell:
// the tenant id (on every account) and name (on tenant rules).
func scopesFor(cat runai.Catalog, accounts []runai.ServiceAccount, rules iter.Seq[runai.AccessRule]) runai.Scopes {
	s := cat.Scopes
	if s.TenantID == "" && len(accounts) > 0 {
		s.TenantID = accounts[0].TenantID
	}
	if rules == nil {
		return s
	}
	for r := range rules {
		if r.ScopeType == runai.ScopeTenant && r.ScopeName != "" {
			s.TenantName = r.ScopeName
			break
		}
	}
	return s
}

// grant creates one rule for a as the request's actor: see grantAs.
func (h *handler) grant(c echo.Context, act action, a runai.ServiceAccount, g runai.Grant, cluster string) (views.RuleOutcome, error) {
	return h.grantAs(c.Request().Context(), h.actorOf(c), act, a, g, cluster)
}

// grantAs creates one rule for a (act names it, for the audit line). A 409
// is not a failure: the account already has the rule.
func (h *handler) grantAs(ctx context.Context, who actor, act action, a runai.ServiceAccount, g runai.Grant, cluster string) (views.RuleOutcome, error) {
	done := h.beginAs(ctx, who, act)
	created, err := h.API.CreateAccessRule(ctx, who.token, runai.NewAccessRule{
		SubjectID: h.RuleSubject.Of(a), RoleID: g.RoleID, ScopeType: g.ScopeType, ScopeID: g.ScopeID, ClusterID: cluster,
	})
	done(act, err)
	out := views.RuleOutcome{Label: act.detail, OK: err == nil}
	if err == nil && created.ScopeType == runai.ScopeTenant && created.ScopeName != "" {
		out.Label = created.RoleName + " · " + created.ScopeName // only the API knows the tenant's name
	}
	switch {
	case apiclient.IsConflict(err):
		out.Already = true
		return out, nil
	case err != nil:
		out.Reason = classify(err, act).Detail
		return out, err
	}
	return out, nil
}

// copyRules gives to each of rules it does not have yet (have), reporting
// each; complete is whether to has them all afterwards.
func (h *handler) copyRules(c echo.Context, to runai.ServiceAccount, rules, have []runai.AccessRule) (outcomes []views.RuleOutcome, added int, complete bool) {
	complete = true
	for _, r := range rules {
		if slices.ContainsFunc(have, func(x runai.AccessRule) bool { return x.Grant() == r.Grant() }) {
			outcomes = append(outcomes, views.RuleOutcome{Label: r.Label(), Already: true})
			continue
		}
		out, err := h.grant(c, action{verb: verbAddRule, id: to.ID, name: to.Name, detail: r.Label()}, to, r.Grant(), r.ClusterID)
		complete = complete && err == nil
		if out.OK {
			added++
		}
		outcomes = append(outcomes, out)
	}
	return outcomes, added, complete
}

// ruleOf reads the access rule named by the :rule path parameter, which
// must belong to a.
func (h *handler) ruleOf(c echo.Context, a runai.ServiceAccount) (runai.AccessRule, error) {
	id, err := strconv.Atoi(c.Param("rule"))
	if err != nil || id < 0 {
		return runai.AccessRule{}, echo.NewHTTPError(http.StatusNotFound, "malformed access rule id")
	}
	r, err := h.API.GetAccessRule(c.Request().Context(), h.tokenOf(c), id)
	if err != nil {
		return runai.AccessRule{}, err
	}
	if !a.Owns(r) {
		return runai.AccessRule{}, echo.NewHTTPError(http.StatusNotFound, "the access rule is not this account's")
	}
	rules := []runai.AccessRule{r}
	scopesFor(h.catalogOf(c), []runai.ServiceAccount{a}, slices.Values(rules)).FillPaths(rules)
	return rules[0], nil
}

// showAccess answers a change to an account's rules: the section alone
// for HTMX, the whole account page otherwise.
func (h *handler) showAccess(c echo.Context, s views.AccessSection) (string, templ.Component) {
	if hxOf(c).Partial() {
		return s.Account.Name, views.AccessRulesView(s)
	}
	return s.Account.Name, views.AccountView(h.accountPage(c, s))
}

// checkGrant checks a chosen grant against the catalog: the role and the
// scope must exist (when the token may list them), and the account must
// not have it already. It returns the scope's cluster and the rule's
// label, or the fields at fault.
func checkGrant(g form.Grant, cat runai.Catalog, scopes runai.Scopes, have []runai.AccessRule) (cluster, label string, errs form.Errors) {
	errs = g.Validate()
	if errs != nil {
		return "", "", errs
	}
	role := "role " + strconv.Itoa(g.RoleID)
	if cat.RolesErr == nil {
		r, ok := cat.Role(g.RoleID)
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
