// Package bulk runs bulk actions as jobs that outlive the request that
// started them: the job is recorded where every replica can read it (the
// session store), its items are worked on a few at a time, its progress
// is written back every Flush, and a stop asked on any replica is heard
// within one Flush.
//
// The Engine owns its goroutines: cmd/web gives it a grace at shutdown
// (Shutdown), during which the calls in flight may finish; the items not
// reached by then are reported as not done, "the dashboard restarted".
// What a job does to one item is the caller's (a Work function): the
// engine knows nothing of Run:ai.
package bulk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/reqid"
)

// Keep is how long a job's record stays readable after its last change:
// the pages that speak of it say so from this value.
const Keep = 90 * time.Minute

// Defaults of Config.
const (
	DefaultConcurrency = 4
	DefaultFlush       = 500 * time.Millisecond
	// DefaultStall is how long a running job may go without writing
	// before its page says the instance running it has gone away.
	DefaultStall = 30 * time.Second
)

// State is where one item of a job stands.
type State uint8

// The states of an item.
const (
	Pending State = iota // not done yet
	OK                   // done
	Failed               // tried, and failed: Reason says why
	NotDone              // never tried: the job was stopped first (Reason says why when it was not on request)
)

// Item is one account in a job.
type Item struct {
	ID, Name string
	State    State
	Note     string // what was done, when more than the action says ("already had it")
	Reason   string // why it failed, or why it was not done
}

// Job is a bulk job as the store keeps it.
type Job struct {
	ID    string
	Owner string // whose it is: the SSO identity, or the session without one
	// Action, View and GrantLabel are the caller's, for its pages.
	Action     string
	View       string
	GrantLabel string
	Items      []Item
	Started    time.Time
	Updated    time.Time
	Finished   bool
	Cancelling bool
	// RequestID is the request that started the job: every call the job
	// makes carries it upstream.
	RequestID string
	// Session is the (hashed) session that started the job: its sign-out
	// stops the job (StopSession).
	Session string
}

// Counts are how many items are done, failed, not done and still to do.
func (j Job) Counts() (ok, failed, notDone, pending int) {
	for _, it := range j.Items {
		switch it.State {
		case OK:
			ok++
		case Failed:
			failed++
		case NotDone:
			notDone++
		default:
			pending++
		}
	}
	return ok, failed, notDone, pending
}

// Store keeps job records where every replica can read them, under an
// owner: the session store's data records.
type Store interface {
	PutData(ctx context.Context, owner, name string, v any, ttl time.Duration) error
	GetData(ctx context.Context, owner, name string, v any) (bool, error)
	DeleteData(ctx context.Context, owner, name string) error
}

// Work applies the job's action to the item with id and says what was
// done (note) or why it failed (reason).
type Work func(ctx context.Context, id string) (note, reason string)

// Config configures an Engine.
type Config struct {
	Store       Store
	Logger      *slog.Logger
	Now         func() time.Time
	Concurrency int           // items worked on at once; DefaultConcurrency when 0
	Flush       time.Duration // how often progress is written and a stop looked for; DefaultFlush when 0
	Stall       time.Duration // DefaultStall when 0
}

// Words the engine writes into items.
const (
	// ReasonRestarted is why an item was not reached: the process ended.
	ReasonRestarted = "the dashboard restarted before reaching it"
	// ReasonCutOff is why a call in flight has no outcome: the grace at
	// shutdown ended before Run:ai answered.
	ReasonCutOff = "The dashboard restarted before Run:ai answered, so the change may or may not have been made: check it."
	// ReasonSignedOut is why an item was not reached: the session that
	// started the job signed out, and its token may not be used after.
	ReasonSignedOut = "you signed out before it was reached"
)

// ErrStopping is Start's answer once Shutdown has begun.
var ErrStopping = errors.New("bulk: the dashboard is shutting down and starts no new job")

// Engine runs the jobs of one process.
type Engine struct {
	cfg Config
	// base is the context of every call; cancelled when Shutdown's grace
	// ends, cutting off calls still in flight.
	base       context.Context
	cancelBase context.CancelFunc
	// stopping is closed when Shutdown begins: no item starts after.
	stopping chan struct{}

	mu      sync.Mutex
	closed  bool
	running sync.WaitGroup
	local   map[string]*running // the jobs this process runs, by id
}

