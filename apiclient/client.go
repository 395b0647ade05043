// Package apiclient is a typed client for the Run:ai service-accounts API
// and its client-credentials token exchange.
//
// One Client serves every signed-in user: it never holds a token, each call
// takes the caller's bearer token. Calls honour their context, GETs are
// retried on connection errors and 502/503/504 with jittered backoff, and
// mutations are never retried.
package apiclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/reqid"
	"github.com/runai-tools/sa-dashboard/internal/version"
)

// Defaults for the options below.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxBodyBytes  = 8 << 20
	DefaultRetryAttempts = 3
)

// RetryPolicy bounds the automatic retries of GET requests.
type RetryPolicy struct {
	Attempts      int           // total tries including the first; 1 disables retries
	BaseDelay     time.Duration // first backoff, doubled each retry, fully jittered
	MaxDelay      time.Duration // cap on one computed backoff
	MaxRetryAfter time.Duration // cap on a server's Retry-After
}

// DefaultRetryPolicy is used unless WithRetry says otherwise.
var DefaultRetryPolicy = RetryPolicy{
	Attempts:      DefaultRetryAttempts,
	BaseDelay:     200 * time.Millisecond,
	MaxDelay:      2 * time.Second,
	MaxRetryAfter: 10 * time.Second,
}

// Client calls one Run:ai control plane. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[/prefix] without a trailing slash
	hc        *http.Client
	timeout   time.Duration
	maxBody   int64
	retry     RetryPolicy
	userAgent string
	now       func() time.Time
	observe   func(op string, status int, d time.Duration)

	memo memo // decoded answers by digest (memo.go)

	// tokenV1 is set once the control plane answered 404 or 405 on
	// /api/v2/token, so later exchanges go straight to /api/v1/token.
	tokenV1 atomic.Bool
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the pooled default http.Client. Redirects are
// never followed whatever its CheckRedirect says: Go keeps Authorization on
// same-domain redirects.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { cp := *hc; c.hc = &cp }
}

// WithTransport keeps the default client but sends through rt (tests wrap
// the transport to validate traffic against the API document).
func WithTransport(rt http.RoundTripper) Option {
	return func(c *Client) { c.hc.Transport = rt }
}

// WithTimeout sets the overall budget of one call, retries included.
// Zero leaves only the caller's context deadline.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMaxBodyBytes caps how much of a response body is read.
func WithMaxBodyBytes(n int64) Option { return func(c *Client) { c.maxBody = n } }

// WithRetry sets the GET retry policy.
func WithRetry(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithObserver has every HTTP attempt reported to fn: the operation's
// short name ("list", "create", "token_v2"…), the status (0 when there was
// no answer) and the duration. cmd/web feeds it to Prometheus.
func WithObserver(fn func(op string, status int, d time.Duration)) Option {
	return func(c *Client) { c.observe = fn }
}

// New returns a client for the control plane at baseURL, which may carry a
// path prefix (https://host/runai).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("apiclient: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("apiclient: base URL %q: want http(s)://host[/prefix]", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("apiclient: base URL %q: must not carry a query, fragment or user info", baseURL)
	}
	c := &Client{
		base:      strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"),
		hc:        &http.Client{Transport: defaultTransport()},
		timeout:   DefaultTimeout,
		maxBody:   DefaultMaxBodyBytes,
		retry:     DefaultRetryPolicy,
		userAgent: version.UserAgent(),
		now:       time.Now,
		memo:      newMemo(),
	}
	for _, o := range opts {
		o(c)
	}
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.retry.Attempts < 1 {
		c.retry.Attempts = 1
	}
	return c, nil
}

// TokenURL returns the URL of the token endpoint currently in use.
func (c *Client) TokenURL() string {
	if c.tokenV1.Load() {
		return c.base + "/api/v1/token"
	}
	return c.base + "/api/v2/token"
}

func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 32
	t.IdleConnTimeout = 90 * time.Second
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	t.ExpectContinueTimeout = time.Second
	return t
}

// request describes one API call.
type request struct {
	op          string // for messages: `get service account "x"`
	metric      string // for metrics: "get"
	method      string
	path        string // escaped, starting with "/"
	token       string
	body        []byte
	contentType string
}

// response is a success answer, body fully read.
type response struct {
	status int
	header http.Header
	body   []byte
	pooled *[]byte // body's array, from bodies
}

