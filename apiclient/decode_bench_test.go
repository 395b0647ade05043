package apiclient

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/benchpair"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// The large answers, as the stub gives them at the figures' tenant (1000
// accounts, 1500 service-account rules): the account list, a page of 500
// rules, a page of the audit log.

// answer is the stub's body for a GET of target at n accounts and rules.
func answer(tb testing.TB, n, rules int, target string) []byte {
	tb.Helper()
	s := stub.New(stub.Config{Seed: n, AdminTokens: []string{"t"}})
	if rules > 0 {
		s.GrowRules(rules)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "Bearer t")
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		tb.Fatalf("stub %s: %d", target, rec.Code)
	}
	return rec.Body.Bytes()
}

// listBody is the stub's answer to the list at n accounts.
func listBody(tb testing.TB, n int) []byte {
	return answer(tb, n, 0, accountsPath)
}

// rulesBody is a page of 500 rules.
func rulesBody(tb testing.TB) []byte {
	return answer(tb, 1000, 1500, rulesPath+"?"+url.Values{"filterBy": {serviceAccountSubjects}, "limit": {"500"}}.Encode())
}

// auditBody is the first page (up to 1000 events) of the last 30 days.
func auditBody(tb testing.TB) []byte {
	now := time.Now().UTC()
	q := url.Values{"start": {now.Add(-30 * 24 * time.Hour).Format(time.RFC3339)}, "end": {now.Format(time.RFC3339)},
		"numberOfSamples": {"1000"}, "sortBy": {"timestamp"}, "sortOrder": {"desc"}}
	return answer(tb, 1000, 1500, auditPath+"?"+q.Encode())
}

// The plain shapes a decode that trusts the document would use, with
// encoding/json: the floor the client's tolerant decode is measured
// against.

type plainAccount struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	ClientID  string     `json:"clientId"`
	CreatedBy string     `json:"createdBy"`
	TenantID  string     `json:"tenantId"`
	Enabled   bool       `json:"enabled"`
	CreatedAt *time.Time `json:"createdAt"`
	UpdatedAt *time.Time `json:"updatedAt"`
	LastLogin *time.Time `json:"lastLogin"`
}

type plainRules struct {
	TotalRecords int `json:"totalRecords"`
	AccessRules  []struct {
		ID          int        `json:"id"`
		SubjectID   string     `json:"subjectId"`
		SubjectType string     `json:"subjectType"`
		RoleID      int        `json:"roleId"`
		RoleName    string     `json:"roleName"`
		ScopeID     string     `json:"scopeId"`
		ScopeType   string     `json:"scopeType"`
		ScopeName   string     `json:"scopeName"`
		ClusterID   *string    `json:"clusterId"`
		CreatedBy   string     `json:"createdBy"`
		CreatedAt   *time.Time `json:"createdAt"`
		Status      *struct {
			Phase string `json:"phase"`
		} `json:"status"`
	} `json:"accessRules"`
}

type plainAudit struct {
	Total     int `json:"total"`
	Next      int `json:"next"`
	AuditLogs []struct {
		ID          string            `json:"id"`
		Timestamp   time.Time         `json:"timestamp"`
		Subject     string            `json:"subject"`
		SubjectType string            `json:"subject_type"`
		SourceIP    string            `json:"source_ip"`
		Action      string            `json:"action"`
		HTTPMethod  string            `json:"http_method"`
		URL         string            `json:"url"`
		Result      string            `json:"result"`
		Status      int               `json:"http_status_code"`
		EntityType  string            `json:"entity_type"`
		EntityName  string            `json:"entity_name"`
		EntityID    string            `json:"entity_id"`
		RequestID   string            `json:"request_id"`
		ClusterName string            `json:"cluster_name"`
		Metadata    map[string]string `json:"metadata"`
	} `json:"audit_logs"`
}

