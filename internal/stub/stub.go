// Package stub is an in-memory stand-in for the Run:ai service-accounts API
// and its token endpoints, true to the published API document. The tests and
// the dashboard's demo mode run against it; cmd/runai-stub serves it alone.
//
// It is safe for concurrent use. Test hooks add latency, fail the next N
// calls of an operation, revoke tokens and record every call.
package stub

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/runai-tools/sa-dashboard/internal/apidoc"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Op names one operation of the API, for the failure hook and call records.
type Op string

// The operations the stub implements.
const (
	OpList        Op = "list"
	OpGet         Op = "get"
	OpCreate      Op = "create"
	OpUpdate      Op = "update"
	OpDelete      Op = "delete"
	OpRegenerate  Op = "regenerate"
	OpToken       Op = "token"
	OpRoles       Op = "roles"
	OpRules       Op = "rules"
	OpRuleGet     Op = "rule_get"
	OpRuleCreate  Op = "rule_create"
	OpRuleDelete  Op = "rule_delete"
	OpClusters    Op = "clusters"
	OpDepartments Op = "departments"
	OpProjects    Op = "projects"
	OpAudit       Op = "audit"
)

// Mutating reports whether op changes state.
func (op Op) Mutating() bool {
	switch op {
	case OpCreate, OpUpdate, OpDelete, OpRegenerate, OpRuleCreate, OpRuleDelete:
		return true
	}
	return false
}

// Config configures a Server. The zero value works: it makes up admin
// credentials (see AdminCredentials) and starts empty.
type Config struct {
	AdminClientID     string        // bootstrap admin client ID; default "runai-admin"
	AdminClientSecret string        // bootstrap admin secret; default random
	AdminEmail        string        // identity of the admin; default "admin@example.com"
	AdminTokens       []string      // static bearer tokens accepted as the admin
	DisableTokenV2    bool          // answer 404 on /api/v2/token, to exercise the v1 fallback
	TokenTTL          time.Duration // lifetime of issued tokens; default 1h
	TenantID          string        // default "1001"
	Seed              int           // preload this many realistic accounts, about half with access rules
	PageCap           int           // most org units in one page; default 100
	// ReadersNeedRules refuses (403) service-account reads to a service
	// account that holds no access rule, as Run:ai does to a key without
	// a role; off by default, where any valid token reads every account.
	ReadersNeedRules bool
	Now              func() time.Time
	Logger           *slog.Logger // one line per request; nil logs nothing
}

// Account is a snapshot of one account as the stub holds it: the
// dashboard's own model of it (the secret is kept only as a hash and is not
// part of it).
type Account = runai.ServiceAccount

// Call records one request the stub answered.
type Call struct {
	Op        Op
	Method    string
	Path      string
	Query     string // the raw query, for the tests that replay a page's listings
	Identity  string // who the bearer token belongs to; empty if unauthenticated
	Status    int
	RequestID string // the caller's X-Request-ID, if any
}

type account struct {
	Account
	secretHash [32]byte
}

type session struct {
	identity  string
	accountID string // empty for the admin
	expires   time.Time
}

type failure struct {
	remaining int
	status    int
}

type delayed struct {
	remaining int
	d         time.Duration
}

// Server is the stub API. It implements http.Handler.
type Server struct {
	cfg     Config
	now     func() time.Time
	signKey []byte

	mu         sync.Mutex
	accounts   map[string]*account
	order      []string // ids in creation order, the order List answers in
	tokens     map[[32]byte]session
	adminHash  [32]byte
	latency    time.Duration
	delays     map[Op]*delayed
	failures   map[Op]*failure
	calls      []Call
	staticToks [][32]byte

	org      org           // clusters, departments, projects (fixed)
	rules    map[int]*Rule // access rules by id
	ruleSnap []Rule        // the rules by id until they change (sortedRules); nil after a change
	nextRule int

	audit []auditEntry // oldest first, at most maxAudit
}

