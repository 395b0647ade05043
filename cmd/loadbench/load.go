package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/views"
)

// fragments are the list interactions timed against the upstream: what a
// keystroke in the search box, a filter, a sort and the pager ask for.
var fragments = []struct{ name, query string }{
	{"search (q=mlflow)", "q=mlflow"},
	{"filter (status=disabled)", "status=disabled"},
	{"sort (last login, newest first)", "sort=lastLogin&dir=desc"},
	{"page 3", "page=3"},
}

// measureLoad takes the server and wire measures against t.
func measureLoad(ctx context.Context, t *target, o options, rep *report, log io.Writer) error {
	upHdr := http.Header{"Authorization": {"Bearer " + t.token}}
	upList := t.stubURL + "/api/v1/service-accounts"
	up := newBrowser()
	upstream := func(ctx context.Context) (time.Duration, error) { return up.timed(ctx, upList, upHdr) }
	upBody, err := up.read(ctx, upList, upHdr)
	if err != nil {
		return err
	}

	b := newBrowser()
	if err := b.signIn(ctx, t); err != nil {
		return err
	}
	page := func(ctx context.Context) (time.Duration, error) {
		return b.timed(ctx, t.url(paths.Accounts.Link()), nil)
	}
	at := fmt.Sprintf(" at %d accounts", t.accounts)

	fmt.Fprintf(log, "loadbench: %d list pages interleaved with the upstream's list\n", o.pairs)
	mp, mu, err := pair(ctx, o.pairs, page, upstream)
	if err != nil {
		return err
	}
	rep.ratioLine("list page"+at+", median", mp, "upstream list answer", mu, 3)

	if err := measureFresh(ctx, t, o, up, upstream, rep, log); err != nil {
		return err
	}

	hx := http.Header{htmx.HeaderRequest: {"true"}, htmx.HeaderTarget: {views.ListID}}
	for _, f := range fragments {
		fmt.Fprintf(log, "loadbench: %d fragments %s interleaved with the upstream's list\n", o.pairs, f.name)
		if _, err := page(ctx); err != nil { // the page the interaction happens on
			return err
		}
		frag := func(ctx context.Context) (time.Duration, error) {
			return b.timed(ctx, t.url(paths.Accounts.Link().RawQuery(f.query)), hx)
		}
		mf, mu, err := pair(ctx, o.pairs, frag, upstream)
		if err != nil {
			return err
		}
		rep.ratioLine("htmx fragment, "+f.name+", median", mf, "upstream list answer", mu, 1.5)
	}

	if err := measureConcurrency(ctx, t, o, rep, log, upList, upHdr); err != nil {
		return err
	}

	w, err := weighRows(ctx, b, t, upBody)
	if err != nil {
		return err
	}
	rep.check(line{measure: "HTML per row", value: fmt.Sprintf("%d bytes", w.bytes/w.rows),
		floor: fmt.Sprintf("the row's JSON: %d bytes", w.jsonBytes), ratio: fmt.Sprintf("%.2f", float64(w.bytes)/float64(w.rows*w.jsonBytes)),
		target: "≤ 700 bytes"}, w.bytes/w.rows <= 700)
	rep.check(line{measure: "DOM elements per row", value: fmt.Sprintf("%.1f", float64(w.elements)/float64(w.rows)), target: "≤ 12"},
		w.elements <= 12*w.rows)
	rep.note(line{measure: fmt.Sprintf("page with all %d rows", w.rows),
		value: fmt.Sprintf("%d DOM elements, %d hx-* attributes", w.pageElements, w.hxAttrs)})
	return nil
}

// measureConcurrency runs o.clients signed-in clients on the list page and
// as many on the upstream's list alone, in alternating rounds, and records
// throughput, p95 and the dashboard's peak RSS.
func measureConcurrency(ctx context.Context, t *target, o options, rep *report, log io.Writer, upList string, upHdr http.Header) error {
	dash := make([]request, o.clients)
	ups := make([]request, o.clients)
	for i := range o.clients {
		b, u := newBrowser(), newBrowser()
		if err := b.signIn(ctx, t); err != nil {
			return err
		}
		dash[i] = func(ctx context.Context) (time.Duration, error) {
			return b.timed(ctx, t.url(paths.Accounts.Link()), nil)
		}
		ups[i] = func(ctx context.Context) (time.Duration, error) { return u.timed(ctx, upList, upHdr) }
	}
	const rounds = 3
	seg := o.duration / rounds
	fmt.Fprintf(log, "loadbench: %d clients, %d rounds of %v on the list page and %v on the upstream alone\n", o.clients, rounds, seg, seg)
	var dl, ul load
	for range rounds {
		d, err := concurrently(ctx, dash, seg)
		if err != nil {
			return err
		}
		u, err := concurrently(ctx, ups, seg)
		if err != nil {
			return err
		}
		dl, ul = dl.add(d), ul.add(u)
	}
	rss, err := t.peakRSS()
	if err != nil {
		return err
	}
	ratio := dl.perSecond() / ul.perSecond()
	n := fmt.Sprintf("%d concurrent clients on the list page", o.clients)
	rep.check(line{measure: n + ", throughput", value: fmt.Sprintf("%.0f requests/s", dl.perSecond()),
		floor: fmt.Sprintf("the upstream alone: %.0f requests/s", ul.perSecond()), ratio: fmt.Sprintf("%.2f", ratio), target: "≥ 0.30"}, ratio >= 0.30)
	p95 := quantile(dl.lat, 0.95)
	rep.check(line{measure: n + ", p95", value: ms(p95), floor: "upstream alone p95 " + ms(quantile(ul.lat, 0.95)), target: "< 150 ms"}, p95 < 150*time.Millisecond)
	rep.check(line{measure: "dashboard's peak RSS (whole run)", value: fmt.Sprintf("%.0f MB", float64(rss)/1e6), target: "< 120 MB"}, rss < 120e6)
	return nil
}

