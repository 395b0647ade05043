package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

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
	done := h.begin(c, act)
	err = h.API.DeleteAccessRule(c.Request().Context(), h.tokenOf(c), r.ID)
	done(act, err)
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
