// Package record keeps the dashboard's own account of the changes it made
// on Run:ai: when, for which SSO identity and Run:ai subject, what, on
// which account, with which outcome, and the request id it sent upstream,
// so that Run:ai's audit log can be joined with the human behind a shared
// admin token. It never holds a secret or a token: Entry has no field for
// one.
//
// The record is bounded (the oldest entries go first) and lives in
// memory, in a file of JSON lines, or in Redis, the last two surviving a
// restart.
//
// A change is recorded twice: its intent before it is sent (outcome
// Pending), its outcome once Run:ai answered, both lines under the
// change's ID; readers see one entry per change, the newest line's. So a
// process killed while a change was on its way leaves the change in the
// record, its outcome unknown.
package record

import (
	"context"
	"errors"
	"slices"
	"time"
)

// DefaultLimit is how many entries a record keeps unless told otherwise.
const DefaultLimit = 10_000

// Outcomes of an entry.
const (
	Succeeded = "success"
	Failed    = "failure"
	Unknown   = "unknown" // no answer: the change may or may not have happened
	// Pending is a change's intent, recorded before it is sent: until its
	// outcome is recorded (and for good, if the process ended first) it
	// may or may not have happened.
	Pending = "pending"
)

// Entry is one change the dashboard sent (or tried to send).
type Entry struct {
	// ID names the change: its intent and its outcome share it. Entries
	// without one stand alone.
	ID          string    `json:"id,omitempty"`
	Time        time.Time `json:"time"`
	SSO         string    `json:"sso,omitempty"`     // the SSO identity, behind a proxy
	Subject     string    `json:"subject,omitempty"` // the Run:ai subject of the token used
	Action      string    `json:"action"`            // the audit log's action name: "disable", "bulk-delete"…
	AccountID   string    `json:"account_id,omitempty"`
	AccountName string    `json:"account_name,omitempty"`
	Detail      string    `json:"detail,omitempty"` // what beyond the account: an access rule
	Outcome     string    `json:"outcome"`
	Status      int       `json:"status,omitempty"` // Run:ai's HTTP status on failure
	RequestID   string    `json:"request_id,omitempty"`
	// Session is the (hashed) session that made the change: a session
	// sees its own changes whatever its token may read.
	Session string `json:"session,omitempty"`
}

// Store keeps a bounded record. Implementations are safe for concurrent
// use.
type Store interface {
	// Add appends an entry, dropping the oldest past the limit.
	Add(ctx context.Context, e Entry) error
	// Recent returns up to n entries, newest first.
	Recent(ctx context.Context, n int) ([]Entry, error)
	// Identities returns, for each of ids the record holds, the SSO
	// identities its entries name ("" for a change made without a
	// proxy): what joins Run:ai's audit log with the people behind it,
	// without reading the whole record.
	Identities(ctx context.Context, ids []string) (map[string][]string, error)
	// Backend names where the record lives: "memory", "file" or "redis".
	Backend() string
	Close() error
}

// ErrUnavailable wraps a failure to reach the record's storage.
var ErrUnavailable = errors.New("the dashboard's record is unavailable")

// linesPerEntry is how many lines a change takes (intent and outcome):
// stores keep as many times their limit in lines.
const linesPerEntry = 2

// merge folds the lines of each change into one entry, newest first: the
// newest line of a change (its outcome, or its intent alone) stands for
// it, at the time of its intent. lines are newest first; at most n
// entries are returned.
func merge(lines []Entry, n int) []Entry {
	out := make([]Entry, 0, min(n, len(lines)))
	seen := make(map[string]bool, len(lines))
	for _, e := range lines {
		if e.ID != "" {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
		}
		out = append(out, e)
	}
	// An outcome line comes after the intents of changes sent meanwhile:
	// order by the time each change was sent.
	slices.SortStableFunc(out, func(a, b Entry) int { return b.Time.Compare(a.Time) })
	return out[:min(n, len(out))]
}
