// Package delivery writes a service account's credentials into a
// Kubernetes Secret, where the workloads that use them read them, and
// finds the Secrets that hold an account. Nothing is kept here: the
// Secrets say what they hold, in a label (selection) and annotations
// (facts) under runai-tools.github.io/, never the secret itself, in the
// manner of cert-manager's Secrets.
//
// Writes are safe: a Secret is updated at the resource version it was
// read at (a concurrent change is a conflict, never a lost update), only
// Opaque Secrets are written, a Secret this dashboard does not manage for
// the same account is overwritten only when the person confirmed what is
// there, and the dashboard's own Secrets never.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// The label that selects the Secrets the dashboard manages, and the
// annotations that say what they hold. The names are a contract with
// users: tooling selects and reads them.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "runai-sa-dashboard"

	Prefix              = "runai-tools.github.io/"
	AnnServiceAccount   = Prefix + "service-account"
	AnnServiceAccountID = Prefix + "service-account-id"
	AnnClientID         = Prefix + "client-id"
	AnnDeliveredAt      = Prefix + "delivered-at"
	AnnDeliveredBy      = Prefix + "delivered-by"
	AnnKeys             = Prefix + "keys" // the data keys written, comma-separated
	// A rotation's hand-over: the account the Secret held before the
	// successor was written into it, and when.
	AnnPredecessor    = Prefix + "predecessor"
	AnnPredecessorID  = Prefix + "predecessor-id"
	AnnHandedOverAt   = Prefix + "handed-over-at"
	LabelOwnSecret    = "app.kubernetes.io/name"
	OwnSecret         = "runai-sa-dashboard" // the dashboard's own Secrets carry LabelOwnSecret=OwnSecret
	deliveredAtLayout = time.RFC3339
)

// Keys are the names of the data keys a Secret gets.
type Keys struct {
	ClientID, ClientSecret, URL string
}

// Presets of key names.
var (
	// EnvKeys suit envFrom: RUNAI_CLIENT_ID, RUNAI_CLIENT_SECRET,
	// RUNAI_URL.
	EnvKeys = Keys{ClientID: "RUNAI_CLIENT_ID", ClientSecret: "RUNAI_CLIENT_SECRET", URL: "RUNAI_URL"}
	// FileKeys suit a mounted volume and the runai CLI:
	//   runai login access-key --client-id="$(cat /etc/runai/client-id)" \
	//     --secret-file=/etc/runai/secret --interactive=disabled
	FileKeys = Keys{ClientID: "client-id", ClientSecret: "secret", URL: "url"}
)

// Preset names a set of key names.
type Preset string

// The presets.
const (
	PresetEnv  Preset = "env"
	PresetFile Preset = "file"
)

// Presets lists them, for a form.
var Presets = []Preset{PresetEnv, PresetFile}

// Keys are the preset's key names.
func (p Preset) Keys() (Keys, bool) {
	switch p {
	case PresetEnv:
		return EnvKeys, true
	case PresetFile:
		return FileKeys, true
	}
	return Keys{}, false
}

// Label says what the preset is for.
func (p Preset) Label() string {
	switch p {
	case PresetFile:
		return "Files (client-id, secret, url): a mounted volume, runai login access-key --secret-file"
	}
	return "Environment (RUNAI_CLIENT_ID, RUNAI_CLIENT_SECRET, RUNAI_URL): envFrom"
}

func (k Keys) list() []string { return []string{k.ClientID, k.ClientSecret, k.URL} }

// Target is where credentials go.
type Target struct {
	Namespace string
	Name      string
	Keys      Keys
}

func (t Target) String() string { return t.Namespace + "/" + t.Name }

