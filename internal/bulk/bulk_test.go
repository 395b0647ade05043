package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/redistest"
	"github.com/runai-tools/sa-dashboard/internal/session"
)

// memoryStore is the session store of one replica.
func memoryStore(t *testing.T) bulk.Store {
	t.Helper()
	s, err := session.NewStore(session.Config{Keys: [][]byte{session.RandomKey()}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sharedStores are the stores of two replicas that share their jobs: one
// memory store (a single process), or two clients of a real Redis.
var sharedStores = map[string]func(t *testing.T) (bulk.Store, bulk.Store){
	"memory": func(t *testing.T) (bulk.Store, bulk.Store) { s := memoryStore(t); return s, s },
	"redis": func(t *testing.T) (bulk.Store, bulk.Store) {
		srv := redistest.Start(t)
		key := session.RandomKey()
		open := func() bulk.Store {
			s, err := session.NewStore(session.Config{Keys: [][]byte{key}, RedisURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		return open(), open()
	},
}

func items(n int) []bulk.Item {
	out := make([]bulk.Item, n)
	for i := range out {
		out[i] = bulk.Item{ID: fmt.Sprintf("a%02d", i), Name: fmt.Sprintf("acct-%02d", i)}
	}
	return out
}

// waitFor polls the owner's job until done says so.
func waitFor(t *testing.T, e *bulk.Engine, owner, id string, done func(bulk.Job) bool) bulk.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, ok, err := e.Get(context.Background(), owner, id)
		if err != nil || !ok {
			t.Fatalf("job %s: ok=%v err=%v", id, ok, err)
		}
		if done(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not get there: %+v", id, j)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func finished(j bulk.Job) bool { return j.Finished }

func TestJobRunsEveryItem(t *testing.T) {
	e := bulk.New(bulk.Config{Store: memoryStore(t), Flush: 10 * time.Millisecond})
	var calls atomic.Int32
	job := &bulk.Job{Owner: "sso:ada", Action: "disable", Items: items(10), RequestID: "req-1"}
	err := e.Start(context.Background(), job, func(ctx context.Context, id string) (string, string) {
		calls.Add(1)
		if id == "a03" {
			return "", "refused"
		}
		return "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	j := waitFor(t, e, "sso:ada", job.ID, finished)
	ok, failed, notDone, pending := j.Counts()
	if ok != 9 || failed != 1 || notDone != 0 || pending != 0 || calls.Load() != 10 {
		t.Fatalf("ok %d failed %d not done %d pending %d, %d calls", ok, failed, notDone, pending, calls.Load())
	}
	if _, found, _ := e.Get(context.Background(), "sso:bob", job.ID); found {
		t.Error("another owner reads the job")
	}
	for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAA", "../x", ""} {
		if _, found, _ := e.Get(context.Background(), "sso:ada", id); found {
			t.Errorf("found a job under %q", id)
		}
	}
}

// TestShutdownWaitsForCallsInFlight: at shutdown the calls already sent
// finish (within the grace); the items not reached are reported as not
// done because the dashboard restarted; no new job starts.
func TestShutdownWaitsForCallsInFlight(t *testing.T) {
	e := bulk.New(bulk.Config{Store: memoryStore(t), Concurrency: 2, Flush: 10 * time.Millisecond})
	release := make(chan struct{})
	inFlight := make(chan string, 10)
	var calls atomic.Int32
	job := &bulk.Job{Owner: "session:s1", Items: items(10)}
	if err := e.Start(context.Background(), job, func(ctx context.Context, id string) (string, string) {
		calls.Add(1)
		inFlight <- id
		<-release
		return "", ""
	}); err != nil {
		t.Fatal(err)
	}
	<-inFlight
	<-inFlight // two calls in flight, eight items waiting
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- e.Shutdown(ctx)
	}()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned with calls in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := e.Start(context.Background(), &bulk.Job{Owner: "session:s1", Items: items(1)}, nil); !errors.Is(err, bulk.ErrStopping) {
		t.Errorf("a job started during shutdown: %v", err)
	}
	close(release)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	j, _, _ := e.Get(context.Background(), "session:s1", job.ID)
	ok, failed, notDone, pending := j.Counts()
	if !j.Finished || ok != 2 || failed != 0 || notDone != 8 || pending != 0 || calls.Load() != 2 {
		t.Fatalf("finished %v: ok %d failed %d not done %d pending %d after %d calls", j.Finished, ok, failed, notDone, pending, calls.Load())
	}
	for _, it := range j.Items {
		if it.State == bulk.NotDone && it.Reason != bulk.ReasonRestarted {
			t.Errorf("%s not done, reason %q", it.ID, it.Reason)
		}
	}
}

// TestShutdownCutsOffAfterTheGrace: a call that outlasts the grace is cut
// off and reported with an unknown outcome; the rest are not done.
func TestShutdownCutsOffAfterTheGrace(t *testing.T) {
	e := bulk.New(bulk.Config{Store: memoryStore(t), Concurrency: 1, Flush: 10 * time.Millisecond})
	started := make(chan struct{}, 1)
	job := &bulk.Job{Owner: "session:s1", Items: items(3)}
	if err := e.Start(context.Background(), job, func(ctx context.Context, id string) (string, string) {
		started <- struct{}{}
		<-ctx.Done() // an upstream that never answers
		return "", ctx.Err().Error()
	}); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	j, _, _ := e.Get(context.Background(), "session:s1", job.ID)
	if j.Items[0].State != bulk.Failed || j.Items[0].Reason != bulk.ReasonCutOff {
		t.Errorf("the call cut off: %+v", j.Items[0])
	}
	for _, it := range j.Items[1:] {
		if it.State != bulk.NotDone {
			t.Errorf("%s: %+v, want not done", it.ID, it)
		}
	}
}

// TestStopFromAnotherReplica: a stop asked through one engine reaches the
// job another runs, through the store they share.
func TestStopFromAnotherReplica(t *testing.T) {
	for name, stores := range sharedStores {
		t.Run(name, func(t *testing.T) {
			sa, sb := stores(t)
			a := bulk.New(bulk.Config{Store: sa, Concurrency: 1, Flush: 20 * time.Millisecond})
			b := bulk.New(bulk.Config{Store: sb, Concurrency: 1, Flush: 20 * time.Millisecond})
			var calls atomic.Int32
			var once sync.Once
			first := make(chan struct{})
			job := &bulk.Job{Owner: "sso:ada", Items: items(40)}
			if err := a.Start(context.Background(), job, func(ctx context.Context, id string) (string, string) {
				calls.Add(1)
				once.Do(func() { close(first) })
				time.Sleep(10 * time.Millisecond)
				return "", ""
			}); err != nil {
				t.Fatal(err)
			}
			<-first
			if j, ok, err := b.Get(context.Background(), "sso:ada", job.ID); err != nil || !ok || j.Finished {
				t.Fatalf("B reads A's job: ok %v err %v %+v", ok, err, j)
			}
			if err := b.Stop(context.Background(), "sso:ada", job.ID); err != nil {
				t.Fatal(err)
			}
			j := waitFor(t, b, "sso:ada", job.ID, finished)
			ok, _, notDone, _ := j.Counts()
			if notDone == 0 || ok+notDone != 40 || int(calls.Load()) != ok || !j.Cancelling {
				t.Fatalf("after the stop: %d done, %d not done, %d calls, cancelling %v", ok, notDone, calls.Load(), j.Cancelling)
			}
		})
	}
}

func TestStalled(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	e := bulk.New(bulk.Config{Store: memoryStore(t), Now: func() time.Time { return now }})
	j := bulk.Job{Updated: now.Add(-31 * time.Second)}
	if !e.Stalled(j) {
		t.Error("a job silent for 31 s is not stalled")
	}
	j.Finished = true
	if e.Stalled(j) {
		t.Error("a finished job is stalled")
	}
	if e.Stalled(bulk.Job{Updated: now.Add(-29 * time.Second)}) {
		t.Error("a job that wrote 29 s ago is stalled")
	}
}

// TestStopSession: a sign-out stops the jobs its session started, on any
// replica, before their next item; the owner's other sessions' jobs go on;
// the next sign-in finds the stopped ones once.
func TestStopSession(t *testing.T) {
	for name, stores := range sharedStores {
		t.Run(name, func(t *testing.T) {
			sa, sb := stores(t)
			a := bulk.New(bulk.Config{Store: sa, Concurrency: 1, Flush: 20 * time.Millisecond})
			b := bulk.New(bulk.Config{Store: sb, Concurrency: 1, Flush: 20 * time.Millisecond})
			var afterSignOut atomic.Int32
			var signedOut atomic.Bool
			work := func(session string) bulk.Work {
				return func(ctx context.Context, id string) (string, string) {
					if signedOut.Load() && session == "s1" {
						afterSignOut.Add(1)
					}
					time.Sleep(5 * time.Millisecond)
					return "", ""
				}
			}
			j1 := &bulk.Job{Owner: "sso:ada", Session: "s1", Items: items(60)}
			j2 := &bulk.Job{Owner: "sso:ada", Session: "s2", Items: items(10)}
			if err := a.Start(context.Background(), j1, work("s1")); err != nil {
				t.Fatal(err)
			}
			if err := a.Start(context.Background(), j2, work("s2")); err != nil {
				t.Fatal(err)
			}
			time.Sleep(30 * time.Millisecond)
			signedOut.Store(true)
			if err := b.StopSession(context.Background(), "sso:ada", "s1"); err != nil { // signed out on the other replica
				t.Fatal(err)
			}
			got1 := waitFor(t, b, "sso:ada", j1.ID, finished)
			got2 := waitFor(t, b, "sso:ada", j2.ID, finished)
			if _, _, notDone, _ := got1.Counts(); notDone == 0 || got1.Items[len(got1.Items)-1].Reason != bulk.ReasonSignedOut {
				t.Errorf("the signed-out session's job: %d not done, last %+v", notDone, got1.Items[len(got1.Items)-1])
			}
			if n := afterSignOut.Load(); n > 1 { // at most the call in flight when the sign-out came
				t.Errorf("%d calls started after the sign-out", n)
			}
			if ok, _, notDone, _ := got2.Counts(); ok != 10 || notDone != 0 {
				t.Errorf("the other session's job was stopped: %d done, %d not done", ok, notDone)
			}
			took := a.TakeSignedOut(context.Background(), "sso:ada")
			if len(took) != 1 || took[0].ID != j1.ID {
				t.Errorf("the next sign-in finds %d jobs stopped at sign-out, want j1", len(took))
			}
			if again := a.TakeSignedOut(context.Background(), "sso:ada"); len(again) != 0 {
				t.Error("the stopped jobs were reported twice")
			}
		})
	}
}

// TestStoreOutage: a job whose store stops answering holds (it could not
// hear a stop), can still be stopped on its own replica, and writes its
// result once the store is back.
func TestStoreOutage(t *testing.T) {
	srv := redistest.Start(t)
	s, err := session.NewStore(session.Config{Keys: [][]byte{session.RandomKey()}, RedisURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	e := bulk.New(bulk.Config{Store: s, Concurrency: 1, Flush: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	var calls atomic.Int32
	job := &bulk.Job{Owner: "sso:ada", Session: "s1", Items: items(100)}
	if err := e.Start(context.Background(), job, func(ctx context.Context, id string) (string, string) {
		calls.Add(1)
		time.Sleep(5 * time.Millisecond)
		return "", ""
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	srv.Stop()
	time.Sleep(100 * time.Millisecond)
	held := calls.Load()
	time.Sleep(200 * time.Millisecond)
	if n := calls.Load(); n > held+1 {
		t.Errorf("the job went on without its store: %d calls, then %d", held, n)
	}
	if err := e.Stop(context.Background(), "sso:ada", job.ID); err != nil {
		t.Errorf("stop during the outage: %v", err)
	}
	j, ok, err := e.Get(context.Background(), "sso:ada", job.ID)
	if !ok || err != nil {
		t.Errorf("the job is not readable on its replica during the outage: %v %v", ok, err)
	} else if j.Items[len(j.Items)-1].State != bulk.Pending && j.Items[len(j.Items)-1].State != bulk.NotDone {
		t.Errorf("last item %+v", j.Items[len(j.Items)-1])
	}
	srv.Restart() // empty: the result must be written again
	got := waitFor(t, e, "sso:ada", job.ID, finished)
	if _, _, notDone, _ := got.Counts(); notDone == 0 {
		t.Error("the stop during the outage was lost")
	}
}
