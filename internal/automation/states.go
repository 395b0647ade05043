package automation

import (
	"time"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// State is what the Secrets that hold an account (or are declared for
// it) say of its automatic rotation.
type State struct {
	Automated bool // a Secret holding it carries a valid rotation policy
	Waiting   bool // a Secret declared for it waits for approval
	Due       bool // its rotation is due, or under way
	Failing   bool // the automation's last step failed, or the policy is not valid
	// LastRotation is the latest hand-over into a Secret that holds it
	// (zero when none is recorded).
	LastRotation time.Time
	// HandedOverFrom is when a Secret was handed over from this account
	// to its successor (it is the predecessor); zero when none was.
	HandedOverFrom time.Time
	// RotationDue is the earliest time a Secret holding it is due for
	// rotation by its policy (zero when none is automated).
	RotationDue time.Time
}

// States is each account's State, by account id, from the Secrets of
// held (a declaration names its account by name) at time now.
func States(held []delivery.Held, all []runai.ServiceAccount, now time.Time) map[string]State {
	if len(held) == 0 {
		return nil
	}
	byName := make(map[string]string, len(all))
	for _, a := range all {
		byName[a.Name] = a.ID
	}
	out := map[string]State{}
	for _, s := range held {
		id := s.AccountID
		if s.Declared {
			id = byName[s.Account]
		}
		if id == "" {
			continue
		}
		st := out[id]
		p, err := ParsePolicy(s.Ann)
		phase := Step(s.Ann[AnnPhase])
		switch {
		case s.Declared:
			st.Waiting = st.Waiting || s.Ann[AnnApprovedBy] == ""
		case err == nil:
			st.Automated = true
			due := !s.DeliveredAt.IsZero() && !now.Before(s.DeliveredAt.Add(p.RotateEvery))
			st.Due = st.Due || due || phase.Rotating()
		}
		st.Failing = st.Failing || phase == Failing || phase == Invalid
		if !s.Declared && s.HandedOverAt.After(st.LastRotation) {
			st.LastRotation = s.HandedOverAt
		}
		if err == nil && !s.Declared && !s.DeliveredAt.IsZero() {
			if due := s.DeliveredAt.Add(p.RotateEvery); st.RotationDue.IsZero() || due.Before(st.RotationDue) {
				st.RotationDue = due
			}
		}
		out[id] = st
		if pid := s.PredecessorID; pid != "" && !s.HandedOverAt.IsZero() {
			ps := out[pid]
			if s.HandedOverAt.After(ps.HandedOverFrom) {
				ps.HandedOverFrom = s.HandedOverAt
			}
			out[pid] = ps
		}
	}
	return out
}