// BenchmarkDecodePair is the pair behind the tolerant-decode targets:
// the client's decode of each large answer (one pass, encoding/json/v2's
// implementation, the tolerant types) against a plain struct decode of
// the same body with encoding/json, interleaved.
func BenchmarkDecodePair(b *testing.B) {
	cases := []struct {
		name          string
		body          []byte
		tolerant, std func([]byte) error
	}{
		{"accounts", listBody(b, 1000),
			func(body []byte) error { _, err := decodeAccounts(body); return err },
			func(body []byte) error { var v []plainAccount; return json.Unmarshal(body, &v) }},
		{"rules", rulesBody(b),
			func(body []byte) error { _, _, _, err := decodeRulesPage(body, 0); return err },
			func(body []byte) error { var v plainRules; return json.Unmarshal(body, &v) }},
		{"audit", auditBody(b),
			func(body []byte) error { _, err := decodeAuditPage(body, 0); return err },
			func(body []byte) error { var v plainAudit; return json.Unmarshal(body, &v) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.body)))
			benchpair.Run(b, func() {
				if err := tc.tolerant(tc.body); err != nil {
					b.Fatal(err)
				}
			}, func() {
				if err := tc.std(tc.body); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// TestDecodeAgreesWithPlain: the tolerant decode of each large answer
// reads what encoding/json reads from it.
func TestDecodeAgreesWithPlain(t *testing.T) {
	body := listBody(t, 50)
	got, err := decodeAccounts(body)
	var plain []plainAccount
	if err != nil || json.Unmarshal(body, &plain) != nil || len(got) != 50 {
		t.Fatal(err)
	}
	for i, p := range plain {
		g := got[i]
		if g.ID != p.ID || g.Name != p.Name || g.ClientID != p.ClientID || g.CreatedBy != p.CreatedBy || g.TenantID != p.TenantID ||
			g.Enabled != p.Enabled || !g.CreatedAt.Equal(*p.CreatedAt) ||
			(p.LastLogin == nil) != g.LastLogin.IsZero() || (p.LastLogin != nil && !p.LastLogin.Equal(g.LastLogin)) {
			t.Errorf("account %d: %+v vs %+v", i, g, p)
		}
	}

	body = rulesBody(t)
	rules, n, total, err := decodeRulesPage(body, 0)
	var pr plainRules
	if err != nil || json.Unmarshal(body, &pr) != nil || n != len(pr.AccessRules) || total == nil || *total != pr.TotalRecords || n == 0 {
		t.Fatalf("rules: %v, %d of %v", err, n, total)
	}
	for i, p := range pr.AccessRules {
		g := rules[i]
		if g.ID != p.ID || g.SubjectID != p.SubjectID || g.RoleID != p.RoleID || g.ScopeID != p.ScopeID || g.ScopeName != p.ScopeName ||
			string(g.ScopeType) != p.ScopeType || g.CreatedBy != p.CreatedBy || !g.CreatedAt.Equal(*p.CreatedAt) {
			t.Errorf("rule %d: %+v vs %+v", i, g, p)
		}
	}

	body = auditBody(t)
	page, err := decodeAuditPage(body, 0)
	var pa plainAudit
	if err != nil || json.Unmarshal(body, &pa) != nil || len(page.Events) != len(pa.AuditLogs) || len(page.Events) == 0 {
		t.Fatalf("audit: %v, %d events", err, len(page.Events))
	}
	for i, p := range pa.AuditLogs {
		g := page.Events[i]
		if g.ID != p.ID || !g.Time.Equal(p.Timestamp) || g.Subject != p.Subject || g.Action != p.Action || g.Status != p.Status ||
			g.EntityID != p.EntityID || g.EntityName != p.EntityName || len(g.Metadata) != len(p.Metadata) {
			t.Errorf("event %d: %+v vs %+v", i, g, p)
		}
		for k, v := range p.Metadata {
			if g.Metadata[k] != v {
				t.Errorf("event %d: metadata %q = %q, want %q", i, k, g.Metadata[k], v)
			}
		}
	}
}

// BenchmarkDecodeTooMany is the cost of refusing a listing of 25,000
// accounts (the API holds 1000): counted, never decoded.
func BenchmarkDecodeTooMany(b *testing.B) {
	one := listBody(b, 1)
	item := one[1 : len(one)-2] // the one account, without brackets and newline
	body := append([]byte("["), item...)
	for range 24_999 {
		body = append(append(body, ','), item...)
	}
	body = append(body, ']')
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var tm *TooManyError
		if _, err := decodeAccounts(body); !errors.As(err, &tm) || tm.Count != 25_000 {
			b.Fatalf("err = %v, want 25,000 refused", err)
		}
	}
}
