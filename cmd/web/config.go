package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/kube"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/session"
)

// Config is the dashboard's validated configuration. Every setting is a
// flag with an environment-variable twin; a flag wins over its variable.
type Config struct {
	Listen          string
	RunaiURL        string // empty: demo mode with the in-process stub
	SessionKeys     [][]byte
	RedisURL        string // empty: sessions in this process's memory
	RecordFile      string // the dashboard's record of its changes, when not in Redis; empty: memory
	RecordLimit     int
	UpstreamTimeout time.Duration
	UpstreamMaxBody int64 // bytes
	LogLevel        slog.Level
	LogFormat       string // text or json
	PublicURL       *url.URL
	BasePath        string
	TrustedProxies  []netip.Prefix
	IdleTimeout     time.Duration
	SessionMaxAge   time.Duration
	ShutdownGrace   time.Duration
	DemoSeed        int
	StaleDays       int
	RuleSubject     runai.SubjectKey
	SSO             handlers.SSO
	// DeliveryNamespaces are where credentials may be delivered into
	// Kubernetes Secrets; none: delivery is off.
	DeliveryNamespaces []string
	Kube               kube.Config
	// MetricsListen is the address of /metrics on a port of its own.
	MetricsListen string
	// Automation is the controller that rotates delivered credentials on
	// their policy; off without a standing credential.
	Automation Automation
}

// Automation configures the controller (README: Automatic rotation).
type Automation struct {
	// ClientID and Secret are the standing credential, read from the
	// environment only (AUTOMATION_CLIENT_ID, AUTOMATION_CLIENT_SECRET):
	// never a flag, which any process may read.
	ClientID       string
	Secret         runai.Secret
	Adopt          []automation.AdoptRule
	Paused, DryRun bool
	MaxRotations   int
	Jitter         time.Duration
	LeaseNamespace string
	// InventoryInterval is how often the inventory is read.
	InventoryInterval time.Duration
}

// On reports whether the controller runs.
func (a Automation) On() bool { return a.ClientID != "" }

// Bounds of UPSTREAM_MAX_BODY: below 64 KiB even small lists fail; above
// 1 GiB one answer could take the process down.
const (
	minUpstreamBody = 64 << 10
	maxUpstreamBody = 1 << 30
)

// Demo reports whether the dashboard runs against its own stub.
func (c Config) Demo() bool { return c.RunaiURL == "" }

// setting describes one flag and its environment variable, for parsing
// and for the README's configuration table.
type setting struct {
	flag, env, def, usage string
}

