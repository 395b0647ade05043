package stub

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Rule is a snapshot of one access rule as the stub holds it.
type Rule = runai.AccessRule

// TenantName is the seeded tenant's name, the scopeName of tenant rules.
const TenantName = "acme"

// pageCapDefault is the most org units the stub returns in one page,
// below the API's limit of 500, so that clients must follow "next".
const pageCapDefault = 100

// predefinedRoles are the roles every tenant has, with ids as far apart as
// a real tenant's; one custom role follows.
var predefinedRoles = []runai.Role{
	{ID: 1, Name: "System administrator", Description: "Full control of the tenant."},
	{ID: 3, Name: "Viewer", Description: "Read access to everything in the scope."},
	{ID: 4, Name: "Department administrator", Description: "Manages departments, projects and their users."},
	{ID: 7, Name: "Editor", Description: "Manages workloads and assets."},
	{ID: 9, Name: "Research manager", Description: "Manages projects and their researchers."},
	{ID: 10, Name: "L1 researcher", Description: "Runs workloads in the scope."},
	{ID: 11, Name: "L2 researcher", Description: "Runs workloads with limited rights."},
	{ID: 12, Name: "Department viewer", Description: "Read access to a department."},
	{ID: 28, Name: "ML engineer", Description: "Deploys and manages inference workloads."},
	{ID: 1042, Name: "Pipeline runner", Description: "Custom role for CI pipelines: submits and reads workloads.", Custom: true},
}

// roleSysAdmin is the role only the admin may grant.
const roleSysAdmin = 1

// org is the stub's tenant: its clusters, departments and projects.
type org struct {
	clusters    []runai.Cluster
	departments []runai.Department
	projects    []runai.Project
}

// seedOrg builds a tenant with two clusters, five departments and enough
// projects (120) that listing them takes more than one page.
func seedOrg(tenantID string) org {
	ids := uuid.NewSHA1(uuid.NameSpaceURL, []byte("runai-stub"))
	cl := func(name string) runai.Cluster {
		return runai.Cluster{UUID: uuid.NewSHA1(ids, []byte(name)).String(), Name: name, TenantID: tenantID}
	}
	o := org{clusters: []runai.Cluster{cl("prod"), cl("staging")}}
	depts := []struct{ cluster, name string }{{"prod", "ml"}, {"prod", "data"}, {"prod", "platform"}, {"staging", "ml"}, {"staging", "research"}}
	next := 2
	for i, d := range depts {
		c := o.clusters[0]
		if d.cluster == "staging" {
			c = o.clusters[1]
		}
		dep := runai.Department{ID: strconv.Itoa(next), Name: d.name, ClusterID: c.UUID}
		next += 3
		o.departments = append(o.departments, dep)
		for j := range 24 {
			name := fmt.Sprintf("team-%c", 'a'+j)
			if j >= 20 {
				name = []string{"llm-pretrain", "inference", "eval", "notebooks"}[j-20]
			}
			o.projects = append(o.projects, runai.Project{ID: strconv.Itoa(100 + i*50 + j*2), Name: name, ParentID: dep.ID,
				ParentName: dep.Name, ClusterID: c.UUID})
		}
	}
	return o
}

// scope finds a scope of the org: its name and cluster.
func (s *Server) scope(t runai.ScopeType, id string) (name, cluster string, ok bool) {
	switch t {
	case runai.ScopeSystem:
		return "system", "", true
	case runai.ScopeTenant:
		return TenantName, "", id == s.cfg.TenantID
	case runai.ScopeCluster:
		for _, c := range s.org.clusters {
			if c.UUID == id {
				return c.Name, c.UUID, true
			}
		}
	case runai.ScopeDepartment:
		for _, d := range s.org.departments {
			if d.ID == id {
				return d.Name, d.ClusterID, true
			}
		}
	case runai.ScopeProject:
		for _, p := range s.org.projects {
			if p.ID == id {
				return p.Name, p.ClusterID, true
			}
		}
	}
	return "", "", false
}

// scopePath is the API's scopePath: the tenant, then the path down.
func (s *Server) scopePath(t runai.ScopeType, id string) string {
	sc := runai.Scopes{TenantName: TenantName, Clusters: s.org.clusters, Departments: s.org.departments, Projects: s.org.projects}
	p, ok := sc.Path(t, id)
	if !ok || t == runai.ScopeTenant {
		return TenantName
	}
	return TenantName + "/" + strings.ReplaceAll(p, " / ", "/")
}