// bodies are the arrays answers are read into, reused once a large answer
// was decoded (release): a fresh read of the list is about a megabyte of
// JSON, which a new slice would grow to every time.
var bodies = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody bounds the arrays kept for reuse.
const maxPooledBody = 4 << 20

// release hands the body's array back for the next answer. The caller
// must hold nothing that points into body: what the decoders make of it
// is copied out (strings, never slices of it).
func (r *response) release() {
	if r.pooled != nil && cap(r.body) <= maxPooledBody {
		*r.pooled = r.body[:0]
		bodies.Put(r.pooled)
	}
	r.pooled, r.body = nil, nil
}

// readBody reads r to its end into dst's array (grown, when it must, as
// io.ReadAll grows: by a quarter once large, so that an outsized answer
// leaves little behind), sized at first to what the answer announced.
func readBody(dst []byte, r io.Reader, announced int64) ([]byte, error) {
	b := dst[:0]
	if announced > 0 && int64(cap(b)) < announced+1 {
		b = make([]byte, 0, announced+1) // +1: the read that finds the end
	}
	if cap(b) == 0 {
		b = make([]byte, 0, 512)
	}
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// do sends r, retrying a GET when that is safe, and returns the 2xx answer
// or an error: *Error for any other status.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	attempts := 1
	if r.method == http.MethodGet {
		attempts = c.retry.Attempts
	}
	for try := 1; ; try++ {
		resp, err := c.send(ctx, r)
		if err != nil {
			// An answer past the cap would be as long the next time.
			if ctx.Err() == nil && try < attempts && !errors.Is(err, ErrBodyTooLarge) && c.wait(ctx, try, 0) {
				continue
			}
			return nil, fmt.Errorf("apiclient: %s: %w", r.op, err)
		}
		if resp.status >= 200 && resp.status <= 299 {
			return resp, nil
		}
		apiErr := newError(r.op, resp.status, resp.body)
		if try < attempts && retryableStatus(resp.status) &&
			c.wait(ctx, try, retryAfter(resp.header.Get("Retry-After"), c.now())) {
			continue
		}
		return nil, apiErr
	}
}

// send performs one HTTP exchange and reads the capped body.
func (c *Client) send(ctx context.Context, r request) (*response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	if id := reqid.From(ctx); id != "" { // see internal/reqid
		req.Header.Set("X-Request-ID", id)
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if c.observe != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		c.observe(r.metric, status, time.Since(start))
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	pooled := bodies.Get().(*[]byte)
	announced := resp.ContentLength
	if announced > c.maxBody {
		announced = -1 // refused below once read past the bound; not allocated up front
	}
	b, err := readBody(*pooled, io.LimitReader(resp.Body, c.maxBody+1), announced)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if int64(len(b)) > c.maxBody {
		return nil, &BodyTooLargeError{Limit: c.maxBody, Method: r.method, Path: r.path}
	}
	if cap(b) > 64<<10 && len(b) < cap(b)/8 {
		// A small answer in a large pooled array (most answers are never
		// released): copied out, the array handed back for the listings.
		small := append([]byte(nil), b...)
		*pooled = b[:0]
		bodies.Put(pooled)
		return &response{status: resp.StatusCode, header: resp.Header, body: small}, nil
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b, pooled: pooled}, nil
}

func retryableStatus(s int) bool {
	return s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout
}

// wait sleeps before retry number try+1 and reports whether to go on. A
// server-given delay (Retry-After) wins over the backoff, capped by
// MaxRetryAfter. When the delay would outlast the context deadline it does
// not wait at all: the caller fails now instead of at the deadline.
func (c *Client) wait(ctx context.Context, try int, serverDelay time.Duration) bool {
	d := serverDelay
	if d > c.retry.MaxRetryAfter {
		d = c.retry.MaxRetryAfter
	}
	if d <= 0 {
		backoff := c.retry.BaseDelay << (try - 1)
		if backoff <= 0 || backoff > c.retry.MaxDelay {
			backoff = c.retry.MaxDelay
		}
		if backoff > 0 {
			d = rand.N(backoff) + 1
		}
	}
	if dl, ok := ctx.Deadline(); ok && c.now().Add(d).After(dl) {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(min(secs, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// decode unmarshals a success body, wrapping failures with the operation.
func decode(op string, body []byte, v any) error {
	if err := unmarshal(body, v); err != nil {
		return fmt.Errorf("apiclient: %s: decode response: %w", op, err)
	}
	return nil
}

// errEmptyID guards calls that address one account.
var errEmptyID = errors.New("empty service account id")
