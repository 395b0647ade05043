package automation

import (
	"errors"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Step is what to do now for one Secret. Its value is the phase the
// Secret's annotation shows while the step is next.
type Step string

// The steps, in the order a rotation meets them.
const (
	Idle          Step = "idle"                 // nothing to do: not automated, or retired for good
	Paused        Step = "paused"               // the Secret's or the whole automation's pause
	Invalid       Step = "invalid-policy"       // a policy annotation out of bounds
	AwaitApproval Step = "waiting-for-approval" // declared in Git, not approved yet
	Missing       Step = "account-missing"      // the declared or held account does not exist
	Adopt         Step = "adopt"                // approved: bind the Secret to the declared account
	Wait          Step = "waiting"              // until the next rotation is due
	Start         Step = "start"                // create the successor
	CopyRules     Step = "copy-rules"           // give the successor the old account's rules
	HandOver      Step = "hand-over"            // regenerate the successor's secret, obtain a token, write the Secret, restart
	AwaitEvidence Step = "awaiting-evidence"    // until the successor is used and the old account is not
	Disable       Step = "disable-old"          // retire the old account
	Delete        Step = "delete-old"           // delete the old account, disabled long enough
	// Failing is the phase of a Secret whose last step failed (its last
	// error says why); never a decision.
	Failing Step = "failing"
)

// Acts reports whether the step changes anything in Run:ai or the
// Secret's data (the steps a dry run only announces).
func (s Step) Acts() bool {
	switch s {
	case Adopt, Start, CopyRules, HandOver, Disable, Delete:
		return true
	}
	return false
}

// Rotating reports whether a Secret whose phase is this step has a
// rotation under way (started, not handed over), for the bound on
// rotations at once. The phase is the last step taken.
func (s Step) Rotating() bool { return s == Start || s == CopyRules }

// EvidencePoll is how often the evidence is read again while the
// successor has not been used since the hand-over: lastLogin lives in
// Run:ai, which has nothing to watch.
const EvidencePoll = 10 * time.Minute

// SecretState is what the Secret says.
type SecretState struct {
	// Declared: it holds no credentials yet (created in Git with a
	// service-account name and a policy).
	Declared    bool
	AccountName string // the service-account annotation
	AccountID   string // service-account-id; "" until a declaration is adopted
	Approved    bool   // by an admin, or ahead by the allow-list
	DeliveredAt time.Time
	// PredecessorID is the account a hand-over replaced, HandedOverAt
	// when; DisabledAt when the automation disabled it.
	PredecessorID string
	HandedOverAt  time.Time
	DisabledAt    time.Time
	// NextStepAt is the due time drawn with its random delay.
	NextStepAt time.Time
}

// Input is everything a decision depends on.
type Input struct {
	Now       time.Time
	Policy    Policy
	PolicyErr error // from ParsePolicy
	Paused    bool  // the whole automation is paused
	Secret    SecretState
	// Held is the account the Secret holds (by id), or for a declaration
	// the account it names (by name); nil when Run:ai has none.
	Held *runai.ServiceAccount
	// Successor is Held's successor in a rotation not yet handed over,
	// Predecessor the account a hand-over replaced, while it exists.
	Successor, Predecessor *runai.ServiceAccount
	// RulesCopied: the successor has every rule of Held.
	RulesCopied bool
}

// Decision is the step to take now, when to look again, and why.
type Decision struct {
	Step Step
	// At is when to decide again for a waiting step; zero when only a
	// change of the Secret can change the decision.
	At  time.Time
	Why string
}

// Decide says what to do now for one Secret. It is pure: the same input
// gives the same decision, whichever replica asks, after any crash.
func Decide(in Input) Decision {
	s, p := in.Secret, in.Policy
	switch {
	case errors.Is(in.PolicyErr, ErrNoPolicy):
		return Decision{Step: Idle, Why: "no rotate-every annotation: not automated"}
	case in.PolicyErr != nil:
		return Decision{Step: Invalid, Why: in.PolicyErr.Error()}
	case in.Paused:
		return Decision{Step: Paused, Why: "the automation is paused (AUTOMATION_PAUSED)"}
	case p.Paused:
		return Decision{Step: Paused, Why: "the Secret is paused (" + AnnPaused + ")"}
	}
	if s.AccountID == "" { // a declaration
		switch {
		case !s.Approved:
			return Decision{Step: AwaitApproval, Why: "declared for " + s.AccountName + ": an admin who may manage it approves it, or AUTOMATION_ADOPT does"}
		case in.Held == nil:
			return Decision{Step: Missing, Why: "the service account " + s.AccountName + " does not exist"}
		}
		return Decision{Step: Adopt, Why: "approved: the Secret is bound to " + in.Held.Name}
	}
	if in.Held == nil {
		return Decision{Step: Missing, Why: "the service account " + s.AccountName + " it holds no longer exists"}
	}
	if old := in.Predecessor; old != nil {
		return retire(in, old)
	}
	if in.Successor != nil {
		if !in.RulesCopied {
			return Decision{Step: CopyRules, Why: in.Successor.Name + " lacks access rules of " + in.Held.Name}
		}
		return Decision{Step: HandOver, Why: in.Successor.Name + " has every rule of " + in.Held.Name + "; the Secret does not hold it yet"}
	}
	due := in.Now
	if !s.Declared && !s.DeliveredAt.IsZero() {
		due = s.DeliveredAt.Add(p.RotateEvery)
	}
	if s.NextStepAt.After(due) { // its random delay
		due = s.NextStepAt
	}
	if in.Now.Before(due) {
		return Decision{Step: Wait, At: due, Why: "the next rotation is due " + due.UTC().Format(time.RFC3339)}
	}
	return Decision{Step: Start, Why: "due (policy: " + p.String() + ")"}
}

// retire is the decision after a hand-over while the old account exists:
// wait for the evidence, disable it, delete it.
func retire(in Input, old *runai.ServiceAccount) Decision {
	s, p, succ := in.Secret, in.Policy, in.Held
	if old.Enabled {
		if !succ.LastLogin.After(s.HandedOverAt) {
			return Decision{Step: AwaitEvidence, At: in.Now.Add(EvidencePoll),
				Why: succ.Name + " has not obtained a token since the hand-over; " + old.Name + " stays enabled"}
		}
		since := s.HandedOverAt
		if old.LastLogin.After(since) {
			since = old.LastLogin
		}
		if at := since.Add(p.RetireAfterUnused); in.Now.Before(at) {
			return Decision{Step: AwaitEvidence, At: at,
				Why: succ.Name + " is in use; " + old.Name + " is disabled once unused for " + Duration(p.RetireAfterUnused) + ", at " + at.UTC().Format(time.RFC3339) + " if it obtains no token meanwhile"}
		}
		return Decision{Step: Disable, Why: old.Name + " obtained no token for " + Duration(p.RetireAfterUnused) + " while " + succ.Name + " is in use"}
	}
	if p.DeleteNever {
		return Decision{Step: Idle, Why: old.Name + " is disabled and kept (delete-after: never); no new rotation starts while it exists"}
	}
	disabled := s.DisabledAt
	if disabled.IsZero() {
		disabled = old.UpdatedAt // disabled by someone else: Run:ai's last change
	}
	if at := disabled.Add(p.DeleteAfter); in.Now.Before(at) {
		return Decision{Step: Wait, At: at, Why: old.Name + " is disabled; it is deleted at " + at.UTC().Format(time.RFC3339)}
	}
	return Decision{Step: Delete, Why: old.Name + " has been disabled for " + Duration(p.DeleteAfter)}
}