// New returns an engine with no job running.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Flush <= 0 {
		cfg.Flush = DefaultFlush
	}
	if cfg.Stall <= 0 {
		cfg.Stall = DefaultStall
	}
	base, cancel := context.WithCancel(context.Background())
	return &Engine{cfg: cfg, base: base, cancelBase: cancel, stopping: make(chan struct{}), local: map[string]*running{}}
}

// The store's names for a job's data, all under its owner.
const (
	indexKey     = "jobs"            // the owner's recent jobs, for StopSession
	signedOutKey = "jobs:signed-out" // the jobs a sign-out stopped, for TakeSignedOut
	indexLen     = 20
)

func jobKey(id string) string              { return "job:" + id }
func cancelKey(id string) string           { return "job:" + id + ":cancel" }
func sessionStopKey(session string) string { return "stopped-session:" + session }

// indexEntry is one job in its owner's index.
type indexEntry struct{ ID, Session string }

// idPattern is what rand.Text makes: ids of any other shape are not
// looked up.
var idPattern = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// Start gives job an id, records it for its owner and runs it: work is
// applied to each item, Concurrency at a time. The calls go on whatever
// becomes of the request that started it.
func (e *Engine) Start(ctx context.Context, job *Job, work Work) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrStopping
	}
	if job.Owner == "" {
		return errors.New("bulk: a job needs an owner")
	}
	job.ID = rand.Text()
	job.Started = e.cfg.Now()
	job.Updated = job.Started
	if err := e.cfg.Store.PutData(ctx, job.Owner, jobKey(job.ID), job, Keep); err != nil {
		return fmt.Errorf("bulk: record the job: %w", err)
	}
	e.index(ctx, job)
	r := e.newRunning(job)
	e.local[job.ID] = r
	e.running.Add(1)
	go e.run(r, work)
	return nil
}

// index adds job to its owner's recent jobs (best effort: a sign-out
// stops the session's jobs by a marker every job reads, whether or not
// the index names it; the index only finds them to report).
func (e *Engine) index(ctx context.Context, job *Job) {
	var idx []indexEntry
	if _, err := e.cfg.Store.GetData(ctx, job.Owner, indexKey, &idx); err != nil {
		return
	}
	idx = append(idx, indexEntry{ID: job.ID, Session: job.Session})
	if len(idx) > indexLen {
		idx = idx[len(idx)-indexLen:]
	}
	_ = e.cfg.Store.PutData(ctx, job.Owner, indexKey, idx, Keep)
}

// Get reads the owner's job id; false when there is none (never started,
// past Keep, another owner's, or an id of the wrong shape). A job this
// process runs, or ran and could not yet save, is read from memory.
func (e *Engine) Get(ctx context.Context, owner, id string) (Job, bool, error) {
	var j Job
	if owner == "" || !idPattern.MatchString(id) {
		return j, false, nil
	}
	// The replica that runs the job has the freshest copy, even while the
	// store is out or has lost it (a Redis restarted empty).
	if r := e.localJob(owner, id); r != nil {
		return r.snapshot(), true, nil
	}
	ok, err := e.cfg.Store.GetData(ctx, owner, jobKey(id), &j)
	return j, ok, err
}

// localJob is the owner's job id when this process runs it.
func (e *Engine) localJob(owner, id string) *running {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r := e.local[id]; r != nil && r.job.Owner == owner {
		return r
	}
	return nil
}

// Stop asks the owner's job id to stop. This process stops it at once
// when it runs it (whether or not the store answers); another replica
// hears it through the store, before its next item.
func (e *Engine) Stop(ctx context.Context, owner, id string) error {
	r := e.localJob(owner, id)
	if r != nil {
		r.halt("")
	}
	err := e.cfg.Store.PutData(ctx, owner, cancelKey(id), true, Keep)
	if r != nil {
		return nil
	}
	return err
}

