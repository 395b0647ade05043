package handlers

import (
	"errors"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// TestSameAnswers: a list read is worked out again whenever anything it
// was worked out from differs: an account, a rule, the catalog.
func TestSameAnswers(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	all := []runai.ServiceAccount{{ID: "1", Name: "etl", ClientID: "c1", Enabled: true, CreatedAt: at}, {ID: "2", Name: "etl-r2", ClientID: "c2"}}
	rules := []runai.AccessRule{{ID: 7, SubjectID: "c1", SubjectType: runai.SubjectServiceAccount, RoleID: 3, ScopeType: runai.ScopeProject, ScopeID: "p1"}}
	cat := runai.Catalog{Roles: []runai.Role{{ID: 3, Name: "Viewer"}}, Scopes: runai.Scopes{TenantName: "acme"}}
	base := answersOf(all, rules, cat)
	if !sameAnswers(base, answersOf(append([]runai.ServiceAccount(nil), all...), append([]runai.AccessRule(nil), rules...), cat)) {
		t.Fatal("equal answers read as different")
	}
	change := []struct {
		name string
		do   func(a []runai.ServiceAccount, r []runai.AccessRule, c *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule)
	}{
		{"an account disabled", func(a []runai.ServiceAccount, r []runai.AccessRule, _ *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			a[0].Enabled = false
			return a, r
		}},
		{"a login", func(a []runai.ServiceAccount, r []runai.AccessRule, _ *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			a[1].LastLogin = at
			return a, r
		}},
		{"an account gone", func(a []runai.ServiceAccount, r []runai.AccessRule, _ *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			return a[:1], r
		}},
		{"a rule's role", func(a []runai.ServiceAccount, r []runai.AccessRule, _ *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			r[0].RoleID = 4
			return a, r
		}},
		{"a rule more", func(a []runai.ServiceAccount, r []runai.AccessRule, _ *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			return a, append(r, runai.AccessRule{ID: 8, SubjectID: "c2"})
		}},
		{"a project renamed", func(a []runai.ServiceAccount, r []runai.AccessRule, c *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			c.Scopes.Projects = []runai.Project{{ID: "p1", Name: "renamed"}}
			return a, r
		}},
		{"the roles unreadable", func(a []runai.ServiceAccount, r []runai.AccessRule, c *runai.Catalog) ([]runai.ServiceAccount, []runai.AccessRule) {
			c.RolesErr = errors.New("403")
			return a, r
		}},
	}
	for _, tc := range change {
		a, r, c := append([]runai.ServiceAccount(nil), all...), append([]runai.AccessRule(nil), rules...), cat
		a, r = tc.do(a, r, &c)
		if sameAnswers(base, answersOf(a, r, c)) {
			t.Errorf("%s: read as the same answers", tc.name)
		}
	}
}
