package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// deliverSuccessor writes a rotation's successor into the Secrets that
// hold the old account (and those that hold the successor already), when
// its one-time secret was lost before it was written (a crash, a refused
// write): the secret is regenerated, which breaks nothing while nothing
// but those Secrets uses the successor, a token obtained with it, then
// written.
func (h *handler) deliverSuccessor(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	p, err := h.pairOf(c)
	if err != nil {
		return err
	}
	act := action{verb: verbRegenerate, id: p.Successor.ID, name: p.Successor.Name, detail: "rotation " + p.Old.Name + " → " + p.Successor.Name}
	back := h.link(c, paths.Account.ID(p.Old.ID))
	if !h.deliveryOn() || !canRedeliver(p) {
		return h.redirectWithFlash(c, "warning", "Nothing was changed: "+p.Successor.Name+" is disabled (the rotation was cancelled). Here is where the rotation stands.", back)
	}
	old, succ := h.pairHeld(c, p)
	into := append(old.Held, succ.Held...)
	if len(old.Held) == 0 {
		return h.redirectWithFlash(c, "warning", "Nothing was changed: no Secret holds "+p.Old.Name+" any more. Here is where the rotation stands.", back)
	}
	if err := h.precheckHandover(c, views.HeldSection{Held: into}.Secrets(), p.Successor, p.Old.ID); err != nil {
		return &failure{act: act, err: err}
	}
	done := h.begin(c, act)
	secret, err := h.API.RegenerateSecret(c.Request().Context(), h.tokenOf(c), p.Successor.ID)
	done(act, err)
	o.settle(c.Request().Context(), err, "the credentials of "+p.Successor.Name+" were written into its Secrets at "+clock(o.at)+".", paths.Account.ID(p.Old.ID))
	if err != nil {
		return &failure{act: act, err: err}
	}
	res := views.RotationResult{Pair: p, Complete: true, Redelivered: true}
	res.HandedOver, res.TokenProblem = h.handOverSuccessor(c, p, secret, into, form.ParseHandover(values).Restart)
	return h.render(c, http.StatusOK, "Rotating "+p.Old.Name, views.RotationResultView(res))
}
