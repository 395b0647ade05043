package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// CatalogReader is what Catalogs reads a catalog with: the Run:ai
// client's role and scope listings.
type CatalogReader interface {
	ListRoles(ctx context.Context, token string) ([]runai.Role, error)
	ListClusters(ctx context.Context, token string) ([]runai.Cluster, error)
	ListDepartments(ctx context.Context, token string) ([]runai.Department, error)
	ListProjects(ctx context.Context, token string) ([]runai.Project, error)
}

// Catalogs keeps each token's catalog (roles and scopes) for a short
// while: they change rarely, and every list page, swapped row and rule
// picker needs them. Tokens are kept as hashes only.
type Catalogs struct {
	api   CatalogReader
	cache *Cache[runai.Catalog]
}

// NewCatalogs returns a catalog cache reading through api.
func NewCatalogs(api CatalogReader, cfg Config) *Catalogs {
	return &Catalogs{api: api, cache: New[runai.Catalog](cfg)}
}

// Get returns the token's catalog, reading it when it is missing, past
// its lifetime or was incomplete (a part failed: try again rather than
// remember a refusal). Its four listings are read at once.
func (cs *Catalogs) Get(ctx context.Context, token string) runai.Catalog {
	sum := sha256.Sum256([]byte(token))
	key := hex.EncodeToString(sum[:])
	if cat, _, ok := cs.cache.Get(key, ""); ok {
		return cat
	}
	at := cs.cache.cfg.Now()
	cat := read(ctx, cs.api, token)
	if cat.Complete() {
		cs.cache.Put(key, "", cat, cat.ApproxBytes(), at)
	}
	return cat
}

// Close stops the cache's timer.
func (cs *Catalogs) Close() { cs.cache.Close() }

// Len and Bytes say what the cache holds.
func (cs *Catalogs) Len() int { return cs.cache.Len() }

// Bytes is the estimated memory held.
func (cs *Catalogs) Bytes() int64 { return cs.cache.Bytes() }

// read lists roles, clusters, departments and projects at once.
func read(ctx context.Context, api CatalogReader, token string) runai.Catalog {
	var (
		cat                          runai.Catalog
		clusterErr, deptErr, projErr error
		departments                  []runai.Department
		projects                     []runai.Project
		clusters                     []runai.Cluster
	)
	var g errgroup.Group
	g.Go(func() error { cat.Roles, cat.RolesErr = api.ListRoles(ctx, token); return nil })
	g.Go(func() error { clusters, clusterErr = api.ListClusters(ctx, token); return nil })
	g.Go(func() error { departments, deptErr = api.ListDepartments(ctx, token); return nil })
	g.Go(func() error { projects, projErr = api.ListProjects(ctx, token); return nil })
	_ = g.Wait()
	cat.Scopes = runai.Scopes{Clusters: clusters, Departments: departments, Projects: projects}
	for _, err := range []error{clusterErr, deptErr, projErr} {
		if err != nil && cat.ScopesErr == nil {
			cat.ScopesErr = err
		}
	}
	if len(clusters) > 0 {
		cat.Scopes.TenantID = clusters[0].TenantID
	}
	return cat
}

// Durations and bounds of the dashboard's caches, in one place.
const (
	// CatalogTTL is how long a token's roles and scopes are reused.
	CatalogTTL = time.Minute
	// CatalogBytes bounds the catalogs kept (a tenant's is tens of KB).
	CatalogBytes = 8 << 20
	// ListTTL is how long a session's list read from Run:ai serves its
	// pages and their interactions: another admin's change shows after
	// at most this long.
	ListTTL = 10 * time.Second
	// ListBytes bounds the lists kept, all sessions together: a list of
	// 1000 accounts and 1500 rules is estimated at about 1 MB (and holds
	// about 1.3 MB of heap), so some 30 admins at work at once at the
	// API's maximum keep theirs.
	ListBytes = 32 << 20
)

// Release hands memory back to the system once caches have freed at least
// ReleaseAfter bytes, at most once per ReleaseEvery: a burst of sessions
// (a morning's sign-ins) leaves no resident memory behind once their
// lists expire. Give it to a cache as Config.Freed.
type Release struct {
	mu    sync.Mutex
	freed int64
	last  time.Time
	free  func() // debug.FreeOSMemory; tests count calls instead
}

// ReleaseAfter and ReleaseEvery tune Release.
const (
	ReleaseAfter = 8 << 20
	ReleaseEvery = 10 * time.Second
)

// NewRelease returns a Release that calls free (debug.FreeOSMemory when
// nil).
func NewRelease(free func()) *Release {
	if free == nil {
		free = debug.FreeOSMemory
	}
	return &Release{free: free}
}

// Freed counts bytes freed, and hands memory back when enough was.
func (r *Release) Freed(bytes int64) {
	r.mu.Lock()
	r.freed += bytes
	now := time.Now()
	due := r.freed >= ReleaseAfter && now.Sub(r.last) >= ReleaseEvery
	if due {
		r.freed, r.last = 0, now
	}
	r.mu.Unlock()
	if due {
		r.free()
	}
}
