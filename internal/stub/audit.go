package stub

import (
	"cmp"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// The stub's choice of the audit log's undocumented entity types.
const (
	EntityServiceAccount = "service-account"
	EntityAccessRule     = "access-rule"
)

// maxAudit bounds the audit log the stub keeps (load tests make many
// changes); the oldest entries go first.
const maxAudit = 100_000

// auditEntry is the AuditLog schema.
type auditEntry struct {
	ID          string            `json:"id"`
	TenantID    string            `json:"tenant_id"`
	Timestamp   string            `json:"timestamp"`
	Subject     string            `json:"subject"`
	SubjectType string            `json:"subject_type"`
	SourceIP    string            `json:"source_ip,omitempty"`
	Action      string            `json:"action"`
	HTTPMethod  string            `json:"http_method,omitempty"`
	URL         string            `json:"url,omitempty"`
	Result      string            `json:"result"`
	Status      int               `json:"http_status_code,omitempty"`
	EntityType  string            `json:"entity_type,omitempty"`
	EntityName  string            `json:"entity_name,omitempty"`
	EntityID    string            `json:"entity_id,omitempty"`
	RequestID   string            `json:"request_id,omitempty"`
	ClusterName string            `json:"cluster_name,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	at          time.Time
}

// auditNote is what an operation tells the audit log about the entity it
// changed (or failed to); ServeHTTP adds who, when and the outcome.
type auditNote struct {
	action     string // create, update, delete, sign-in
	entityType string
	entityID   string
	entityName string
	meta       map[string]string
}

// AuditEvent is an entry of the stub's audit log, for tests.
type AuditEvent = runai.AuditEvent

// AuditLog returns the audit log, oldest first.
func (s *Server) AuditLog() []AuditEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AuditEvent, len(s.audit))
	for i, e := range s.audit {
		out[i] = e.event()
	}
	return out
}

func (e auditEntry) event() AuditEvent {
	return AuditEvent{
		ID: e.ID, Time: e.at, Subject: e.Subject, SubjectType: e.SubjectType, SourceIP: e.SourceIP, Action: e.Action,
		Method: e.HTTPMethod, URL: e.URL, Result: e.Result, Status: e.Status, EntityType: e.EntityType,
		EntityName: e.EntityName, EntityID: e.EntityID, RequestID: e.RequestID, ClusterName: e.ClusterName, Metadata: e.Metadata,
	}
}

// logChange appends the entry for an answered change; the caller does not
// hold s.mu.
func (s *Server) logChange(r *http.Request, sess session, n auditNote, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	subject, subjectType := sess.identity, "User"
	if sess.accountID != "" {
		subjectType = "App"
		if a, ok := s.accounts[sess.accountID]; ok {
			subject = a.ClientID
		}
	}
	result := runai.AuditSucceeded
	if status >= 400 {
		result = runai.AuditFailed
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	s.appendAudit(auditEntry{
		Subject: subject, SubjectType: subjectType, SourceIP: ip, Action: n.action, HTTPMethod: r.Method,
		URL: r.URL.Path, Result: result, Status: status, EntityType: n.entityType, EntityID: n.entityID,
		EntityName: n.entityName, RequestID: r.Header.Get("X-Request-ID"), Metadata: n.meta, at: s.now(),
	})
}

// appendAudit stores an entry, filling its id and tenant; the caller holds
// s.mu.
func (s *Server) appendAudit(e auditEntry) {
	if e.ID == "" {
		e.ID = uuid.NewString()
	}
	e.TenantID = s.cfg.TenantID
	e.Timestamp = e.at.UTC().Format(time.RFC3339Nano)
	if len(s.audit) >= maxAudit {
		s.audit = slices.Delete(s.audit, 0, len(s.audit)-maxAudit+1)
	}
	// Kept in time order (listAudit relies on it): an entry is never
	// older than the one before.
	if n := len(s.audit); n > 0 && e.at.Before(s.audit[n-1].at) {
		e.at = s.audit[n-1].at
		e.Timestamp = e.at.UTC().Format(time.RFC3339Nano)
	}
	s.audit = append(s.audit, e)
}

// ruleNote describes a rule for the audit log: its subject in the
// metadata, so that a history can tell whose rule it was.
func (s *Server) ruleNote(action string, r Rule) auditNote {
	role := r.RoleName
	if role == "" {
		if ro, ok := s.role(r.RoleID); ok {
			role = ro.Name
		}
	}
	path := s.scopePath(r.ScopeType, r.ScopeID)
	var id string
	if r.ID != 0 {
		id = strconv.Itoa(r.ID)
	}
	return auditNote{action: action, entityType: EntityAccessRule, entityID: id, entityName: role + " · " + path,
		meta: map[string]string{"subjectId": r.SubjectID, "subjectType": r.SubjectType, "roleName": role, "scopeType": string(r.ScopeType),
			"scopeName": r.ScopeName, "scopePath": path}}
}

// auditFilter is the AuditLogFilter parameter's pattern.
var auditFilter = regexp.MustCompile(`^(timestamp|subject|subject_type|source_ip|action|result|url|entity_type|entity_name|cluster_name)(==|!=|<=|>=|=@|!@|=\^|=\$)(.+)$`)

var auditSortable = []string{"timestamp", "subject", "subject_type", "source_ip", "action", "http_method", "result", "url", "entity_type", "entity_name", "entity_id"}

func (e auditEntry) field(name string) string {
	switch name {
	case "timestamp":
		return e.Timestamp
	case "subject":
		return e.Subject
	case "subject_type":
		return e.SubjectType
	case "source_ip":
		return e.SourceIP
	case "action":
		return e.Action
	case "http_method":
		return e.HTTPMethod
	case "result":
		return e.Result
	case "url":
		return e.URL
	case "entity_type":
		return e.EntityType
	case "entity_name":
		return e.EntityName
	case "entity_id":
		return e.EntityID
	case "cluster_name":
		return e.ClusterName
	}
	return ""
}

type auditTerm struct {
	field, op, value string
	at               time.Time
}

func (t auditTerm) match(e auditEntry) bool {
	if t.field == "timestamp" {
		switch t.op {
		case "==":
			return e.at.Equal(t.at)
		case "!=":
			return !e.at.Equal(t.at)
		case "<=":
			return !e.at.After(t.at)
		case ">=":
			return !e.at.Before(t.at)
		}
		return false
	}
	v := e.field(t.field)
	switch t.op {
	case "==":
		return v == t.value
	case "!=":
		return v != t.value
	case "<=":
		return v <= t.value
	case ">=":
		return v >= t.value
	case "=@":
		return strings.Contains(v, t.value)
	case "!@":
		return !strings.Contains(v, t.value)
	case "=^":
		return strings.HasPrefix(v, t.value)
	case "=$":
		return strings.HasSuffix(v, t.value)
	}
	return false
}

// listAudit answers GET /api/v1/audit/log: start and end required, paged
// by offset and numberOfSamples (at most 1000), sorted, filtered. Only
// tenant-wide admins may read it: the admin, and service accounts holding
// the System administrator role on the tenant.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, sess session) {
	if sess.accountID != "" && !s.tenantAdmin(sess.accountID) {
		writeError(w, http.StatusForbidden, "reading the audit log needs a tenant-wide administrator role", "")
		return
	}
	q := r.URL.Query()
	start, err1 := time.Parse(time.RFC3339Nano, q.Get("start"))
	end, err2 := time.Parse(time.RFC3339Nano, q.Get("end"))
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusBadRequest, "start and end are required ISO 8601 date-times", "")
		return
	}
	limit, offset, err := pageParams(q, "numberOfSamples", 20, 0, runai.MaxAuditPage)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "")
		return
	}
	sortBy := cmp.Or(q.Get("sortBy"), "timestamp")
	order := cmp.Or(q.Get("sortOrder"), "asc")
	if !slices.Contains(auditSortable, sortBy) || (order != "asc" && order != "desc") {
		writeError(w, http.StatusBadRequest, "sortBy or sortOrder is not one of the allowed values", "")
		return
	}
	var terms []auditTerm
	for _, raw := range q["filterBy"] {
		for _, term := range strings.Split(raw, ",") {
			m := auditFilter.FindStringSubmatch(term)
			if m == nil {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("filterBy term %q is not field, operator, value", term), "")
				return
			}
			t := auditTerm{field: m[1], op: m[2], value: m[3]}
			if t.field == "timestamp" {
				if t.at, err = time.Parse(time.RFC3339Nano, t.value); err != nil {
					writeError(w, http.StatusBadRequest, fmt.Sprintf("filterBy term %q: not an ISO 8601 date-time", term), "")
					return
				}
			}
			terms = append(terms, t)
		}
	}
	keep := func(e auditEntry) bool {
		if e.at.Before(start) || e.at.After(end) {
			return false
		}
		for _, t := range terms {
			if !t.match(e) {
				return false
			}
		}
		return true
	}
	var page []auditEntry
	total := 0
	s.mu.Lock()
	if sortBy == "timestamp" {
		// The log is kept in time order: walk it (backwards for desc) and
		// copy only the page, counting the rest.
		for k := range s.audit {
			e := s.audit[k]
			if order == "desc" {
				e = s.audit[len(s.audit)-1-k]
			}
			if keep(e) {
				if total >= offset && len(page) < limit {
					page = append(page, e)
				}
				total++
			}
		}
		s.mu.Unlock()
	} else {
		var matched []auditEntry
		for _, e := range s.audit {
			if keep(e) {
				matched = append(matched, e)
			}
		}
		s.mu.Unlock()
		// Smallest first, ties in the order they happened; desc is the
		// exact reverse.
		slices.SortStableFunc(matched, func(a, b auditEntry) int { return cmp.Compare(a.field(sortBy), b.field(sortBy)) })
		if order == "desc" {
			slices.Reverse(matched)
		}
		total = len(matched)
		page = matched[min(offset, total):min(offset+limit, total)]
	}
	if page == nil {
		page = []auditEntry{}
	}
	// The document's schema names the array "audit_logs" and requires
	// "logs": both are sent.
	body := map[string]any{"total": total, "audit_logs": page, "logs": page}
	if offset+len(page) < total {
		body["next"] = offset + len(page)
	}
	writeJSON(w, http.StatusOK, body)
}

// tenantAdmin reports whether a service account holds the System
// administrator role on the tenant; the caller does not hold s.mu.
func (s *Server) tenantAdmin(accountID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[accountID]
	if !ok {
		return false
	}
	for _, r := range s.rules {
		if r.RoleID == roleSysAdmin && r.ScopeType == runai.ScopeTenant &&
			(r.SubjectID == a.ClientID || r.SubjectID == a.ID || r.SubjectID == a.Name) {
			return true
		}
	}
	return false
}
