package automation_test

// The automation against a real kube-apiserver (internal/kubetest) and
// the stub Run:ai API, with an injected clock: the Reconciler is called
// as controller-runtime would call it, one step at a time, and the test
// is the consumer that reads the Secret and obtains a token with it.

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/kubetest"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func TestMain(m *testing.M) {
	code := m.Run()
	kubetest.Stop()
	os.Exit(code)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// world is a namespace of the test server, the stub Run:ai behind HTTP,
// and a Reconciler over both acting with the stub's admin credentials.
type world struct {
	t      *testing.T
	k      *kubetest.Env
	ns     string
	clock  *clock
	stub   *stub.Server
	url    string
	api    *apiclient.Client
	r      *automation.Reconciler
	events *events.FakeRecorder
	record *record.Memory
	adopt  []automation.AdoptRule // AUTOMATION_ADOPT
	// The other settings the Reconcilers get.
	dryRun, paused bool
	maxRotating    int
	jitter         time.Duration
}

func newWorld(t *testing.T, as *rest.Config) *world {
	t.Helper()
	k := kubetest.Shared(t)
	w := &world{t: t, k: k, ns: k.Namespace(t, "auto"), clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, record: record.NewMemory(100)}
	w.stub = stub.New(stub.Config{AdminClientID: "automation", AdminClientSecret: "standing-secret-value", Now: w.clock.Now})
	srv := httptest.NewServer(w.stub)
	t.Cleanup(srv.Close)
	w.url = srv.URL
	var err error
	if w.api, err = apiclient.New(srv.URL, apiclient.WithTimeout(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if as == nil {
		as = k.Config
	}
	w.r = w.reconciler(kubernetes.NewForConfigOrDie(as), metadata.NewForConfigOrDie(as))
	return w
}

// reconciler is a Reconciler of its own (as after a crash, or on a new
// leader: nothing carried over), acting with kube and md.
func (w *world) reconciler(kube kubernetes.Interface, md metadata.Interface) *automation.Reconciler {
	if w.events == nil {
		w.events = events.NewFakeRecorder(100)
	}
	if kube == nil { // NewController fills them, and the recorder
		return &automation.Reconciler{API: w.api, ClientID: "automation", Secret: "standing-secret-value",
			Logger: discard, Namespaces: []string{w.ns}, RunaiURL: w.url, MaxRotating: 3, Now: w.clock.Now}
	}
	return &automation.Reconciler{API: w.api, ClientID: "automation", Secret: "standing-secret-value",
		Kube: kube, Metadata: md, Recorder: w.events, Record: w.record, Adopt: w.adopt,
		Logger: discard, Namespaces: []string{w.ns}, RunaiURL: w.url, MaxRotating: cmp.Or(w.maxRotating, 3), Now: w.clock.Now,
		DryRun: w.dryRun, Paused: w.paused, Jitter: w.jitter}
}

// delivered is an account of the stub delivered into a Secret with the
// policy ann, as the dashboard delivers it.
func (w *world) delivered(name string, ann map[string]string) (runai.ServiceAccount, string) {
	w.t.Helper()
	a := w.stub.Insert(runai.ServiceAccount{Name: name, Enabled: true, CreatedAt: w.clock.Now(), UpdatedAt: w.clock.Now()}, name+"-secret-value")
	err := delivery.Write(context.Background(), w.k.Admin, delivery.Target{Namespace: w.ns, Name: name, Keys: delivery.EnvKeys},
		delivery.Credentials{Account: a, ClientID: a.ClientID, Secret: runai.Secret(name + "-secret-value"), URL: w.url}, "ada", w.clock.Now(), delivery.Overwrite{}, false)
	if err != nil {
		w.t.Fatal(err)
	}
	w.annotate(name, ann)
	return a, name + "-secret-value"
}

func (w *world) annotate(name string, ann map[string]string) {
	w.t.Helper()
	s := w.secret(name)
	for k, v := range ann {
		s.Annotations[k] = v
	}
	if _, err := w.k.Admin.CoreV1().Secrets(w.ns).Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) secret(name string) *corev1.Secret {
	w.t.Helper()
	s, err := w.k.Admin.CoreV1().Secrets(w.ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

// step runs one reconcile of the Secret name, by a Reconciler of its own
// (nothing kept in memory between steps: each could be a new leader after
// a crash), and returns the phase it left on it.
func (w *world) step(name string) (string, reconcile.Result, error) {
	w.t.Helper()
	w.r = w.reconciler(w.r.Kube, w.r.Metadata)
	res, err := w.r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: w.ns, Name: name}})
	return w.secret(name).Annotations[automation.AnnPhase], res, err
}

// consume is a workload reading the Secret: it obtains a token with what
// the Secret holds (which moves that account's lastLogin at the stub).
func (w *world) consume(name string) error {
	s := w.secret(name)
	_, err := w.api.ExchangeToken(context.Background(), string(s.Data["RUNAI_CLIENT_ID"]), runai.Secret(s.Data["RUNAI_CLIENT_SECRET"]))
	return err
}

// rule gives the account id a role on the stub's first project.
func (w *world) rule(id string) {
	p := w.stub.Scopes().Projects[0]
	w.stub.AddRule(runai.AccessRule{SubjectType: runai.SubjectServiceAccount, SubjectID: id, RoleID: 7, ScopeType: runai.ScopeProject, ScopeID: p.ID})
}

func (w *world) account(name string) (runai.ServiceAccount, bool) { return w.stub.AccountByName(name) }

var policy = map[string]string{automation.AnnRotateEvery: "30d", automation.AnnRetireAfterUnused: "24h", automation.AnnDeleteAfter: "168h"}

// TestFullCycle: due → successor created → rules copied → handed over (a
// token obtained first) → a consumer reads the Secret and obtains a
// token → the old account unused for retire-after-unused → disabled →
// deleted after delete-after; each step is one reconcile, and the Secret
// works throughout.
func TestFullCycle(t *testing.T) {
	w := newWorld(t, nil)
	old, _ := w.delivered("etl", policy)
	w.rule(old.ID)

	if phase, res, err := w.step("etl"); err != nil || phase != string(automation.Wait) || res.RequeueAfter < 29*24*time.Hour {
		t.Fatalf("before due: %s %v %v", phase, res, err)
	}
	w.clock.Advance(30 * 24 * time.Hour)
	calls := map[string]string{}
	ops := func() string {
		var out []string
		for _, c := range w.stub.Calls() {
			out = append(out, string(c.Op))
		}
		return strings.Join(out, "+")
	}
	want := []automation.Step{automation.Start, automation.CopyRules, automation.HandOver}
	for i, next := range want {
		w.stub.ResetCalls()
		phase, _, err := w.step("etl")
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		calls[phase] = ops()
		if phase != string(next) {
			t.Fatalf("step %d: phase %s, want %s", i, phase, next)
		}
		w.clock.Advance(time.Minute) // the workload reads the Secret a minute later
		if err := w.consume("etl"); err != nil {
			t.Fatalf("step %d: the Secret's credentials obtain no token: %v", i, err)
		}
	}
	succ, ok := w.account("etl-r2")
	s := w.secret("etl")
	if !ok || string(s.Data["RUNAI_CLIENT_ID"]) != succ.ClientID || s.Annotations[delivery.AnnPredecessorID] != old.ID || s.Annotations[delivery.AnnDeliveredBy] != automation.By {
		t.Fatalf("after the hand-over: successor %v, Secret %v", ok, s.Annotations)
	}
	if len(w.stub.Rules()) != 2 {
		t.Errorf("%d rules, want the old one and its copy", len(w.stub.Rules()))
	}
	// The consumer used the successor; the old account is unused from now.
	if phase, res, _ := w.step("etl"); phase != string(automation.AwaitEvidence) || res.RequeueAfter > 24*time.Hour {
		t.Fatalf("waiting for evidence: %s %v", phase, res)
	}
	w.clock.Advance(24*time.Hour - 2*time.Minute) // the old account was last used at the hand-over, a minute ago
	if phase, _, _ := w.step("etl"); phase != string(automation.AwaitEvidence) {
		t.Fatalf("a minute before retire-after-unused: %s", phase)
	}
	w.clock.Advance(2 * time.Minute)
	w.stub.ResetCalls()
	if phase, _, err := w.step("etl"); err != nil || phase != string(automation.Disable) {
		t.Fatalf("retire: %s %v", phase, err)
	}
	calls[string(automation.Disable)] = ops()
	if a, _ := w.account("etl"); a.Enabled {
		t.Fatal("the old account is still enabled")
	}
	if err := w.consume("etl"); err != nil {
		t.Fatalf("the Secret stopped working when the old account was disabled: %v", err)
	}
	w.clock.Advance(168*time.Hour - time.Second)
	if phase, _, _ := w.step("etl"); phase != string(automation.Wait) {
		t.Fatalf("a second before delete-after: %s", phase)
	}
	w.clock.Advance(time.Second)
	w.stub.ResetCalls()
	if phase, _, err := w.step("etl"); err != nil || phase != string(automation.Idle) {
		t.Fatalf("delete: %s %v", phase, err)
	}
	calls[string(automation.Delete)] = ops()
	t.Logf("Run:ai calls per acting step (a fresh Reconciler each: one token exchange included): %v", calls)
	entries, _ := w.record.Recent(context.Background(), 20)
	var kept []string
	for _, e := range entries {
		if e.RequestID == "" || e.Subject != automation.By || e.Outcome != record.Succeeded {
			t.Errorf("record entry %+v", e)
		}
		kept = append([]string{e.Action + " " + e.AccountName}, kept...)
	}
	if want := "automation-start etl,automation-copy-rules etl,automation-hand-over etl,automation-disable-old etl,automation-delete-old etl"; strings.Join(kept, ",") != want {
		t.Errorf("the record keeps %v, want %s", kept, want)
	}
	if _, ok := w.account("etl"); ok {
		t.Fatal("the old account still exists")
	}
	if phase, res, _ := w.step("etl"); phase != string(automation.Wait) || res.RequeueAfter < 20*24*time.Hour {
		t.Errorf("after the cycle: %s, next in %v", phase, res.RequeueAfter)
	}
	for _, want := range []string{"RotationStarted", "RulesCopied", "HandedOver", "Retired", "Deleted"} {
		if !eventSeen(w.events, want) {
			t.Errorf("no %s Event", want)
		}
	}
}

// eventSeen drains the fake recorder looking for an Event reason.
func eventSeen(r *events.FakeRecorder, reason string) bool {
	for {
		select {
		case e := <-r.Events:
			if strings.Contains(e, " "+reason+" ") {
				go func() { r.Events <- e }() // keep it for the next question
				return true
			}
		default:
			return false
		}
	}
}

// TestApproval: a Secret declared in Git (a name and a policy, no
// credentials) is not acted on until approved; the allow-list approves
// only what it names; once approved, the account is rotated at once and
// the Secret filled. A declared account that does not exist is an Event
// and nothing more.
func TestApproval(t *testing.T) {
	w := newWorld(t, nil)
	target := w.stub.Insert(runai.ServiceAccount{Name: "team-b-etl", Enabled: true, CreatedAt: w.clock.Now()}, "x")
	declare := func(name, account string) {
		ann := map[string]string{delivery.AnnServiceAccount: account}
		for k, v := range policy {
			ann[k] = v
		}
		_, err := w.k.Admin.CoreV1().Secrets(w.ns).Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	declare("steal", "team-b-etl")
	for range 3 {
		if phase, _, err := w.step("steal"); err != nil || phase != string(automation.AwaitApproval) {
			t.Fatalf("unapproved: %s %v", phase, err)
		}
	}
	if len(w.stub.Accounts()) != 1 || len(w.secret("steal").Data) != 0 {
		t.Fatal("an unapproved declaration was acted on")
	}
	w.adopt = []automation.AdoptRule{{Namespace: "elsewhere", Pattern: "*"}, {Namespace: w.ns, Pattern: "team-a-*"}}
	if phase, _, _ := w.step("steal"); phase != string(automation.AwaitApproval) {
		t.Fatal("the allow-list approved a name it does not match")
	}
	w.adopt = []automation.AdoptRule{{Namespace: w.ns, Pattern: "team-b-*"}}
	for i := 0; i < 8 && w.secret("steal").Annotations[delivery.AnnClientID] == ""; i++ {
		if _, _, err := w.step("steal"); err != nil {
			t.Fatal(err)
		}
	}
	s := w.secret("steal")
	succ, ok := w.account("team-b-etl-r2")
	if !ok || string(s.Data["RUNAI_CLIENT_ID"]) != succ.ClientID || s.Annotations[automation.AnnApprovedBy] != "AUTOMATION_ADOPT" || s.Annotations[delivery.AnnPredecessorID] != target.ID {
		t.Fatalf("approved by the allow-list: successor %v, annotations %v", ok, s.Annotations)
	}
	if err := w.consume("steal"); err != nil {
		t.Fatal(err)
	}

	declare("ghost", "no-such-account")
	w.annotate("ghost", map[string]string{automation.AnnApprovedBy: "ada@example.com"})
	if phase, _, err := w.step("ghost"); err != nil || phase != string(automation.Missing) || !eventSeen(w.events, "AccountMissing") {
		t.Fatalf("a missing account: %s %v", phase, err)
	}
}

// TestFailuresLeaveConsumersWorking: a refused rule copy, a refused
// token, a refused Secret write: each is recorded on the Secret (phase,
// last error, a Warning Event), the Secret keeps working credentials,
// and a fresh Reconciler (a crash, a new leader) resumes from what Run:ai
// and the Secret say once the cause is gone.
func TestFailuresLeaveConsumersWorking(t *testing.T) {
	k := kubetest.Shared(t)
	for _, tc := range []struct {
		name    string
		breakIt func(w *world)
		mend    func(w *world)
	}{
		{"rule copy refused", func(w *world) { w.stub.FailNext(stub.OpRuleCreate, 1, http.StatusForbidden) }, func(*world) {}},
		{"token refused", func(w *world) { w.stub.FailNext(stub.OpToken, 1, http.StatusUnauthorized) }, func(*world) {}},
		{"Secret write refused", func(w *world) {
			user := "automation-no-update-" + w.ns
			k.Grant(t, w.ns, user, []string{""}, []string{"secrets"}, []string{"get", "list", "patch"})
			as := k.User(t, user)
			w.r.Kube, w.r.Metadata = kubernetes.NewForConfigOrDie(as), metadata.NewForConfigOrDie(as)
		}, func(w *world) { w.r.Kube, w.r.Metadata = w.k.Admin, metadata.NewForConfigOrDie(w.k.Config) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, nil)
			w.delivered("etl", policy)
			w.rule(w.stub.Accounts()[0].ID)
			w.clock.Advance(31 * 24 * time.Hour)
			if phase, _, err := w.step("etl"); err != nil || phase != string(automation.Start) { // the successor is made
				t.Fatalf("start: %s %v", phase, err)
			}
			tc.breakIt(w)
			var failed bool
			for i := 0; i < 4 && !failed; i++ {
				_, _, err := w.step("etl")
				failed = err != nil
			}
			s := w.secret("etl")
			if !failed || s.Annotations[automation.AnnPhase] != string(automation.Failing) || s.Annotations[automation.AnnLastError] == "" || !eventSeen(w.events, "StepFailed") {
				t.Fatalf("the failure is not recorded: %v", s.Annotations)
			}
			if err := w.consume("etl"); err != nil {
				t.Fatalf("the Secret stopped working: %v", err)
			}
			tc.mend(w)
			w.r = w.reconciler(w.r.Kube, w.r.Metadata) // a new leader, nothing carried over
			for i := 0; i < 6 && w.secret("etl").Annotations[delivery.AnnPredecessorID] == ""; i++ {
				if _, _, err := w.step("etl"); err != nil {
					t.Fatalf("resumed: %v", err)
				}
			}
			if err := w.consume("etl"); err != nil || w.secret("etl").Annotations[delivery.AnnPredecessorID] == "" {
				t.Fatalf("not handed over after the cause was gone: %v %v", err, w.secret("etl").Annotations)
			}
			if n := len(w.stub.Accounts()); n != 2 {
				t.Errorf("%d accounts: a failed step made a second successor", n)
			}
		})
	}
}

var discard = slog.New(slog.DiscardHandler)

// TestSafeAtScale: a dry run says what it would do and does nothing; the
// global pause does nothing; at most MaxRotating rotations start at once;
// a due rotation waits for its random delay, drawn once within the
// window.
func TestSafeAtScale(t *testing.T) {
	w := newWorld(t, nil)
	for _, n := range []string{"a", "b", "c"} {
		w.delivered(n, policy)
	}
	w.clock.Advance(31 * 24 * time.Hour)

	w.dryRun = true
	if phase, _, err := w.step("a"); err != nil || phase != "" || len(w.stub.Accounts()) != 3 || !eventSeen(w.events, "DryRun") {
		t.Fatalf("dry run: phase %q, %d accounts, %v", phase, len(w.stub.Accounts()), err)
	}
	w.dryRun, w.paused = false, true
	if phase, _, _ := w.step("a"); phase != string(automation.Paused) || len(w.stub.Accounts()) != 3 {
		t.Fatalf("paused: %s", phase)
	}
	w.paused, w.maxRotating = false, 1
	if phase, _, _ := w.step("a"); phase != string(automation.Start) {
		t.Fatalf("first: %s", phase)
	}
	phase, res, _ := w.step("b")
	if phase != string(automation.Wait) || len(w.stub.Accounts()) != 4 || res.RequeueAfter > 2*time.Minute {
		t.Fatalf("a second rotation at once: %s, %d accounts, again in %v", phase, len(w.stub.Accounts()), res.RequeueAfter)
	}

	w.maxRotating, w.jitter = 3, time.Hour
	phase, res, _ = w.step("c")
	next, _ := time.Parse(time.RFC3339, w.secret("c").Annotations[automation.AnnNextStepAt])
	if phase != string(automation.Wait) || next.Before(w.clock.Now()) || next.After(w.clock.Now().Add(time.Hour)) || res.RequeueAfter > time.Hour {
		t.Fatalf("jitter: %s, next %v (now %v), again in %v", phase, next, w.clock.Now(), res.RequeueAfter)
	}
	if phase, _, _ := w.step("c"); phase != string(automation.Wait) || w.secret("c").Annotations[automation.AnnNextStepAt] != next.Format(time.RFC3339) {
		t.Fatal("the random delay was drawn again")
	}
	w.clock.Advance(time.Hour)
	if phase, _, _ := w.step("c"); phase != string(automation.Start) {
		t.Fatalf("after its delay: %s", phase)
	}
}
