package automation

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/rotation"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Runai is what the automation asks of the Run:ai API (apiclient.Client).
type Runai interface {
	ExchangeToken(ctx context.Context, clientID string, secret runai.Secret) (runai.Token, error)
	ListServiceAccounts(ctx context.Context, token string) ([]runai.ServiceAccount, error)
	CreateServiceAccount(ctx context.Context, token, name string) (runai.Credentials, error)
	RegenerateSecret(ctx context.Context, token, id string) (runai.Secret, error)
	SetServiceAccountEnabled(ctx context.Context, token, id string, enabled bool) error
	DeleteServiceAccount(ctx context.Context, token, id string) error
	ListServiceAccountRules(ctx context.Context, token string, subjectIDs ...string) ([]runai.AccessRule, error)
	CreateAccessRule(ctx context.Context, token string, n runai.NewAccessRule) (runai.AccessRule, error)
}

// Recorder records Kubernetes Events (events.k8s.io/v1: client-go's
// events.EventRecorder, which controller-runtime's manager provides).
type Recorder interface {
	Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// AdoptRule approves ahead the declarations in Namespace whose account
// name matches Pattern (shell-style, path.Match).
type AdoptRule struct{ Namespace, Pattern string }

// ParseAdopt reads AUTOMATION_ADOPT: comma-separated namespace=pattern
// pairs, such as "team-a=etl-*,ml-ci=*".
func ParseAdopt(s string) ([]AdoptRule, error) {
	var out []AdoptRule
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		ns, pat, ok := strings.Cut(part, "=")
		if !ok || ns == "" || pat == "" {
			return nil, fmt.Errorf("%q is not namespace=pattern", part)
		}
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("%q: %v", part, err)
		}
		out = append(out, AdoptRule{Namespace: ns, Pattern: pat})
	}
	return out, nil
}

// Adopts reports whether the rules approve ahead a declaration of
// account in namespace ns.
func Adopts(rules []AdoptRule, ns, account string) bool {
	return slices.ContainsFunc(rules, func(r AdoptRule) bool {
		ok, _ := path.Match(r.Pattern, account)
		return r.Namespace == ns && ok
	})
}

// Reconciler keeps the Secrets of the delivery namespaces true to their
// policy, one step per call: see Decide.
type Reconciler struct {
	API      Runai
	ClientID string       // the standing credential (AUTOMATION_CLIENT_ID)
	Secret   runai.Secret // AUTOMATION_CLIENT_SECRET
	Kube     kubernetes.Interface
	Metadata metadata.Interface
	Recorder Recorder
	// Record keeps each step that acts, beside the dashboard's own
	// changes (nil: the log line only).
	Record     record.Store
	Logger     *slog.Logger
	Namespaces []string
	Adopt      []AdoptRule
	RunaiURL   string // what the Secrets' URL key holds
	DryRun     bool   // say what would be done, as Events, and do nothing
	Paused     bool   // AUTOMATION_PAUSED
	// MaxRotating bounds the rotations under way at once; Jitter is the
	// window of the random delay added to a due time.
	MaxRotating int
	Jitter      time.Duration
	Now         func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
	list    []runai.ServiceAccount // the accounts, read at listAt
	listAt  time.Time
}

// listFor is how long the accounts read for one Secret's decision serve
// the others': a decision that acts reads them anew first.
const listFor = 30 * time.Second

// By is what the Secrets say delivered them, and the actor in the audit.
const By = "automation"

