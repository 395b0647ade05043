package apiclient_test

import (
	"context"
	"errors"
	"testing"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// TestAccessContract drives every access-rule, role and scope operation
// through the client against the stub, success and every documented error
// status, with both sides validated against the access-rules document.
func TestAccessContract(t *testing.T) {
	s, c := contractEnv(t, "", stub.Config{Seed: 40, PageCap: 50})
	ctx := context.Background()
	tok, _ := s.IssueToken(nil)

	roles, err := c.ListRoles(ctx, tok)
	if err != nil || len(roles) != len(s.Roles()) {
		t.Fatalf("roles = %d, %v", len(roles), err)
	}
	clusters, err := c.ListClusters(ctx, tok)
	if err != nil || len(clusters) != 2 || clusters[0].TenantID != "1001" {
		t.Fatalf("clusters = %+v, %v", clusters, err)
	}
	deps, err := c.ListDepartments(ctx, tok)
	if err != nil || len(deps) != len(s.Scopes().Departments) {
		t.Fatalf("departments = %d, %v", len(deps), err)
	}
	projects, err := c.ListProjects(ctx, tok) // 120 projects at 50 a page: three pages
	if err != nil || len(projects) != len(s.Scopes().Projects) || projects[0].ParentName == "" {
		t.Fatalf("projects = %d, %v", len(projects), err)
	}

	all, err := c.ListServiceAccountRules(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range s.Rules() {
		if r.SubjectType == runai.SubjectServiceAccount || r.SubjectType == runai.SubjectApp {
			want++
		}
	}
	if len(all) != want || want < 20 {
		t.Fatalf("rules = %d, want %d (users' and groups' excluded)", len(all), want)
	}
	a := s.Accounts()[0]
	mine, err := c.ListServiceAccountRules(ctx, tok, a.SubjectIDs()...)
	if err != nil || len(mine) == 0 {
		t.Fatalf("rules of %s = %d, %v", a.Name, len(mine), err)
	}
	for _, r := range mine {
		if !a.Owns(r) {
			t.Errorf("rule %+v is not %s's", r, a.Name)
		}
	}

	created, err := c.CreateAccessRule(ctx, tok, runai.NewAccessRule{SubjectID: a.ClientID, RoleID: 3,
		ScopeType: runai.ScopeProject, ScopeID: projects[5].ID, ClusterID: projects[5].ClusterID})
	if err != nil || created.ID == 0 || created.RoleName != "Viewer" || created.ScopeName != projects[5].Name {
		t.Fatalf("create = %+v, %v", created, err)
	}
	got, err := c.GetAccessRule(ctx, tok, created.ID)
	if err != nil || got.ScopePath == "" || got.RoleID != 3 {
		t.Fatalf("get = %+v, %v", got, err)
	}
	if _, err := c.CreateAccessRule(ctx, tok, runai.NewAccessRule{SubjectID: a.ClientID, RoleID: 3,
		ScopeType: runai.ScopeProject, ScopeID: projects[5].ID, ClusterID: projects[5].ClusterID}); !apiclient.IsConflict(err) {
		t.Errorf("duplicate: %v, want 409", err)
	}
	if err := c.DeleteAccessRule(ctx, tok, created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetAccessRule(ctx, tok, created.ID); !apiclient.IsNotFound(err) {
		t.Errorf("deleted rule: %v", err)
	}

	type call func() error
	ops := map[stub.Op]struct {
		fn       call
		statuses []int
	}{
		stub.OpRoles:       {func() error { _, err := c.ListRoles(ctx, tok); return err }, []int{400, 401, 403, 500, 503}},
		stub.OpClusters:    {func() error { _, err := c.ListClusters(ctx, tok); return err }, []int{401, 403, 404, 500, 503}},
		stub.OpDepartments: {func() error { _, err := c.ListDepartments(ctx, tok); return err }, []int{400, 401, 403, 503}},
		stub.OpProjects:    {func() error { _, err := c.ListProjects(ctx, tok); return err }, []int{400, 401, 403, 503}},
		stub.OpRules:       {func() error { _, err := c.ListServiceAccountRules(ctx, tok); return err }, []int{401, 403, 500, 503}},
		stub.OpRuleGet:     {func() error { _, err := c.GetAccessRule(ctx, tok, all[0].ID); return err }, []int{401, 403, 404, 500, 503}},
		stub.OpRuleDelete:  {func() error { return c.DeleteAccessRule(ctx, tok, all[0].ID) }, []int{401, 403, 404, 500, 503}},
		stub.OpRuleCreate: {func() error {
			_, err := c.CreateAccessRule(ctx, tok, runai.NewAccessRule{SubjectID: "x", RoleID: 3, ScopeType: runai.ScopeTenant, ScopeID: "1001"})
			return err
		}, []int{400, 401, 403, 404, 500, 503}},
	}
	for op, o := range ops {
		for _, st := range o.statuses {
			s.FailNext(op, 1, st)
			var ae *apiclient.Error
			if err := o.fn(); !errors.As(err, &ae) || ae.StatusCode != st || ae.Message == "" {
				t.Errorf("%s with injected %d: %v", op, st, err)
			}
		}
	}
	// Real refusals: an unknown role, and a role broader than the caller's.
	if _, err := c.CreateAccessRule(ctx, tok, runai.NewAccessRule{SubjectID: a.ClientID, RoleID: 999, ScopeType: runai.ScopeTenant, ScopeID: "1001"}); !apiclient.IsNotFound(err) {
		t.Errorf("unknown role: %v", err)
	}
}