func (s *Server) role(id int) (runai.Role, bool) {
	for _, r := range predefinedRoles {
		if r.ID == id {
			return r, true
		}
	}
	return runai.Role{}, false
}

// Roles returns the stub's roles.
func (s *Server) Roles() []runai.Role { return slices.Clone(predefinedRoles) }

// Scopes returns the stub's tenant as the dashboard models it.
func (s *Server) Scopes() runai.Scopes {
	return runai.Scopes{TenantID: s.cfg.TenantID, TenantName: TenantName, Clusters: slices.Clone(s.org.clusters),
		Departments: slices.Clone(s.org.departments), Projects: slices.Clone(s.org.projects)}
}

// Rules returns snapshots of every access rule, oldest first.
func (s *Server) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sortedRules())
}

// sortedRules is every rule by id, kept until the rules change (a
// listing's pages read it, as an API's index would serve them); the
// caller holds s.mu and must not change it.
func (s *Server) sortedRules() []Rule {
	if s.ruleSnap == nil {
		s.ruleSnap = make([]Rule, 0, len(s.rules))
		for _, r := range s.rules {
			s.ruleSnap = append(s.ruleSnap, *r)
		}
		slices.SortFunc(s.ruleSnap, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })
	}
	return s.ruleSnap
}

// AddRule stores a rule as given (tests use it for rules of users, of the
// deprecated app subject type, or with unusual subjects); the id, names,
// cluster and creation fields are filled in.
func (s *Server) AddRule(r Rule) Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addRule(r, s.cfg.AdminEmail)
}

// GrowRules gives the service accounts project rules, spread over them
// and the projects, until service accounts hold n rules in all: the
// figures' tenant is 1000 accounts with 1500 rules.
func (s *Server) GrowRules(n int) {
	held := 0
	for _, r := range s.Rules() {
		if r.SubjectType == runai.SubjectServiceAccount || r.SubjectType == runai.SubjectApp {
			held++
		}
	}
	accts, sc := s.Accounts(), s.Scopes()
	if len(accts) == 0 {
		return
	}
	for i := 0; held < n; i++ {
		p := sc.Projects[i%len(sc.Projects)]
		s.AddRule(Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: accts[(i*7)%len(accts)].ClientID,
			RoleID: 7 + (i/len(sc.Projects))%3, ScopeType: runai.ScopeProject, ScopeID: p.ID})
		held++
	}
}

// addRule fills and stores a rule; the caller holds s.mu.
func (s *Server) addRule(r Rule, by string) Rule {
	s.nextRule++
	r.ID = s.nextRule
	if role, ok := s.role(r.RoleID); ok {
		r.RoleName = role.Name
	}
	name, cluster, _ := s.scope(r.ScopeType, r.ScopeID)
	r.ScopeName, r.ClusterID = name, cluster
	r.ScopePath = ""
	if r.CreatedBy == "" {
		r.CreatedBy = by
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now()
	}
	if r.Phase == "" && r.ScopeType != runai.ScopeTenant {
		r.Phase = "Ready"
	}
	s.rules[r.ID] = &r
	s.ruleSnap = nil
	return r
}

// seedRules gives about half of the accounts access: one rule most, two or
// three some, on projects, departments, clusters and the tenant; most
// name the account by its client ID, a few by id or (as the deprecated
// "app" type) by name. Users and groups get rules too, which must never
// show as an account's. The caller holds s.mu.
func (s *Server) seedRules(accounts []*account) {
	roles := []int{28, 10, 7, 1042, 3, 11, 9}
	var prev []Rule
	for i, a := range accounts {
		if i == seedSuccessor { // the successor has the rules of the account it replaces
			for _, r := range prev {
				r.SubjectID, r.SubjectType, r.CreatedAt = a.ClientID, runai.SubjectServiceAccount, a.CreatedAt
				s.addRule(r, s.cfg.AdminEmail)
			}
			continue
		}
		prev = nil
		if i%2 == 1 {
			continue
		}
		n := 1 + (i/2)%3%2 + (i/2)%7/6 // 1, 2 or 3 rules
		for k := range n {
			r := Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: a.ClientID, RoleID: roles[(i+k)%len(roles)]}
			switch {
			case i%20 == 10:
				r.SubjectType, r.SubjectID = runai.SubjectApp, a.Name
			case i%30 == 4:
				r.SubjectID = a.ID
			}
			switch (i + k) % 9 {
			case 0:
				r.ScopeType, r.ScopeID = runai.ScopeTenant, s.cfg.TenantID
			case 1:
				c := s.org.clusters[(i+k)%len(s.org.clusters)]
				r.ScopeType, r.ScopeID = runai.ScopeCluster, c.UUID
			case 2, 3:
				d := s.org.departments[(i+k)%len(s.org.departments)]
				r.ScopeType, r.ScopeID = runai.ScopeDepartment, d.ID
			default:
				p := s.org.projects[(i*7+k*13)%len(s.org.projects)]
				r.ScopeType, r.ScopeID = runai.ScopeProject, p.ID
			}
			r.CreatedAt = a.CreatedAt.Add(time.Duration(k+1) * time.Hour)
			r.CreatedBy = a.CreatedBy
			prev = append(prev, s.addRule(r, s.cfg.AdminEmail))
		}
	}
	s.addRule(Rule{SubjectType: runai.SubjectUser, SubjectID: "alice.nguyen@example.com", RoleID: roleSysAdmin,
		ScopeType: runai.ScopeTenant, ScopeID: s.cfg.TenantID}, s.cfg.AdminEmail)
	s.addRule(Rule{SubjectType: runai.SubjectGroup, SubjectID: "ml-team", RoleID: 10,
		ScopeType: runai.ScopeDepartment, ScopeID: s.org.departments[0].ID}, s.cfg.AdminEmail)
}