var secretsGVR = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// Reconcile takes the next step for the Secret req names.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	m, err := r.Metadata.Resource(secretsGVR).Namespace(req.Namespace).Get(ctx, req.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return reconcile.Result{}, nil
	}
	if err != nil {
		return reconcile.Result{}, err
	}
	ann := m.Annotations
	if ann[delivery.AnnServiceAccount] == "" {
		return reconcile.Result{}, nil
	}
	if _, err := ParsePolicy(ann); errors.Is(err, ErrNoPolicy) && ann[AnnPhase] == "" && delivery.Managed(m.Labels) {
		return reconcile.Result{}, nil // delivered, not automated: nothing to do or say
	}
	in, obj, err := r.inputs(ctx, m.ObjectMeta, false)
	if err != nil {
		return r.failed(ctx, m.ObjectMeta, obj, Decision{Step: Wait}, err)
	}
	d := Decide(in)
	if d.Step.Acts() && !r.DryRun { // act only on what Run:ai says now
		if in, obj, err = r.inputs(ctx, m.ObjectMeta, true); err != nil {
			return r.failed(ctx, m.ObjectMeta, obj, d, err)
		}
		d = Decide(in)
	}
	rid := crand.Text()[:16] // names this step in the log and the record
	log := r.Logger.With("secret", req.String(), "step", d.Step, "request_id", rid)
	if r.DryRun && d.Step.Acts() {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "DryRun", string(d.Step), "Would %s: %s", d.Step, d.Why)
		return result(d, in.Now), nil
	}
	acted := d.Step
	err = r.perform(ctx, m.ObjectMeta, obj, in, &d)
	if acted.Acts() {
		r.forget() // what it changed shows in the next decision
	}
	if acted.Acts() && d.Step != Wait { // (held back: its random delay, or the bound on rotations)
		r.keep(ctx, m.ObjectMeta, in, acted, d.Why, rid, err)
	}
	if err != nil {
		log.Warn("automation step failed", "err", err)
		return r.failed(ctx, m.ObjectMeta, obj, d, err)
	}
	log.Info("automation step", "why", d.Why)
	return result(d, in.Now), nil
}

// keep writes a step that acted to the dashboard's record: the account
// it acted on, the Secret and its policy, the outcome.
func (r *Reconciler) keep(ctx context.Context, m metav1.ObjectMeta, in Input, step Step, why, rid string, err error) {
	if r.Record == nil {
		return
	}
	e := record.Entry{ID: rid, Time: in.Now.UTC(), Subject: By, Action: "automation-" + string(step), RequestID: rid,
		Detail: "Secret " + m.Namespace + "/" + m.Name + " (policy: " + in.Policy.String() + "): " + why, Outcome: record.Succeeded}
	switch a := in.Predecessor; {
	case (step == Disable || step == Delete) && a != nil:
		e.AccountID, e.AccountName = a.ID, a.Name
	case in.Held != nil:
		e.AccountID, e.AccountName = in.Held.ID, in.Held.Name
	}
	if err != nil {
		e.Outcome, e.Status = record.Failed, httpStatus(err)
	}
	if rerr := r.Record.Add(context.WithoutCancel(ctx), e); rerr != nil {
		r.Logger.Error("the dashboard's record did not keep an automation step (the log has it)", "err", rerr, "request_id", rid)
	}
}

// result says when to come back: at the decision's time, at once after
// a step that acted (the next step is due now), never for a state only a
// change of the Secret can change.
func result(d Decision, now time.Time) reconcile.Result {
	switch {
	case d.Step.Acts():
		return reconcile.Result{RequeueAfter: time.Second}
	case !d.At.IsZero():
		return reconcile.Result{RequeueAfter: max(d.At.Sub(now), time.Second)}
	}
	return reconcile.Result{}
}

// accounts is every account, read with the standing credential within
// the last listFor unless fresh.
func (r *Reconciler) accounts(ctx context.Context, tok string, fresh bool) ([]runai.ServiceAccount, error) {
	r.mu.Lock()
	if !fresh && r.list != nil && r.Now().Sub(r.listAt) < listFor {
		defer r.mu.Unlock()
		return r.list, nil
	}
	r.mu.Unlock()
	all, err := r.API.ListServiceAccounts(ctx, tok)
	if err != nil {
		return nil, fmt.Errorf("list the service accounts: %w", err)
	}
	r.mu.Lock()
	r.list, r.listAt = all, r.Now()
	r.mu.Unlock()
	return all, nil
}

// forget drops the accounts read, after a step that changed them.
func (r *Reconciler) forget() {
	r.mu.Lock()
	r.list = nil
	r.mu.Unlock()
}

