package handlers

import (
	"cmp"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/words"
)

// copyAccess adds to the account every rule of another account that it
// lacks, and reports each rule.
func (h *handler) copyAccess(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	a, act, err := h.target(c, verbCopyAccess)
	if err != nil {
		return err
	}
	f := form.ParseCopyAccess(values)
	failed := func(err error) error {
		return h.fail(c, act, err, func(p problem) (string, templ.Component) {
			s := h.accessSection(c, a, form.Grant{}, nil)
			s.AddProblem = &p.Problem
			return h.showAccess(c, s)
		})
	}
	if errs := f.Validate(); errs != nil {
		return failed(errs)
	}
	src, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), f.From)
	if err != nil {
		return failed(err)
	}
	from, problem := h.accessOf(c, src)
	to, problem2 := h.accessOf(c, a)
	if !from.Known || !to.Known {
		return failed(errRulesUnreadable(cmp.Or(problem, problem2)))
	}
	outcomes, added, _ := h.copyRules(c, a, from.Rules, to.Rules)
	o.settle(c.Request().Context(), nil, "access was copied from "+src.Name+" to "+act.subject()+" at "+clock(o.at)+" ("+words.Plural(added, "rule")+" added).",
		paths.Account.ID(a.ID))
	s := h.accessSection(c, a, form.Grant{}, nil)
	s.Outcomes = outcomes
	switch {
	case len(from.Rules) == 0:
		s.OutcomeTitle = src.Name + " has no access rule: nothing to copy."
	default:
		s.OutcomeTitle = "Copied " + words.Plural(added, "access rule") + " from " + src.Name + " to " + a.Name + "."
	}
	title, page := h.showAccess(c, s)
	return h.render(c, http.StatusOK, title, page)
}
