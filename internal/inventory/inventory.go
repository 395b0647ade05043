// Package inventory watches the service accounts when no admin has the
// dashboard open: on an interval, on the one replica that leads, it reads
// the accounts, their access rules and the Secrets that hold them with
// the automation's standing credential, and exports what it found as
// Prometheus metrics: counts by state, and per account the absolute
// times of its last login, creation and last rotation (absolute
// timestamps, as cert-manager exports expiry: an alert compares them with
// time(), and a missed scrape loses nothing).
package inventory

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// The state label values of runai_service_accounts: a contract with the
// alert rules and dashboards that read them.
const (
	StateEnabled            = "enabled"
	StateDisabled           = "disabled"
	StateNeverUsed          = "never_used"
	StateStale              = "stale"
	StateNoAccess           = "no_access"
	StateDisabledWithAccess = "disabled_with_access"
	StateRotating           = "rotating"
	StateAutomated          = "automated"
	StateWaiting            = "waiting_for_approval"
	StateFailing            = "failing"
)

// States lists them, in the order they are exported.
var States = []string{StateEnabled, StateDisabled, StateNeverUsed, StateStale, StateNoAccess, StateDisabledWithAccess,
	StateRotating, StateAutomated, StateWaiting, StateFailing}

// Account is one account's series.
type Account struct {
	Name, ID                         string
	LastLogin, Created, LastRotation time.Time // zero: never, unknown
	// HandedOver is when its Secrets were handed over to a successor (it
	// is being retired); RotationDue when its policy wants the next
	// rotation. Zero: none.
	HandedOver, RotationDue time.Time
	Rules                   int // its access rules (when known)
}

// Snapshot is what one read found.
type Snapshot struct {
	At         time.Time
	Counts     map[string]int // every state of States
	Accounts   []Account      // at most runai.MaxServiceAccounts
	RulesKnown bool           // no_access and disabled_with_access are counted only when true
}

// Input is what a snapshot is made of.
type Input struct {
	Accounts []runai.ServiceAccount
	// Rules are the service accounts' access rules; RulesKnown is false
	// when they could not be read.
	Rules      []runai.AccessRule
	RulesKnown bool
	Held       []delivery.Held // the Secrets that hold or declare accounts
	Now        time.Time
	StaleDays  int
}

// Take makes the snapshot of in: pure.
func Take(in Input) Snapshot {
	s := Snapshot{At: in.Now, Counts: make(map[string]int, len(States)), RulesKnown: in.RulesKnown}
	for _, st := range States {
		s.Counts[st] = 0
	}
	accounts := in.Accounts[:min(len(in.Accounts), runai.MaxServiceAccounts)] // the API's bound; a hostile answer is cut
	byAccount := runai.RulesByAccount(accounts, in.Rules)
	rotating := map[string]bool{}
	for _, p := range rotation.Pairs(accounts) {
		rotating[p.Old.ID], rotating[p.Successor.ID] = true, true
	}
	auto := automation.States(in.Held, accounts, in.Now)
	stale := time.Duration(in.StaleDays) * 24 * time.Hour
	count := func(state string, yes bool) {
		if yes {
			s.Counts[state]++
		}
	}
	for _, a := range accounts {
		rules := len(byAccount[a.ID])
		st := auto[a.ID]
		count(StateEnabled, a.Enabled)
		count(StateDisabled, !a.Enabled)
		count(StateNeverUsed, a.NeverUsed())
		count(StateStale, a.UnusedFor(stale, in.Now))
		count(StateNoAccess, in.RulesKnown && a.Enabled && rules == 0)
		count(StateDisabledWithAccess, in.RulesKnown && !a.Enabled && rules > 0)
		count(StateRotating, rotating[a.ID])
		count(StateAutomated, st.Automated)
		count(StateWaiting, st.Waiting)
		count(StateFailing, st.Failing)
		s.Accounts = append(s.Accounts, Account{Name: a.Name, ID: a.ID, LastLogin: a.LastLogin, Created: a.CreatedAt, LastRotation: st.LastRotation,
			HandedOver: st.HandedOverFrom, RotationDue: st.RotationDue, Rules: rules})
	}
	return s
}

// Reader reads what a snapshot is made of.
type Reader func(ctx context.Context) (Input, error)

// Watch takes a snapshot every Interval and exports the last one. It is
// a prometheus.Collector: until its first read (and on a replica that
// does not lead, where it never runs) it exports only its own health.
type Watch struct {
	Read     Reader
	Interval time.Duration
	Logger   *slog.Logger
	Now      func() time.Time

	mu          sync.Mutex
	snap        *Snapshot
	lastSuccess time.Time
	credential  float64 // 1: the standing credential obtained its last token; 0: refused; -1: not tried yet
	errors      prometheus.Counter
}

// ErrCredential marks a read that failed because the standing credential
// was refused (the Reader wraps it).
var ErrCredential = errors.New("inventory: the standing credential was refused")

// NewWatch returns a watch reading with read every interval.
func NewWatch(read Reader, interval time.Duration, logger *slog.Logger, now func() time.Time) *Watch {
	return &Watch{Read: read, Interval: interval, Logger: logger, Now: now, credential: -1,
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "runai_inventory_read_errors_total",
			Help: "Inventory reads that failed (the standing credential refused, Run:ai or the cluster unreachable)."})}
}