// inputs gathers what Decide needs: the Secret's annotations and the
// accounts they name, read from Run:ai with the standing credential
// (within the last listFor unless fresh).
func (r *Reconciler) inputs(ctx context.Context, m metav1.ObjectMeta, fresh bool) (Input, runtime.Object, error) {
	ann := m.Annotations
	obj := &corev1.Secret{ObjectMeta: m}
	obj.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	in := Input{Now: r.Now(), Paused: r.Paused}
	in.Policy, in.PolicyErr = ParsePolicy(ann)
	s := SecretState{AccountName: ann[delivery.AnnServiceAccount], Declared: ann[delivery.AnnClientID] == "",
		Approved: ann[AnnApprovedBy] != "" || Adopts(r.Adopt, m.Namespace, ann[delivery.AnnServiceAccount]), PredecessorID: ann[delivery.AnnPredecessorID]}
	if delivery.Managed(m.Labels) {
		s.AccountID = ann[delivery.AnnServiceAccountID]
	}
	s.DeliveredAt = when(ann[delivery.AnnDeliveredAt])
	s.HandedOverAt = when(ann[delivery.AnnHandedOverAt])
	s.DisabledAt = when(ann[AnnDisabledAt])
	s.NextStepAt = when(ann[AnnNextStepAt])
	in.Secret = s
	if in.PolicyErr != nil || in.Paused || in.Policy.Paused || (s.AccountID == "" && !s.Approved) {
		return in, obj, nil // nothing to read from Run:ai
	}
	tok, err := r.standingToken(ctx)
	if err != nil {
		return in, obj, err
	}
	all, err := r.accounts(ctx, tok, fresh)
	if err != nil {
		return in, obj, err
	}
	for i := range all {
		a := &all[i]
		switch {
		case s.AccountID != "" && a.ID == s.AccountID, s.AccountID == "" && a.Name == s.AccountName:
			in.Held = a
		case s.PredecessorID != "" && a.ID == s.PredecessorID:
			in.Predecessor = a
		}
	}
	if in.Held == nil || in.Predecessor != nil {
		return in, obj, nil
	}
	if p, _ := rotation.Of(rotation.Pairs(all), in.Held.ID); p != nil {
		in.Successor = &p.Successor
		rules, err := r.API.ListServiceAccountRules(ctx, tok, in.Held.ID, in.Successor.ID)
		if err != nil {
			return in, obj, fmt.Errorf("list the access rules: %w", err)
		}
		in.RulesCopied = len(missing(rules, *in.Held, *in.Successor)) == 0
	}
	return in, obj, nil
}

