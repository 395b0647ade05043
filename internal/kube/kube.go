// Package kube reaches the one Kubernetes cluster the dashboard delivers
// credentials into: its clients, as the dashboard's own service account
// or, with impersonation, as the person signed in behind the SSO proxy,
// so that the cluster's RBAC decides what they may do. There is no
// fallback from the person to the dashboard's identity.
package kube

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/transport"
)

// Timeout bounds each Kubernetes request.
const Timeout = 15 * time.Second

// Config says how to reach the cluster and as whom.
type Config struct {
	// Kubeconfig is the path of a kubeconfig file (KUBECONFIG); empty
	// uses the pod's in-cluster configuration.
	Kubeconfig string
	// Impersonate makes every call as the person signed in (user and
	// groups from the SSO proxy), with these prefixes added as the API
	// server's OIDC settings (--oidc-username-prefix,
	// --oidc-groups-prefix) add them to the same people's names.
	Impersonate bool
	UserPrefix  string
	GroupPrefix string
}

// Person is whom a call is made as, with impersonation: the SSO
// identity's user name (or email) and groups.
type Person struct {
	User   string
	Groups []string
}

// Clients are the clients of one identity: typed (Secrets, Pods) and
// metadata-only (listings that need no data).
type Clients struct {
	Typed    kubernetes.Interface
	Metadata metadata.Interface
	// As names whom the calls are made as, for messages.
	As string
}

// Cluster builds the clients of the one cluster.
type Cluster struct {
	cfg  Config
	rest *rest.Config
	http *http.Client // the connection pool every client shares
	own  Clients      // the dashboard's own identity's
}

// New reaches the cluster through Kubeconfig, or the in-cluster
// configuration when it is empty.
func New(cfg Config) (*Cluster, error) {
	var (
		rc  *rest.Config
		err error
	)
	if cfg.Kubeconfig != "" {
		rc, err = clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	} else {
		rc, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("kube: the cluster's configuration: %w", err)
	}
	return FromREST(rc, cfg)
}

// FromREST reaches the cluster rc describes (tests pass envtest's).
func FromREST(rc *rest.Config, cfg Config) (*Cluster, error) {
	rc = rest.CopyConfig(rc)
	rc.UserAgent = "runai-sa-dashboard"
	if rc.QPS == 0 {
		rc.QPS, rc.Burst = 50, 100
	}
	if rc.Timeout == 0 {
		rc.Timeout = Timeout // a request of a page never waits on the cluster longer
	}
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, fmt.Errorf("kube: %w", err)
	}
	c := &Cluster{cfg: cfg, rest: rc, http: hc}
	c.own, err = c.clients(hc, "the dashboard's service account")
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Config is the dashboard's own identity's client configuration (never
// impersonating), for the engines that act as the dashboard: a copy.
func (c *Cluster) Config() *rest.Config {
	rc := rest.CopyConfig(c.rest)
	rc.Timeout = 0 // watches stay open; each request has its own context
	return rc
}

// Impersonates reports whether calls are made as the person.
func (c *Cluster) Impersonates() bool { return c.cfg.Impersonate }

// ErrNoPerson is impersonation without an SSO identity to act as: the
// call is refused rather than made as the dashboard.
var ErrNoPerson = errors.New("kube: calls are made as the person signed in, and this request has no SSO identity")

// For returns the clients to call the cluster with for p: the dashboard's
// own, or (with Impersonate) p's, whose groups never include a system:
// group (those are the cluster's own, not an identity provider's).
func (c *Cluster) For(p Person) (Clients, error) {
	if !c.cfg.Impersonate {
		return c.own, nil
	}
	if p.User == "" {
		return Clients{}, ErrNoPerson
	}
	imp := transport.ImpersonationConfig{UserName: c.cfg.UserPrefix + p.User}
	if strings.HasPrefix(imp.UserName, "system:") {
		return Clients{}, fmt.Errorf("kube: %q names one of the cluster's own principals, never a person: refused", imp.UserName)
	}
	for _, g := range Groups(p.Groups) {
		imp.Groups = append(imp.Groups, c.cfg.GroupPrefix+g)
	}
	hc := &http.Client{Transport: transport.NewImpersonatingRoundTripper(imp, c.http.Transport), Timeout: c.http.Timeout}
	return c.clients(hc, imp.UserName)
}

// Groups are the groups passed on from an SSO identity: none starting
// with "system:", which name the cluster's own principals.
func Groups(groups []string) []string {
	var out []string
	for _, g := range groups {
		if g = strings.TrimSpace(g); g != "" && !strings.HasPrefix(g, "system:") {
			out = append(out, g)
		}
	}
	return out
}

func (c *Cluster) clients(hc *http.Client, as string) (Clients, error) {
	typed, err := kubernetes.NewForConfigAndClient(c.rest, hc)
	if err != nil {
		return Clients{}, fmt.Errorf("kube: %w", err)
	}
	md, err := metadata.NewForConfigAndClient(c.rest, hc)
	if err != nil {
		return Clients{}, fmt.Errorf("kube: %w", err)
	}
	return Clients{Typed: typed, Metadata: md, As: as}, nil
}

// Host is the API server's address, for logs.
func (c *Cluster) Host() string { return c.rest.Host }
