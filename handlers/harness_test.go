package handlers_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/metrics"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// clock is a settable fake clock shared by the handlers and the session
// store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is the real dashboard in front of the stub, driven through HTTP
// with a cookie jar, like a browser without JavaScript (or with htmx when
// asked).
type harness struct {
	t        testing.TB
	srv      *httptest.Server
	e        *echo.Echo
	stub     *stub.Server
	stubURL  string
	api      *apiclient.Client
	client   *http.Client
	clock    *clock
	logs     *lockedBuffer
	csrf     string
	clientID string
	secret   string
	base     string

	deps       handlers.Deps
	store      *session.Store
	sessionKey []byte
	opts       options
}

// twin is a second dashboard instance, as another replica: the same stub,
// session store configuration and key, its own server; the browser's
// cookies come along, as a load balancer would send them to either.
func (h *harness) twin() *harness {
	h.t.Helper()
	store, err := session.NewStore(session.Config{Keys: [][]byte{h.sessionKey}, Now: h.clock.Now,
		IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 8 * time.Hour, RedisURL: h.opts.redisURL})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { store.Close() })
	deps := h.deps
	deps.Sessions = store
	if h.opts.redisURL != "" {
		deps.Record = redisRecord(h.t, h.opts) // its own client, as another process would have
	}
	e, err := handlers.New(deps)
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	h.t.Cleanup(srv.Close)
	t2 := *h
	t2.srv, t2.e, t2.store = srv, e, store
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, h.cookies())
	t2.client = &http.Client{Jar: jar, CheckRedirect: h.client.CheckRedirect}
	return &t2
}

