package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

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
