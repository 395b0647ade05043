package handlers

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the rotation actions share. Rotation without an outage
// (internal/rotation): a successor with the same access, a handover, then
// the old account retired. Everything is read back from Run:ai on each
// request; nothing is kept here.

// rotateStart is the start page's model: the form and the old account's
// rules.
func (h *handler) rotateStart(c echo.Context, a runai.ServiceAccount, f form.Rotate, ho views.Handover) views.RotateStart {
	access, problem := h.accessOf(c, a)
	return views.RotateStart{Account: a, Input: f, Rules: access.Rules, RulesProblem: problem, Handover: ho}
}

// pairOf finds the rotation whose old account is named by :id.
func (h *handler) pairOf(c echo.Context) (rotation.Pair, error) {
	id, err := accountID(c)
	if err != nil {
		return rotation.Pair{}, err
	}
	all, err := h.API.ListServiceAccounts(c.Request().Context(), h.tokenOf(c))
	if err != nil {
		return rotation.Pair{}, &failure{act: action{verb: verbList}, err: err}
	}
	if p, _ := rotation.Of(rotation.Pairs(all), id); p != nil {
		return *p, nil
	}
	return rotation.Pair{}, echo.NewHTTPError(http.StatusNotFound, "no rotation of this account is in progress")
}

// accountAccess is one account's rules, or why they could not be read.
type accountAccess struct {
	listview.Access
	problem string
}

// pairAccess reads the rules of both accounts of a rotation at once.
func (h *handler) pairAccess(c echo.Context, p rotation.Pair) (from, to accountAccess) {
	var g errgroup.Group
	g.Go(func() error { from.Access, from.problem = h.accessOf(c, p.Old); return nil })
	g.Go(func() error { to.Access, to.problem = h.accessOf(c, p.Successor); return nil })
	_ = g.Wait()
	return from, to
}

// rotationPanels are the rotations an account's page shows, with the
// rules each successor still lacks.
func (h *handler) rotationPanels(c echo.Context, a runai.ServiceAccount, all []runai.ServiceAccount) []views.RotationPanel {
	asOld, asSucc := rotation.Of(rotation.Pairs(rotation.Family(all, a)), a.ID)
	var out []views.RotationPanel
	for _, p := range []*rotation.Pair{asSucc, asOld} {
		if p == nil {
			continue
		}
		panel := views.RotationPanel{Pair: *p}
		var g errgroup.Group
		g.Go(func() error { panel.Old, panel.Successor = h.pairHeld(c, *p); return nil })
		from, to := h.pairAccess(c, *p)
		_ = g.Wait()
		if panel.MissingKnown = from.Known && to.Known; panel.MissingKnown {
			for _, r := range from.Rules {
				if !slices.ContainsFunc(to.Rules, func(x runai.AccessRule) bool { return x.Grant() == r.Grant() }) {
					panel.Missing = append(panel.Missing, r)
				}
			}
		}
		panel.CanDeliver = panel.MissingKnown && len(panel.Missing) == 0 && canRedeliver(*p) && len(panel.Old.Held) > 0
		out = append(out, panel)
	}
	return out
}

// canRedeliver reports whether the successor's secret may be regenerated
// to hand it over: it is enabled (the panel shows its last login, which
// says whether anything but the dashboard's own check has used it).
func canRedeliver(p rotation.Pair) bool { return p.Successor.Enabled }

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

// errRulesNotCopied is a rotation stopped before the handover: a rule of
// the old account could not be given to the successor (each rule's
// outcome says why).
type errRulesNotCopied struct{}

func (errRulesNotCopied) Error() string { return "not every access rule was copied to the successor" }

func (errRulesNotCopied) word(p *problem, _ action) {
	p.status = http.StatusBadGateway
	p.Detail = "Not every access rule of the old account could be given to the successor."
	p.Next = "Resume the rotation from the account's page once the rules can be added."
}