func when(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// missing are the rules of from that to lacks.
func missing(rules []runai.AccessRule, from, to runai.ServiceAccount) []runai.AccessRule {
	var have, out []runai.AccessRule
	for _, x := range rules {
		if to.Owns(x) {
			have = append(have, x)
		}
	}
	for _, x := range rules {
		if from.Owns(x) && !slices.ContainsFunc(have, func(h runai.AccessRule) bool { return h.Grant() == x.Grant() }) {
			out = append(out, x)
		}
	}
	return out
}

// standingToken is a token of the standing credential, obtained anew a
// minute before the last one expires.
func (r *Reconciler) standingToken(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.token != "" && r.Now().Before(r.expires.Add(-time.Minute)) {
		return r.token, nil
	}
	tok, err := r.API.ExchangeToken(ctx, r.ClientID, r.Secret)
	if err != nil {
		return "", &errStanding{err}
	}
	life := TokenLifetime // the token's lifetime, from the answer when it says (its expiry is on the wall clock)
	if !tok.ExpiresAt.IsZero() {
		life = time.Until(tok.ExpiresAt)
	}
	r.token, r.expires = tok.AccessToken.Reveal(), r.Now().Add(life)
	return r.token, nil
}

// Token is a token of the standing credential (for the inventory, which
// reads with it too).
func (r *Reconciler) Token(ctx context.Context) (string, error) { return r.standingToken(ctx) }

// errStanding is the standing credential refused.
type errStanding struct{ err error }

func (e *errStanding) Error() string {
	return "the standing credential (AUTOMATION_CLIENT_ID) obtained no token: " + e.err.Error()
}
func (e *errStanding) Unwrap() error { return e.err }

// perform takes the step d names and records it on the Secret.
func (r *Reconciler) perform(ctx context.Context, m metav1.ObjectMeta, obj runtime.Object, in Input, d *Decision) error {
	status := map[string]*string{AnnLastError: nil}
	switch d.Step {
	case AwaitApproval, Missing, Invalid:
		if m.Annotations[AnnPhase] != string(d.Step) { // said once, not at every look
			typ := corev1.EventTypeWarning
			if d.Step == AwaitApproval {
				typ = corev1.EventTypeNormal
			}
			r.Recorder.Eventf(obj, nil, typ, reason(d.Step), string(d.Step), "%s", d.Why)
		}
		if in.Secret.AccountID == "" && in.Secret.Approved && m.Annotations[AnnApprovedBy] == "" {
			status[AnnApprovedBy], status[AnnApprovedAt] = ptr("AUTOMATION_ADOPT"), ptr(in.Now.UTC().Format(time.RFC3339))
		}
	case Wait:
		if in.Predecessor == nil && r.Jitter > 0 && !in.Secret.NextStepAt.After(in.Now) {
			d.At = d.At.Add(rand.N(r.Jitter)) // its random delay, drawn once
			status[AnnNextStepAt] = ptr(d.At.UTC().Format(time.RFC3339))
		}
	case Adopt:
		if err := r.adopt(ctx, m, in); err != nil {
			return err
		}
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Adopted", string(d.Step), "Bound to the service account %s (approved by %s)", in.Held.Name, approver(m, in))
	case Start:
		if base := in.Secret.DeliveredAt.Add(in.Policy.RotateEvery); r.Jitter > 0 && (in.Secret.NextStepAt.IsZero() || in.Secret.NextStepAt.Before(base)) {
			d.Step, d.At = Wait, in.Now.Add(rand.N(r.Jitter)) // due: its random delay first, drawn once
			d.Why = "due; starts after a random delay within AUTOMATION_JITTER, at " + d.At.UTC().Format(time.RFC3339)
			break
		}
		if err := r.start(ctx, m, obj, in, d); err != nil {
			return err
		}
	case CopyRules:
		if err := r.copyRules(ctx, in); err != nil {
			return err
		}
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "RulesCopied", string(d.Step), "%s has every access rule of %s", in.Successor.Name, in.Held.Name)
	case HandOver:
		msg, err := r.handOver(ctx, m, in)
		if err != nil {
			return err
		}
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "HandedOver", string(d.Step), "%s", msg)
	case Disable:
		tok, err := r.standingToken(ctx)
		if err == nil {
			err = r.API.SetServiceAccountEnabled(ctx, tok, in.Predecessor.ID, false)
		}
		if err != nil {
			return fmt.Errorf("disable %s: %w", in.Predecessor.Name, err)
		}
		status[AnnDisabledAt] = ptr(in.Now.UTC().Format(time.RFC3339))
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Retired", string(d.Step), "Disabled %s: %s", in.Predecessor.Name, d.Why)
	case Delete:
		tok, err := r.standingToken(ctx)
		if err == nil {
			err = r.API.DeleteServiceAccount(ctx, tok, in.Predecessor.ID)
		}
		if err != nil && httpStatus(err) != http.StatusNotFound {
			return fmt.Errorf("delete %s: %w", in.Predecessor.Name, err)
		}
		for _, k := range []string{delivery.AnnPredecessor, delivery.AnnPredecessorID, AnnDisabledAt} {
			status[k] = nil
		}
		d.Step = Idle
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Deleted", string(d.Step), "Deleted %s: the rotation to %s is complete", in.Predecessor.Name, in.Held.Name)
	}
	status[AnnPhase] = ptr(string(d.Step))
	if !d.At.IsZero() {
		status[AnnNextStepAt] = ptr(d.At.UTC().Format(time.RFC3339))
	}
	return r.annotate(ctx, m, status)
}

