package stub

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

type rulePage struct {
	TotalRecords   int `json:"totalRecords"`
	DisplayRecords int `json:"displayRecords"`
	AccessRules    []struct {
		ID          int    `json:"id"`
		SubjectType string `json:"subjectType"`
		SubjectID   string `json:"subjectId"`
		ScopePath   string `json:"scopePath"`
	} `json:"accessRules"`
}

func (f *fixture) rules(q string) (int, rulePage) {
	f.t.Helper()
	status, b := f.do("GET", "/api/v1/authorization/access-rules?"+q, "admin-static-token", "", "", false)
	var p rulePage
	_ = json.Unmarshal(b, &p)
	return status, p
}

// rulesMalformed lists rules with a request outside the document.
func (f *fixture) rulesMalformed(q string) (int, rulePage) {
	f.t.Helper()
	status, b := f.do("GET", "/api/v1/authorization/access-rules?"+q, "admin-static-token", "", "", true)
	var p rulePage
	_ = json.Unmarshal(b, &p)
	return status, p
}

func TestSeededAccess(t *testing.T) {
	s := New(Config{Seed: 200})
	byAccount := runai.RulesByAccount(s.Accounts(), s.Rules())
	several, app, byID := 0, 0, 0
	for _, a := range s.Accounts() {
		rs := byAccount[a.ID]
		if len(rs) > 1 {
			several++
		}
		for _, r := range rs {
			switch {
			case r.SubjectType == runai.SubjectApp:
				app++
			case r.SubjectID == a.ID:
				byID++
			}
			if r.RoleName == "" || r.ScopeName == "" {
				t.Errorf("rule %+v lacks names", r)
			}
		}
	}
	if n := len(byAccount); n < 90 || n > 110 {
		t.Errorf("%d of 200 accounts have rules, want about half", n)
	}
	if several < 20 || app == 0 || byID == 0 {
		t.Errorf("%d with several rules, %d app rules, %d by id: the seed should exercise each", several, app, byID)
	}
	others := 0
	for _, r := range s.Rules() {
		if r.SubjectType == runai.SubjectUser || r.SubjectType == runai.SubjectGroup {
			others++
		}
	}
	if others == 0 {
		t.Error("no user or group rules seeded")
	}
	ids := map[int]bool{}
	for _, r := range s.Roles() {
		ids[r.ID] = true
	}
	if len(ids) != 10 || ids[2] || !ids[28] {
		t.Errorf("roles %v: want ten, non-contiguous", ids)
	}
}

func TestRuleListing(t *testing.T) {
	f := newFixture(t, Config{Seed: 60})
	total := len(f.s.Rules())
	status, all := f.rules("limit=500")
	if status != 200 || all.TotalRecords != total || len(all.AccessRules) != total {
		t.Fatalf("%d: %d of %d", status, len(all.AccessRules), total)
	}
	_, sa := f.rules(url.Values{"filterBy": {"subjectType!=user,subjectType!=group"}, "limit": {"500"}}.Encode())
	for _, r := range sa.AccessRules {
		if r.SubjectType == runai.SubjectUser || r.SubjectType == runai.SubjectGroup {
			t.Errorf("filtered listing holds a %s rule", r.SubjectType)
		}
	}
	if sa.TotalRecords != total-2 {
		t.Errorf("%d service-account rules of %d", sa.TotalRecords, total)
	}
	_, p1 := f.rules("limit=10&offset=0")
	_, p2 := f.rules("limit=10&offset=10")
	if len(p1.AccessRules) != 10 || p1.DisplayRecords != 10 || p1.AccessRules[0].ID == p2.AccessRules[0].ID {
		t.Error("paging")
	}
	a := f.s.Accounts()[0]
	_, mine := f.rules(url.Values{"subjectIds": {strings.Join(a.SubjectIDs(), ",")}}.Encode())
	if len(mine.AccessRules) == 0 {
		t.Error("subjectIds filter found nothing")
	}
	// The document gives the listing no 400: bad paging is clamped and
	// filters it cannot apply are ignored.
	for q, want := range map[string]int{"limit=0": 1, "limit=501": total, "offset=-1": 50} {
		if status, p := f.rulesMalformed(q); status != 200 || len(p.AccessRules) != min(want, total) {
			t.Errorf("%s: %d with %d rules", q, status, len(p.AccessRules))
		}
	}
	status, b := f.do("GET", fmt.Sprintf("/api/v1/authorization/access-rules/%d", all.AccessRules[0].ID), "admin-static-token", "", "", false)
	if status != 200 || !strings.Contains(string(b), `"scopePath":"acme`) {
		t.Errorf("get by id: %d %s", status, b)
	}
}