var settings = []setting{
	{"listen", "LISTEN_ADDR", "127.0.0.1:8080", "address to listen on (host:port)"},
	{"runai-url", "RUNAI_URL", "", "Run:ai control plane URL, e.g. https://myorg.run.ai; empty starts demo mode with an in-process stub"},
	{"session-keys", "SESSION_KEYS", "", "session keys, comma-separated, newest first, each at least 32 bytes as hex or base64; required outside demo mode"},
	{"redis-url", "REDIS_URL", "", "keep sessions in this Redis, for several replicas: redis://[:password@]host:6379/0, rediss:// for TLS (default: in memory, one instance)"},
	{"record-file", "RECORD_FILE", "", "keep the dashboard's record of the changes it made (who behind the SSO proxy did what) in this file, across restarts; with REDIS_URL it is kept in Redis instead (default: in memory)"},
	{"record-limit", "RECORD_LIMIT", strconv.Itoa(record.DefaultLimit), "how many changes the dashboard's record keeps (the oldest go first)"},
	{"upstream-timeout", "UPSTREAM_TIMEOUT", "15s", "budget for one Run:ai API call, retries included"},
	{"upstream-max-body", "UPSTREAM_MAX_BODY", "8MiB", "largest Run:ai answer the dashboard reads, e.g. 8MiB or 32MiB (the list of 1000 accounts is about 330 KB)"},
	{"log-level", "LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "LOG_FORMAT", "text", "text or json"},
	{"public-url", "PUBLIC_URL", "", "the dashboard's external URL; state-changing requests must come from its origin (default: the request's own)"},
	{"base-path", "BASE_PATH", "", "serve under this path prefix, e.g. /runai-sa"},
	{"trusted-proxies", "TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-* headers are trusted"},
	{"session-idle-timeout", "SESSION_IDLE_TIMEOUT", "30m", "end a session unused for this long"},
	{"session-max-age", "SESSION_MAX_AGE", "12h", "end a session this long after sign-in, however active"},
	{"shutdown-grace", "SHUTDOWN_GRACE", "20s", "how long in-flight requests may take to finish on SIGTERM"},
	{"demo-seed", "DEMO_SEED", "30", fmt.Sprintf("number of accounts the demo stub starts with (0 to %d)", runai.MaxServiceAccounts)},
	{"stale-days", "STALE_DAYS", strconv.Itoa(listview.DefaultStaleDays), fmt.Sprintf("an account unused for this many days counts as stale (default of the filter; %d to %d)", listview.MinStaleDays, listview.MaxStaleDays)},
	{"access-rule-subject", "ACCESS_RULE_SUBJECT", string(runai.SubjectByClientID), "which account identifier new access rules name as their subject: client-id, id or name"},
	{"sso-user-header", "SSO_USER_HEADER", handlers.DefaultUserHeader, "header carrying the SSO user name (from trusted proxies only)"},
	{"sso-email-header", "SSO_EMAIL_HEADER", handlers.DefaultEmailHeader, "header carrying the SSO email (from trusted proxies only)"},
	{"sso-groups-header", "SSO_GROUPS_HEADER", handlers.DefaultGroupsHeader, "header carrying the SSO groups, comma-separated (from trusted proxies only)"},
	{"sso-prefix-header", "SSO_PREFIX_HEADER", handlers.DefaultPrefixHeader, "header carrying the path prefix the proxy serves the dashboard under, when it strips it"},
	{"sso-token-header", "SSO_TOKEN_HEADER", "", "take the Run:ai token from this header, e.g. X-Forwarded-Access-Token (off when empty)"},
	{"allowed-emails", "ALLOWED_EMAILS", "", "comma-separated SSO emails allowed in (with ALLOWED_GROUPS; everyone when both are empty)"},
	{"allowed-groups", "ALLOWED_GROUPS", "", "comma-separated SSO groups allowed in"},
	{"delivery-namespaces", "DELIVERY_NAMESPACES", "", "comma-separated Kubernetes namespaces the dashboard may deliver credentials into as Secrets; use namespaces dedicated to Run:ai credentials (off when empty)"},
	{"kubeconfig", "KUBECONFIG", "", "kubeconfig file of the cluster to deliver into (default: the pod's in-cluster configuration)"},
	{"delivery-impersonate", "DELIVERY_IMPERSONATE", "false", "make every Kubernetes call as the person signed in behind the SSO proxy (user and groups), so that the cluster's RBAC decides; needs TRUSTED_PROXIES"},
	{"delivery-impersonate-user-prefix", "DELIVERY_IMPERSONATE_USER_PREFIX", "", "prefix added to the impersonated user name, as the API server's --oidc-username-prefix adds it, e.g. oidc:"},
	{"delivery-impersonate-group-prefix", "DELIVERY_IMPERSONATE_GROUP_PREFIX", "", "prefix added to each impersonated group, as the API server's --oidc-groups-prefix adds it, e.g. oidc:"},
	{"inventory-interval", "INVENTORY_INTERVAL", "5m", "how often the automation's leader reads the accounts, their rules and Secrets for the inventory metrics (with the standing credential)"},
	{"metrics-listen", "METRICS_LISTEN", "", "address of a port of its own serving /metrics (e.g. :9090), for a scraper admitted by a NetworkPolicy; off when empty (/metrics stays on the main port)"},
	{"automation-adopt", "AUTOMATION_ADOPT", "", "approve ahead the Secrets declared in Git for accounts matching these comma-separated namespace=pattern pairs (shell-style patterns), e.g. team-a=etl-*,ml-ci=*"},
	{"automation-paused", "AUTOMATION_PAUSED", "false", "pause the automation: nothing is rotated, retired or deleted until it is false again"},
	{"automation-dry-run", "AUTOMATION_DRY_RUN", "false", "the automation says what it would do, as Kubernetes Events on the Secrets, and does nothing"},
	{"automation-max-rotations", "AUTOMATION_MAX_ROTATIONS", "3", "at most this many rotations under way at once (started, not handed over yet)"},
	{"automation-jitter", "AUTOMATION_JITTER", "1h", "a due rotation starts after a random delay within this window, so that many Secrets declared at once do not rotate in the same minute (0 for none)"},
	{"automation-lease-namespace", "AUTOMATION_LEASE_NAMESPACE", "", "namespace of the Lease the replicas elect their one acting controller with; default the pod's namespace ($POD_NAMESPACE)"},
}

// loadConfig parses args, with defaults from getenv, and validates.
func loadConfig(args []string, getenv func(string) string, usageOut io.Writer) (Config, error) {
	fs := flag.NewFlagSet("runai-sa-dashboard", flag.ContinueOnError)
	fs.SetOutput(usageOut)
	vals := map[string]*string{}
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		vals[s.flag] = fs.String(s.flag, def, s.usage+" ($"+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	get := func(name string) string { return strings.TrimSpace(*vals[name]) }

	var errs []error
	bad := func(name string, err error) {
		for _, s := range settings {
			if s.flag == name {
				errs = append(errs, fmt.Errorf("%s (--%s): %w", s.env, s.flag, err))
			}
		}
	}
	dur := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			bad(name, fmt.Errorf("%q is not a positive duration such as 30s or 15m", get(name)))
		}
		return d
	}

	cfg := Config{
		Listen:          get("listen"),
		RunaiURL:        strings.TrimRight(get("runai-url"), "/"),
		UpstreamTimeout: dur("upstream-timeout"),
		LogFormat:       strings.ToLower(get("log-format")),
		BasePath:        strings.TrimRight(get("base-path"), "/"),
		IdleTimeout:     dur("session-idle-timeout"),
		SessionMaxAge:   dur("session-max-age"),
		ShutdownGrace:   dur("shutdown-grace"),
	}
	if cfg.Listen == "" {
		bad("listen", errors.New("is empty"))
	}
	if cfg.RedisURL = get("redis-url"); cfg.RedisURL != "" {
		if u, err := url.Parse(cfg.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("redis-url", errors.New("is not a redis:// or rediss:// URL such as redis://:password@redis:6379/0"))
		} else if get("session-keys") == "" {
			bad("redis-url", errors.New("needs SESSION_KEYS: every replica must read the sessions the others write"))
		}
	}
	if cfg.RecordFile = get("record-file"); cfg.RecordFile != "" && cfg.RedisURL != "" {
		bad("record-file", errors.New("is set together with REDIS_URL: with Redis the record is kept there, shared by every replica; unset one of them"))
	}
	if n, err := strconv.Atoi(get("record-limit")); err != nil || n < 100 || n > 1_000_000 {
		bad("record-limit", fmt.Errorf("%q: want a whole number from 100 to 1000000", get("record-limit")))
	} else {
		cfg.RecordLimit = n
	}
	if n, err := humanize.ParseBytes(get("upstream-max-body")); err != nil || n < minUpstreamBody || n > maxUpstreamBody {
		bad("upstream-max-body", fmt.Errorf("%q: want a size from %s to %s, such as 8MiB", get("upstream-max-body"),
			humanize.IBytes(minUpstreamBody), humanize.IBytes(maxUpstreamBody)))
	} else {
		cfg.UpstreamMaxBody = int64(n)
	}
	if cfg.RunaiURL != "" {
		u, err := url.Parse(cfg.RunaiURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("runai-url", fmt.Errorf("%q is not an http(s) URL", cfg.RunaiURL))
		}
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(get("log-level"))); err != nil {
		bad("log-level", fmt.Errorf("%q: want debug, info, warn or error", get("log-level")))
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		bad("log-format", fmt.Errorf("%q: want text or json", cfg.LogFormat))
	}
	if raw := get("session-keys"); raw != "" {
		keys, err := session.ParseKeys(raw)
		if err != nil {
			bad("session-keys", err)
		}
		cfg.SessionKeys = keys
	} else if !cfg.Demo() {
		bad("session-keys", errors.New("is required when RUNAI_URL is set; generate a key with: openssl rand -hex 32"))
	}
	if raw := get("public-url"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("public-url", fmt.Errorf("%q is not an http(s) URL", raw))
		} else {
			cfg.PublicURL = u
		}
	}
	if cfg.BasePath != "" && (!strings.HasPrefix(cfg.BasePath, "/") || strings.ContainsAny(cfg.BasePath, "?#\\ ")) {
		bad("base-path", fmt.Errorf("%q must be a path starting with /", cfg.BasePath))
	}
	for _, part := range strings.Split(get("trusted-proxies"), ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			if a, aerr := netip.ParseAddr(part); aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
		}
		if err != nil {
			bad("trusted-proxies", fmt.Errorf("%q is not a CIDR or an address", part))
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p.Masked())
	}
	list := func(name string) []string {
		var out []string
		for _, v := range strings.Split(get(name), ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	cfg.SSO = handlers.SSO{
		UserHeader: get("sso-user-header"), EmailHeader: get("sso-email-header"), GroupsHeader: get("sso-groups-header"),
		PrefixHeader: get("sso-prefix-header"), TokenHeader: get("sso-token-header"),
		AllowedEmails: list("allowed-emails"), AllowedGroups: list("allowed-groups"),
	}
	if len(cfg.TrustedProxies) == 0 {
		if cfg.SSO.TokenHeader != "" {
			bad("sso-token-header", errors.New("needs TRUSTED_PROXIES: the header is believed only from a trusted proxy"))
		}
		if len(cfg.SSO.AllowedEmails)+len(cfg.SSO.AllowedGroups) > 0 {
			bad("allowed-emails", errors.New("ALLOWED_EMAILS/ALLOWED_GROUPS need TRUSTED_PROXIES: identities are believed only from a trusted proxy"))
		}
	}
	seed, err := strconv.Atoi(get("demo-seed"))
	if err != nil || seed < 0 || seed > runai.MaxServiceAccounts {
		bad("demo-seed", fmt.Errorf("%q: want 0 to %d", get("demo-seed"), runai.MaxServiceAccounts))
	}
	cfg.DemoSeed = seed
	stale, err := strconv.Atoi(get("stale-days"))
	if err != nil || stale < listview.MinStaleDays || stale > listview.MaxStaleDays {
		bad("stale-days", fmt.Errorf("%q: want %d to %d", get("stale-days"), listview.MinStaleDays, listview.MaxStaleDays))
	}
	cfg.StaleDays = stale
	subject, err := runai.ParseSubjectKey(get("access-rule-subject"))
	if err != nil {
		bad("access-rule-subject", err)
	}
	cfg.RuleSubject = subject
	cfg.DeliveryNamespaces, cfg.Kube = deliveryConfig(get, list, bad, len(cfg.TrustedProxies) > 0)
	cfg.MetricsListen = get("metrics-listen")
	cfg.Automation = automationConfig(get, getenv, bad, func(err error) { errs = append(errs, err) }, len(cfg.DeliveryNamespaces) > 0)
	if cfg.Automation.On() && cfg.RunaiURL == "" {
		errs = append(errs, errors.New("AUTOMATION_CLIENT_ID: is set in demo mode (no RUNAI_URL): the automation acts on a real Run:ai only"))
	}
	return cfg, errors.Join(errs...)
}

// automationConfig reads the automation's settings; the standing
// credential comes from the environment alone.
func automationConfig(get, getenv func(string) string, bad func(string, error), fail func(error), delivery bool) Automation {
	a := Automation{ClientID: strings.TrimSpace(getenv("AUTOMATION_CLIENT_ID")), Secret: runai.Secret(strings.TrimSpace(getenv("AUTOMATION_CLIENT_SECRET")))}
	switch {
	case (a.ClientID == "") != (a.Secret == ""):
		fail(errors.New("AUTOMATION_CLIENT_ID and AUTOMATION_CLIENT_SECRET: set both or neither"))
		a.ClientID = ""
	case a.On() && !delivery:
		fail(errors.New("AUTOMATION_CLIENT_ID: the automation needs DELIVERY_NAMESPACES: it rotates the credentials delivered there"))
	}
	var err error
	if a.Adopt, err = automation.ParseAdopt(get("automation-adopt")); err != nil {
		bad("automation-adopt", err)
	}
	for name, dst := range map[string]*bool{"automation-paused": &a.Paused, "automation-dry-run": &a.DryRun} {
		if *dst, err = strconv.ParseBool(get(name)); err != nil {
			bad(name, fmt.Errorf("%q: want true or false", get(name)))
		}
	}
	if a.MaxRotations, err = strconv.Atoi(get("automation-max-rotations")); err != nil || a.MaxRotations < 1 || a.MaxRotations > 100 {
		bad("automation-max-rotations", fmt.Errorf("%q: want a number from 1 to 100", get("automation-max-rotations")))
	}
	if a.Jitter, err = time.ParseDuration(get("automation-jitter")); err != nil || a.Jitter < 0 || a.Jitter > 24*time.Hour {
		bad("automation-jitter", fmt.Errorf("%q: want a duration from 0 to 24h", get("automation-jitter")))
	}
	a.LeaseNamespace = cmp.Or(get("automation-lease-namespace"), strings.TrimSpace(getenv("POD_NAMESPACE")))
	if a.InventoryInterval, err = time.ParseDuration(get("inventory-interval")); err != nil || a.InventoryInterval < 10*time.Second || a.InventoryInterval > 24*time.Hour {
		bad("inventory-interval", fmt.Errorf("%q: want a duration from 10s to 24h", get("inventory-interval")))
	}
	if a.On() && a.LeaseNamespace == "" {
		bad("automation-lease-namespace", errors.New("is needed outside a pod that sets POD_NAMESPACE: the Lease of the leader election lives there"))
	}
	return a
}

// deliveryConfig reads the settings of delivery into Kubernetes Secrets.
func deliveryConfig(get func(string) string, list func(string) []string, bad func(string, error), trusted bool) ([]string, kube.Config) {
	var namespaces []string
	for _, ns := range list("delivery-namespaces") {
		if msgs := validation.IsDNS1123Label(ns); len(msgs) > 0 {
			bad("delivery-namespaces", fmt.Errorf("%q is not a namespace name: %s", ns, strings.Join(msgs, "; ")))
			continue
		}
		if !slices.Contains(namespaces, ns) {
			namespaces = append(namespaces, ns)
		}
	}
	kc := kube.Config{Kubeconfig: get("kubeconfig"), UserPrefix: get("delivery-impersonate-user-prefix"),
		GroupPrefix: get("delivery-impersonate-group-prefix")}
	imp, err := strconv.ParseBool(get("delivery-impersonate"))
	switch {
	case err != nil:
		bad("delivery-impersonate", fmt.Errorf("%q: want true or false", get("delivery-impersonate")))
	case imp && len(namespaces) == 0:
		bad("delivery-impersonate", errors.New("is set without DELIVERY_NAMESPACES: there is nothing to deliver"))
	case imp && !trusted:
		bad("delivery-impersonate", errors.New("needs TRUSTED_PROXIES: the person acted as is believed only from a trusted proxy"))
	}
	kc.Impersonate = imp
	for _, name := range []string{"delivery-impersonate-user-prefix", "delivery-impersonate-group-prefix"} {
		if prefix := get(name); strings.HasPrefix(prefix, "system:") {
			bad(name, fmt.Errorf("%q: a prefix starting with system: would name the cluster's own principals", prefix))
		}
	}
	return namespaces, kc
}
