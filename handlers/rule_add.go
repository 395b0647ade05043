package handlers

import (
	"net/http"
	"slices"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// addRule gives the account a role on a scope. A rule the account has is
// refused before any change is sent; a 409 from Run:ai means the same.
func (h *handler) addRule(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	a, act, err := h.target(c, verbAddRule)
	if err != nil {
		return err
	}
	g := form.ParseGrant(values)
	failed := func(err error) error {
		return h.fail(c, act, err, func(p problem) (string, templ.Component) {
			s := h.accessSection(c, a, g, p.fields)
			if len(p.fields) == 0 {
				s.AddProblem = &p.Problem
			}
			return h.showAccess(c, s)
		})
	}
	access, _ := h.accessOf(c, a)
	cat := h.catalogOf(c)
	cluster, label, errs := checkGrant(g, cat, scopesFor(cat, []runai.ServiceAccount{a}, slices.Values(access.Rules)), access.Rules)
	if errs != nil {
		return failed(errs)
	}
	act.detail = label
	out, err := h.grant(c, act, a, g.Grant(), cluster)
	o.settle(c.Request().Context(), err, out.Label+" was added to "+act.subject()+" at "+clock(o.at)+".", paths.Account.ID(a.ID))
	if err != nil {
		return failed(err)
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
	title, page := h.showAccess(c, s)
	return h.render(c, http.StatusOK, title, page)
}
