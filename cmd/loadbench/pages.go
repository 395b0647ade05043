package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/cache"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// reload is what a browser's reload (and Refresh) sends: the list is read
// from Run:ai anew.
var reload = http.Header{"Cache-Control": {"max-age=0"}}

// measureFresh times the pages that read Run:ai on every view, each
// against the upstream's list answer and, for the account's page and
// the Activity page, against the upstream time of the calls they make
// (replayed at the stub as the page can make them at best):
//   - the list read anew (the first view after sign-in, Refresh, a reload);
//   - an account's page, opened from the list (the session's list fresh);
//   - the Activity page, last 30 days.
func measureFresh(ctx context.Context, t *target, o options, up *browser, upstream request, rep *report, log io.Writer) error {
	b := newBrowser()
	if err := b.signIn(ctx, t); err != nil {
		return err
	}
	list := t.url(paths.Accounts.Link())
	fresh := func(ctx context.Context) (time.Duration, error) { return b.timed(ctx, list, reload) }
	n := o.pairs / 2
	fmt.Fprintf(log, "loadbench: %d list pages read anew (reload) interleaved with the upstream's list\n", n)
	m, err := interleave(ctx, n, fresh, upstream)
	if err != nil {
		return err
	}
	rep.ratioLine(fmt.Sprintf("list page read anew (reload) at %d accounts, median", t.accounts), m[0], "upstream list answer", m[1], 2)

	// An account's page, as opened from the list: the session's list is
	// read anew whenever it is half its lifetime old (untimed).
	id, err := plainAccount(t.stub)
	if err != nil {
		return err
	}
	var listAt time.Time
	fromList := func(ctx context.Context) error {
		if time.Since(listAt) < cache.ListTTL/2 {
			return nil
		}
		_, err := b.read(ctx, list, reload)
		listAt = time.Now()
		return err
	}
	accountURL := t.url(paths.Account.ID(id))
	accountPage := func(ctx context.Context) (time.Duration, error) {
		if err := fromList(ctx); err != nil {
			return 0, err
		}
		return b.timed(ctx, accountURL, nil)
	}
	if err := fromList(ctx); err != nil {
		return err
	}
	calls, err := capture(ctx, t, b, accountURL, func(stub.Call) bool { return true })
	if err != nil {
		return err
	}
	floor := calls.run(up, t)
	fmt.Fprintf(log, "loadbench: %d account pages interleaved with the upstream's list and the page's calls (%s)\n", n, calls)
	m, err = interleave(ctx, n, accountPage, upstream, floor)
	if err != nil {
		return err
	}
	rep.ratioLine("account page (opened from the list), median", m[0], "upstream list answer", m[1], 2)
	rep.ratioLine("account page (opened from the list), median", m[0], "its calls at the upstream, "+calls.String(), m[2], 1.5)

	activity := t.url(paths.Activity.Link().Query(url.Values{form.ParamRange: {form.Range30d}}))
	activityPage := func(ctx context.Context) (time.Duration, error) { return b.timed(ctx, activity, nil) }
	audit, err := capture(ctx, t, b, activity, func(c stub.Call) bool { return c.Op == stub.OpAudit })
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "loadbench: %d Activity pages (30 days) interleaved with the upstream's list and the page's audit reads (%s)\n", n, audit)
	m, err = interleave(ctx, n, activityPage, upstream, audit.run(up, t))
	if err != nil {
		return err
	}
	rep.ratioLine("Activity page (last 30 days), median", m[0], "its audit reads at the upstream, "+audit.String(), m[2], 2)
	rep.note(line{measure: "Activity page (last 30 days), median", value: ms(m[0]), floor: "upstream list answer " + ms(m[1]),
		ratio: fmt.Sprintf("%.2f", m[0].Seconds()/m[1].Seconds())})
	return nil
}

// plainAccount is an enabled account in no rotation, whose page is the
// common one.
func plainAccount(s *stub.Server) (string, error) {
	for _, a := range s.Accounts() {
		if a.Enabled && !strings.Contains(a.Name, "-r") {
			return a.ID, nil
		}
	}
	return "", fmt.Errorf("the stub has no enabled account outside a rotation")
}

// calls is the upstream side of a page: the Run:ai calls it made, by
// listing (a path and its query but the offset), each listing's pages in
// order.
type calls [][]string

// capture draws u once and returns the signed-in calls keep accepts that
// the stub answered meanwhile.
func capture(ctx context.Context, t *target, b *browser, u string, keep func(stub.Call) bool) (calls, error) {
	t.stub.ResetCalls()
	if _, err := b.read(ctx, u, nil); err != nil {
		return nil, err
	}
	var out calls
	index := map[string]int{}
	for _, c := range t.stub.Calls() {
		if c.Identity == "" || c.Method != http.MethodGet || !keep(c) { // the probe's unauthenticated pings
			continue
		}
		q, _ := url.ParseQuery(c.Query)
		q.Del("offset")
		key := c.Path + "?" + q.Encode()
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, nil)
		}
		target := c.Path
		if c.Query != "" {
			target += "?" + c.Query
		}
		out[i] = append(out[i], target)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s made no Run:ai call to measure against", u)
	}
	return out, nil
}

// String is "4 calls at once" or "5 calls, 2 one after another".
func (cs calls) String() string {
	n, chain := 0, 0
	for _, l := range cs {
		n += len(l)
		chain = max(chain, len(l))
	}
	if chain == 1 {
		return plural(n, "call") + " at once"
	}
	return fmt.Sprintf("%s, up to %d one after another", plural(n, "call"), chain)
}

// run makes the calls at t's stub with its admin token, as a page can
// make them at best: each listing's pages one after another (a page's
// offset comes from the one before), the listings at once.
func (cs calls) run(b *browser, t *target) request {
	hdr := http.Header{"Authorization": {"Bearer " + t.token}}
	return func(ctx context.Context) (time.Duration, error) {
		start := time.Now()
		g, gctx := errgroup.WithContext(ctx)
		for _, listing := range cs {
			g.Go(func() error {
				for _, target := range listing {
					if _, err := b.read(gctx, t.stubURL+target, hdr); err != nil {
						return err
					}
				}
				return nil
			})
		}
		err := g.Wait()
		return time.Since(start), err
	}
}
