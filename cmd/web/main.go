// Command runai-sa-dashboard serves the Run:ai service-accounts dashboard.
//
// With no RUNAI_URL it starts in demo mode: an in-process stub of the
// Run:ai API on a loopback port, seeded with realistic accounts, and prints
// the URL and the credentials to sign in with.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
	"k8s.io/klog/v2"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/inventory"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/metrics"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/probe"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/internal/version"
)

// The real client is what the handlers consume.
var _ handlers.API = (*apiclient.Client)(nil)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "runai-sa-dashboard:", err)
		os.Exit(1)
	}
}

// demoClientID is the stub's admin client ID in demo mode.
const demoClientID = "demo-admin"

// run wires config → API client → session store → handlers and serves
// until ctx ends, then shuts down gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)

	runaiURL := cfg.RunaiURL
	var demoID, demoSecret string
	if cfg.Demo() {
		stubURL, secret, stopStub, err := startStub(cfg.DemoSeed)
		if err != nil {
			return fmt.Errorf("demo mode: start the stub Run:ai API: %w", err)
		}
		defer stopStub()
		runaiURL, demoID, demoSecret = stubURL, demoClientID, secret
		logger.Warn("demo mode: no RUNAI_URL set, using an in-process stub Run:ai API", "stub", stubURL)
	}

	m := metrics.New()
	api, err := apiclient.New(runaiURL, apiclient.WithTimeout(cfg.UpstreamTimeout), apiclient.WithMaxBodyBytes(cfg.UpstreamMaxBody),
		apiclient.WithObserver(m.ObserveUpstream))
	if err != nil {
		return err
	}
	keys := cfg.SessionKeys
	if len(keys) == 0 {
		keys = [][]byte{session.RandomKey()}
		logger.Warn("demo mode: random session key; sessions end when the process restarts (set SESSION_KEYS to keep them)")
	}
	store, err := session.NewStore(session.Config{Keys: keys, IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.SessionMaxAge, RedisURL: cfg.RedisURL})
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.RedisURL != "" {
		redis.SetLogger(redisLog{logger}) // the client's own complaints, in the dashboard's log
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		if err := store.Ping(pctx); err != nil {
			// Start anyway: /readyz fails and pages say so until Redis answers.
			logger.Error("sessions: Redis does not answer; pages answer 503 and /readyz fails until it does", "err", err)
		}
		cancel()
	}
	logger.Info("sessions", "store", store.Backend())
	rec, err := openRecord(cfg)
	if err != nil {
		return err
	}
	defer rec.Close()
	logger.Info("record of changes", "store", rec.Backend(), "limit", cfg.RecordLimit)
	if f, ok := rec.(*record.File); ok && (f.Repaired > 0 || f.Skipped > 0) {
		logger.Warn("record of changes: the file was repaired on opening (the process ended while writing it)",
			"file", cfg.RecordFile, "torn_bytes_cut", f.Repaired, "unreadable_lines_skipped", f.Skipped)
	}
	delivery, err := openDelivery(cfg, runaiURL, logger)
	if err != nil {
		return err
	}
	// The engines below the handlers, each stopped here at shutdown, or
	// when the start fails after them.
	jobs := bulk.New(bulk.Config{Store: store, Logger: logger})
	watch := probe.New(probe.Config{Check: api.Ping, Observe: m.SetRunaiUp})
	var engines sync.WaitGroup
	defer engines.Wait()
	engineCtx, stopEngines := context.WithCancel(ctx)
	defer stopEngines() // before the Wait above
	engines.Go(func() { watch.Run(engineCtx) })
	if cfg.Automation.On() {
		delivery.Automation, delivery.AutomationClientID = true, cfg.Automation.ClientID
		ctl, err := openAutomation(cfg, delivery, api, rec, m, logger)
		if err != nil {
			return err
		}
		engines.Go(func() {
			if err := ctl.Run(engineCtx); err != nil {
				logger.Error("automation: the controller stopped; nothing is rotated by this replica until it restarts", "err", err)
			}
		})
	}
	e, err := handlers.New(handlers.Deps{
		API: api, Sessions: store, Record: rec, Logger: logger, BasePath: cfg.BasePath, PublicURL: cfg.PublicURL,
		TrustedProxies: cfg.TrustedProxies, SSO: cfg.SSO, DemoClientID: demoID, Upstream: watch, Metrics: m, StaleDays: cfg.StaleDays, RuleSubject: cfg.RuleSubject,
		UpstreamTimeout: cfg.UpstreamTimeout, Jobs: jobs, Delivery: delivery,
	})
	if err != nil {
		return err
	}

	if cfg.MetricsListen != "" {
		stop, err := serveMetrics(cfg.MetricsListen, m, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	url := "http://" + displayAddr(ln.Addr()) + cfg.BasePath + "/"
	logger.Info("listening", "addr", ln.Addr().String(), "version", version.String(), "runai_url", runaiURL)
	fmt.Fprintf(stdout, "Run:ai service accounts dashboard %s\n  open:          %s\n", version.String(), url)
	if demoID != "" {
		// The operator started a demo: these made-up credentials are meant
		// to be read here. They never reach a log line.
		fmt.Fprintf(stdout, "  demo mode:     sign in with an access key\n  client ID:     %s\n  client secret: %s\n", demoID, demoSecret)
	}

	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.UpstreamTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return serve(ctx, srv, ln, logger, cfg.ShutdownGrace, jobs)
}

// serve serves on ln until ctx ends, then shuts down within grace: the
// server and the engines stop taking new work at once and share the
// grace for the work in flight (requests; bulk jobs' calls, whose
// accounts not reached by the end are reported as not done).
func serve(ctx context.Context, srv *http.Server, ln net.Listener, logger *slog.Logger, grace time.Duration, jobs *bulk.Engine) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", grace)
	shCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	var g errgroup.Group
	g.Go(func() error {
		if err := srv.Shutdown(shCtx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	})
	g.Go(func() error { return jobs.Shutdown(shCtx) })
	if err := g.Wait(); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
			a.Value = slog.TimeValue(a.Value.Time().UTC()) // audit and security lines in UTC
		}
		return a
	}}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDelivery reaches the cluster credentials are delivered into, when
