package handlers

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// accessSection reads what the account page's access section shows: the
// account's rules and the add form's picker, with the form's input and
// field errors when it failed.
func (h *handler) accessSection(c echo.Context, a runai.ServiceAccount, input form.Grant, errs form.Errors) views.AccessSection {
	access, problem := h.accessOf(c, a)
	return views.AccessSection{Account: a, Access: access, Problem: problem,
		Add: views.GrantChoice{Prefix: views.GrantAdd, Input: input, Errors: errs, Picker: h.accountPicker(c, a, access.Rules)}}
}

// accountPage is an account's page around its access section: the copy
// form and the rotations, from one listing of every account.
func (h *handler) accountPage(c echo.Context, s views.AccessSection) views.AccountPage {
	all, err := h.listAll(c)
	return views.AccountPage{Account: s.Account, Access: s, Copy: h.copyForm(c, s.Account, all, err),
		Rotations: h.rotationPanels(c, s.Account, all), History: h.accountHistory(c, s.Account, ruleIDs(s.Access))}
}

// copyForm lists the accounts access can be copied from.
func (h *handler) copyForm(c echo.Context, a runai.ServiceAccount, all []runai.ServiceAccount, err error) views.CopyForm {
	f := views.CopyForm{Account: a}
	if err != nil {
		p := h.problemOf(c, err, action{verb: verbList})
		f.Problem = "The other accounts could not be listed: " + p.Detail + " " + p.Next
		return f
	}
	for _, o := range all {
		if o.ID != a.ID {
			f.Others = append(f.Others, o)
		}
	}
	slices.SortFunc(f.Others, func(x, y runai.ServiceAccount) int {
		return cmp.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name))
	})
	return f
}

// showAccess answers a change to an account's rules: the section alone
// for HTMX, the whole account page otherwise.
func (h *handler) showAccess(c echo.Context, status int, s views.AccessSection) error {
	if hxOf(c).Partial() {
		return h.render(c, status, s.Account.Name, views.AccessRulesView(s))
	}
	return h.render(c, status, s.Account.Name, views.AccountView(h.accountPage(c, s)))
}

// addRule gives the account a role on a scope. A rule the account has is
// refused before any change is sent; a 409 from Run:ai means the same.
func (h *handler) addRule(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	a, act, err := h.target(c, verbAddRule)
	if err != nil {
		return err
	}
	g := form.ParseGrant(values)
	show := func(p problem) error {
		s := h.accessSection(c, a, g, p.fields)
		if len(p.fields) == 0 {
			s.AddProblem = &p.Problem
		}
		return h.showAccess(c, p.status, s)
	}
	access, _ := h.accessOf(c, a)
	cat := h.catalogOf(c)
	cluster, label, errs := checkGrant(g, cat, h.scopesFor(cat, []runai.ServiceAccount{a}, slices.Values(access.Rules)), access.Rules)
	if errs != nil {
		return &failure{act: act, err: errs, show: show}
	}
	act.detail = label
	out, err := h.grant(c, act, a, g.Grant(), cluster)
	if err != nil {
		return &failure{act: act, err: err, show: show}
	}
	msg := out.Label + " was added to " + act.subject() + "."
	if out.Already {
		msg = act.subject() + " already has " + out.Label + "."
	}
	if !hxOf(c).Partial() {
		return h.redirectWithFlash(c, "success", msg, h.link(c, paths.Account.ID(a.ID)))
	}
	s := h.accessSection(c, a, form.Grant{}, nil)
	s.Outcomes, s.OutcomeTitle = []views.RuleOutcome{out}, msg
	return h.showAccess(c, http.StatusOK, s)
}

// grant creates one rule for a as the request's actor: see grantAs.
func (h *handler) grant(c echo.Context, act action, a runai.ServiceAccount, g runai.Grant, cluster string) (views.RuleOutcome, error) {
	return h.grantAs(c.Request().Context(), h.actorOf(c), act, a, g, cluster)
}