// ValidName reports whether name is a valid Secret name (a DNS
// subdomain), and why not.
func ValidName(name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Credentials are what is delivered: the account, its client ID and
// secret, and the control plane's URL (where to obtain tokens).
type Credentials struct {
	Account  runai.ServiceAccount
	ClientID string
	Secret   runai.Secret
	URL      string
}

// What is in the way of a write.

// ForeignError is a Secret that exists and is not managed by the
// dashboard for this account: it is overwritten only when the person
// confirms, naming its resource version (what they were shown).
type ForeignError struct {
	Target Target
	// Holds names whom it was delivered for, when the dashboard manages
	// it for another account; empty when the dashboard does not manage it.
	Holds           string
	Keys            []string // its data keys
	ResourceVersion string
}

func (e *ForeignError) Error() string {
	if e.Holds != "" {
		return fmt.Sprintf("delivery: Secret %s holds the service account %q", e.Target, e.Holds)
	}
	return fmt.Sprintf("delivery: Secret %s is not managed by the dashboard", e.Target)
}

// NotOpaqueError is a Secret of another type (a TLS or service-account
// token Secret, say): never written.
type NotOpaqueError struct {
	Target Target
	Type   corev1.SecretType
}

func (e *NotOpaqueError) Error() string {
	return fmt.Sprintf("delivery: Secret %s is of type %s, not Opaque", e.Target, e.Type)
}

// ErrOwnSecret is one of the dashboard's own Secrets: never written.
var ErrOwnSecret = errors.New("delivery: the Secret is one of the dashboard's own")

// ErrKeysUnknown is a Secret that does not say which keys it was written
// with: it is not written again blindly.
var ErrKeysUnknown = errors.New("delivery: the Secret does not say which keys it was written with")

// ErrNamespace is a namespace outside the allowed list.
var ErrNamespace = errors.New("delivery: the namespace is not one the dashboard may deliver to")

// Overwrite says what may be overwritten beyond a Secret the dashboard
// manages for the same account: a person's confirmation of what is in
// the way (the resource version of the Secret they were shown), or a
// rotation's hand-over (From: the account being replaced, whose Secrets
// take its successor's credentials).
type Overwrite struct {
	ResourceVersion string
	From            string // an account id
}

// Write puts cr into the Secret at t for by (an SSO identity, for
// delivered-by): it creates the Secret, or updates it at the resource
// version it read. A Secret not managed by the dashboard for cr's account
// is a *ForeignError unless ow confirms its resource version; one of
// another type a *NotOpaqueError; the dashboard's own ErrOwnSecret. With
// dryRun the API server checks the write (RBAC, admission) and stores
// nothing. Kubernetes refusals come back as the API server's errors
// (apierrors.IsForbidden, IsConflict).
func Write(ctx context.Context, cs kubernetes.Interface, t Target, cr Credentials, by string, now time.Time, ow Overwrite, dryRun bool) error {
	secrets := cs.CoreV1().Secrets(t.Namespace)
	var dry []string
	if dryRun {
		dry = []string{metav1.DryRunAll}
	}
	cur, err := secrets.Get(ctx, t.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: t.Name, Namespace: t.Namespace}, Type: corev1.SecretTypeOpaque}
		stamp(s, t, cr, by, now, "")
		_, err = secrets.Create(ctx, s, metav1.CreateOptions{DryRun: dry, FieldManager: ManagedBy})
		if apierrors.IsAlreadyExists(err) { // created by another writer since it was read
			return apierrors.NewConflict(secretsResource.GroupResource(), t.Name, errors.New("it was created by another writer meanwhile"))
		}
		return err
	case err != nil:
		return err
	}
	if err := Check(cur, t, cr.Account.ID, ow); err != nil {
		return err
	}
	s := cur.DeepCopy()
	stamp(s, t, cr, by, now, ow.From)
	// The resource version read: a change made since is a conflict.
	_, err = secrets.Update(ctx, s, metav1.UpdateOptions{DryRun: dry, FieldManager: ManagedBy})
	return err
}