// New returns a stub server configured by cfg.
func New(cfg Config) *Server {
	if cfg.AdminClientID == "" {
		cfg.AdminClientID = "runai-admin"
	}
	if cfg.AdminClientSecret == "" {
		cfg.AdminClientSecret = rand.Text()
	}
	if cfg.AdminEmail == "" {
		cfg.AdminEmail = "admin@example.com"
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.TenantID == "" {
		cfg.TenantID = "1001"
	}
	if cfg.PageCap <= 0 {
		cfg.PageCap = pageCapDefault
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Server{
		cfg:       cfg,
		now:       func() time.Time { return now().UTC() },
		signKey:   []byte(rand.Text()),
		accounts:  map[string]*account{},
		tokens:    map[[32]byte]session{},
		adminHash: sha256.Sum256([]byte(cfg.AdminClientSecret)),
		failures:  map[Op]*failure{},
		delays:    map[Op]*delayed{},
		org:       seedOrg(cfg.TenantID),
		rules:     map[int]*Rule{},
		nextRule:  1000,
	}
	for _, t := range cfg.AdminTokens {
		s.staticToks = append(s.staticToks, sha256.Sum256([]byte(t)))
	}
	if cfg.Seed > 0 {
		s.seed(cfg.Seed)
	}
	return s
}

// AdminCredentials returns the bootstrap admin client ID and secret.
func (s *Server) AdminCredentials() (clientID, clientSecret string) {
	return s.cfg.AdminClientID, s.cfg.AdminClientSecret
}

// SetLatency delays every later answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// DelayNext delays the next n calls of op by d (on top of SetLatency), to
// time out one operation while the others answer.
func (s *Server) DelayNext(op Op, n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays[op] = &delayed{remaining: n, d: d}
}

// FailNext makes the next n calls of op answer status with an Error body,
// before any other check.
func (s *Server) FailNext(op Op, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[op] = &failure{remaining: n, status: status}
}

// RevokeTokens invalidates every issued token (static admin tokens stay).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Calls returns the calls answered so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ResetCalls forgets the recorded calls.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Account returns a snapshot of the account with id.
func (s *Server) Account(id string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		return Account{}, false
	}
	return a.Account, true
}

// AccountByName returns a snapshot of the account called name.
func (s *Server) AccountByName(name string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.Name == name {
			return a.Account, true
		}
	}
	return Account{}, false
}

// Accounts returns snapshots of every account in creation order.
func (s *Server) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Account, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.accounts[id].Account)
	}
	return out
}

// Insert stores an account as given, bypassing validation (tests use it for
// hostile or unusual data), with secret as its client secret. Missing ID,
// ClientID and TenantID are filled in.
func (s *Server) Insert(a Account, secret string) Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = uuid.NewString()
	}
	if a.ClientID == "" {
		a.ClientID = uuid.NewString()
	}
	if a.TenantID == "" {
		a.TenantID = s.cfg.TenantID
	}
	s.put(&account{Account: a, secretHash: sha256.Sum256([]byte(secret))})
	return a
}

// put adds a new account; the caller holds s.mu.
func (s *Server) put(a *account) {
	if _, exists := s.accounts[a.ID]; !exists {
		s.order = append(s.order, a.ID)
	}
	s.accounts[a.ID] = a
}

// remove deletes an account, every token it obtained and its access
// rules; the caller holds s.mu.
func (s *Server) remove(id string) {
	if a, ok := s.accounts[id]; ok {
		for rid, r := range s.rules {
			if a.Owns(*r) {
				delete(s.rules, rid)
				s.ruleSnap = nil
			}
		}
	}
	delete(s.accounts, id)
	for i, v := range s.order {
		if v == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	s.revokeAccountTokens(id)
}

func (s *Server) revokeAccountTokens(id string) {
	for k, t := range s.tokens {
		if t.accountID == id {
			delete(s.tokens, k)
		}
	}
}

// ServeHTTP routes a request to its operation. Ids are taken from the
// escaped path, so an id may hold any character, "/" and ".." included.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	op, identity := s.serve(rec, r)
	s.noteCall(op, r, identity, rec.status)
	if l := s.cfg.Logger; l != nil {
		// Never the Authorization header, a query or a body: they carry secrets.
		l.Info("request", "method", r.Method, "path", r.URL.EscapedPath(), "op", string(op),
			"status", rec.status, "identity", identity, "duration", time.Since(start).Round(time.Microsecond))
	}
}

