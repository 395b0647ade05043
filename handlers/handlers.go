// Package handlers is the dashboard's HTTP layer: Echo routes, middleware
// and one handler per resource action. Handlers call the Run:ai API through
// the small API interface declared here, with the signed-in admin's own
// token, and render views components: bare for HTMX requests, inside the
// layout otherwise. Work that outlives a request lives below, in the
// engines of internal/ (bulk jobs, the caches, the history scanner):
// handlers only start and ask them.
//
// Where things are: routes.go lists every route, each served by the file
// named for it (account_create.go, rule_add.go, bulk_start.go…, one action
// per file); middleware.go, csrf.go, proxy.go and auth.go hold the request
// pipeline; loaders.go says what each page reads from Run:ai; respond.go
// and problem.go are the one road from a result or an error to the page;
// accounts.go, rules.go, rotation.go, bulk.go and history.go hold what the
// actions of one kind share.
package handlers

import (
	"context"
	"encoding/gob"
	"errors"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/cache"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/metrics"
	"github.com/runai-tools/sa-dashboard/internal/probe"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// API is what the handlers need of the Run:ai client. Every call takes the
// caller's token; apiclient.Client implements it.
type API interface {
	ListServiceAccounts(ctx context.Context, token string) ([]runai.ServiceAccount, error)
	GetServiceAccount(ctx context.Context, token, id string) (runai.ServiceAccount, error)
	CreateServiceAccount(ctx context.Context, token, name string) (runai.Credentials, error)
	SetServiceAccountEnabled(ctx context.Context, token, id string, enabled bool) error
	DeleteServiceAccount(ctx context.Context, token, id string) error
	RegenerateSecret(ctx context.Context, token, id string) (runai.Secret, error)
	ExchangeToken(ctx context.Context, clientID string, clientSecret runai.Secret) (runai.Token, error)

	// Access rules, and what they can name.
	ListServiceAccountRules(ctx context.Context, token string, subjectIDs ...string) ([]runai.AccessRule, error)
	GetAccessRule(ctx context.Context, token string, id int) (runai.AccessRule, error)
	CreateAccessRule(ctx context.Context, token string, n runai.NewAccessRule) (runai.AccessRule, error)
	DeleteAccessRule(ctx context.Context, token string, id int) error
	ListRoles(ctx context.Context, token string) ([]runai.Role, error)
	ListClusters(ctx context.Context, token string) ([]runai.Cluster, error)
	ListDepartments(ctx context.Context, token string) ([]runai.Department, error)
	ListProjects(ctx context.Context, token string) ([]runai.Project, error)

	// ListAuditLog reads a page of the tenant's audit log (tenant-wide
	// admins only).
	ListAuditLog(ctx context.Context, token string, q runai.AuditQuery) (runai.AuditPage, error)

	// TokenURL is the control plane's token endpoint, for handing new
	// credentials over.
	TokenURL() string
}

// Upstream is what the handlers ask of the probe that watches Run:ai.
type Upstream interface {
	Status() probe.Status
}

// Deps are the handlers' dependencies, built by cmd/web.
type Deps struct {
	API      API
	Sessions *session.Store
	// Record keeps the changes made through the dashboard, for the
	// histories; nil means an in-memory record.
	Record record.Store
	Logger *slog.Logger
	// BasePath serves the dashboard under a path prefix ("/runai-sa");
	// empty for the root.
	BasePath string
	// PublicURL is the dashboard's external URL, when known; the Origin
	// of state-changing requests must match it. Without it the request's
	// own scheme and host are used.
	PublicURL *url.URL
	// TrustedProxies are the peers whose X-Forwarded-* headers are
	// believed (client IP, scheme).
	TrustedProxies []netip.Prefix
	// SSO configures the identity headers of a trusted SSO proxy.
	SSO SSO
	// DemoClientID, when set, marks demo mode: the sign-in page says to
	// sign in with this client ID and the secret printed at start.
	DemoClientID string
	// Upstream, when set, says whether the Run:ai control plane answers
	// (internal/probe): the pages say when it does not. /readyz does not
	// depend on it.
	Upstream Upstream
	// StaleDays is the default of "not used for N days"; 0 means
	// listview.DefaultStaleDays.
	StaleDays int
	// RuleSubject is the account identifier new access rules name as their
	// subject (ACCESS_RULE_SUBJECT); empty means runai.SubjectByClientID.
	RuleSubject runai.SubjectKey
	// UpstreamTimeout, when set, is the budget of one request's Run:ai
	// calls together: once it is spent no further call waits again (an
	// error page after a timeout, say).
	UpstreamTimeout time.Duration
	// Metrics, when set, records requests and is served at /metrics.
	Metrics *metrics.Metrics
	// Delivery, when set, lets the forms that make a secret deliver it into
	// a Kubernetes Secret (deliver.go); nil leaves delivery off.
	Delivery *Delivery
	// Jobs runs bulk actions in the background; cmd/web shuts it down
	// with the server. nil: an engine of the handlers' own (tests).
	Jobs *bulk.Engine
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// handler holds the dependencies, defaults applied; its methods are the
// route handlers.
type handler struct {
	Deps
	catalogs  *cache.Catalogs
	lists     *cache.Cache[listData] // per session, see loaders.go
	secrets   *delivery.Listings     // the managed Secrets each Kubernetes identity sees, see loaders.go
	histories *history.Scanner
	buffers   bufferPool
}

// New returns the dashboard's HTTP handler.
func New(d Deps) (*echo.Echo, error) {
	if d.API == nil || d.Sessions == nil {
		return nil, errors.New("handlers: API and Sessions are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Record == nil {
		d.Record = record.NewMemory(record.DefaultLimit)
	}
	d.BasePath = strings.TrimRight(d.BasePath, "/")
	if d.BasePath != "" && !strings.HasPrefix(d.BasePath, "/") {
		return nil, errors.New("handlers: BasePath must start with /")
	}
	if d.StaleDays == 0 {
		d.StaleDays = listview.DefaultStaleDays
	}
	if d.StaleDays < listview.MinStaleDays || d.StaleDays > listview.MaxStaleDays {
		return nil, errors.New("handlers: StaleDays out of range")
	}
	if d.RuleSubject == "" {
		d.RuleSubject = runai.SubjectByClientID
	}
	d.SSO = d.SSO.withDefaults()
	// Session values are gob-encoded (in Redis, in the visitor cookie):
	// every type stored as a value is registered.
	gob.Register([]views.Flash(nil))
	if d.Jobs == nil {
		d.Jobs = bulk.New(bulk.Config{Store: d.Sessions, Logger: d.Logger, Now: d.Now})
	}
	release := cache.NewRelease(nil)
	h := &handler{
		Deps:      d,
		catalogs:  cache.NewCatalogs(d.API, cache.Config{TTL: cache.CatalogTTL, MaxBytes: cache.CatalogBytes, Now: d.Now, Freed: release.Freed}),
		lists:     cache.New[listData](cache.Config{TTL: cache.ListTTL, MaxBytes: cache.ListBytes, Now: d.Now, Freed: release.Freed}),
		histories: &history.Scanner{Log: d.API, Record: d.Record, Logger: d.Logger},
		secrets:   delivery.NewListings(cache.Config{Now: d.Now, Freed: release.Freed}),
	}
	return h.routes(), nil
}
