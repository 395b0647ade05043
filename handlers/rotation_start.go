package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// startRotation creates the successor, copies every rule of the old
// account onto it, and hands its credentials over: into the Secrets that
// hold the old account (once a token was obtained with them; never
// shown), or else shown once. A rule that cannot be copied stops the
// rotation before the handover (credentials unshown) and the page says
// how to resume; a write the cluster would refuse stops it before the
// successor is created.
func (h *handler) startRotation(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	old, act, err := h.target(c, verbRotate)
	if err != nil {
		return err
	}
	f, in := form.ParseRotate(values, old.Name), form.ParseHandover(values)
	act.detail = old.Name + " → " + f.Name
	ho := h.handover(c, old, in)
	failed := func(act action, err error) error {
		return h.fail(c, act, err, func(p problem) (string, templ.Component) {
			s := h.rotateStart(c, old, f, ho)
			s.Errors = p.fields
			if len(p.fields) == 0 {
				s.Problem = &p.Problem
			}
			return "Rotate " + old.Name, views.RotateView(s)
		})
	}
	if errs := f.Validate(); errs != nil {
		return failed(act, errs)
	}
	from, problem := h.accessOf(c, old)
	if !from.Known {
		return failed(act, errRulesUnreadable(problem))
	}
	into := intoHeld(ho, form.Delivery{})
	if err := h.precheckHandover(c, views.HeldSection{Held: into}.Secrets(), runai.ServiceAccount{Name: f.Name}, old.ID); err != nil {
		return failed(act, err)
	}
	// The rotation is one change, recorded as such: begun before the
	// successor is created, succeeded only once every rule is copied.
	rotated := h.begin(c, act)
	create := action{verb: verbCreate, name: f.Name}
	created := h.begin(c, create)
	cr, err := h.API.CreateServiceAccount(c.Request().Context(), h.tokenOf(c), f.Name)
	create.id = cr.ID
	created(create, err)
	o.settle(c.Request().Context(), err, "the rotation of "+act.subject()+" to "+create.subject()+" was started at "+clock(o.at)+"; the successor's credentials were shown once then.",
		paths.Account.ID(old.ID))
	if err != nil {
		rotated(act, err)
		return failed(create, err)
	}
	succ, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), cr.ID)
	if err != nil {
		succ = runai.ServiceAccount{ID: cr.ID, Name: cr.Name, ClientID: cr.ClientID, Enabled: true, CreatedAt: h.Now()}
	}
	outcomes, _, complete := h.copyRules(c, succ, from.Rules, nil)
	if complete {
		rotated(act, nil)
	} else {
		rotated(act, errRulesNotCopied{})
	}
	res := views.RotationResult{Pair: rotation.Pair{Old: old, Successor: succ}, Outcomes: outcomes, Complete: complete}
	switch {
	case complete && len(into) > 0:
		res.HandedOver, res.TokenProblem = h.handOverSuccessor(c, res.Pair, cr.ClientSecret, into, in.Restart)
	case complete:
		res.Secret = &views.Secret{Name: succ.Name, ClientID: succ.ClientID, Value: cr.ClientSecret.Reveal(), TokenURL: h.API.TokenURL(),
			DeliveryOff: !h.deliveryOn()}
	}
	return h.render(c, http.StatusOK, "Rotating "+old.Name, views.RotationResultView(res))
}
