package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/views"
)

// resumeRotation copies the rules the successor still lacks; once it has
// them all, the page offers to issue its credentials.
func (h *handler) resumeRotation(c echo.Context) error {
	p, err := h.pairOf(c)
	if err != nil {
		return err
	}
	from, to := h.pairAccess(c, p)
	if !from.Known || !to.Known {
		return &failure{act: action{verb: verbRotate, id: p.Old.ID, name: p.Old.Name}, err: errRulesUnreadable(from.problem + to.problem)}
	}
	outcomes, _, complete := h.copyRules(c, p.Successor, from.Rules, to.Rules)
	return h.render(c, http.StatusOK, "Rotating "+p.Old.Name, views.RotationResultView(views.RotationResult{
		Pair: p, Outcomes: outcomes, Complete: complete, Resumed: true,
	}))
}