// wireRule is the AccessRule schema; scopePath only on GET by id.
type wireRule struct {
	ID          int         `json:"id"`
	SubjectID   string      `json:"subjectId"`
	SubjectType string      `json:"subjectType"`
	RoleID      int         `json:"roleId"`
	RoleName    string      `json:"roleName"`
	ScopeID     string      `json:"scopeId"`
	ScopeType   string      `json:"scopeType"`
	ScopeName   string      `json:"scopeName"`
	ClusterID   string      `json:"clusterId,omitempty"`
	TenantID    int         `json:"tenantId"`
	CreatedBy   string      `json:"createdBy"`
	CreatedAt   string      `json:"createdAt"`
	UpdatedAt   string      `json:"updatedAt"`
	Status      *ruleStatus `json:"status,omitempty"`
	ScopePath   *string     `json:"scopePath,omitempty"`
}

// ruleStatus is a rule's status object.
type ruleStatus struct {
	Phase string `json:"phase"`
}

func (s *Server) toWireRule(r Rule, withPath bool) wireRule {
	tenant, _ := strconv.Atoi(s.cfg.TenantID)
	w := wireRule{ID: r.ID, SubjectID: r.SubjectID, SubjectType: r.SubjectType, RoleID: r.RoleID, RoleName: r.RoleName,
		ScopeID: r.ScopeID, ScopeType: string(r.ScopeType), ScopeName: r.ScopeName, ClusterID: r.ClusterID, TenantID: tenant,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: r.CreatedAt.UTC().Format(time.RFC3339Nano)}
	if r.Phase != "" {
		w.Status = &ruleStatus{Phase: r.Phase}
	}
	if withPath {
		p := s.scopePath(r.ScopeType, r.ScopeID)
		w.ScopePath = &p
	}
	return w
}

// ruleFilter is one filterBy term: field, operator, value.
type ruleFilter struct{ field, op, value string }

var filterOps = []string{"==", "!=", "<=", ">=", "=@", "!@", "=^", "=$"}

// parseFilters reads filterBy terms; malformed ones are dropped.
func parseFilters(raw string) []ruleFilter {
	var out []ruleFilter
	for _, term := range strings.Split(raw, ",") {
		for _, op := range filterOps {
			if field, value, ok := strings.Cut(term, op); ok && field != "" && value != "" {
				out = append(out, ruleFilter{field, op, value})
				break
			}
		}
	}
	return out
}

func (f ruleFilter) match(r Rule) (bool, error) {
	var v string
	switch f.field {
	case "subjectType":
		v = r.SubjectType
	case "subjectId":
		v = r.SubjectID
	case "roleId":
		v = strconv.Itoa(r.RoleID)
	case "roleName":
		v = r.RoleName
	case "scopeType":
		v = string(r.ScopeType)
	case "scopeId":
		v = r.ScopeID
	case "scopeName":
		v = r.ScopeName
	case "createdBy":
		v = r.CreatedBy
	case "phase":
		v = r.Phase
	default:
		return false, fmt.Errorf("cannot filter by %q", f.field)
	}
	switch f.op {
	case "==":
		return v == f.value, nil
	case "!=":
		return v != f.value, nil
	case "=@":
		return strings.Contains(v, f.value), nil
	case "!@":
		return !strings.Contains(v, f.value), nil
	case "=^":
		return strings.HasPrefix(v, f.value), nil
	case "=$":
		return strings.HasSuffix(v, f.value), nil
	}
	return false, fmt.Errorf("operator %s is not supported on %s", f.op, f.field)
}