func approver(m metav1.ObjectMeta, in Input) string {
	if by := m.Annotations[AnnApprovedBy]; by != "" {
		return by
	}
	if in.Secret.Approved {
		return "AUTOMATION_ADOPT"
	}
	return "nobody"
}

// reason is an Event's reason for a state.
func reason(s Step) string {
	switch s {
	case AwaitApproval:
		return "WaitingForApproval"
	case Missing:
		return "AccountMissing"
	}
	return "InvalidPolicy"
}

func ptr(s string) *string { return &s }

// annotate merges status into the Secret's annotations (nil removes
// one), from its metadata alone.
func (r *Reconciler) annotate(ctx context.Context, m metav1.ObjectMeta, status map[string]*string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": status}})
	if err != nil {
		return err
	}
	_, err = r.Metadata.Resource(secretsGVR).Namespace(m.Namespace).Patch(ctx, m.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: delivery.ManagedBy})
	return err
}

// adopt binds an approved declaration to its account: the label that
// makes the Secret the dashboard's and the account's id.
func (r *Reconciler) adopt(ctx context.Context, m metav1.ObjectMeta, in Input) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"labels":      map[string]string{delivery.LabelManagedBy: delivery.ManagedBy},
		"annotations": map[string]string{delivery.AnnServiceAccountID: in.Held.ID, AnnPhase: string(Adopt), AnnApprovedBy: approver(m, in)},
	}})
	if err != nil {
		return err
	}
	_, err = r.Metadata.Resource(secretsGVR).Namespace(m.Namespace).Patch(ctx, m.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: delivery.ManagedBy})
	return err
}

// start creates the successor, named by the convention; its secret is
// not kept (the hand-over regenerates it), so a crash here loses
// nothing. At most MaxRotating rotations run at once.
func (r *Reconciler) start(ctx context.Context, m metav1.ObjectMeta, obj runtime.Object, in Input, d *Decision) error {
	if n, err := r.rotating(ctx, m); err != nil {
		return err
	} else if r.MaxRotating > 0 && n >= r.MaxRotating {
		d.Step, d.At, d.Why = Wait, in.Now.Add(time.Minute+rand.N(time.Minute)), fmt.Sprintf("%d rotations are under way, the most at once (AUTOMATION_MAX_ROTATIONS)", n)
		return nil
	}
	tok, err := r.standingToken(ctx)
	if err != nil {
		return err
	}
	all, err := r.accounts(ctx, tok, false) // as read for this decision, a moment ago
	if err != nil {
		return err
	}
	name := rotation.Next(in.Held.Name, all)
	if _, err := r.API.CreateServiceAccount(ctx, tok, name); err != nil {
		return fmt.Errorf("create the successor %s: %w", name, err)
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "RotationStarted", string(d.Step), "Created %s to succeed %s (policy: %s)", name, in.Held.Name, in.Policy)
	return nil
}

// rotating counts the Secrets of the namespaces whose rotation is under
// way, this one aside.
func (r *Reconciler) rotating(ctx context.Context, self metav1.ObjectMeta) (int, error) {
	n := 0
	for _, ns := range r.Namespaces {
		list, err := r.Metadata.Resource(secretsGVR).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: delivery.LabelManagedBy + "=" + delivery.ManagedBy})
		if err != nil {
			return 0, err
		}
		for _, s := range list.Items {
			if s.UID != self.UID && Step(s.Annotations[AnnPhase]).Rotating() {
				n++
			}
		}
	}
	return n, nil
}