// noteCall records a call answered (Calls).
func (s *Server) noteCall(op Op, r *http.Request, identity string, status int) {
	s.mu.Lock()
	s.calls = append(s.calls, Call{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Identity: identity, Status: status, RequestID: r.Header.Get("X-Request-ID")})
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (Op, string) {
	op, id, ok := route(r.Method, r.URL.EscapedPath())
	if !ok {
		writeError(w, http.StatusNotFound, "no such endpoint", r.Method+" "+r.URL.Path)
		return op, ""
	}
	if op == "" {
		w.Header().Set("Allow", "GET, POST, PATCH, DELETE")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed", r.Method+" "+r.URL.Path)
		return op, ""
	}
	if !s.delay(r, op) {
		writeError(w, http.StatusServiceUnavailable, "request cancelled", "")
		return op, ""
	}
	if status := s.takeFailure(op); status != 0 {
		writeError(w, status, http.StatusText(status), "injected failure")
		return op, ""
	}
	if op == OpToken {
		return op, s.token(w, r)
	}
	sess, ok := s.authenticate(r)
	if !ok {
		writeError(w, http.StatusUnauthorized, "missing, invalid or expired bearer token", "")
		return op, ""
	}
	if s.cfg.ReadersNeedRules && sess.accountID != "" && (op == OpList || op == OpGet) && !s.holdsRules(sess.accountID) {
		writeError(w, http.StatusForbidden, "this service account has no role that may read service accounts", "")
		return op, sess.identity
	}
	var note auditNote
	switch op {
	case OpList:
		s.list(w)
	case OpCreate:
		note = s.create(w, r, sess)
	case OpGet:
		s.get(w, id)
	case OpUpdate:
		note = s.update(w, r, id)
	case OpDelete:
		note = s.delete(w, id)
	case OpRegenerate:
		note = s.regenerate(w, id)
	case OpAudit:
		s.listAudit(w, r, sess)
	case OpRoles:
		s.listRoles(w)
	case OpRules:
		s.listRules(w, r)
	case OpRuleGet:
		s.getRule(w, id)
	case OpRuleCreate:
		note = s.createRule(w, r, sess)
	case OpRuleDelete:
		note = s.deleteRule(w, id)
	case OpClusters:
		s.listClusters(w)
	case OpDepartments:
		s.listDepartments(w, r)
	case OpProjects:
		s.listProjects(w, r)
	}
	if rec, ok := w.(*statusRecorder); ok && note.action != "" {
		s.logChange(r, sess, note, rec.status)
	}
	return op, sess.identity
}

// route maps a method and escaped path to an operation and unescaped id.
// ok is false for an unknown path; op is empty for a known path with a
// method it does not serve.
func route(method, escPath string) (op Op, id string, ok bool) {
	const base = "/api/v1/service-accounts"
	if op, id, ok := routeAccess(method, escPath); ok {
		return op, id, true
	}
	switch escPath {
	case "/api/v2/token", "/api/v1/token":
		if method == http.MethodPost {
			return OpToken, "", true
		}
		return "", "", true
	case base:
		switch method {
		case http.MethodGet:
			return OpList, "", true
		case http.MethodPost:
			return OpCreate, "", true
		}
		return "", "", true
	}
	rest, found := strings.CutPrefix(escPath, base+"/")
	if !found || rest == "" {
		return "", "", false
	}
	seg, tail, _ := strings.Cut(rest, "/")
	id, err := url.PathUnescape(seg)
	if err != nil || id == "" {
		return "", "", false
	}
	switch {
	case tail == "" && strings.HasSuffix(rest, "/"):
		return "", "", false
	case tail == "":
		switch method {
		case http.MethodGet:
			return OpGet, id, true
		case http.MethodPatch:
			return OpUpdate, id, true
		case http.MethodDelete:
			return OpDelete, id, true
		}
		return "", id, true
	case tail == "secret":
		if method == http.MethodPost {
			return OpRegenerate, id, true
		}
		return "", id, true
	}
	return "", "", false
}

// routeAccess maps the access-rule, role and scope endpoints.
func routeAccess(method, escPath string) (op Op, id string, ok bool) {
	const rules = "/api/v1/authorization/access-rules"
	only := func(want string, o Op) (Op, string, bool) {
		if method == want {
			return o, "", true
		}
		return "", "", true
	}
	switch escPath {
	case "/api/v1/authorization/roles":
		return only(http.MethodGet, OpRoles)
	case "/api/v1/clusters":
		return only(http.MethodGet, OpClusters)
	case "/api/v1/org-unit/departments":
		return only(http.MethodGet, OpDepartments)
	case "/api/v1/org-unit/projects":
		return only(http.MethodGet, OpProjects)
	case "/api/v1/audit/log":
		return only(http.MethodGet, OpAudit)
	case rules:
		switch method {
		case http.MethodGet:
			return OpRules, "", true
		case http.MethodPost:
			return OpRuleCreate, "", true
		}
		return "", "", true
	}
	if rest, found := strings.CutPrefix(escPath, rules+"/"); found && rest != "" && !strings.Contains(rest, "/") {
		switch method {
		case http.MethodGet:
			return OpRuleGet, rest, true
		case http.MethodDelete:
			return OpRuleDelete, rest, true
		}
		return "", rest, true
	}
	return "", "", false
}

func (s *Server) delay(r *http.Request, op Op) bool {
	s.mu.Lock()
	d := s.latency
	if dn := s.delays[op]; dn != nil && dn.remaining > 0 {
		dn.remaining--
		d += dn.d
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (s *Server) takeFailure(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[op]
	if f == nil || f.remaining <= 0 {
		return 0
	}
	f.remaining--
	return f.status
}

// authenticate resolves the bearer token to a session.
func (s *Server) authenticate(r *http.Request) (session, bool) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		return session{}, false
	}
	h := sha256.Sum256([]byte(raw))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.staticToks {
		if subtle.ConstantTimeCompare(st[:], h[:]) == 1 {
			return session{identity: s.cfg.AdminEmail}, true
		}
	}
	sess, ok := s.tokens[h]
	if !ok {
		return session{}, false
	}
	if !s.now().Before(sess.expires) {
		delete(s.tokens, h)
		return session{}, false
	}
	if sess.accountID != "" {
		if a, ok := s.accounts[sess.accountID]; !ok || !a.Enabled {
			delete(s.tokens, h)
			return session{}, false
		}
	}
	return sess, true
}

// wireAccount is the ServiceAccount schema of the API document.
type wireAccount struct {
	Name      string  `json:"name"`
	CreatedBy string  `json:"createdBy"`
	CreatedAt *string `json:"createdAt"`
	UpdatedAt *string `json:"updatedAt"`
	Enabled   bool    `json:"enabled"`
	TenantID  string  `json:"tenantId"`
	LastLogin *string `json:"lastLogin"`
	ID        string  `json:"id"`
	ClientID  string  `json:"clientId"`
}

func toWire(a Account) wireAccount {
	ts := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		v := t.UTC().Format(time.RFC3339Nano)
		return &v
	}
	return wireAccount{
		Name: a.Name, CreatedBy: a.CreatedBy, CreatedAt: ts(a.CreatedAt), UpdatedAt: ts(a.UpdatedAt),
		Enabled: a.Enabled, TenantID: a.TenantID, LastLogin: ts(a.LastLogin), ID: a.ID, ClientID: a.ClientID,
	}
}

