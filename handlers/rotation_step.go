package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// rotationStep carries out a confirmed step: retire disables the old
// account, finish deletes it (once disabled), cancel disables the
// successor, discard deletes it (once disabled).
func (h *handler) rotationStep(step paths.Route) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := h.pairOf(c)
		if err != nil {
			return err
		}
		s := rotationSteps[step]
		target := p.Successor
		if s.onOld {
			target = p.Old
		}
		act := action{verb: s.verb, id: target.ID, name: target.Name, detail: "rotation " + p.Old.Name + " → " + p.Successor.Name}
		if !s.allowed(p.StepOf()) {
			return h.redirectWithFlash(c, "warning", "Nothing was changed: the rotation has moved on. Here is where it stands.", h.link(c, paths.Account.ID(p.Old.ID)))
		}
		ctx, token := c.Request().Context(), h.tokenOf(c)
		done := h.begin(c, act)
		if s.verb == verbDelete {
			err = h.API.DeleteServiceAccount(ctx, token, target.ID)
		} else {
			err = h.API.SetServiceAccountEnabled(ctx, token, target.ID, false)
		}
		done(act, err)
		if err != nil {
			return &failure{act: act, err: err}
		}
		msg, to := "", paths.Account.ID(p.Old.ID)
		switch step {
		case paths.RotationRetire:
			msg = p.Old.Name + " is retired (disabled): its credentials no longer work. Enable it again if anything breaks; delete it once sure."
		case paths.RotationFinish:
			msg, to = "The rotation is complete: "+p.Old.Name+" was deleted and "+p.Successor.Name+" carries on.", paths.Account.ID(p.Successor.ID)
		case paths.RotationCancel:
			msg = "The rotation is cancelled: " + p.Successor.Name + " is disabled and " + p.Old.Name + " untouched. Delete " + p.Successor.Name + " to end it, or enable it to go on."
		case paths.RotationDiscard:
			msg = p.Successor.Name + " was deleted; the rotation is over and " + p.Old.Name + " untouched."
		}
		return h.redirectWithFlash(c, "success", msg, h.link(c, to))
	}
}
