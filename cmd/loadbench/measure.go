package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// browser is one client as a browser is one: its own connections (kept
// alive), its own cookies, gzip accepted.
type browser struct {
	http *http.Client
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{http: &http.Client{
		Jar:       jar,
		Transport: &http.Transport{MaxIdleConnsPerHost: 8, IdleConnTimeout: time.Minute},
		Timeout:   60 * time.Second,
	}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs the browser in with the stub's admin access key, and
// requires the list page it lands on.
func (b *browser) signIn(ctx context.Context, t *target) error {
	status, err := b.signInTo(ctx, t)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("sign-in ended at the list with %d", status)
	}
	return err
}

// signInTo signs the browser in and says with which status the list page
// it lands on answered.
func (b *browser) signInTo(ctx context.Context, t *target) (int, error) {
	page, err := b.read(ctx, t.url(paths.SignIn.Link()), nil)
	if err != nil {
		return 0, err
	}
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return 0, fmt.Errorf("no CSRF field on the sign-in page")
	}
	id, secret := t.stub.AdminCredentials()
	values := url.Values{form.FieldCSRF: {string(m[1])}, form.FieldClientID: {id}, form.FieldClientSecret: {secret}}
	req, _ := http.NewRequestWithContext(ctx, "POST", t.url(paths.SignInKey.Link()), strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.Request.URL.Path != string(paths.Accounts) {
		return 0, fmt.Errorf("sign-in ended at %s with %d", res.Request.URL, res.StatusCode)
	}
	return res.StatusCode, nil
}

// cookie is the browser's Cookie header for the dashboard.
func (b *browser) cookie(t *target) string {
	u, _ := url.Parse(t.dashURL)
	var parts []string
	for _, c := range b.http.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// read GETs u and returns the body; anything but 200 is an error.
func (b *browser) read(ctx context.Context, u string, hdr http.Header) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", u, res.StatusCode)
	}
	return body, nil
}

// timed GETs u and says how long until the whole body was read.
func (b *browser) timed(ctx context.Context, u string, hdr http.Header) (time.Duration, error) {
	start := time.Now()
	_, err := b.read(ctx, u, hdr)
	return time.Since(start), err
}

// request is one timed request of a measure.
type request func(context.Context) (time.Duration, error)

// pair times n interleaved pairs of a and b and returns both medians
// (see interleave).
func pair(ctx context.Context, n int, a, b request) (ma, mb time.Duration, err error) {
	m, err := interleave(ctx, n, a, b)
	if err != nil {
		return 0, 0, err
	}
	return m[0], m[1], nil
}

// interleave times n rounds of fns, each once a round, the round's first
// rotating, after a warm-up of n/10 rounds, and returns each one's median.
func interleave(ctx context.Context, n int, fns ...request) ([]time.Duration, error) {
	times := make([][]time.Duration, len(fns))
	for round := range n + n/10 {
		for k := range fns {
			i := (round + k) % len(fns)
			d, err := fns[i](ctx)
			if err != nil {
				return nil, err
			}
			if round >= n/10 {
				times[i] = append(times[i], d)
			}
		}
	}
	out := make([]time.Duration, len(fns))
	for i, ts := range times {
		out[i] = quantile(ts, 0.5)
	}
	return out, nil
}

// load is what a run of concurrent clients achieved.
type load struct {
	requests int
	elapsed  time.Duration
	lat      []time.Duration
}

func (l load) perSecond() float64 { return float64(l.requests) / l.elapsed.Seconds() }

// concurrently runs one loop of fn per client for d and collects every
// request's latency.
func concurrently(ctx context.Context, fns []request, d time.Duration) (load, error) {
	var (
		mu   sync.Mutex
		out  load
		errs []error
		wg   sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, fn := range fns {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				dur, err := fn(ctx)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				mine = append(mine, dur)
			}
			mu.Lock()
			out.lat = append(out.lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	out.elapsed, out.requests = time.Since(start), len(out.lat)
	if len(errs) > 0 {
		return out, errs[0]
	}
	return out, nil
}

// add sums two runs of the same side.
func (l load) add(o load) load {
	return load{requests: l.requests + o.requests, elapsed: l.elapsed + o.elapsed, lat: append(l.lat, o.lat...)}
}

// quantile is the q-quantile of ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// rowWeight is the HTML of the table's rows as served (uncompressed).
type rowWeight struct {
	rows, bytes, elements, pageElements, hxAttrs int
	jsonBytes                                    int // the upstream's JSON per account
}

// weighRows reads the list with every row on one page and measures its
// table body.
func weighRows(ctx context.Context, b *browser, t *target, upstream []byte) (rowWeight, error) {
	// Accept-Encoding set by hand: the transport then leaves the body as
	// served, uncompressed.
	raw, err := b.read(ctx, t.url(paths.Accounts.Link().Query(url.Values{listview.ParamPerPage: {listview.PerPageAllText}})), http.Header{"Accept-Encoding": {"identity"}})
	if err != nil {
		return rowWeight{}, err
	}
	// The rows run from the first account row to the end of the table
	// body (the empty-table placeholder row comes before them).
	start := bytes.Index(raw, []byte(`<tr id="r-`))
	if start < 0 {
		return rowWeight{}, fmt.Errorf("no account row in the page")
	}
	end := bytes.Index(raw[start:], []byte(`</tbody>`))
	if end < 0 {
		return rowWeight{}, fmt.Errorf("%s is not closed", views.Sel(views.AccountsBodyID))
	}
	body := raw[start : start+end]
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(raw))
	if err != nil {
		return rowWeight{}, err
	}
	w := rowWeight{
		rows:         doc.Find(views.Sel(views.AccountsBodyID) + ` > tr[id^="r-"]`).Length(),
		bytes:        len(body),
		elements:     doc.Find(views.Sel(views.AccountsBodyID) + ` > tr[id^="r-"], ` + views.Sel(views.AccountsBodyID) + ` > tr[id^="r-"] *`).Length(),
		pageElements: doc.Find("*").Length(),
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		for _, a := range s.Nodes[0].Attr {
			if strings.HasPrefix(a.Key, "hx-") {
				w.hxAttrs++
			}
		}
	})
	n := len(t.stub.Accounts())
	if w.rows != n {
		return w, fmt.Errorf("the page with every row shows %d rows, want %d", w.rows, n)
	}
	w.jsonBytes = len(upstream) / n
	return w, nil
}