func (s *Server) list(w http.ResponseWriter) {
	s.mu.Lock()
	out := make([]wireAccount, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, toWire(s.accounts[id].Account))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) get(w http.ResponseWriter, id string) {
	s.mu.Lock()
	a, ok := s.accounts[id]
	var wa wireAccount
	if ok {
		wa = toWire(a.Account)
	}
	s.mu.Unlock()
	if !ok {
		notFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, wa)
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, fmt.Sprintf("service account %q not found", id), "")
}

// maxBody bounds request bodies the stub reads.
const maxBody = 1 << 20

func (s *Server) create(w http.ResponseWriter, r *http.Request, sess session) auditNote {
	note := auditNote{action: "create", entityType: EntityServiceAccount}
	var req struct {
		Name *string `json:"name"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "request body must be a JSON object with a name", err.Error())
		return note
	}
	if req.Name == nil {
		writeError(w, http.StatusBadRequest, "name is required", "")
		return note
	}
	note.entityName = *req.Name
	if msg := nameRule(*req.Name); msg != "" {
		writeError(w, http.StatusBadRequest, msg, "")
		return note
	}
	secret := rand.Text()
	now := s.now()
	a := &account{
		Account: Account{
			ID: uuid.NewString(), Name: *req.Name, ClientID: uuid.NewString(), CreatedBy: sess.identity,
			TenantID: s.cfg.TenantID, Enabled: true, CreatedAt: now, UpdatedAt: now,
		},
		secretHash: sha256.Sum256([]byte(secret)),
	}
	s.mu.Lock()
	for _, other := range s.accounts {
		if other.Name == a.Name {
			s.mu.Unlock()
			writeError(w, http.StatusConflict, fmt.Sprintf("a service account named %q already exists", a.Name), "")
			return note
		}
	}
	s.put(a)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{
		"id": a.ID, "name": a.Name, "clientId": a.ClientID, "clientSecret": secret,
	})
	note.entityID = a.ID
	return note
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, id string) auditNote {
	note := auditNote{action: "update", entityType: EntityServiceAccount, entityID: id}
	var body map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil || body == nil {
		writeError(w, http.StatusBadRequest, `request body must be a JSON object with a boolean "enabled"`, "")
		return note
	}
	var enabled bool
	raw, ok := body["enabled"]
	if !ok || json.Unmarshal(raw, &enabled) != nil || string(raw) == "null" {
		writeError(w, http.StatusBadRequest, `"enabled" is required and must be true or false`, "")
		return note
	}
	note.meta = map[string]string{"enabled": strconv.FormatBool(enabled)}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		notFound(w, id)
		return note
	}
	note.entityName = a.Name
	if a.Enabled != enabled {
		a.Enabled = enabled
		a.UpdatedAt = s.now()
	}
	if !enabled {
		s.revokeAccountTokens(id)
	}
	w.WriteHeader(http.StatusOK)
	return note
}

func (s *Server) delete(w http.ResponseWriter, id string) auditNote {
	note := auditNote{action: "delete", entityType: EntityServiceAccount, entityID: id}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[id]
	if !ok {
		notFound(w, id)
		return note
	}
	note.entityName = a.Name
	s.remove(id)
	w.WriteHeader(http.StatusNoContent)
	return note
}

func (s *Server) regenerate(w http.ResponseWriter, id string) auditNote {
	note := auditNote{action: "update", entityType: EntityServiceAccount, entityID: id}
	secret := rand.Text()
	s.mu.Lock()
	a, ok := s.accounts[id]
	if ok {
		a.secretHash = sha256.Sum256([]byte(secret))
		a.UpdatedAt = s.now()
		note.entityName = a.Name
	}
	s.mu.Unlock()
	if !ok {
		notFound(w, id)
		return note
	}
	writeJSON(w, http.StatusOK, map[string]string{"clientSecret": secret})
	return note
}

// nameRule checks a name against the API document's rule and says what is
// wrong with it ("" when nothing). The rule is read from the document
// itself (not from the dashboard's own copy of it in internal/saname), so
// that tests of how the dashboard meets the API's refusal are not circular.
var nameRule = func() func(string) string {
	r, err := apidoc.ServiceAccountName()
	if err != nil {
		panic("stub: " + err.Error())
	}
	re := regexp.MustCompile(r.Pattern)
	return func(name string) string {
		if n := utf8.RuneCountInString(name); n < r.MinLength || n > r.MaxLength || !re.MatchString(name) {
			return fmt.Sprintf("name must match %s and be %d to %d characters long", r.Pattern, r.MinLength, r.MaxLength)
		}
		return ""
	}
}()

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the API's Error schema.
func writeError(w http.ResponseWriter, status int, message, details string) {
	body := map[string]any{"code": status, "message": message}
	if details != "" {
		body["details"] = details
	}
	writeJSON(w, status, body)
}