func TestRuleCreateAndDelete(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.adminToken()
	_, acct := f.create(admin, "rule-bot")
	proj := f.s.Scopes().Projects[3]
	body := func(role int, scopeType, scopeID string) string {
		return fmt.Sprintf(`{"subjectId":%q,"subjectType":"service-account","roleId":%d,"scopeType":%q,"scopeId":%q}`, acct["clientId"], role, scopeType, scopeID)
	}
	post := func(tok, b string) (int, []byte) {
		return f.do("POST", "/api/v1/authorization/access-rules", tok, "application/json", b, false)
	}
	status, b := post(admin, body(28, "project", proj.ID))
	var created struct {
		ID        int    `json:"id"`
		RoleName  string `json:"roleName"`
		ScopeName string `json:"scopeName"`
		ClusterID string `json:"clusterId"`
	}
	_ = json.Unmarshal(b, &created)
	if status != 201 || created.RoleName != "ML engineer" || created.ScopeName != proj.Name || created.ClusterID != proj.ClusterID {
		t.Fatalf("create: %d %s", status, b)
	}
	if status, _ := post(admin, body(28, "project", proj.ID)); status != 409 {
		t.Errorf("duplicate: %d", status)
	}
	if status, _ := post(admin, body(999, "project", proj.ID)); status != 404 {
		t.Errorf("unknown role: %d", status)
	}
	if status, _ := post(admin, body(28, "project", "nope")); status != 404 {
		t.Errorf("unknown scope: %d", status)
	}
	// A service account may not grant a role broader than its own.
	_, m := f.tokenV2(acct["clientId"], acct["clientSecret"])
	if status, b := post(m["access_token"].(string), body(1, "tenant", "1001")); status != 403 || !strings.Contains(string(b), "broader") {
		t.Errorf("broader role: %d %s", status, b)
	}
	if status, _ := f.do("DELETE", fmt.Sprintf("/api/v1/authorization/access-rules/%d", created.ID), admin, "", "", false); status != 204 {
		t.Errorf("delete: %d", status)
	}
	if status, _ := f.do("DELETE", fmt.Sprintf("/api/v1/authorization/access-rules/%d", created.ID), admin, "", "", false); status != 404 {
		t.Errorf("delete again: %d", status)
	}
	// Deleting the account removes its rules.
	post(admin, body(3, "tenant", "1001"))
	f.do("DELETE", "/api/v1/service-accounts/"+acct["id"], admin, "", "", false)
	for _, r := range f.s.Rules() {
		if r.SubjectID == acct["clientId"] {
			t.Errorf("rule %d outlived its account", r.ID)
		}
	}
}

func TestOrgUnitPaging(t *testing.T) {
	f := newFixture(t, Config{PageCap: 50})
	var got int
	for offset, pages := 0, 0; ; pages++ {
		status, b := f.do("GET", fmt.Sprintf("/api/v1/org-unit/projects?limit=500&offset=%d", offset), "admin-static-token", "", "", false)
		var p struct {
			Projects []map[string]any `json:"projects"`
			Next     *int             `json:"next"`
		}
		if status != 200 || json.Unmarshal(b, &p) != nil || pages > 5 {
			t.Fatalf("page %d: %d %s", pages, status, b)
		}
		got += len(p.Projects)
		if p.Next == nil {
			break
		}
		offset = *p.Next
	}
	if got != 120 {
		t.Errorf("%d projects over the pages, want 120", got)
	}
}
