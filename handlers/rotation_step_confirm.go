package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// confirmRotationStep asks before retiring, finishing, cancelling or
// discarding, with the warnings the step deserves.
func (h *handler) confirmRotationStep(step paths.Route) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := h.pairOf(c)
		if err != nil {
			return err
		}
		if !rotationSteps[step].allowed(p.StepOf()) {
			return h.redirectWithFlash(c, "warning", "That step does not apply: the rotation has moved on. Here is where it stands.", h.link(c, paths.Account.ID(p.Old.ID)))
		}
		cf := views.RotationConfirm{Pair: p, Step: step, Page: true}
		if step == paths.RotationRetire {
			cf.Old, cf.Successor = h.pairHeld(c, p) // who would lose access
		}
		return h.render(c, http.StatusOK, "Confirm", views.RotationConfirmView(cf))
	}
}