// copyRules gives the successor every rule of the held account it lacks.
func (r *Reconciler) copyRules(ctx context.Context, in Input) error {
	tok, err := r.standingToken(ctx)
	if err != nil {
		return err
	}
	rules, err := r.API.ListServiceAccountRules(ctx, tok, in.Held.ID, in.Successor.ID)
	if err != nil {
		return fmt.Errorf("list the access rules: %w", err)
	}
	for _, x := range missing(rules, *in.Held, *in.Successor) {
		_, err := r.API.CreateAccessRule(ctx, tok, runai.NewAccessRule{SubjectID: in.Successor.ID, RoleID: x.RoleID, ScopeType: x.ScopeType, ScopeID: x.ScopeID, ClusterID: x.ClusterID})
		if err != nil && httpStatus(err) != http.StatusConflict {
			return fmt.Errorf("give %s the access rule %s: %w", in.Successor.Name, x.Label(), err)
		}
	}
	return nil
}

// handOver regenerates the successor's secret (nobody uses it yet: its
// first one was never written anywhere), obtains a token with it, writes
// it into the Secret, and restarts the readers that need it when the
// policy asks.
func (r *Reconciler) handOver(ctx context.Context, m metav1.ObjectMeta, in Input) (string, error) {
	tok, err := r.standingToken(ctx)
	if err != nil {
		return "", err
	}
	succ := *in.Successor
	secret, err := r.API.RegenerateSecret(ctx, tok, succ.ID)
	if err != nil {
		return "", fmt.Errorf("regenerate the secret of %s: %w", succ.Name, err)
	}
	if _, err := r.API.ExchangeToken(ctx, succ.ClientID, secret); err != nil {
		return "", fmt.Errorf("the new credentials of %s obtained no token, so they were not written: %w", succ.Name, err)
	}
	t := delivery.Target{Namespace: m.Namespace, Name: m.Name, Keys: delivery.EnvKeys}
	if h := (delivery.Held{Keys: strings.Split(m.Annotations[delivery.AnnKeys], ",")}); len(h.Keys) == 3 {
		t, _ = (delivery.Held{Namespace: m.Namespace, Name: m.Name, Keys: h.Keys}).Target()
	}
	cr := delivery.Credentials{Account: succ, ClientID: succ.ClientID, Secret: secret, URL: r.RunaiURL}
	if err := delivery.Write(ctx, r.Kube, t, cr, By, in.Now, delivery.Overwrite{From: in.Held.ID}, false); err != nil {
		return "", fmt.Errorf("write the Secret: %s", delivery.Reason(err))
	}
	msg := fmt.Sprintf("Wrote the credentials of %s, replacing %s", succ.Name, in.Held.Name)
	if !in.Policy.RestartWorkloads {
		return msg, nil
	}
	readers, err := delivery.Readers(ctx, r.Kube, m.Namespace, []string{m.Name})
	if err != nil {
		return msg + "; its readers could not be listed: " + delivery.Reason(err), nil
	}
	rs := delivery.RestartAll(ctx, r.Kube, m.Namespace, readers[m.Name], true, in.Now, nil)
	done, failed := rs.Restarted, rs.Failed
	if len(done) > 0 {
		msg += "; restarted " + strings.Join(done, ", ")
	}
	if len(failed) > 0 {
		msg += "; not restarted: " + strings.Join(failed, "; ")
	}
	return msg, nil
}

// failed records a step that failed: the phase stays, the last error is
// on the Secret and in a Warning Event, and the error goes back to the
// controller, which backs off. Consumers keep what they had: no step
// writes the Secret half-way.
func (r *Reconciler) failed(ctx context.Context, m metav1.ObjectMeta, obj runtime.Object, d Decision, err error) (reconcile.Result, error) {
	r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, "StepFailed", string(d.Step), "%s failed: %v", d.Step, err)
	msg := d.Step.String() + ": " + err.Error()
	if aerr := r.annotate(ctx, m, map[string]*string{AnnLastError: &msg, AnnPhase: ptr(string(Failing))}); aerr != nil {
		err = errors.Join(err, aerr)
	}
	return reconcile.Result{}, err
}

// httpStatus is the status of a Run:ai answer err carries (0 for none).
func httpStatus(err error) int {
	var s interface{ HTTPStatus() int }
	if errors.As(err, &s) {
		return s.HTTPStatus()
	}
	return 0
}

// String is the step's name.
func (s Step) String() string { return string(s) }