// grantAs creates one rule for a (act names it, for the audit line). A 409
// is not a failure: the account already has the rule.
func (h *handler) grantAs(ctx context.Context, who actor, act action, a runai.ServiceAccount, g runai.Grant, cluster string) (views.RuleOutcome, error) {
	created, err := h.API.CreateAccessRule(ctx, who.token, runai.NewAccessRule{
		SubjectID: h.RuleSubject.Of(a), RoleID: g.RoleID, ScopeType: g.ScopeType, ScopeID: g.ScopeID, ClusterID: cluster,
	})
	h.auditAs(ctx, who, act, err)
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
	h.scopesFor(h.catalogOf(c), []runai.ServiceAccount{a}, slices.Values(rules)).FillPaths(rules)
	return rules[0], nil
}

// confirmRemoveRule asks before removing a rule, naming role and scope.
func (h *handler) confirmRemoveRule(c echo.Context) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	r, err := h.ruleOf(c, a)
	if err != nil {
		return &failure{act: action{verb: verbShow, id: a.ID, name: a.Name}, err: err}
	}
	return h.render(c, http.StatusOK, "Confirm", views.RemoveRuleView(views.RemoveRule{Account: a, Rule: r, Page: !hxOf(c).Partial()}))
}

// removeRule removes an access rule after its confirmation.
func (h *handler) removeRule(c echo.Context) error {
	a, act, err := h.target(c, verbRemoveRule)
	if err != nil {
		return err
	}
	r, err := h.ruleOf(c, a)
	if err != nil {
		act.before = true
		return &failure{act: act, err: err}
	}
	act.detail = r.Label()
	err = h.API.DeleteAccessRule(c.Request().Context(), h.tokenOf(c), r.ID)
	h.audit(c, act, err)
	if err != nil {
		return &failure{act: act, err: err}
	}
	msg := r.Label() + " was removed from " + act.subject() + "."
	if !hxOf(c).Partial() {
		return h.redirectWithFlash(c, "success", msg, h.link(c, paths.Account.ID(a.ID)))
	}
	s := h.accessSection(c, a, form.Grant{}, nil)
	s.Outcomes, s.OutcomeTitle = []views.RuleOutcome{{Label: r.Label(), OK: true}}, msg
	return h.render(c, http.StatusOK, a.Name, views.RuleRemoved(s))
}

// copyAccess adds to the account every rule of another account that it
// lacks, and reports each rule.
func (h *handler) copyAccess(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	a, act, err := h.target(c, verbCopyAccess)
	if err != nil {
		return err
	}
	f := form.ParseCopyAccess(values)
	show := func(p problem) error {
		s := h.accessSection(c, a, form.Grant{}, nil)
		s.AddProblem = &p.Problem
		return h.showAccess(c, p.status, s)
	}
	if errs := f.Validate(); errs != nil {
		return &failure{act: act, err: errs, show: show}
	}
	src, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), f.From)
	if err != nil {
		return &failure{act: act, err: err, show: show}
	}
	from, problem := h.accessOf(c, src)
	to, problem2 := h.accessOf(c, a)
	if !from.Known || !to.Known {
		return &failure{act: act, err: errRulesUnreadable(cmp.Or(problem, problem2)), show: show}
	}
	var outcomes []views.RuleOutcome
	added := 0
	for _, r := range from.Rules {
		if slices.ContainsFunc(to.Rules, func(have runai.AccessRule) bool { return have.Grant() == r.Grant() }) {
			outcomes = append(outcomes, views.RuleOutcome{Label: r.Label(), Already: true})
			continue
		}
		out, _ := h.grant(c, action{verb: verbAddRule, id: a.ID, name: a.Name, detail: r.Label()}, a, r.Grant(), r.ClusterID)
		if out.OK {
			added++
		}
		outcomes = append(outcomes, out)
	}
	s := h.accessSection(c, a, form.Grant{}, nil)
	s.Outcomes = outcomes
	switch {
	case len(from.Rules) == 0:
		s.OutcomeTitle = src.Name + " has no access rule: nothing to copy."
	default:
		s.OutcomeTitle = "Copied " + plural(added, "access rule") + " from " + src.Name + " to " + a.Name + "."
	}
	return h.showAccess(c, http.StatusOK, s)
}

// errRulesUnreadable carries why rules could not be read into a failure.
type errRulesUnreadable string

func (e errRulesUnreadable) Error() string { return "access rules could not be read: " + string(e) }

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
