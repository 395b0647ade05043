package probe

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestStatusFollowsTheChecks(t *testing.T) {
	var down atomic.Bool
	var observed []bool
	now := time.Unix(1_700_000_000, 0)
	p := New(Config{Check: func(context.Context) error {
		if down.Load() {
			return errors.New("connection refused")
		}
		return nil
	}, Observe: func(up bool) { observed = append(observed, up) }, Now: func() time.Time { return now }})
	if p.Status().Known {
		t.Fatal("known before any check")
	}
	p.CheckNow(context.Background())
	now = now.Add(time.Minute)
	down.Store(true)
	s := p.CheckNow(context.Background())
	if s.Up || s.Err == nil || !s.Since.Equal(now) {
		t.Errorf("after a failed check: %+v", s)
	}
	now = now.Add(time.Minute)
	if s := p.CheckNow(context.Background()); !s.Since.Equal(now.Add(-time.Minute)) {
		t.Errorf("down since moved: %+v", s)
	}
	if len(observed) != 3 || observed[0] != true || observed[1] != false {
		t.Errorf("observed %v", observed)
	}
}

func TestRunEndsWithItsContext(t *testing.T) {
	var checks atomic.Int32
	p := New(Config{Check: func(context.Context) error { checks.Add(1); return nil }, Interval: 10 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	time.Sleep(35 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	if n := checks.Load(); n < 2 {
		t.Errorf("%d checks in 35 ms at 10 ms", n)
	}
}
