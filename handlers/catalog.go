package handlers

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// catalogTTL is how long a token's roles and scopes are reused: they
// change rarely, and every list page, swapped row and rule picker needs
// them.
const catalogTTL = time.Minute

// catalogCacheSize bounds the tokens whose catalogs are kept.
const catalogCacheSize = 256

// catalog is what an access rule can name: the roles and the scopes the
// token may see. A part that could not be read carries its error; the
// rest is still used.
type catalog struct {
	Roles     []runai.Role
	RolesErr  error
	Scopes    runai.Scopes
	ScopesErr error
}

// role looks a role up by id.
func (c catalog) role(id int) (runai.Role, bool) {
	for _, r := range c.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return runai.Role{}, false
}

// catalogCache keeps catalogs per token (by hash) for a short time.
type catalogCache struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	entries map[[32]byte]catalogEntry
}

type catalogEntry struct {
	cat catalog
	at  time.Time
}

func newCatalogCache(ttl time.Duration, now func() time.Time) *catalogCache {
	return &catalogCache{ttl: ttl, now: now, entries: map[[32]byte]catalogEntry{}}
}

// get returns the token's catalog, fetching it when it is missing, stale
// or incomplete (a part failed: try again rather than remember a refusal).
func (cc *catalogCache) get(ctx context.Context, api API, token string) catalog {
	key := sha256.Sum256([]byte(token))
	now := cc.now()
	cc.mu.Lock()
	e, ok := cc.entries[key]
	cc.mu.Unlock()
	if ok && now.Sub(e.at) < cc.ttl {
		return e.cat
	}
	cat := fetchCatalog(ctx, api, token)
	if cat.RolesErr == nil && cat.ScopesErr == nil {
		cc.mu.Lock()
		if len(cc.entries) >= catalogCacheSize {
			for k, old := range cc.entries {
				if now.Sub(old.at) >= cc.ttl {
					delete(cc.entries, k)
				}
			}
			if len(cc.entries) >= catalogCacheSize {
				clear(cc.entries)
			}
		}
		cc.entries[key] = catalogEntry{cat: cat, at: now}
		cc.mu.Unlock()
	}
	return cat
}

// fetchCatalog reads roles, clusters, departments and projects at once.
func fetchCatalog(ctx context.Context, api API, token string) catalog {
	var (
		cat         catalog
		clusterErr  error
		deptErr     error
		projectErr  error
		departments []runai.Department
		projects    []runai.Project
		clusters    []runai.Cluster
	)
	var g errgroup.Group
	g.Go(func() error { cat.Roles, cat.RolesErr = api.ListRoles(ctx, token); return nil })
	g.Go(func() error { clusters, clusterErr = api.ListClusters(ctx, token); return nil })
	g.Go(func() error { departments, deptErr = api.ListDepartments(ctx, token); return nil })
	g.Go(func() error { projects, projectErr = api.ListProjects(ctx, token); return nil })
	_ = g.Wait()
	cat.Scopes = runai.Scopes{Clusters: clusters, Departments: departments, Projects: projects}
	for _, err := range []error{clusterErr, deptErr, projectErr} {
		if err != nil && cat.ScopesErr == nil {
			cat.ScopesErr = err
		}
	}
	if len(clusters) > 0 {
		cat.Scopes.TenantID = clusters[0].TenantID
	}
	return cat
}