// Check says whether the existing Secret s may take accountID's
// credentials: see Write.
func Check(s *corev1.Secret, t Target, accountID string, ow Overwrite) error {
	if s.Labels[LabelOwnSecret] == OwnSecret {
		return ErrOwnSecret
	}
	if s.Type != corev1.SecretTypeOpaque && s.Type != "" {
		return &NotOpaqueError{Target: t, Type: s.Type}
	}
	if held := s.Annotations[AnnServiceAccountID]; Managed(s.Labels) && (held == accountID || (ow.From != "" && held == ow.From)) {
		return nil
	}
	if ow.ResourceVersion != "" && ow.ResourceVersion == s.ResourceVersion {
		return nil // confirmed, and unchanged since it was shown
	}
	fe := &ForeignError{Target: t, ResourceVersion: s.ResourceVersion}
	if Managed(s.Labels) {
		fe.Holds = cmpOr(s.Annotations[AnnServiceAccount], s.Annotations[AnnServiceAccountID])
	}
	for k := range s.Data {
		fe.Keys = append(fe.Keys, k)
	}
	sort.Strings(fe.Keys)
	return fe
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Managed reports whether labels mark a Secret the dashboard manages.
func Managed(labels map[string]string) bool { return labels[LabelManagedBy] == ManagedBy }

// stamp writes the credentials and what says what they are into s. A
// Secret that held the account from (a rotation's hand-over) records it
// as the predecessor; one that changes account otherwise loses any
// hand-over it recorded; the same account's keeps it.
func stamp(s *corev1.Secret, t Target, cr Credentials, by string, now time.Time, from string) {
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	// Keys this dashboard wrote before under other names (another preset)
	// would keep an old secret beside the new one: they go.
	if Managed(s.Labels) {
		for _, k := range strings.Split(s.Annotations[AnnKeys], ",") {
			if k != "" && !slices.Contains(t.Keys.list(), k) {
				delete(s.Data, k)
			}
		}
	}
	if prev := s.Annotations[AnnServiceAccountID]; !Managed(s.Labels) || prev != cr.Account.ID {
		if Managed(s.Labels) && from != "" && prev == from {
			s.Annotations[AnnPredecessor] = cmpOr(s.Annotations[AnnServiceAccount], prev)
			s.Annotations[AnnPredecessorID] = prev
			s.Annotations[AnnHandedOverAt] = now.UTC().Format(deliveredAtLayout)
		} else {
			delete(s.Annotations, AnnPredecessor)
			delete(s.Annotations, AnnPredecessorID)
			delete(s.Annotations, AnnHandedOverAt)
		}
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	s.Labels[LabelManagedBy] = ManagedBy
	s.Annotations[AnnServiceAccount] = cr.Account.Name
	s.Annotations[AnnServiceAccountID] = cr.Account.ID
	s.Annotations[AnnClientID] = cr.ClientID
	s.Annotations[AnnDeliveredAt] = now.UTC().Format(deliveredAtLayout)
	s.Annotations[AnnDeliveredBy] = by
	s.Annotations[AnnKeys] = strings.Join(t.Keys.list(), ",")
	s.Data[t.Keys.ClientID] = []byte(cr.ClientID)
	s.Data[t.Keys.ClientSecret] = []byte(cr.Secret.Reveal())
	s.Data[t.Keys.URL] = []byte(cr.URL)
	s.Type = corev1.SecretTypeOpaque
}

// Held is a Secret that holds an account, as its metadata says.
type Held struct {
	Namespace, Name string
	Account         string // the account's name
	AccountID       string
	ClientID        string // the client ID it was delivered with
	DeliveredAt     time.Time
	DeliveredBy     string
	Keys            []string
	// A rotation's hand-over into it: the account it held before, and
	// when (zero when it was not handed over).
	Predecessor, PredecessorID string
	HandedOverAt               time.Time
	// Declared: created in Git with a service-account name (and a
	// policy) and not yet adopted: it holds nothing.
	Declared bool
	// Ann are its annotations under Prefix (the policy and the
	// automation's status among them), shared: not to be modified.
	Ann map[string]string
}

func (h Held) String() string { return h.Namespace + "/" + h.Name }

// Target is where its credentials are written again (a new secret, a
// successor's), under the key names it was written with; false when
// those are not known.
func (h Held) Target() (Target, bool) {
	if len(h.Keys) != 3 || slices.Contains(h.Keys, "") {
		return Target{}, false
	}
	return Target{Namespace: h.Namespace, Name: h.Name, Keys: Keys{ClientID: h.Keys[0], ClientSecret: h.Keys[1], URL: h.Keys[2]}}, true
}

// Current reports whether it still holds a's client ID (a rotation that
// replaced the account leaves it holding the old one).
func (h Held) Current(a runai.ServiceAccount) bool {
	return h.ClientID != "" && h.ClientID == a.ClientID
}

var secretsResource = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}

// NamespaceError is a namespace whose Secrets could not be listed.
type NamespaceError struct {
	Namespace string
	Err       error
}

func (e *NamespaceError) Error() string {
	return "delivery: the Secrets of namespace " + e.Namespace + " could not be listed: " + e.Err.Error()
}
func (e *NamespaceError) Unwrap() error { return e.Err }

// List reads the Secrets the dashboard manages in namespaces, and those
// declared for an account in Git (Declared), from their metadata only
// (never their data), one listing per namespace (the namespaces are
// dedicated to Run:ai credentials: the others are few and dropped). A
// namespace that could not be listed is a *NamespaceError among errs; the
// others are still listed.
func List(ctx context.Context, md metadata.Interface, namespaces []string) (held []Held, errs []error) {
	for _, ns := range namespaces {
		list, err := md.Resource(secretsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			errs = append(errs, &NamespaceError{Namespace: ns, Err: err})
			continue
		}
		for _, item := range list.Items {
			if Managed(item.Labels) || item.Annotations[AnnServiceAccount] != "" {
				held = append(held, heldOf(item.ObjectMeta))
			}
		}
	}
	return held, errs
}

// Holding is the Secrets of held that hold the account with id.
func Holding(held []Held, id string) []Held {
	var out []Held
	for _, h := range held {
		if !h.Declared && h.AccountID == id {
			out = append(out, h)
		}
	}
	return out
}

// Declaring is the Secrets of held declared in Git for the account called
// name and not adopted yet.
func Declaring(held []Held, name string) []Held {
	var out []Held
	for _, h := range held {
		if h.Declared && h.Account == name {
			out = append(out, h)
		}
	}
	return out
}

// Orphans are the Secrets of held whose account is not among accounts:
// they hold a dead credential.
func Orphans(held []Held, accounts []runai.ServiceAccount) []Held {
	live := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		live[a.ID] = true
	}
	var out []Held
	for _, h := range held {
		if !h.Declared && !live[h.AccountID] {
			out = append(out, h)
		}
	}
	return out
}

