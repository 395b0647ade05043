package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

const (
	rulesPath       = "/api/v1/authorization/access-rules"
	rolesPath       = "/api/v1/authorization/roles"
	clustersPath    = "/api/v1/clusters"
	departmentsPath = "/api/v1/org-unit/departments"
	projectsPath    = "/api/v1/org-unit/projects"
)

// PageSize is the page size of paged listings: the most the API allows.
const PageSize = 500

// maxPages bounds one paged listing (50,000 items at the page size), so
// that an API that keeps answering never loops forever, nor fills the
// dashboard's memory.
const maxPages = (runai.MaxServiceAccountRules + PageSize - 1) / PageSize

// wireRole is the RoleV1 schema, the fields the dashboard uses.
type wireRole struct {
	ID          *flexInt `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Custom      bool     `json:"custom"`
	Enabled     *bool    `json:"enabled"`
}

// ListRoles returns the tenant's roles.
func (c *Client) ListRoles(ctx context.Context, token string) ([]runai.Role, error) {
	const op = "list roles"
	resp, err := c.do(ctx, request{op: op, metric: "roles", method: http.MethodGet, path: rolesPath, token: token})
	if err != nil {
		return nil, err
	}
	var w []wireRole
	if err := decode(op, resp.body, &w); err != nil {
		return nil, err
	}
	out := make([]runai.Role, 0, len(w))
	for i, r := range w {
		if r.ID == nil {
			return nil, fmt.Errorf("apiclient: %s: decode item %d: %w", op, i, missingField("id"))
		}
		out = append(out, runai.Role{ID: int(*r.ID), Name: r.Name, Description: r.Description, Custom: r.Custom,
			Enabled: r.Enabled == nil || *r.Enabled})
	}
	return out, nil
}

// wireRule is the AccessRule schema (and AccessRuleById's scopePath).
type wireRule struct {
	ID          *flexInt   `json:"id"`
	SubjectID   string     `json:"subjectId"`
	SubjectType string     `json:"subjectType"`
	RoleID      flexInt    `json:"roleId"`
	RoleName    string     `json:"roleName"`
	ScopeID     flexString `json:"scopeId"`
	ScopeType   string     `json:"scopeType"`
	ScopeName   string     `json:"scopeName"`
	ScopePath   *string    `json:"scopePath"`
	ClusterID   *string    `json:"clusterId"`
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   nullTime   `json:"createdAt"`
	Status      *struct {
		Phase string `json:"phase"`
	} `json:"status"`
}

func (w wireRule) rule() (runai.AccessRule, error) {
	if w.ID == nil {
		return runai.AccessRule{}, missingField("id")
	}
	r := runai.AccessRule{
		ID: int(*w.ID), SubjectID: w.SubjectID, SubjectType: w.SubjectType, RoleID: int(w.RoleID), RoleName: w.RoleName,
		ScopeID: w.ScopeID.s, ScopeType: runai.ScopeType(w.ScopeType), ScopeName: w.ScopeName,
		CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt.t,
	}
	if w.ScopePath != nil {
		r.ScopePath = *w.ScopePath
	}
	if w.ClusterID != nil {
		r.ClusterID = *w.ClusterID
	}
	if w.Status != nil {
		r.Phase = w.Status.Phase
	}
	return r, nil
}

// serviceAccountSubjects restricts a rule listing to service accounts in
// one listing: the current subject type and the deprecated "app" both
// pass, users and groups do not. (The subjectType parameter takes one
// value, which would need two listings.)
const serviceAccountSubjects = "subjectType!=" + runai.SubjectUser + ",subjectType!=" + runai.SubjectGroup

// pageConcurrency bounds the pages of one listing read at once.
const pageConcurrency = 4

// ListServiceAccountRules returns the access rules of service accounts,
// all of them or (with subjectIDs) those naming these subjects, fetched
// PageSize at a time: the first page, then, once it says how many there
// are, the others at once (pageConcurrency at a time); without a total,
// one after another until a short page. When the same token read the same
// listing lately, every page its total then called for is asked for at
// once with the first (rulesHint): the pages are one round, not two. Rules
// of users and groups are dropped even if the API ignores the filter. A
// listing that holds, or says it holds, more than
// runai.MaxServiceAccountRules is refused (*TooManyError) at the first
// page that says so.
func (c *Client) ListServiceAccountRules(ctx context.Context, token string, subjectIDs ...string) ([]runai.AccessRule, error) {
	const op = "list access rules"
	tooMany := func(n int) error {
		return fmt.Errorf("apiclient: %s: %w", op, &TooManyError{What: "access rules of service accounts", Count: n, Max: runai.MaxServiceAccountRules})
	}
	type result struct {
		rules []runai.AccessRule
		n     int  // items on the page, of any subject
		total *int // as the page says
	}
	page := func(ctx context.Context, offset int) (result, error) {
		q := url.Values{"filterBy": {serviceAccountSubjects}, "limit": {strconv.Itoa(PageSize)}, "offset": {strconv.Itoa(offset)}}
		if len(subjectIDs) > 0 {
			q.Set("subjectIds", strings.Join(subjectIDs, ","))
		}
		resp, err := c.do(ctx, request{op: op, metric: "rules", method: http.MethodGet, path: rulesPath + "?" + q.Encode(), token: token})
		if err != nil {
			return result{}, err
		}
		p, err := c.rulesFrom(resp.body, offset)
		resp.release()
		if err != nil {
			return result{}, fmt.Errorf("apiclient: %s: %w", op, err)
		}
		if p.total != nil && *p.total > runai.MaxServiceAccountRules {
			return result{}, tooMany(*p.total)
		}
		if offset+p.n > runai.MaxServiceAccountRules {
			return result{}, tooMany(offset + p.n)
		}
		return result{serviceAccountsOnly(p.rules), p.n, p.total}, nil
	}
	// pagesAt reads the pages at offsets at once, into got.
	got := map[int]result{}
	pagesAt := func(offsets []int) error {
		results := make([]result, len(offsets))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(pageConcurrency)
		for i, off := range offsets {
			g.Go(func() (err error) { results[i], err = page(gctx, off); return err })
		}
		err := g.Wait()
		for i, off := range offsets {
			got[off] = results[i]
		}
		return err
	}
	hint := rulesHintKey(token, subjectIDs)
	first := []int{0}
	if total, ok := c.rulesHint(hint); ok {
		for off := PageSize; off < min(total, maxPages*PageSize); off += PageSize {
			first = append(first, off)
		}
	}
	if err := pagesAt(first); err != nil {
		return nil, err
	}
	p0 := got[0]
	n, total := p0.n, p0.total
	if total != nil {
		c.rememberRulesTotal(hint, *total)
	}
	switch {
	case n == 0 || (total != nil && n >= *total) || (total == nil && n < PageSize):
		return p0.rules, nil
	case total != nil: // the rest at once, in pages the size of the first
		var offsets, missing []int
		for off := n; off < *total; off += n {
			offsets = append(offsets, off)
			if _, ok := got[off]; !ok {
				missing = append(missing, off)
			}
		}
		if len(offsets) >= maxPages { // pages far smaller than asked for: no more calls than the bound
			return nil, tooMany(maxPages * PageSize)
		}
		if err := pagesAt(missing); err != nil {
			return nil, err
		}
		out := make([]runai.AccessRule, 0, *total)
		out = append(out, p0.rules...)
		for _, off := range offsets {
			out = append(out, got[off].rules...)
		}
		return out, nil
	}
	out := p0.rules
	for pages, offset := 1, n; pages < maxPages; pages++ { // no total: one after another
		p, err := page(ctx, offset)
		if err != nil {
			return nil, err
		}
		out = append(out, p.rules...)
		offset += p.n
		if p.n < PageSize {
			return out, nil
		}
	}
	return nil, tooMany(maxPages * PageSize)
}

// serviceAccountsOnly keeps the rules whose subject is a service account
// (of either subject type).
func serviceAccountsOnly(rules []runai.AccessRule) []runai.AccessRule {
	out := rules[:0]
	for _, r := range rules {
		if r.SubjectType == runai.SubjectServiceAccount || r.SubjectType == runai.SubjectApp {
			out = append(out, r)
		}
	}
	return out
}

// decodeRulesPage decodes one page of a rule listing in one pass: the
// rules, how many items the page held and the total, when the API gave
// one. An error names the item at fault, counted from offset.
func decodeRulesPage(body []byte, offset int) ([]runai.AccessRule, int, *int, error) {
	var page struct {
		TotalRecords *int       `json:"totalRecords"`
		AccessRules  []wireRule `json:"accessRules"`
	}
	if err := unmarshalPage(body, &page, offset); err != nil {
		return nil, 0, nil, fmt.Errorf("decode response: %w", err)
	}
	out := make([]runai.AccessRule, len(page.AccessRules))
	for i, wr := range page.AccessRules {
		var err error
		if out[i], err = wr.rule(); err != nil {
			return nil, 0, nil, fmt.Errorf("decode item %d: %w", offset+i, err)
		}
	}
	return out, len(page.AccessRules), page.TotalRecords, nil
}

// GetAccessRule returns one rule, with the path of its scope.
func (c *Client) GetAccessRule(ctx context.Context, token string, id int) (runai.AccessRule, error) {
	op := fmt.Sprintf("get access rule %d", id)
	resp, err := c.do(ctx, request{op: op, metric: "rule_get", method: http.MethodGet, path: rulesPath + "/" + strconv.Itoa(id), token: token})
	if err != nil {
		return runai.AccessRule{}, err
	}
	return decodeRule(op, resp.body)
}

// decodeRule reads an answer holding one rule.
func decodeRule(op string, body []byte) (runai.AccessRule, error) {
	var w wireRule
	if err := decode(op, body, &w); err != nil {
		return runai.AccessRule{}, err
	}
	r, err := w.rule()
	if err != nil {
		return runai.AccessRule{}, fmt.Errorf("apiclient: %s: decode response: %w", op, err)
	}
	return r, nil
}

// CreateAccessRule gives a service account a role on a scope. A rule that
// already exists may be refused with 409 (IsConflict), which the API does
// not document.
func (c *Client) CreateAccessRule(ctx context.Context, token string, n runai.NewAccessRule) (runai.AccessRule, error) {
	op := fmt.Sprintf("create access rule (role %d on %s %s)", n.RoleID, n.ScopeType, n.ScopeID)
	body := map[string]any{
		"subjectId": n.SubjectID, "subjectType": runai.SubjectServiceAccount,
		"roleId": n.RoleID, "scopeType": n.ScopeType, "scopeId": n.ScopeID,
	}
	if n.ClusterID != "" {
		body["clusterId"] = n.ClusterID
	}
	b, err := json.Marshal(body)
	if err != nil {
		return runai.AccessRule{}, err
	}
	resp, err := c.do(ctx, request{op: op, metric: "rule_create", method: http.MethodPost, path: rulesPath, token: token,
		body: b, contentType: "application/json"})
	if err != nil {
		return runai.AccessRule{}, err
	}
	return decodeRule(op, resp.body)
}

// DeleteAccessRule removes a rule.
func (c *Client) DeleteAccessRule(ctx context.Context, token string, id int) error {
	op := fmt.Sprintf("delete access rule %d", id)
	_, err := c.do(ctx, request{op: op, metric: "rule_delete", method: http.MethodDelete, path: rulesPath + "/" + strconv.Itoa(id), token: token})
	return err
}

// ListClusters returns the tenant's clusters.
func (c *Client) ListClusters(ctx context.Context, token string) ([]runai.Cluster, error) {
	const op = "list clusters"
	resp, err := c.do(ctx, request{op: op, metric: "clusters", method: http.MethodGet, path: clustersPath, token: token})
	if err != nil {
		return nil, err
	}
	var w []struct {
		UUID     string     `json:"uuid"`
		Name     string     `json:"name"`
		TenantID flexString `json:"tenantId"`
	}
	if err := decode(op, resp.body, &w); err != nil {
		return nil, err
	}
	out := make([]runai.Cluster, len(w))
	for i, cl := range w {
		out[i] = runai.Cluster{UUID: cl.UUID, Name: cl.Name, TenantID: cl.TenantID.s}
	}
	return out, nil
}

// ListDepartments returns every department, PageSize at a time.
func (c *Client) ListDepartments(ctx context.Context, token string) ([]runai.Department, error) {
	type item struct {
		ID        flexString `json:"id"`
		Name      string     `json:"name"`
		ClusterID string     `json:"clusterId"`
	}
	items, err := pages[item](ctx, c, "list departments", "departments", departmentsPath, token, "departments")
	if err != nil {
		return nil, err
	}
	out := make([]runai.Department, len(items))
	for i, d := range items {
		out[i] = runai.Department{ID: d.ID.s, Name: d.Name, ClusterID: d.ClusterID}
	}
	return out, nil
}

// ListProjects returns every project, PageSize at a time.
func (c *Client) ListProjects(ctx context.Context, token string) ([]runai.Project, error) {
	type item struct {
		ID        flexString `json:"id"`
		Name      string     `json:"name"`
		ParentID  flexString `json:"parentId"`
		ClusterID string     `json:"clusterId"`
		Parent    *struct {
			Name string `json:"name"`
		} `json:"parent"`
	}
	items, err := pages[item](ctx, c, "list projects", "projects", projectsPath, token, "projects")
	if err != nil {
		return nil, err
	}
	out := make([]runai.Project, len(items))
	for i, p := range items {
		out[i] = runai.Project{ID: p.ID.s, Name: p.Name, ParentID: p.ParentID.s, ClusterID: p.ClusterID}
		if p.Parent != nil {
			out[i].ParentName = p.Parent.Name
		}
	}
	return out, nil
}

// pages fetches an org-unit listing, following its "next" offset.
func pages[T any](ctx context.Context, c *Client, op, metric, path, token, field string) ([]T, error) {
	var out []T
	for page, offset := 0, 0; page < maxPages; page++ {
		q := url.Values{"limit": {strconv.Itoa(PageSize)}, "offset": {strconv.Itoa(offset)}}
		resp, err := c.do(ctx, request{op: op, metric: metric, method: http.MethodGet, path: path + "?" + q.Encode(), token: token})
		if err != nil {
			return nil, err
		}
		var env map[string]jsontext.Value
		if err := decode(op, resp.body, &env); err != nil {
			return nil, err
		}
		raw, ok := env[field]
		if !ok {
			return nil, fmt.Errorf("apiclient: %s: decode response: %w", op, missingField(field))
		}
		var items []T
		if err := unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("apiclient: %s: decode response: field %q: %w", op, field, err)
		}
		out = append(out, items...)
		var next *int
		if n, ok := env["next"]; ok {
			var v flexInt
			if unmarshal(n, &v) == nil && n.Kind() != 'n' {
				i := int(v)
				next = &i
			}
		}
		if next == nil || *next <= offset || len(items) == 0 {
			return out, nil
		}
		offset = *next
	}
	return nil, fmt.Errorf("apiclient: %s: more than %d pages", op, maxPages)
}
