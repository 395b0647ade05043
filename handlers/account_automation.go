package handlers

import (
	"context"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// setPolicy writes the rotation policy of a Secret that holds the
// account (or is declared for it) into its annotations, as the person
// signed in (with impersonation) so that the cluster's RBAC decides; the
// automation acts on it. An empty rotate-every removes the policy.
func (h *handler) setPolicy(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	a, act, err := h.target(c, verbSetPolicy)
	if err != nil {
		return err
	}
	f := form.ParsePolicy(values)
	act.detail = "Secret " + f.Namespace + "/" + f.Name
	p, errs := f.Validate()
	if errs != nil {
		return h.fail(c, act, errs, func(pr problem) (string, templ.Component) {
			page := h.accountPageOf(c, a)
			page.Automation.Input, page.Automation.Errors = &f, pr.fields
			return a.Name, views.AccountView(page)
		})
	}
	sec, err := h.secretOf(c, a, f.Namespace, f.Name)
	if err != nil {
		return &failure{act: act, err: err}
	}
	done := h.begin(c, act)
	cl, err := h.kubeFor(c)
	if err == nil {
		err = automation.SetPolicy(context.WithoutCancel(c.Request().Context()), cl.Typed, sec.Namespace, sec.Name, a.ID, a.Name, p)
		h.secrets.Changed()
	}
	done(act, err)
	if err != nil {
		return &failure{act: act, err: &errSecretEdit{err: err, secret: sec.String()}}
	}
	msg := "The Secret " + sec.String() + " is not rotated automatically any more."
	if p.RotateEvery > 0 {
		msg = "The policy of " + sec.String() + " is saved: " + views.PolicyWords(p) + "."
		if !h.Delivery.Automation {
			msg += " The automation does not run on this dashboard: it takes effect once it does."
		}
	}
	return h.redirectWithFlash(c, "success", msg, h.link(c, paths.Account.ID(a.ID)))
}