// intParam reads an optional integer query parameter within bounds.
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d", name, lo, hi)
	}
	return n, nil
}

// pageParams reads a page size (named limitName, from lo to hi) and an
// offset.
func pageParams(q url.Values, limitName string, def, lo, hi int) (limit, offset int, err error) {
	if limit, err = intParam(q, limitName, def, lo, hi); err != nil {
		return 0, 0, err
	}
	offset, err = intParam(q, "offset", 0, 0, 1<<30)
	return limit, offset, err
}

// listRules answers the rule listing. The document gives it no 400, so
// out-of-range paging is clamped and filter terms it cannot apply are
// ignored, as a lenient server would.
func (s *Server) listRules(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clamp := func(name string, def, lo, hi int) int {
		n, err := strconv.Atoi(q.Get(name))
		if err != nil {
			return def
		}
		return max(lo, min(n, hi))
	}
	limit, offset := clamp("limit", 50, 1, 500), clamp("offset", 0, 0, 1<<30)
	var filters []ruleFilter
	for _, f := range parseFilters(q.Get("filterBy")) {
		if _, err := f.match(Rule{}); err == nil {
			filters = append(filters, f)
		}
	}
	var subjects []string
	if ids := q.Get("subjectIds"); ids != "" {
		subjects = strings.Split(ids, ",")
	}
	s.mu.Lock()
	all := s.sortedRules() // replaced, never changed, when the rules change
	s.mu.Unlock()
	// Counted, and only the page's rules made (as an index would serve
	// them).
	matched, page := 0, []wireRule{}
	for _, rule := range all {
		if st := q.Get("subjectType"); st != "" && rule.SubjectType != st {
			continue
		}
		if subjects != nil && !slices.Contains(subjects, rule.SubjectID) {
			continue
		}
		keep := true
		for _, f := range filters {
			ok, _ := f.match(rule)
			keep = keep && ok
		}
		if !keep {
			continue
		}
		if matched >= offset && matched < offset+limit {
			page = append(page, s.toWireRule(rule, false))
		}
		matched++
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalRecords": matched, "displayRecords": len(page), "accessRules": page})
}

func (s *Server) getRule(w http.ResponseWriter, id string) {
	n, err := strconv.Atoi(id)
	s.mu.Lock()
	rule, ok := s.rules[n]
	var out Rule
	if ok {
		out = *rule
	}
	s.mu.Unlock()
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("access rule %q not found", id), "")
		return
	}
	writeJSON(w, http.StatusOK, s.toWireRule(out, true))
}