// StopSession stops the owner's jobs that session started, on every
// replica (a marker every job reads before each item): its sign-out
// means its token may not be used any more. The jobs it stopped are kept
// for TakeSignedOut.
func (e *Engine) StopSession(ctx context.Context, owner, session string) error {
	if owner == "" || session == "" {
		return nil
	}
	var stopped []string
	e.mu.Lock()
	for id, r := range e.local {
		if r.job.Owner == owner && r.job.Session == session {
			r.halt(ReasonSignedOut)
			stopped = append(stopped, id)
		}
	}
	e.mu.Unlock()
	var idx []indexEntry
	_, err := e.cfg.Store.GetData(ctx, owner, indexKey, &idx)
	started := len(stopped) > 0
	for _, ent := range idx {
		if ent.Session != session {
			continue
		}
		started = true
		var j Job
		if ok, _ := e.cfg.Store.GetData(ctx, owner, jobKey(ent.ID), &j); ok && !j.Finished && !slices.Contains(stopped, ent.ID) {
			stopped = append(stopped, ent.ID)
		}
	}
	if !started && err == nil {
		return nil // the session started no job: nothing to stop, nothing to store
	}
	if perr := e.cfg.Store.PutData(ctx, owner, sessionStopKey(session), true, Keep); perr != nil {
		return perr
	}
	if len(stopped) > 0 {
		_ = e.cfg.Store.PutData(ctx, owner, signedOutKey, stopped, Keep)
	}
	return err
}

// TakeSignedOut returns the owner's jobs the last sign-out stopped, once:
// the next sign-in shows where they stopped.
func (e *Engine) TakeSignedOut(ctx context.Context, owner string) []Job {
	var ids []string
	if ok, err := e.cfg.Store.GetData(ctx, owner, signedOutKey, &ids); !ok || err != nil {
		return nil
	}
	_ = e.cfg.Store.DeleteData(ctx, owner, signedOutKey)
	var out []Job
	for _, id := range ids {
		if j, ok, err := e.Get(ctx, owner, id); ok && err == nil {
			out = append(out, j)
		}
	}
	return out
}

// Stalled reports whether a running job has written nothing for a while:
// the replica running it has gone away.
func (e *Engine) Stalled(j Job) bool {
	return !j.Finished && e.cfg.Now().Sub(j.Updated) > e.cfg.Stall
}

// Shutdown stops the engine: no item starts any more (those not reached
// are marked not done, ReasonRestarted), the calls in flight may finish
// until ctx ends, after which they are cut off (ReasonCutOff), and every
// job's record is written. It returns once every job has ended, or with
// ctx's error when the grace ran out first.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	if !e.closed {
		e.closed = true
		close(e.stopping)
	}
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.running.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	e.cancelBase() // the grace is over: cut the calls off, and write what is known
	select {
	case <-done:
		return nil
	case <-time.After(2 * time.Second):
		return fmt.Errorf("bulk: jobs still running after the grace: %w", ctx.Err())
	}
}

// run works on the job's items and keeps its record up to date. It owns
// r.job.
func (e *Engine) run(r *running, work Work) {
	defer e.running.Done()
	job := r.job
	ctx := reqid.With(e.base, job.RequestID)
	done, flushed := make(chan struct{}), make(chan struct{})
	go r.watch(ctx, done, flushed)

	g := new(errgroup.Group)
	g.SetLimit(e.cfg.Concurrency)
	for i := range job.Items {
		g.Go(func() error { r.item(ctx, i, work); return nil })
	}
	_ = g.Wait()
	close(done)
	<-flushed
	r.mu.Lock()
	job.Finished = true
	r.mu.Unlock()
	r.save(ctx)
	e.mu.Lock()
	delete(e.local, job.ID)
	e.mu.Unlock()
	ok, failed, notDone, _ := r.snapshot().Counts()
	r.log.Info("bulk job finished", "action", job.Action, "accounts", len(job.Items), "done", ok, "failed", failed, "not_done", notDone)
}

// running is one job while this process runs it.
type running struct {
	e    *Engine
	job  *Job
	log  *slog.Logger
	mu   sync.Mutex // guards job and why
	stop chan struct{}
	once sync.Once
	why  string // why it was stopped: "" on request, else a Reason
}

func (e *Engine) newRunning(job *Job) *running {
	return &running{e: e, job: job, stop: make(chan struct{}), log: e.cfg.Logger.With("job", job.ID, "request_id", job.RequestID)}
}

// halt stops the job: items not started are not done, for why.
func (r *running) halt(why string) {
	r.once.Do(func() {
		r.mu.Lock()
		r.job.Cancelling, r.why = true, why
		r.mu.Unlock()
		close(r.stop)
	})
}

// snapshot is a copy of the job as it stands.
func (r *running) snapshot() Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := *r.job
	j.Items = append([]Item(nil), r.job.Items...)
	return j
}

