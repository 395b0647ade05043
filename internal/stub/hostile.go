package stub

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Hostile describes an upstream that answers more than the API can hold,
// for the tests and measures of the dashboard's bounds: a broken or
// malicious control plane, or something between.
type Hostile struct {
	// Accounts, when set, is how many service accounts the listing
	// answers with (the API's maximum is runai.MaxServiceAccounts).
	Accounts int
	// RulesTotal, when set, is the total every access-rule listing
	// claims; each page asked for is answered full (limit rules), so that
	// a client that believes the total reads them all.
	RulesTotal int
}

// Wrap answers as h says in front of s, and passes everything else on.
func (h Hostile) Wrap(s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, _, _ := route(r.Method, r.URL.EscapedPath())
		sess, ok := s.authenticate(r)
		if !ok || r.Method != http.MethodGet {
			s.ServeHTTP(w, r)
			return
		}
		switch {
		case op == OpList && h.Accounts > 0:
			now := s.now().UTC().Format(time.RFC3339Nano)
			out := make([]wireAccount, h.Accounts)
			for i := range out {
				out[i] = wireAccount{Name: fmt.Sprintf("flood-%06d", i), CreatedBy: "flood@example.com", CreatedAt: &now, UpdatedAt: &now,
					Enabled: true, TenantID: s.cfg.TenantID, ID: fmt.Sprintf("flood-id-%06d", i), ClientID: fmt.Sprintf("flood-client-%06d", i)}
			}
			writeJSON(w, http.StatusOK, out)
			s.noteCall(op, r, sess.identity, http.StatusOK)
		case op == OpRules && h.RulesTotal > 0:
			limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
			if err != nil || limit <= 0 || limit > 500 {
				limit = 50
			}
			now := s.now().UTC().Format(time.RFC3339Nano)
			tenant, _ := strconv.Atoi(s.cfg.TenantID)
			page := make([]wireRule, limit)
			for i := range page {
				page[i] = wireRule{ID: 1_000_000 + i, SubjectID: fmt.Sprintf("flood-client-%06d", i), SubjectType: runai.SubjectServiceAccount,
					RoleID: 3, RoleName: "Viewer", ScopeID: s.cfg.TenantID, ScopeType: string(runai.ScopeTenant), ScopeName: TenantName,
					TenantID: tenant, CreatedBy: "flood@example.com", CreatedAt: now, UpdatedAt: now}
			}
			writeJSON(w, http.StatusOK, map[string]any{"totalRecords": h.RulesTotal, "displayRecords": limit, "accessRules": page})
			s.noteCall(op, r, sess.identity, http.StatusOK)
		default:
			s.ServeHTTP(w, r)
		}
	})
}