func heldOf(m metav1.ObjectMeta) Held {
	a := m.Annotations
	h := Held{Namespace: m.Namespace, Name: m.Name, Account: a[AnnServiceAccount], AccountID: a[AnnServiceAccountID],
		ClientID: a[AnnClientID], DeliveredBy: a[AnnDeliveredBy], Predecessor: a[AnnPredecessor], PredecessorID: a[AnnPredecessorID]}
	h.DeliveredAt, _ = time.Parse(deliveredAtLayout, a[AnnDeliveredAt])
	h.HandedOverAt, _ = time.Parse(deliveredAtLayout, a[AnnHandedOverAt])
	if !Managed(m.Labels) {
		h.Declared, h.AccountID = true, "" // an id on a Secret nobody adopted is not believed
	}
	for k, v := range a {
		if strings.HasPrefix(k, Prefix) {
			if h.Ann == nil {
				h.Ann = map[string]string{}
			}
			h.Ann[k] = v
		}
	}
	if k := a[AnnKeys]; k != "" {
		h.Keys = strings.Split(k, ",")
	}
	return h
}

// Delete deletes the Secret ns/name if it still holds the account with
// id (and at the resource version it was found at: a Secret changed
// since is not deleted).
func Delete(ctx context.Context, cs kubernetes.Interface, ns, name, id string) error {
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if !Managed(s.Labels) || s.Annotations[AnnServiceAccountID] != id {
		return &ForeignError{Target: Target{Namespace: ns, Name: name}, Holds: s.Annotations[AnnServiceAccount], ResourceVersion: s.ResourceVersion}
	}
	rv := s.ResourceVersion
	return cs.CoreV1().Secrets(ns).Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &rv}})
}
