package runai

import "time"

// AuditEvent is one entry of the Run:ai audit log (GET /api/v1/audit/log):
// who did what to which entity, when, and whether it succeeded. Fields
// the API left out are empty.
type AuditEvent struct {
	ID          string
	Time        time.Time
	Subject     string // the user or application that called the API
	SubjectType string // "User" or "App"
	SourceIP    string
	Action      string // create, update, delete, sign-in…
	Method      string // the HTTP method of the call
	URL         string
	Result      string // "Succeeded" or "Failed"
	Status      int    // the HTTP status the call was answered with
	EntityType  string // not documented: see internal/history
	EntityName  string
	EntityID    string
	RequestID   string // the X-Request-ID the call carried
	ClusterName string
	Metadata    map[string]string
}

// Failed reports whether the call the event records did not succeed.
func (e AuditEvent) Failed() bool {
	return e.Result == AuditFailed || (e.Result == "" && e.Status >= 400)
}

// The audit log's results.
const (
	AuditSucceeded = "Succeeded"
	AuditFailed    = "Failed"
)

// AuditPage is one page of the audit log. Next is the offset of the
// following page, 0 when this was the last.
type AuditPage struct {
	Events []AuditEvent
	Total  int
	Next   int
}

// MaxAuditPage is the most events one audit-log call may ask for.
const MaxAuditPage = 1000

// AuditQuery selects a page of the audit log. Start and End are required
// by the API; Limit is at most MaxAuditPage (0 means the API's default,
// 20).
type AuditQuery struct {
	Start, End time.Time
	Offset     int
	Limit      int
	// NewestFirst sorts by time, newest first (the API's default is
	// oldest first).
	NewestFirst bool
	// Filters are filterBy terms, "field==value" and the like; the API
	// joins them with "and".
	Filters []string
}
