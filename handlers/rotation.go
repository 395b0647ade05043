package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// Rotation without an outage (internal/rotation): a successor with the
// same access, a handover, then the old account retired. Everything is
// read back from Run:ai on each request; nothing is kept here.

// confirmRotate asks before starting a rotation, proposing the
// successor's name and listing the rules it will get.
func (h *handler) confirmRotate(c echo.Context) error {
	a, err := h.loadAccount(c)
	if err != nil {
		return err
	}
	all, err := h.listAll(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	return h.render(c, http.StatusOK, "Rotate "+a.Name, views.RotateView(h.rotateStart(c, a, form.Rotate{Name: rotation.Next(a.Name, all), Old: a.Name})))
}

// rotateStart is the start page's model: the form and the old account's
// rules.
func (h *handler) rotateStart(c echo.Context, a runai.ServiceAccount, f form.Rotate) views.RotateStart {
	access, problem := h.accessOf(c, a)
	return views.RotateStart{Account: a, Input: f, Rules: access.Rules, RulesProblem: problem}
}

// startRotation creates the successor, copies every rule of the old
// account onto it, and shows its credentials once; a rule that cannot be
// copied stops the rotation before the handover (credentials unshown) and
// the page says how to resume.
func (h *handler) startRotation(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	old, act, err := h.target(c, verbRotate)
	if err != nil {
		return err
	}
	f := form.ParseRotate(values, old.Name)
	act.detail = old.Name + " → " + f.Name
	show := func(p problem) error {
		s := h.rotateStart(c, old, f)
		s.Errors = p.fields
		if len(p.fields) == 0 {
			s.Problem = &p.Problem
		}
		return h.render(c, p.status, "Rotate "+old.Name, views.RotateView(s))
	}
	if errs := f.Validate(); errs != nil {
		return &failure{act: act, err: errs, show: show}
	}
	from, problem := h.accessOf(c, old)
	if !from.Known {
		return &failure{act: act, err: errRulesUnreadable(problem), show: show}
	}
	create := action{verb: verbCreate, name: f.Name}
	cr, err := h.API.CreateServiceAccount(c.Request().Context(), h.tokenOf(c), f.Name)
	create.id = cr.ID
	h.audit(c, create, err)
	if err != nil {
		return &failure{act: create, err: err, show: show}
	}
	h.audit(c, act, nil)
	succ, err := h.API.GetServiceAccount(c.Request().Context(), h.tokenOf(c), cr.ID)
	if err != nil {
		succ = runai.ServiceAccount{ID: cr.ID, Name: cr.Name, ClientID: cr.ClientID, Enabled: true, CreatedAt: h.Now()}
	}
	outcomes, complete := h.copyRules(c, succ, from.Rules, nil)
	res := views.RotationResult{Pair: rotation.Pair{Old: old, Successor: succ}, Outcomes: outcomes, Complete: complete}
	if complete {
		res.Secret = &views.Secret{Name: succ.Name, ClientID: succ.ClientID, Value: cr.ClientSecret.Reveal(), TokenURL: h.API.TokenURL()}
	}
	return h.render(c, http.StatusOK, "Rotating "+old.Name, views.RotationResultView(res))
}

// copyRules gives succ each of rules it does not have yet, reporting each;
// complete is whether succ has them all afterwards.
func (h *handler) copyRules(c echo.Context, succ runai.ServiceAccount, rules, have []runai.AccessRule) (outcomes []views.RuleOutcome, complete bool) {
	complete = true
	for _, r := range rules {
		if slices.ContainsFunc(have, func(x runai.AccessRule) bool { return x.Grant() == r.Grant() }) {
			outcomes = append(outcomes, views.RuleOutcome{Label: r.Label(), Already: true})
			continue
		}
		out, err := h.grant(c, action{verb: verbAddRule, id: succ.ID, name: succ.Name, detail: r.Label()}, succ, r.Grant(), r.ClusterID)
		complete = complete && err == nil
		outcomes = append(outcomes, out)
	}
	return outcomes, complete
}

// pairOf finds the rotation whose old account is named by :id.
func (h *handler) pairOf(c echo.Context) (rotation.Pair, error) {
	id, err := accountID(c)
	if err != nil {
		return rotation.Pair{}, err
	}
	all, err := h.listAll(c)
	if err != nil {
		return rotation.Pair{}, &failure{act: action{verb: verbList}, err: err}
	}
	if p, _ := rotation.Of(rotation.Pairs(all), id); p != nil {
		return *p, nil
	}
	return rotation.Pair{}, echo.NewHTTPError(http.StatusNotFound, "no rotation of this account is in progress")
}

// resumeRotation copies the rules the successor still lacks; once it has
// them all, the page offers to issue its credentials.
func (h *handler) resumeRotation(c echo.Context) error {
	p, err := h.pairOf(c)
	if err != nil {
		return err
	}
	from, problem := h.accessOf(c, p.Old)
	to, problem2 := h.accessOf(c, p.Successor)
	if !from.Known || !to.Known {
		return &failure{act: action{verb: verbRotate, id: p.Old.ID, name: p.Old.Name}, err: errRulesUnreadable(problem + problem2)}
	}
	outcomes, complete := h.copyRules(c, p.Successor, from.Rules, to.Rules)
	return h.render(c, http.StatusOK, "Rotating "+p.Old.Name, views.RotationResultView(views.RotationResult{
		Pair: p, Outcomes: outcomes, Complete: complete, Resumed: true,
	}))
}

// rotationPanels are the rotations an account's page shows, with the
// rules each successor still lacks.
func (h *handler) rotationPanels(c echo.Context, a runai.ServiceAccount, all []runai.ServiceAccount) []views.RotationPanel {
	asOld, asSucc := rotation.Of(rotation.Pairs(all), a.ID)
	var out []views.RotationPanel
	for _, p := range []*rotation.Pair{asSucc, asOld} {
		if p == nil {
			continue
		}
		panel := views.RotationPanel{Pair: *p}
		from, _ := h.accessOf(c, p.Old)
		to, _ := h.accessOf(c, p.Successor)
		if panel.MissingKnown = from.Known && to.Known; panel.MissingKnown {
			for _, r := range from.Rules {
				if !slices.ContainsFunc(to.Rules, func(x runai.AccessRule) bool { return x.Grant() == r.Grant() }) {
					panel.Missing = append(panel.Missing, r)
				}
			}
		}
		out = append(out, panel)
	}
	return out
}

// rotationSteps are the confirmed steps: what each changes, and whether it
// is allowed at the rotation's step.
var rotationSteps = map[paths.Route]struct {
	verb    verb // verbDisable or verbDelete
	onOld   bool // the step changes the old account (else the successor)
	allowed func(rotation.Step) bool
}{
	paths.RotationRetire:  {verbDisable, true, func(s rotation.Step) bool { return s <= rotation.Retire }},
	paths.RotationFinish:  {verbDelete, true, func(s rotation.Step) bool { return s == rotation.Delete }},
	paths.RotationCancel:  {verbDisable, false, func(s rotation.Step) bool { return s != rotation.Cancelled }},
	paths.RotationDiscard: {verbDelete, false, func(s rotation.Step) bool { return s == rotation.Cancelled }},
}

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
		return h.render(c, http.StatusOK, "Confirm", views.RotationConfirmView(views.RotationConfirm{Pair: p, Step: step, Page: true}))
	}
}

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
		if s.verb == verbDelete {
			err = h.API.DeleteServiceAccount(ctx, token, target.ID)
		} else {
			err = h.API.SetServiceAccountEnabled(ctx, token, target.ID, false)
		}
		h.audit(c, act, err)
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
