// Package automation rotates delivered credentials on a schedule and
// retires the old account on evidence that nothing uses it any more.
//
// The policy and the state live on the Kubernetes Secret (annotations
// under runai-tools.github.io/), the accounts in Run:ai; nothing is kept
// anywhere else, so any replica that leads resumes from what the two say.
// Decide is the whole decision, a pure function; the Reconciler gathers
// its inputs, performs the one step it names, records the outcome on the
// Secret, and comes back when the next step is due.
package automation

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
)

// The policy annotations: a contract with users, who declare them in Git.
const (
	AnnRotateEvery       = delivery.Prefix + "rotate-every"
	AnnRetireAfterUnused = delivery.Prefix + "retire-after-unused"
	AnnDeleteAfter       = delivery.Prefix + "delete-after"
	AnnRestartWorkloads  = delivery.Prefix + "restart-workloads"
	AnnPaused            = delivery.Prefix + "paused"
)

// The status annotations the controller writes, and the approval.
const (
	AnnPhase      = delivery.Prefix + "phase"
	AnnLastError  = delivery.Prefix + "last-error"
	AnnNextStepAt = delivery.Prefix + "next-step-at"
	AnnDisabledAt = delivery.Prefix + "disabled-at" // when the old account was disabled
	AnnApprovedBy = delivery.Prefix + "approved-by"
	AnnApprovedAt = delivery.Prefix + "approved-at"
)

// Bounds and defaults of the policy.
const (
	MinRotateEvery           = 24 * time.Hour
	TokenLifetime            = time.Hour // Run:ai's expires_in: a token outlives its account's last login by this
	DefaultRetireAfterUnused = 24 * time.Hour
	DefaultDeleteAfter       = 168 * time.Hour
)

// Policy is what a Secret asks of the automation.
type Policy struct {
	RotateEvery       time.Duration
	RetireAfterUnused time.Duration
	DeleteAfter       time.Duration
	DeleteNever       bool
	RestartWorkloads  bool
	Paused            bool
}

// String is the policy in a few words, for history and Events.
func (p Policy) String() string {
	return "every " + Duration(p.RotateEvery)
}

// PolicyError is a policy annotation whose value is out of bounds.
type PolicyError struct {
	Annotation, Value string
	Want              string // what it should be, in words
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("%s: %q is not %s", e.Annotation, e.Value, e.Want)
}

// ErrNoPolicy is a Secret without rotate-every: not automated.
var ErrNoPolicy = errors.New("automation: no rotate-every annotation")

// ParsePolicy reads the policy annotations: ErrNoPolicy without
// rotate-every, an error naming the annotation for a value out of bounds.
func ParsePolicy(ann map[string]string) (Policy, error) {
	raw, ok := ann[AnnRotateEvery]
	if !ok {
		return Policy{}, ErrNoPolicy
	}
	p := Policy{RetireAfterUnused: DefaultRetireAfterUnused, DeleteAfter: DefaultDeleteAfter}
	var err error
	if p.RotateEvery, err = ParseDuration(raw); err != nil || p.RotateEvery < MinRotateEvery {
		return Policy{}, &PolicyError{AnnRotateEvery, raw, "a duration of at least 24h (such as 720h or 30d)"}
	}
	if v, ok := ann[AnnRetireAfterUnused]; ok {
		if p.RetireAfterUnused, err = ParseDuration(v); err != nil || p.RetireAfterUnused < TokenLifetime {
			return Policy{}, &PolicyError{AnnRetireAfterUnused, v, "a duration of at least one token lifetime (1h)"}
		}
	}
	if v, ok := ann[AnnDeleteAfter]; ok {
		if v == "never" {
			p.DeleteNever = true
		} else if p.DeleteAfter, err = ParseDuration(v); err != nil || p.DeleteAfter < 0 {
			return Policy{}, &PolicyError{AnnDeleteAfter, v, "a duration (such as 168h or 7d) or never"}
		}
	}
	if p.RestartWorkloads, err = flag(ann, AnnRestartWorkloads); err != nil {
		return Policy{}, err
	}
	if p.Paused, err = flag(ann, AnnPaused); err != nil {
		return Policy{}, err
	}
	return p, nil
}

func flag(ann map[string]string, key string) (bool, error) {
	v, ok := ann[key]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &PolicyError{key, v, "true or false"}
	}
	return b, nil
}

// ParseDuration is time.ParseDuration that also takes whole days ("30d").
func ParseDuration(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("automation: bad number of days %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// Duration writes d as whole days ("30d") or whole hours ("36h") when it
// is, else as Go does ("90m0s").
func Duration(d time.Duration) string {
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d > 0 && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return d.String()
}
