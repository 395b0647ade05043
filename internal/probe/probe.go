// Package probe watches whether the Run:ai control plane answers: a check
// every Interval, for the pages (which say when it does not) and for a
// metric. It is not a readiness check: a replica that cannot reach Run:ai
// still serves the pages that explain so, and its neighbours in the pod
// (the SSO proxy) with it.
package probe

import (
	"context"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultInterval = 15 * time.Second
	DefaultTimeout  = 2 * time.Second
)

// Config configures a Probe.
type Config struct {
	// Check asks Run:ai for something cheap; nil error means it answered.
	Check    func(context.Context) error
	Interval time.Duration
	Timeout  time.Duration
	// Observe, when set, is told every result (a gauge, say).
	Observe func(up bool)
	Now     func() time.Time
}

// Status is what the last checks found.
type Status struct {
	Known bool      // a check has run
	Up    bool      // the last check was answered
	Since time.Time // since when it has been as it is
	Err   error     // why the last check failed
}

// Probe checks Run:ai on an interval. Its zero value is not usable: use
// New.
type Probe struct {
	cfg Config

	mu     sync.Mutex
	status Status
}

// New returns a probe that has not checked yet.
func New(cfg Config) *Probe {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Probe{cfg: cfg}
}

// Run checks at once and then every Interval until ctx ends.
func (p *Probe) Run(ctx context.Context) {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		p.CheckNow(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CheckNow runs one check and records it.
func (p *Probe) CheckNow(ctx context.Context) Status {
	cctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	err := p.cfg.Check(cctx)
	cancel()
	if ctx.Err() != nil {
		return p.Status() // shutting down: not Run:ai's fault
	}
	up := err == nil
	p.mu.Lock()
	if !p.status.Known || p.status.Up != up {
		p.status.Since = p.cfg.Now()
	}
	p.status.Known, p.status.Up, p.status.Err = true, up, err
	s := p.status
	p.mu.Unlock()
	if p.cfg.Observe != nil {
		p.cfg.Observe(up)
	}
	return s
}

// Status is what the last check found.
func (p *Probe) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}
