package apiclient_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/reqid"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// TestContractAuditLog reads the audit log through the client with both
// sides validated against the document: the changes just made are there,
// newest first, with the request id they carried; paging walks it all;
// filters narrow it; a service account without tenant-wide rights is
// refused with 403.
func TestContractAuditLog(t *testing.T) {
	s, c := contractEnv(t, "", stub.Config{Seed: 30})
	ctx := context.Background()
	token := adminToken(t, s, c)
	const reqID = "0b8e5b4c-5a57-4a54-9d4c-3b1b1c7e6f01"
	rctx := reqid.With(ctx, reqID)
	cr, err := c.CreateServiceAccount(rctx, token, "audited")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetServiceAccountEnabled(rctx, token, cr.ID, false); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	q := runai.AuditQuery{Start: now.Add(-91 * 24 * time.Hour), End: now.Add(time.Minute), Limit: 2, NewestFirst: true}
	page, err := c.ListAuditLog(ctx, token, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 2 || page.Next != 2 || page.Total < 30 {
		t.Fatalf("first page: %d events, next %d, total %d", len(page.Events), page.Next, page.Total)
	}
	dis, cre := page.Events[0], page.Events[1]
	if dis.Action != "update" || dis.EntityID != cr.ID || dis.EntityName != "audited" || dis.Metadata["enabled"] != "false" ||
		dis.RequestID != reqID || dis.Result != runai.AuditSucceeded || dis.Subject != "admin@example.com" {
		t.Errorf("disable event = %+v", dis)
	}
	if cre.Action != "create" || cre.EntityType != stub.EntityServiceAccount || cre.RequestID != reqID || cre.Status != http.StatusCreated {
		t.Errorf("create event = %+v", cre)
	}

	// Paging: all of it, each event once.
	seen := map[string]bool{}
	q.Limit = 7
	for q.Offset = 0; ; {
		p, err := c.ListAuditLog(ctx, token, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			if seen[e.ID] {
				t.Fatalf("event %s twice", e.ID)
			}
			seen[e.ID] = true
		}
		if p.Next == 0 {
			break
		}
		q.Offset = p.Next
	}
	if len(seen) != page.Total {
		t.Errorf("paged through %d events, total %d", len(seen), page.Total)
	}

	failed, err := c.ListAuditLog(ctx, token, runai.AuditQuery{Start: q.Start, End: q.End, Limit: 100, Filters: []string{"result==Failed"}})
	if err != nil || len(failed.Events) == 0 {
		t.Fatalf("failed events: %d, %v", len(failed.Events), err)
	}
	for _, e := range failed.Events {
		if !e.Failed() {
			t.Errorf("filter result==Failed gave %+v", e)
		}
	}

	// A service account without tenant-wide rights.
	saTok, err := c.ExchangeToken(ctx, cr.ClientID, cr.ClientSecret)
	if err == nil {
		t.Fatal("a disabled account got a token")
	}
	if err := c.SetServiceAccountEnabled(ctx, token, cr.ID, true); err != nil {
		t.Fatal(err)
	}
	if saTok, err = c.ExchangeToken(ctx, cr.ClientID, cr.ClientSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListAuditLog(ctx, saTok.AccessToken.Reveal(), q); !apiclient.IsForbidden(err) {
		t.Errorf("service account's read: %v, want 403", err)
	}
	// The refused and the granted exchange are in the log, as the account.
	var signIns []runai.AuditEvent
	for _, e := range s.AuditLog() {
		if e.Action == "sign-in" && e.EntityID == cr.ID {
			signIns = append(signIns, e)
		}
	}
	if len(signIns) != 2 || !signIns[0].Failed() || signIns[1].Failed() || signIns[1].Subject != cr.ClientID || signIns[1].SubjectType != "App" {
		t.Errorf("token exchanges in the log: %+v", signIns)
	}

	for _, st := range []int{401, 403, 500, 503} { // the documented ones
		s.FailNext(stub.OpAudit, 1, st)
		if _, err := c.ListAuditLog(ctx, token, q); apiclient.StatusCode(err) != st {
			t.Errorf("injected %d: %v", st, err)
		}
	}
	if _, err := c.ListAuditLog(ctx, token, runai.AuditQuery{}); err == nil {
		t.Error("a query without a range was sent")
	}
}

// TestAuditDecodeTolerance reads the shapes the document allows or hints
// at: the array under "audit_logs" or "logs", no "next" (then the total
// says), a status as a string, metadata with a non-string value; and
// refuses an event without a time.
func TestAuditDecodeTolerance(t *testing.T) {
	cases := []struct {
		name, body string
		events     int
		next       int
		wantErr    bool
	}{
		{"audit_logs", `{"total":3,"next":2,"audit_logs":[{"timestamp":"2026-01-02T03:04:05Z","subject":"a","action":"create","result":"Succeeded"},{"timestamp":"2026-01-02T03:04:06.5+01:00","subject":"b","action":"delete","result":"Failed","http_status_code":"409"}]}`, 2, 2, false},
		{"logs only, no next", `{"total":3,"logs":[{"timestamp":"2026-01-02T03:04:05Z","subject":"a","action":"update","result":"Succeeded","metadata":{"enabled":false,"x":{"y":1}}}]}`, 1, 1, false},
		{"last page", `{"total":1,"audit_logs":[{"timestamp":"2026-01-02T03:04:05Z","subject":"a","action":"update","result":"Succeeded"}]}`, 1, 0, false},
		{"empty", `{"total":0}`, 0, 0, false},
		{"no timestamp", `{"audit_logs":[{"subject":"a","action":"create","result":"Succeeded"}]}`, 0, 0, true},
		{"not json", `<html>`, 0, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("start") == "" || r.URL.Query().Get("end") == "" {
					t.Error("no start or end")
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, _ := apiclient.New(srv.URL)
			now := time.Now()
			p, err := c.ListAuditLog(context.Background(), "t", runai.AuditQuery{Start: now.Add(-time.Hour), End: now})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if len(p.Events) != tc.events || p.Next != tc.next {
				t.Errorf("events %d next %d, want %d %d", len(p.Events), p.Next, tc.events, tc.next)
			}
			if tc.name == "logs only, no next" && p.Events[0].Metadata["enabled"] != "false" {
				t.Errorf("metadata = %v", p.Events[0].Metadata)
			}
			if tc.name == "audit_logs" && (p.Events[1].Status != 409 || !p.Events[1].Failed()) {
				t.Errorf("second = %+v", p.Events[1])
			}
		})
	}
}
