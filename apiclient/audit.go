package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

const auditPath = "/api/v1/audit/log"

// errAuditRange guards a query the API would refuse.
var errAuditRange = errors.New("the audit-log query needs a start before its end")

// ListAuditLog returns one page of the tenant's audit log. Only admins
// with tenant-wide rights may read it: others get an *Error with status
// 403 (see IsForbidden).
func (c *Client) ListAuditLog(ctx context.Context, token string, q runai.AuditQuery) (runai.AuditPage, error) {
	const op = "read the audit log"
	if q.Start.IsZero() || q.End.IsZero() || !q.Start.Before(q.End) {
		return runai.AuditPage{}, fmt.Errorf("apiclient: %s: %w", op, errAuditRange)
	}
	// Whole seconds, widened: the start rounded down, the end up.
	end := q.End.UTC()
	if t := end.Truncate(time.Second); !t.Equal(end) {
		end = t.Add(time.Second)
	}
	v := url.Values{
		"start": {q.Start.UTC().Truncate(time.Second).Format(time.RFC3339)},
		"end":   {end.Format(time.RFC3339)},
	}
	if q.Offset > 0 {
		v.Set("offset", strconv.Itoa(q.Offset))
	}
	if q.Limit > 0 {
		v.Set("numberOfSamples", strconv.Itoa(min(q.Limit, runai.MaxAuditPage)))
	}
	if q.NewestFirst {
		v.Set("sortBy", "timestamp")
		v.Set("sortOrder", "desc")
	}
	if len(q.Filters) > 0 {
		v.Set("filterBy", strings.Join(q.Filters, ","))
	}
	resp, err := c.do(ctx, request{op: op, metric: "audit", method: http.MethodGet, path: auditPath + "?" + v.Encode(), token: token})
	if err != nil {
		return runai.AuditPage{}, err
	}
	page, err := c.auditFrom(resp.body, q.Offset)
	resp.release()
	if err != nil {
		return runai.AuditPage{}, fmt.Errorf("apiclient: %s: %w", op, err)
	}
	return page, nil
}

// wireAuditEvent is the AuditLog schema.
type wireAuditEvent struct {
	ID          string     `json:"id"`
	Timestamp   nullTime   `json:"timestamp"`
	Subject     string     `json:"subject"`
	SubjectType string     `json:"subject_type"`
	SourceIP    string     `json:"source_ip"`
	Action      string     `json:"action"`
	HTTPMethod  string     `json:"http_method"`
	URL         string     `json:"url"`
	Result      string     `json:"result"`
	Status      flexInt    `json:"http_status_code"`
	EntityType  string     `json:"entity_type"`
	EntityName  string     `json:"entity_name"`
	EntityID    flexString `json:"entity_id"`
	RequestID   string     `json:"request_id"`
	ClusterName string     `json:"cluster_name"`
	Metadata    stringMap  `json:"metadata"`
}

// decodeAuditPage reads one page. The document names the array
// "audit_logs" but lists "logs" as required: either is taken. An event
// without a time cannot be placed in a history and fails the page.
func decodeAuditPage(body []byte, offset int) (runai.AuditPage, error) {
	var w struct {
		Total     *flexInt         `json:"total"`
		Next      *flexInt         `json:"next"`
		AuditLogs []wireAuditEvent `json:"audit_logs"`
		Logs      []wireAuditEvent `json:"logs"`
	}
	if err := unmarshalPage(body, &w, offset); err != nil {
		return runai.AuditPage{}, fmt.Errorf("decode response: %w", err)
	}
	items := w.AuditLogs
	if items == nil {
		items = w.Logs
	}
	page := runai.AuditPage{Events: make([]runai.AuditEvent, 0, len(items))}
	for i, e := range items {
		if e.Timestamp.t.IsZero() {
			return runai.AuditPage{}, fmt.Errorf("decode item %d: %w", offset+i, missingField("timestamp"))
		}
		page.Events = append(page.Events, runai.AuditEvent{
			ID: e.ID, Time: e.Timestamp.t, Subject: e.Subject, SubjectType: e.SubjectType, SourceIP: e.SourceIP,
			Action: e.Action, Method: e.HTTPMethod, URL: e.URL, Result: e.Result, Status: int(e.Status),
			EntityType: e.EntityType, EntityName: e.EntityName, EntityID: e.EntityID.s, RequestID: e.RequestID,
			ClusterName: e.ClusterName, Metadata: e.Metadata,
		})
	}
	if w.Total != nil {
		page.Total = int(*w.Total)
	}
	end := offset + len(items)
	switch {
	case len(items) == 0:
	case w.Next != nil && int(*w.Next) > offset:
		page.Next = int(*w.Next)
	case w.Next == nil && w.Total != nil && end < page.Total:
		page.Next = end
	}
	return page, nil
}