func (s *Server) deleteRule(w http.ResponseWriter, id string) auditNote {
	n, err := strconv.Atoi(id)
	s.mu.Lock()
	rule, ok := s.rules[n]
	delete(s.rules, n)
	s.ruleSnap = nil
	s.mu.Unlock()
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("access rule %q not found", id), "")
		return auditNote{action: "delete", entityType: EntityAccessRule, entityID: id}
	}
	w.WriteHeader(http.StatusNoContent)
	return s.ruleNote("delete", *rule)
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request, sess session) auditNote {
	note := auditNote{action: "create", entityType: EntityAccessRule}
	var req struct {
		SubjectID   *string `json:"subjectId"`
		SubjectType *string `json:"subjectType"`
		RoleID      *int    `json:"roleId"`
		ScopeID     *string `json:"scopeId"`
		ScopeType   *string `json:"scopeType"`
		ClusterID   *string `json:"clusterId"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "request body must be a JSON access rule", err.Error())
		return note
	}
	if req.SubjectID == nil || req.SubjectType == nil || req.RoleID == nil || req.ScopeID == nil || req.ScopeType == nil ||
		*req.SubjectID == "" || *req.ScopeID == "" {
		writeError(w, http.StatusBadRequest, "subjectId, subjectType, roleId, scopeId and scopeType are required", "")
		return note
	}
	switch *req.SubjectType {
	case runai.SubjectServiceAccount, runai.SubjectApp, runai.SubjectUser, runai.SubjectGroup:
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("subjectType %q is not one of user, app, service-account, group", *req.SubjectType), "")
		return note
	}
	role, ok := s.role(*req.RoleID)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("role %d not found", *req.RoleID), "")
		return note
	}
	st := runai.ScopeType(*req.ScopeType)
	note = s.ruleNote("create", Rule{SubjectType: *req.SubjectType, SubjectID: *req.SubjectID, RoleID: role.ID, RoleName: role.Name, ScopeType: st, ScopeID: *req.ScopeID})
	if _, _, ok := s.scope(st, *req.ScopeID); !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("%s %q not found", st, *req.ScopeID), "")
		return note
	}
	if sess.accountID != "" && (role.ID == roleSysAdmin || st == runai.ScopeSystem) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("you may not assign the role %q: it is broader than your own", role.Name), "")
		return note
	}
	s.mu.Lock()
	for _, other := range s.rules {
		if other.SubjectID == *req.SubjectID && other.SubjectType == *req.SubjectType && other.RoleID == role.ID &&
			other.ScopeType == st && other.ScopeID == *req.ScopeID {
			s.mu.Unlock()
			writeError(w, http.StatusConflict, "an identical access rule already exists", "")
			return note
		}
	}
	rule := s.addRule(Rule{SubjectType: *req.SubjectType, SubjectID: *req.SubjectID, RoleID: role.ID, ScopeType: st, ScopeID: *req.ScopeID}, sess.identity)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, s.toWireRule(rule, false))
	return s.ruleNote("create", rule)
}

func (s *Server) listRoles(w http.ResponseWriter) {
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	out := make([]map[string]any, 0, len(predefinedRoles))
	for _, r := range predefinedRoles {
		out = append(out, map[string]any{
			"id": r.ID, "name": r.Name, "description": r.Description, "custom": r.Custom, "enabled": true, "effectiveEnabled": true,
			"createdAt": created, "updatedAt": created, "createdBy": "system",
			"permissions": []map[string]any{{"resourceType": "workloads", "actions": []string{"read"}, "groupId": "workload", "displayName": "Workloads"}},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listClusters(w http.ResponseWriter) {
	tenant, _ := strconv.Atoi(s.cfg.TenantID)
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	out := make([]map[string]any, 0, len(s.org.clusters))
	for _, c := range s.org.clusters {
		out = append(out, map[string]any{"uuid": c.UUID, "name": c.Name, "tenantId": tenant, "createdAt": created})
	}
	writeJSON(w, http.StatusOK, out)
}

// orgPage answers a paged org-unit listing: {field: [...], next}.
func (s *Server) orgPage(w http.ResponseWriter, r *http.Request, field string, items []map[string]any) {
	q := r.URL.Query()
	limit, offset, err := pageParams(q, "limit", 50, 1, 500)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "")
		return
	}
	limit = min(limit, s.cfg.PageCap)
	end := min(offset+limit, len(items))
	page := []map[string]any{}
	if offset < len(items) {
		page = items[offset:end]
	}
	body := map[string]any{field: page}
	if end < len(items) {
		body["next"] = end
	}
	writeJSON(w, http.StatusOK, body)
}

// orgUnitFields are the fields the API requires of every org unit.
func orgUnitFields(id, name, clusterID string) map[string]any {
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	return map[string]any{
		"id": id, "name": name, "clusterId": clusterID, "createdAt": created, "updatedAt": created, "totalResources": map[string]any{},
		"resources": []map[string]any{{"gpu": map[string]any{"deserved": 1}, "nodePool": map[string]any{"id": "np-default", "name": "default"}}},
	}
}

func (s *Server) listDepartments(w http.ResponseWriter, r *http.Request) {
	items := make([]map[string]any, 0, len(s.org.departments))
	for _, d := range s.org.departments {
		items = append(items, orgUnitFields(d.ID, d.Name, d.ClusterID))
	}
	s.orgPage(w, r, "departments", items)
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	items := make([]map[string]any, 0, len(s.org.projects))
	for _, p := range s.org.projects {
		m := orgUnitFields(p.ID, p.Name, p.ClusterID)
		m["parentId"] = p.ParentID
		m["parent"] = map[string]any{"id": uuid.NewSHA1(uuid.NameSpaceOID, []byte(p.ParentID)).String(), "name": p.ParentName}
		m["description"] = ""
		m["enforceRunaiScheduler"] = true
		m["effective"] = map[string]any{}
		m["status"] = map[string]any{"phase": "Ready"}
		items = append(items, m)
	}
	s.orgPage(w, r, "projects", items)
}

// holdsRules reports whether the service account with id holds any
// access rule.
func (s *Server) holdsRules(id string) bool {
	a, ok := s.Account(id)
	if !ok {
		return false
	}
	for _, r := range s.Rules() {
		if a.Owns(r) {
			return true
		}
	}
	return false
}