// redisRecord is the dashboard's record in the sessions' Redis, as
// cmd/web opens it with REDIS_URL; nil (memory) without Redis.
func redisRecord(t testing.TB, o options) record.Store {
	if o.redisURL == "" {
		return nil
	}
	r, err := record.OpenRedis(o.redisURL, 1000)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type options struct {
	seed          int
	basePath      string
	clientTimeout time.Duration
	publicURL     string
	trusted       []netip.Prefix
	maxBody       int64  // the client's cap on an answer; 0 for its default
	redisURL      string // sessions in this Redis; "" in memory
	attempts      int    // the client's attempts for a GET; 0 for one (no retry)
	// upstream wraps the stub, to break its answers in ways it cannot.
	upstream func(http.Handler) http.Handler
	// readersNeedRules: a service account without a rule may not read
	// accounts (stub.Config.ReadersNeedRules).
	readersNeedRules bool
}

func newHarness(t testing.TB, o options) *harness {
	t.Helper()
	return newHarnessWith(t, o, nil)
}

// newHarnessWith lets a test adjust the dependencies before the app is built.
func newHarnessWith(t testing.TB, o options, adjust func(*handlers.Deps)) *harness {
	t.Helper()
	clk := &clock{t: time.Now().UTC()}
	s := stub.New(stub.Config{Seed: o.seed, AdminClientID: "admin", AdminClientSecret: "admin-secret-value-123", AdminEmail: "ada@example.com", Now: clk.Now,
		ReadersNeedRules: o.readersNeedRules})
	var up http.Handler = s
	if o.upstream != nil {
		up = o.upstream(s)
	}
	stubSrv := httptest.NewServer(up)
	t.Cleanup(stubSrv.Close)
	timeout := o.clientTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	m := metrics.New()
	opts := []apiclient.Option{apiclient.WithTimeout(timeout),
		apiclient.WithRetry(apiclient.RetryPolicy{Attempts: max(o.attempts, 1), BaseDelay: 10 * time.Millisecond, MaxDelay: 50 * time.Millisecond}), apiclient.WithObserver(m.ObserveUpstream)}
	if o.maxBody > 0 {
		opts = append(opts, apiclient.WithMaxBodyBytes(o.maxBody))
	}
	api, err := apiclient.New(stubSrv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	sessionKey := session.RandomKey()
	store, err := session.NewStore(session.Config{Keys: [][]byte{sessionKey}, Now: clk.Now,
		IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 8 * time.Hour, RedisURL: o.redisURL})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	deps := handlers.Deps{API: api, Sessions: store, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		BasePath: o.basePath, Now: clk.Now, TrustedProxies: o.trusted, Metrics: m, Record: redisRecord(t, o)}
	if o.publicURL != "" {
		deps.PublicURL, _ = url.Parse(o.publicURL)
	}
	if adjust != nil {
		adjust(&deps)
	}
	e, err := handlers.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	t.Cleanup(func() { store.Close() })
	h := &harness{
		t: t, srv: srv, e: e, stub: s, stubURL: stubSrv.URL, api: api, clock: clk, logs: logs, clientID: "admin", secret: "admin-secret-value-123", base: o.basePath,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		deps:   deps, store: store, sessionKey: sessionKey, opts: o,
	}
	t.Cleanup(func() {
		for _, s := range []string{h.secret, "eyJ"} {
			if strings.Contains(logs.String(), s) {
				t.Errorf("the log holds secret material %q…", s[:3])
			}
		}
	})
	return h
}

type resp struct {
	*http.Response
	body string
}

func (r resp) doc(t testing.TB) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request (a POST with a one-time key); hdr adds headers (htmx.HeaderRequest: "true" for htmx).
func (h *harness) do(method string, path paths.Path, values url.Values, hdr map[string]string) resp {
	h.t.Helper()
	if method == http.MethodPost && values != nil && values.Get(form.FieldOnce) == "" {
		// Every form that makes something carries a one-time key of its
		// own, drawn with the page; the tests' forms too, unless a test
		// sends one of its own (twice, say). The caller's values stay as
		// they were.
		values = maps.Clone(values)
		values.Set(form.FieldOnce, rand.Text())
	}
	var body io.Reader
	if values != nil {
		body = strings.NewReader(values.Encode())
	}
	req, err := http.NewRequest(method, h.srv.URL+path.Under(h.base), body)
	if err != nil {
		h.t.Fatal(err)
	}
	if values != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		h.csrf = m[1]
	}
	return resp{res, string(b)}
}

func (h *harness) get(path paths.Path) resp { return h.do("GET", path, nil, nil) }

// reload GETs path as a browser reload does, asking for a fresh read
// rather than the session's list of the last few seconds.
func (h *harness) reload(path paths.Path) resp {
	return h.do("GET", path, nil, map[string]string{"Cache-Control": "max-age=0"})
}

// post submits a form with the page's CSRF token, as a plain form or as
// htmx would (token in the header).
func (h *harness) post(path paths.Path, values url.Values, hx bool) resp {
	h.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	hdr := map[string]string{"Origin": h.srv.URL, "Sec-Fetch-Site": "same-origin"}
	if hx {
		hdr[htmx.HeaderRequest] = "true"
		hdr[htmx.HeaderCurrentURL] = h.url(paths.Accounts.Link())
		hdr[form.HeaderCSRF] = h.csrf
	} else {
		values.Set(form.FieldCSRF, h.csrf)
	}
	return h.do("POST", path, values, hdr)
}

// url is p's absolute URL on this instance, as a browser writes it in
// Origin, Referer and HX-Current-URL.
func (h *harness) url(p paths.Path) string { return h.srv.URL + p.Under(h.base) }

// location is where a redirect points, as a path of the dashboard.
func (h *harness) location(r resp) paths.Path {
	return paths.Path(strings.TrimPrefix(strings.TrimPrefix(r.Header.Get("Location"), h.srv.URL), h.base))
}

func (h *harness) signIn() {
	h.t.Helper()
	h.get(paths.SignIn.Link())
	r := h.post(paths.SignInKey.Link(), url.Values{"client_id": {h.clientID}, "client_secret": {h.secret}}, false)
	if r.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign-in: %d %s", r.StatusCode, r.body)
	}
	h.get(paths.Accounts.Link()) // pick up the new CSRF token
}

func (h *harness) cookies() []*http.Cookie {
	u, _ := url.Parse(h.srv.URL)
	return h.client.Jar.Cookies(u)
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

// jobPage is the page of the job a bulk action's POST started, read from
// its redirect.
func (h *harness) jobPage(started resp) paths.Path {
	h.t.Helper()
	page := h.location(started)
	if started.StatusCode != http.StatusSeeOther || page != paths.BulkJob.ID(jobID(page)) {
		h.t.Fatalf("no job started: %d %s %.300s", started.StatusCode, page, started.body)
	}
	return page
}

// jobID is the id in a job page's path.
func jobID(page paths.Path) string {
	return strings.TrimPrefix(string(page), strings.TrimSuffix(string(paths.BulkJob), ":id"))
}

// jobResult follows a started bulk job (the 303 that answered its POST)
// to its page and asks for it until the job has ended, as the browser's
// polling would, and returns the result page.
func (h *harness) jobResult(started resp) *goquery.Document {
	h.t.Helper()
	page := h.jobPage(started)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := h.get(page)
		doc := r.doc(h.t)
		if r.StatusCode != http.StatusOK {
			h.t.Fatalf("job page: %d %s", r.StatusCode, doc.Find("main").Text())
		}
		if doc.Find(`[data-testid="bulk-result"]`).Length() == 1 {
			return doc
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the job did not end: %s", doc.Find(`[data-testid="bulk-counts"]`).Text())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