// measureFlood sends n cookie-less requests to the sign-in page, as
// anyone who reaches the port could, with a signed-in admin watching:
// the dashboard's resident memory before and after, the throughput of the
// last thousand against the first, and whether the admin is still signed
// in.
func measureFlood(ctx context.Context, t *target, n int, rep *report, log io.Writer) error {
	admin := newBrowser()
	if err := admin.signIn(ctx, t); err != nil {
		return err
	}
	before, err := t.rss()
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "loadbench: %d anonymous requests to the sign-in page\n", n)
	const clients, block = 8, 1000
	blocks := make([]time.Duration, 0, n/block)
	anon := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	for sent := 0; sent < n; sent += block {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for c := range clients {
			wg.Go(func() {
				for i := c; i < block; i += clients {
					req, _ := http.NewRequestWithContext(ctx, "GET", t.url(paths.SignIn.Link()), nil)
					res, err := anon.Do(req)
					if err != nil {
						errs <- err
						return
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		blocks = append(blocks, time.Since(start))
	}
	after, err := t.rss()
	if err != nil {
		return err
	}
	_, err = admin.read(ctx, t.url(paths.Accounts.Link()), nil)
	first, last := blocks[0], blocks[len(blocks)-1]
	ratio := first.Seconds() / last.Seconds() // throughput of the last block against the first
	rep.check(line{measure: fmt.Sprintf("%d anonymous requests: resident memory", n),
		value: fmt.Sprintf("%+.1f MB (%.0f to %.0f MB)", float64(after-before)/1e6, float64(before)/1e6, float64(after)/1e6), target: "within 20 MB"},
		after-before < 20e6)
	rep.check(line{measure: fmt.Sprintf("%d anonymous requests: throughput, last thousand", n),
		value: fmt.Sprintf("%.0f requests/s", block/last.Seconds()), floor: fmt.Sprintf("the first thousand: %.0f requests/s", block/first.Seconds()),
		ratio: fmt.Sprintf("%.2f", ratio), target: "≥ 0.80"}, ratio >= 0.8)
	still := "yes"
	if err != nil {
		still = "no: " + err.Error()
	}
	rep.check(line{measure: "a signed-in admin, after the flood", value: "still signed in: " + still, target: "signed in"}, err == nil)
	return nil
}

// measureSessions signs o.sessions admins in, each opening the list once
// (a fresh read of the accounts and their rules), 8 at a time, and reads
// the dashboard's resident memory before, right after, and after o.idle
// without a request: what many sign-ins over a day leave behind.
func measureSessions(ctx context.Context, t *target, o options, label string, rep *report, log io.Writer) error {
	before, err := t.rss()
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "loadbench: %d admins sign in and open the list once each%s\n", o.sessions, label)
	began := time.Now()
	const clients = 8
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < o.sessions; i += clients {
				b := newBrowser()
				if err := b.signIn(ctx, t); err != nil {
					errs <- err
					return
				}
				b.http.CloseIdleConnections()
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	took := time.Since(began)
	after, err := t.rss()
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "loadbench: idle for %v\n", o.idle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(o.idle):
	}
	idle, err := t.rss()
	if err != nil {
		return err
	}
	peak, err := t.peakRSS()
	if err != nil {
		return err
	}
	rep.check(line{measure: fmt.Sprintf("%d admins signed in, each list read once%s: resident memory", o.sessions, label),
		value: fmt.Sprintf("%s → %s (peak %s; the sign-ins took %.1f s)", mb(before), mb(after), mb(peak), took.Seconds()), target: "peak < " + mb(memoryTarget)}, peak < memoryTarget)
	rep.check(line{measure: fmt.Sprintf("the same%s, idle %v later", label, o.idle), value: mb(idle), target: "< " + mb(idleTarget)}, idle < idleTarget)
	return nil
}

// Memory targets: the shipped deployment limits the dashboard's container
// to 256 MiB (268 MB; deploy/k8s/deployment.yaml); the peak keeps a fifth
// of it free, and idle the dashboard gives most back.
const (
	memoryTarget = 215e6
	idleTarget   = 80e6
)

func mb(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }

// measureHostile signs three admins in against an upstream that answers
// more than the API holds (hostile), each opening the list, and reads the
// dashboard's resident memory: the bounds must keep it where it was.
func measureHostile(ctx context.Context, o options, name string, hostile stub.Hostile, rep *report, log io.Writer) error {
	t, err := start(ctx, o.dashboard, 3, 0, variant{hostile: &hostile})
	if err != nil {
		return err
	}
	defer t.stop()
	before, err := t.rss()
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "loadbench: 3 admins against an upstream with %s\n", name)
	for range 3 {
		// The list page answers 502 (accounts refused) or 200 (rules
		// refused, the list shown without them).
		if _, err := newBrowser().signInTo(ctx, t); err != nil {
			return fmt.Errorf("%w\n%s", err, t.output())
		}
	}
	peak, err := t.peakRSS()
	if err != nil {
		return err
	}
	rep.check(line{measure: "3 admins, upstream with " + name + ": resident memory", value: fmt.Sprintf("%s → peak %s", mb(before), mb(peak)),
		target: "peak < " + mb(before+40e6)}, peak < before+40e6)
	return nil
}
