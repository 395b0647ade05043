package handlers

import (
	"context"
	"errors"
	"iter"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// catalogOf is the request token's roles and scopes (cached briefly).
func (h *handler) catalogOf(c echo.Context) catalog {
	return h.catalogs.get(c.Request().Context(), h.API, h.tokenOf(c))
}

// listData reads everything the accounts list shows, in one round of
// concurrent calls: the accounts, every service account's access rules
// (PageSize a page, never one call per account) and the catalog for scope
// paths. Only the accounts are required: rules that cannot be read leave
// the list without them and say why.
func (h *handler) listData(c echo.Context) (listview.Accounts, catalog, error) {
	var (
		all      []runai.ServiceAccount
		rules    []runai.AccessRule
		rulesErr error
		cat      catalog
	)
	g, ctx := errgroup.WithContext(c.Request().Context())
	token := h.tokenOf(c)
	g.Go(func() error {
		var err error
		all, err = h.API.ListServiceAccounts(ctx, token)
		return err
	})
	g.Go(func() error { rules, rulesErr = h.API.ListServiceAccountRules(ctx, token); return nil })
	g.Go(func() error { cat = h.catalogs.get(ctx, h.API, token); return nil })
	if err := g.Wait(); err != nil {
		return listview.Accounts{}, catalog{}, err
	}
	in := listview.Accounts{All: all}
	if rulesErr != nil {
		in.RulesProblem = h.rulesProblem(c, rulesErr)
	} else {
		scopes := h.scopesFor(cat, all, slices.Values(rules))
		scopes.FillPaths(rules)
		in.RulesKnown, in.Rules = true, runai.RulesByAccount(all, rules)
	}
	in.Prepare() // once for the views the list serves while cached
	return in, cat, nil
}

// scopesFor completes the catalog's scopes with what other reads tell:
// the tenant id (on every account) and name (on tenant rules).
func (h *handler) scopesFor(cat catalog, accounts []runai.ServiceAccount, rules iter.Seq[runai.AccessRule]) runai.Scopes {
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

// accessOf reads one account's access rules (one call), with scope paths.
func (h *handler) accessOf(c echo.Context, a runai.ServiceAccount) (listview.Access, string) {
	rules, err := h.API.ListServiceAccountRules(c.Request().Context(), h.tokenOf(c), a.SubjectIDs()...)
	if err != nil {
		return listview.Access{}, h.rulesProblem(c, err)
	}
	mine := rules[:0]
	for _, r := range rules {
		if a.Owns(r) {
			mine = append(mine, r)
		}
	}
	h.scopesFor(h.catalogOf(c), []runai.ServiceAccount{a}, slices.Values(mine)).FillPaths(mine)
	return listview.Access{Known: true, Rules: mine}, ""
}

// related reads what a single row shows beyond the account's own record:
// its access rules and, from every account's name, its rotations. The two
// reads run at once; what cannot be read is left out.
func (h *handler) related(c echo.Context, a runai.ServiceAccount) listview.Related {
	var (
		access listview.Access
		all    []runai.ServiceAccount
		g      errgroup.Group
	)
	g.Go(func() error { access, _ = h.accessOf(c, a); return nil })
	g.Go(func() error { all, _ = h.listAll(c); return nil })
	_ = g.Wait()
	in := listview.Accounts{All: all, RulesKnown: access.Known, Rules: map[string][]runai.AccessRule{a.ID: access.Rules}}
	if !slices.ContainsFunc(all, func(x runai.ServiceAccount) bool { return x.ID == a.ID }) {
		in.All = append(in.All, a)
	}
	return in.Related(a.ID)
}

// rulesProblem says, in one sentence, why access rules could not be read.
func (h *handler) rulesProblem(c echo.Context, err error) string {
	if errors.Is(err, context.Canceled) {
		return ""
	}
	p := h.problemOf(c, err, action{verb: verbReadRules})
	return p.Detail + " " + p.Next
}
