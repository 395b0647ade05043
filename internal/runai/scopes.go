package runai

import (
	"cmp"
	"slices"
	"strings"
)

// Cluster is a Run:ai cluster.
type Cluster struct {
	UUID     string
	Name     string
	TenantID string
}

// Department is an org unit of a cluster.
type Department struct {
	ID        string
	Name      string
	ClusterID string
}

// Project is an org unit under a department.
type Project struct {
	ID         string
	Name       string
	ParentID   string // its department
	ParentName string
	ClusterID  string
}

// Scopes is the tenant's tree of scopes, for scope paths and pickers.
type Scopes struct {
	TenantID    string
	TenantName  string // when known (a tenant rule's scopeName)
	Clusters    []Cluster
	Departments []Department
	Projects    []Project
}

// pathSep separates the parts of a scope path.
const pathSep = " / "

// Path is the scope as a path from its cluster: "prod", "prod / ml",
// "prod / ml / team-a"; the tenant is "tenant" or its name. ok is false
// when the scope is not in s.
func (s Scopes) Path(t ScopeType, id string) (path string, ok bool) {
	switch t {
	case ScopeTenant:
		if s.TenantName != "" {
			return s.TenantName, true
		}
		return "tenant " + cmp.Or(id, s.TenantID), true
	case ScopeCluster:
		if c, ok := s.cluster(id); ok {
			return c.Name, true
		}
	case ScopeDepartment:
		for _, d := range s.Departments {
			if d.ID == id {
				return s.clusterName(d.ClusterID) + pathSep + d.Name, true
			}
		}
	case ScopeProject:
		for _, p := range s.Projects {
			if p.ID == id {
				parent := p.ParentName
				if parent == "" {
					parent = s.departmentName(p.ParentID)
				}
				return s.clusterName(p.ClusterID) + pathSep + parent + pathSep + p.Name, true
			}
		}
	}
	return "", false
}

func (s Scopes) cluster(uuid string) (Cluster, bool) {
	for _, c := range s.Clusters {
		if c.UUID == uuid {
			return c, true
		}
	}
	return Cluster{}, false
}

func (s Scopes) clusterName(uuid string) string {
	if c, ok := s.cluster(uuid); ok {
		return c.Name
	}
	return "cluster " + uuid
}

func (s Scopes) departmentName(id string) string {
	for _, d := range s.Departments {
		if d.ID == id {
			return d.Name
		}
	}
	return "department " + id
}

// Scope is one scope a rule can name, with its path, for pickers.
type Scope struct {
	Type ScopeType
	ID   string
	Path string
	// ClusterID is the cluster the scope lives in ("" for the tenant);
	// access rules on clusters, departments and projects carry it.
	ClusterID string
}

// Of lists the scopes of one type, sorted by path.
func (s Scopes) Of(t ScopeType) []Scope {
	var out []Scope
	add := func(id, cluster string) {
		if p, ok := s.Path(t, id); ok {
			out = append(out, Scope{Type: t, ID: id, Path: p, ClusterID: cluster})
		}
	}
	switch t {
	case ScopeTenant:
		if s.TenantID != "" {
			add(s.TenantID, "")
		}
	case ScopeCluster:
		for _, c := range s.Clusters {
			add(c.UUID, c.UUID)
		}
	case ScopeDepartment:
		for _, d := range s.Departments {
			add(d.ID, d.ClusterID)
		}
	case ScopeProject:
		for _, p := range s.Projects {
			add(p.ID, p.ClusterID)
		}
	}
	slices.SortFunc(out, func(a, b Scope) int {
		return cmp.Compare(strings.ToLower(a.Path), strings.ToLower(b.Path))
	})
	return out
}

// Find returns the scope of type t with id, when s has it.
func (s Scopes) Find(t ScopeType, id string) (Scope, bool) {
	for _, sc := range s.Of(t) {
		if sc.ID == id {
			return sc, true
		}
	}
	return Scope{}, false
}

// FillPaths sets each rule's ScopePath from s, so that every rule reads
// the same however it was fetched; a scope s does not know keeps the path
// the API gave, or for the tenant its name.
func (s Scopes) FillPaths(rules []AccessRule) {
	type scope struct {
		t  ScopeType
		id string
	}
	type path struct {
		p  string
		ok bool
	}
	known := map[scope]path{} // many rules share few scopes: each path is made once
	for i := range rules {
		r := &rules[i]
		if r.ScopeType == ScopeTenant && r.ScopeName != "" {
			r.ScopePath = r.ScopeName
			continue
		}
		k := scope{r.ScopeType, r.ScopeID}
		p, seen := known[k]
		if !seen {
			p.p, p.ok = s.Path(r.ScopeType, r.ScopeID)
			known[k] = p
		}
		if p.ok {
			r.ScopePath = p.p
		}
	}
}
