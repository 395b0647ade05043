package handlers

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the automatic-rotation actions share (internal/automation): the
// account page's section, read from the Secrets' annotations, and the
// Secret a form names, which must hold or declare the account.

// automationOf is a's automatic rotation: each Secret of held (those that
// hold a, from the page's listing) and each declared for it in Git.
func (h *handler) automationOf(c echo.Context, a runai.ServiceAccount, held views.HeldSection) views.AutomationSection {
	s := views.AutomationSection{On: h.deliveryOn(), Account: a}
	if !s.On {
		return s
	}
	s.Running = h.Delivery.Automation
	all, _ := h.managedSecrets(c) // the listing the held section read: shared for 10 s
	secrets := append(held.Secrets(), delivery.Declaring(all, a.Name)...)
	for _, sec := range secrets {
		it := views.AutomationItem{Secret: sec, Phase: sec.Ann[automation.AnnPhase], LastError: sec.Ann[automation.AnnLastError],
			ApprovedBy: sec.Ann[automation.AnnApprovedBy]}
		it.NextStepAt, _ = time.Parse(time.RFC3339, sec.Ann[automation.AnnNextStepAt])
		var err error
		it.Policy, err = automation.ParsePolicy(sec.Ann)
		switch {
		case err == nil:
			it.HasPolicy = true
		case !errors.Is(err, automation.ErrNoPolicy):
			it.PolicyErr = err.Error()
		}
		s.Items = append(s.Items, it)
	}
	return s
}

// errNotHere is a policy or approval for a Secret that neither holds nor
// declares the account, or is outside the allowed namespaces.
type errNotHere struct{ secret string }

func (e *errNotHere) Error() string {
	return "the Secret " + e.secret + " is not one of this account's"
}

func (e *errNotHere) word(p *problem, _ action) {
	p.status = http.StatusNotFound
	p.Detail = "The Secret " + e.secret + " does not hold this account, and is not declared for it, in a namespace the dashboard delivers to."
	p.Next = "Reload the account's page: its Secrets are listed there."
}

// errSecretEdit is a change of a Secret's annotations the cluster
// refused.
type errSecretEdit struct {
	err    error
	secret string
}

func (e *errSecretEdit) Error() string { return "edit " + e.secret + ": " + e.err.Error() }
func (e *errSecretEdit) Unwrap() error { return e.err }

func (e *errSecretEdit) word(p *problem, _ action) {
	p.status = deliveryStatus(e.err)
	if errors.Is(e.err, automation.ErrNotTheAccounts) {
		p.status = http.StatusConflict
		p.Detail = "The Secret " + e.secret + " changed meanwhile: it no longer holds or declares this account. Nothing was changed."
		p.Next = "Reload the account's page and look again."
		return
	}
	p.Detail = "The Secret " + e.secret + " was not changed: " + delivery.Reason(e.err)
	p.Next = "Nothing was changed. Ask for the permission the cluster names, or try again."
}

// secretOf is the Secret the form names, if it is one the account page
// shows for a (holding it, or declared for it) in an allowed namespace.
func (h *handler) secretOf(c echo.Context, a runai.ServiceAccount, ns, name string) (delivery.Held, error) {
	key := ns + "/" + name
	if !h.deliveryOn() || !slices.Contains(h.Delivery.Namespaces, ns) {
		return delivery.Held{}, &errNotHere{key}
	}
	all, _ := h.managedSecrets(c)
	for _, s := range append(delivery.Holding(all, a.ID), delivery.Declaring(all, a.Name)...) {
		if s.Namespace == ns && s.Name == name {
			return s, nil
		}
	}
	return delivery.Held{}, &errNotHere{key}
}

// automationStates is each account's automatic rotation, for the list's
// filter and summary (internal/automation decides what it is).
func automationStates(held []delivery.Held, all []runai.ServiceAccount, now time.Time) map[string]listview.Automation {
	states := automation.States(held, all, now)
	if len(states) == 0 {
		return nil
	}
	out := make(map[string]listview.Automation, len(states))
	for id, st := range states {
		out[id] = listview.Automation{Automated: st.Automated, Waiting: st.Waiting, Due: st.Due, Failing: st.Failing}
	}
	return out
}
