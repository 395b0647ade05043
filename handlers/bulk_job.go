package handlers

import (
	"context"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/reqid"
	"github.com/runai-tools/sa-dashboard/views"
)

// A bulk action runs as a job: the request that confirms it records the
// job in the session store and answers at once; a goroutine makes the
// calls, bulkConcurrency at a time, and writes the progress back every
// jobFlush. Any replica shows the job from the store, and asks it to stop
// through the store. The result stays for jobTTL after the last change.
const (
	bulkConcurrency = 4
	jobFlush        = 500 * time.Millisecond
	jobTTL          = 90 * time.Minute
	// jobStall is how long a running job may go without writing before
	// its page says the instance running it has gone away.
	jobStall = 30 * time.Second
)

// jobRecord is a bulk job as the session store keeps it.
type jobRecord struct {
	ID         string
	Action     form.BulkAction
	View       string // the list view's query, to return to
	GrantLabel string
	Items      []views.BulkItem
	Started    time.Time
	Updated    time.Time
	Finished   bool
	Cancelling bool
}

func jobKey(id string) string       { return "job:" + id }
func jobCancelKey(id string) string { return "job:" + id + ":cancel" }

// jobIDPattern is what rand.Text makes: ids of any other shape are not
// looked up.
var jobIDPattern = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// startJob records the job for the session and starts it.
func (h *handler) startJob(c echo.Context, rec *jobRecord, job bulkJob) error {
	sid := stateOf(c).id()
	if sid == "" {
		return echo.NewHTTPError(http.StatusForbidden, "no session to keep the job in")
	}
	rec.Updated = rec.Started
	if err := h.Sessions.PutData(c.Request().Context(), sid, jobKey(rec.ID), rec, jobTTL); err != nil {
		return err
	}
	go h.runJob(sid, rec, job)
	return nil
}

// runJob makes the job's calls and keeps its record up to date. It owns
// rec. Accounts not yet started when a stop is asked for are marked not
// done; calls already sent finish (cancelling them would leave their
// outcome unknown).
func (h *handler) runJob(sid string, rec *jobRecord, job bulkJob) {
	ctx := reqid.With(context.Background(), job.who.requestID)
	var (
		mu       sync.Mutex
		stop     = make(chan struct{})
		stopOnce sync.Once
	)
	write := func() error {
		mu.Lock()
		rec.Updated = h.Now()
		snapshot := *rec
		snapshot.Items = append([]views.BulkItem(nil), rec.Items...)
		mu.Unlock()
		return h.Sessions.PutData(ctx, sid, jobKey(rec.ID), snapshot, jobTTL)
	}
	done := make(chan struct{})
	go func() { // the progress writer, which also hears a request to stop
		t := time.NewTicker(jobFlush)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var asked bool
			if ok, _ := h.Sessions.GetData(ctx, sid, jobCancelKey(rec.ID), &asked); ok && asked {
				mu.Lock()
				rec.Cancelling = true
				mu.Unlock()
				stopOnce.Do(func() { close(stop) })
			}
			if err := write(); err != nil {
				h.Logger.Warn("bulk job: progress not saved", "job", rec.ID, "err", err, "request_id", job.who.requestID)
			}
		}
	}()

	g := new(errgroup.Group)
	g.SetLimit(bulkConcurrency)
	for i := range rec.Items {
		g.Go(func() error {
			mu.Lock()
			id := rec.Items[i].ID
			mu.Unlock()
			select {
			case <-stop:
				mu.Lock()
				rec.Items[i].State = views.BulkNotDone
				mu.Unlock()
				return nil
			default:
			}
			note, reason := job.one(ctx, id)
			mu.Lock()
			rec.Items[i].Note, rec.Items[i].Reason = note, reason
			rec.Items[i].State = views.BulkOK
			if reason != "" {
				rec.Items[i].State = views.BulkFailed
			}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	close(done)
	mu.Lock()
	rec.Finished = true
	mu.Unlock()
	// The result must reach the store: retry a while if it is away.
	for try := 0; ; try++ {
		err := write()
		if err == nil {
			break
		}
		if try == 20 {
			h.Logger.Error("bulk job: result not saved", "job", rec.ID, "err", err, "request_id", job.who.requestID)
			break
		}
		time.Sleep(time.Second)
	}
	h.Logger.Info("bulk job finished", "job", rec.ID, "action", string(rec.Action), "accounts", len(rec.Items), "request_id", job.who.requestID)
}

// errJobGone is a job this session does not have (any more).
type errJobGone struct{}

func (errJobGone) Error() string { return "bulk job not found in this session" }

// jobOf reads the job the path names, as this session's.
func (h *handler) jobOf(c echo.Context) (views.BulkJob, error) {
	id := c.Param("id")
	var rec jobRecord
	ok := false
	if sid := stateOf(c).id(); sid != "" && jobIDPattern.MatchString(id) {
		var err error
		if ok, err = h.Sessions.GetData(c.Request().Context(), sid, jobKey(id), &rec); err != nil {
			return views.BulkJob{}, err
		}
	}
	if !ok {
		return views.BulkJob{}, errJobGone{}
	}
	j := views.BulkJob{
		Bulk: views.Bulk{Action: rec.Action, Items: rec.Items, View: h.formView(rec.View), GrantLabel: rec.GrantLabel, Done: rec.Finished},
		ID:   rec.ID, Running: !rec.Finished, Cancelling: rec.Cancelling, Started: rec.Started,
	}
	j.Stalled = j.Running && h.Now().Sub(rec.Updated) > jobStall
	return j, nil
}

// showBulkJob is a bulk job's page: progress while it runs, then its
// result. htmx polls it for the progress section alone.
func (h *handler) showBulkJob(c echo.Context) error {
	j, err := h.jobOf(c)
	if err != nil {
		return err
	}
	if hxOf(c).Partial() {
		return h.render(c, http.StatusOK, "Bulk action", views.BulkProgress(j))
	}
	if j.Running && !j.Stalled {
		views.RequestFrom(c.Request().Context()).Refresh = 2
	}
	return h.render(c, http.StatusOK, "Bulk action", views.BulkJobView(j))
}

// cancelBulkJob asks a running job to stop: the instance running it hears
// it within jobFlush.
func (h *handler) cancelBulkJob(c echo.Context) error {
	j, err := h.jobOf(c)
	if err != nil {
		return err
	}
	if j.Running {
		if err := h.Sessions.PutData(c.Request().Context(), stateOf(c).id(), jobCancelKey(j.ID), true, jobTTL); err != nil {
			return err
		}
		j.Cancelling = true
	}
	if hxOf(c).Partial() {
		return h.render(c, http.StatusOK, "Bulk action", views.BulkProgress(j))
	}
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.BulkJob.ID(j.ID)))
}
