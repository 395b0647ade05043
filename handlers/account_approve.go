package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// approveDeclaration approves a Secret declared in Git for the account:
// the automation then rotates the account at once and fills the Secret.
// The approver's own Run:ai token must read the account and its rules
// (what managing it takes), and the approval names them on the Secret.
func (h *handler) approveDeclaration(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	a, act, err := h.target(c, verbApprove)
	if err != nil {
		return err
	}
	f := form.ParsePolicy(values)
	act.detail = "Secret " + f.Namespace + "/" + f.Name
	sec, err := h.secretOf(c, a, f.Namespace, f.Name)
	if err != nil {
		return &failure{act: act, err: err}
	}
	if !sec.Declared {
		return h.redirectWithFlash(c, "warning", "Nothing was changed: "+sec.String()+" already holds "+a.Name+".", h.link(c, paths.Account.ID(a.ID)))
	}
	if _, err := h.API.ListServiceAccountRules(c.Request().Context(), h.tokenOf(c), a.ID); err != nil {
		return &failure{act: act, err: err} // the approver may not manage its access
	}
	done := h.begin(c, act)
	cl, err := h.kubeFor(c)
	if err == nil {
		err = automation.Approve(context.WithoutCancel(c.Request().Context()), cl.Typed, sec.Namespace, sec.Name, a.Name, h.deliveredBy(c), h.Now())
		h.secrets.Changed()
	}
	done(act, err)
	if err != nil {
		return &failure{act: act, err: &errSecretEdit{err: err, secret: sec.String()}}
	}
	msg := "Approved: " + sec.String() + " will hold " + a.Name + "'s successor once the automation has rotated it."
	if !h.Delivery.Automation {
		msg += " The automation does not run on this dashboard: it takes effect once it does."
	}
	return h.redirectWithFlash(c, "success", msg, h.link(c, paths.Account.ID(a.ID)))
}