// DELIVERY_NAMESPACES names where; nil when delivery is off.
func openDelivery(cfg Config, runaiURL string, logger *slog.Logger) (*handlers.Delivery, error) {
	if len(cfg.DeliveryNamespaces) == 0 {
		return nil, nil
	}
	klog.SetSlogLogger(logger.With("component", "client-go")) // the Kubernetes client's own lines, in the dashboard's log
	cluster, err := kube.New(cfg.Kube)
	if err != nil {
		return nil, fmt.Errorf("DELIVERY_NAMESPACES is set: %w (run in a pod with a service account, or set KUBECONFIG)", err)
	}
	as := "the dashboard's service account"
	if cfg.Kube.Impersonate {
		as = "the person signed in"
	}
	logger.Info("delivery into Kubernetes Secrets", "cluster", cluster.Host(), "namespaces", cfg.DeliveryNamespaces, "as", as)
	return &handlers.Delivery{Cluster: cluster, Namespaces: cfg.DeliveryNamespaces, RunaiURL: runaiURL}, nil
}

// openAutomation builds the controller that rotates delivered
// credentials on their policy, acting with the standing credential and
// the dashboard's own Kubernetes identity (never a person's).
func openAutomation(cfg Config, d *handlers.Delivery, api *apiclient.Client, rec record.Store, m *metrics.Metrics, logger *slog.Logger) (*automation.Controller, error) {
	a := cfg.Automation
	log := logger.With("component", "automation")
	r := &automation.Reconciler{API: api, ClientID: a.ClientID, Secret: a.Secret, Logger: log, Record: rec, Namespaces: d.Namespaces, Adopt: a.Adopt,
		RunaiURL: d.RunaiURL, DryRun: a.DryRun, Paused: a.Paused, MaxRotating: a.MaxRotations, Jitter: a.Jitter, Now: time.Now}
	ctl, err := automation.NewController(d.Cluster.Config(), r, automation.Election{Namespace: a.LeaseNamespace})
	if err != nil {
		return nil, err
	}
	// The inventory reads with the same credential, on the leader only.
	src := inventory.Sources{API: api, Token: r.Token, Metadata: r.Metadata, Namespaces: d.Namespaces, StaleDays: cfg.StaleDays, Now: time.Now}
	w := inventory.NewWatch(src.Read, a.InventoryInterval, logger.With("component", "inventory"), time.Now)
	if err := m.Register(w); err != nil {
		return nil, err
	}
	if err := ctl.Lead(w); err != nil {
		return nil, err
	}
	log.Info("automation: rotating delivered credentials on their policy", "namespaces", d.Namespaces, "lease", a.LeaseNamespace+"/"+automation.LeaseName,
		"dry_run", a.DryRun, "paused", a.Paused, "max_rotations", a.MaxRotations, "jitter", a.Jitter.String(), "adopt", len(a.Adopt))
	return ctl, nil
}

// serveMetrics serves /metrics alone on addr (METRICS_LISTEN): a port a
// NetworkPolicy opens to the scraper only, outside the SSO proxy.
func serveMetrics(addr string, m *metrics.Metrics, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_LISTEN: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+string(paths.Metrics), m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	logger.Info("metrics on a port of their own", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}

// openRecord opens the dashboard's record of its changes where the
// configuration says: Redis (beside the sessions), a file, or memory.
func openRecord(cfg Config) (record.Store, error) {
	switch {
	case cfg.RedisURL != "":
		return record.OpenRedis(cfg.RedisURL, cfg.RecordLimit)
	case cfg.RecordFile != "":
		return record.OpenFile(cfg.RecordFile, cfg.RecordLimit)
	}
	return record.NewMemory(cfg.RecordLimit), nil
}

// startStub serves a seeded stub Run:ai API on a loopback port.
func startStub(seed int) (url, secret string, stop func(), err error) {
	s := stub.New(stub.Config{AdminClientID: demoClientID, AdminEmail: "demo-admin@example.com", Seed: seed})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	_, secret = s.AdminCredentials()
	return "http://" + ln.Addr().String(), secret, func() { _ = srv.Close() }, nil
}

// displayAddr turns a listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		if ok {
			return fmt.Sprintf("localhost:%d", tcp.Port)
		}
		return a.String()
	}
	return a.String()
}

// redisLog writes the Redis client's messages (a connection pool that
// cannot dial, say) to the dashboard's log.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