// item works on item i, unless the job was stopped (here, by a Stop or a
// sign-out anywhere, or by the engine's shutdown). Before each call it
// asks the store whether it may go on; a store that does not answer holds
// the job (it could not hear a stop) until it does.
func (r *running) item(ctx context.Context, i int, work Work) {
	r.mu.Lock()
	id := r.job.Items[i].ID
	r.mu.Unlock()
	if !r.mayGoOn(ctx) {
		r.mu.Lock()
		why := r.why
		r.mu.Unlock()
		select {
		case <-r.e.stopping:
			why = ReasonRestarted
		default:
		}
		r.set(i, NotDone, "", why)
		return
	}
	note, reason := work(ctx, id)
	switch {
	case r.e.base.Err() != nil && reason != "":
		r.set(i, Failed, "", ReasonCutOff)
	case reason != "":
		r.set(i, Failed, note, reason)
	default:
		r.set(i, OK, note, "")
	}
}

// mayGoOn reports whether the next item may start: the job was not
// stopped here, the engine is not stopping, and the store says no stop
// was asked (of the job, or by its session's sign-out). While the store
// does not answer it waits, a Flush at a time.
func (r *running) mayGoOn(ctx context.Context) bool {
	for {
		select {
		case <-r.stop:
			return false
		case <-r.e.stopping:
			return false
		default:
		}
		asked, err := r.stopAsked(ctx)
		if err == nil {
			if asked != nil {
				r.halt(*asked)
				return false
			}
			return true
		}
		r.log.Warn("bulk job: the store does not answer, so a stop could not be heard: waiting before the next account", "err", err)
		select {
		case <-time.After(r.e.cfg.Flush):
		case <-r.stop:
		case <-r.e.stopping:
		}
	}
}

// stopAsked reads whether a stop was asked through the store: nil when
// none, else why (ReasonSignedOut, or "" on request).
func (r *running) stopAsked(ctx context.Context) (*string, error) {
	var asked bool
	if ok, err := r.e.cfg.Store.GetData(ctx, r.job.Owner, cancelKey(r.job.ID), &asked); err != nil {
		return nil, err
	} else if ok && asked {
		why := ""
		return &why, nil
	}
	if r.job.Session == "" {
		return nil, nil
	}
	if ok, err := r.e.cfg.Store.GetData(ctx, r.job.Owner, sessionStopKey(r.job.Session), &asked); err != nil {
		return nil, err
	} else if ok && asked {
		why := ReasonSignedOut
		return &why, nil
	}
	return nil, nil
}

func (r *running) set(i int, s State, note, reason string) {
	r.mu.Lock()
	r.job.Items[i].State, r.job.Items[i].Note, r.job.Items[i].Reason = s, note, reason
	r.mu.Unlock()
}

// watch writes the job's progress every Flush until done is closed, and
// hears a stop asked through the store.
func (r *running) watch(ctx context.Context, done, flushed chan struct{}) {
	defer close(flushed)
	t := time.NewTicker(r.e.cfg.Flush)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if asked, err := r.stopAsked(ctx); err == nil && asked != nil {
			r.halt(*asked)
		}
		if err := r.write(ctx); err != nil {
			r.log.Warn("bulk job: progress not saved", "err", err)
		}
	}
}

// write stores a snapshot of the job.
func (r *running) write(ctx context.Context) error {
	r.mu.Lock()
	r.job.Updated = r.e.cfg.Now()
	r.mu.Unlock()
	return r.e.cfg.Store.PutData(ctx, r.job.Owner, jobKey(r.job.ID), r.snapshot(), Keep)
}

// save writes the job's result: it must reach the store, so a store that
// is away is tried again, less and less often, until it answers, Keep
// has passed, or the engine is shut down. Meanwhile this process answers
// for the job from memory (Get).
func (r *running) save(ctx context.Context) {
	wctx := context.WithoutCancel(ctx)
	deadline := time.Now().Add(Keep)
	wait := time.Second
	for {
		err := r.write(wctx)
		if err == nil {
			return
		}
		if time.Now().After(deadline) || r.e.base.Err() != nil {
			r.log.Error("bulk job: result not saved", "err", err)
			return
		}
		r.log.Warn("bulk job: result not saved yet; trying again", "err", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-r.e.base.Done():
		}
		wait = min(2*wait, time.Minute)
	}
}