// Run reads at once, then every Interval, until ctx ends.
func (w *Watch) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		w.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once takes one snapshot.
func (w *Watch) Once(ctx context.Context) {
	began := time.Now()
	in, err := w.Read(ctx)
	w.mu.Lock()
	if errors.Is(err, ErrCredential) {
		w.credential = 0
	} else {
		w.credential = 1 // a read that got past the token
	}
	w.mu.Unlock()
	if err != nil {
		w.errors.Inc()
		w.Logger.Warn("inventory: the read failed; the last snapshot stays exported", "err", err)
		return
	}
	s := Take(in)
	w.mu.Lock()
	w.snap, w.lastSuccess = &s, w.Now()
	w.mu.Unlock()
	w.Logger.Info("inventory read", "accounts", len(s.Accounts), "took", time.Since(began).Round(time.Millisecond).String())
}

// Start runs the watch, as a controller-runtime Runnable: on the leader
// only (it needs leader election, the default).
func (w *Watch) Start(ctx context.Context) error {
	w.Run(ctx)
	return nil
}

// Descriptions of the exported series.
var (
	descCount        = prometheus.NewDesc("runai_service_accounts", "Service accounts by state (an account counts in every state it is in).", []string{"state"}, nil)
	descLastLogin    = prometheus.NewDesc("runai_service_account_last_login_timestamp_seconds", "When the account last obtained a token, as a Unix time; 0: never.", []string{"name", "id"}, nil)
	descCreated      = prometheus.NewDesc("runai_service_account_created_timestamp_seconds", "When the account was created, as a Unix time.", []string{"name", "id"}, nil)
	descLastRotation = prometheus.NewDesc("runai_service_account_last_rotation_timestamp_seconds", "When a rotation last handed this account over into a Secret that holds it, as a Unix time (only where known).", []string{"name", "id"}, nil)
	descLastSuccess  = prometheus.NewDesc("runai_inventory_last_success_timestamp_seconds", "When the inventory was last read in full, as a Unix time; absent before the first read on the replica that leads.", nil, nil)
	descHandedOver   = prometheus.NewDesc("runai_service_account_handed_over_timestamp_seconds", "When the account's Secrets were handed over to its successor, as a Unix time (only for an account being retired).", []string{"name", "id"}, nil)
	descRotationDue  = prometheus.NewDesc("runai_service_account_rotation_due_timestamp_seconds", "When its Secret's policy wants the next rotation, as a Unix time (only for automated accounts).", []string{"name", "id"}, nil)
	descRules        = prometheus.NewDesc("runai_service_account_access_rules", "The account's access rules (only when the rules could be read).", []string{"name", "id"}, nil)
	descCredential   = prometheus.NewDesc("runai_inventory_standing_credential_ok", "Whether the automation's standing credential obtained a token at the last read (1) or was refused (0).", nil, nil)
)

// Describe sends the series' descriptions.
func (w *Watch) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCount, descLastLogin, descCreated, descLastRotation, descLastSuccess, descHandedOver, descRotationDue, descRules, descCredential} {
		ch <- d
	}
	w.errors.Describe(ch)
}

// Collect sends the last snapshot's series.
func (w *Watch) Collect(ch chan<- prometheus.Metric) {
	w.errors.Collect(ch)
	w.mu.Lock()
	s, last, cred := w.snap, w.lastSuccess, w.credential
	w.mu.Unlock()
	if cred >= 0 {
		ch <- prometheus.MustNewConstMetric(descCredential, prometheus.GaugeValue, cred)
	}
	if s == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(descLastSuccess, prometheus.GaugeValue, unix(last))
	for _, st := range States {
		if !s.RulesKnown && (st == StateNoAccess || st == StateDisabledWithAccess) {
			continue // unknown, not zero
		}
		ch <- prometheus.MustNewConstMetric(descCount, prometheus.GaugeValue, float64(s.Counts[st]), st)
	}
	for _, a := range s.Accounts {
		ch <- prometheus.MustNewConstMetric(descLastLogin, prometheus.GaugeValue, unix(a.LastLogin), a.Name, a.ID)
		if !a.Created.IsZero() {
			ch <- prometheus.MustNewConstMetric(descCreated, prometheus.GaugeValue, unix(a.Created), a.Name, a.ID)
		}
		if !a.LastRotation.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLastRotation, prometheus.GaugeValue, unix(a.LastRotation), a.Name, a.ID)
		}
		if !a.HandedOver.IsZero() {
			ch <- prometheus.MustNewConstMetric(descHandedOver, prometheus.GaugeValue, unix(a.HandedOver), a.Name, a.ID)
		}
		if !a.RotationDue.IsZero() {
			ch <- prometheus.MustNewConstMetric(descRotationDue, prometheus.GaugeValue, unix(a.RotationDue), a.Name, a.ID)
		}
		if s.RulesKnown {
			ch <- prometheus.MustNewConstMetric(descRules, prometheus.GaugeValue, float64(a.Rules), a.Name, a.ID)
		}
	}
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}
