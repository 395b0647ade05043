package inventory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/metadata"

	"github.com/runai-tools/sa-dashboard/internal/delivery"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// API is what the inventory asks of the Run:ai API (apiclient.Client).
type API interface {
	ListServiceAccounts(ctx context.Context, token string) ([]runai.ServiceAccount, error)
	ListServiceAccountRules(ctx context.Context, token string, subjectIDs ...string) ([]runai.AccessRule, error)
}

// Sources are where a snapshot is read from: Run:ai with the standing
// credential's token, and the Secrets of the delivery namespaces (their
// metadata) as the dashboard itself.
type Sources struct {
	API        API
	Token      func(context.Context) (string, error)
	Metadata   metadata.Interface // nil: no Secrets (automated, waiting and failing stay 0)
	Namespaces []string
	StaleDays  int
	Now        func() time.Time
}

// Read reads one snapshot's input: three listings (the accounts, every
// service account's rules, the Secrets of each namespace). Only the
// accounts are required; rules that cannot be read leave the access
// states out, and an unreadable namespace its Secrets.
func (s Sources) Read(ctx context.Context) (Input, error) {
	tok, err := s.Token(ctx)
	if err != nil {
		return Input{}, fmt.Errorf("%w: %w", ErrCredential, err)
	}
	all, err := s.API.ListServiceAccounts(ctx, tok)
	if err != nil {
		return Input{}, fmt.Errorf("inventory: list the service accounts: %w", err)
	}
	in := Input{Accounts: all, Now: s.Now(), StaleDays: s.StaleDays}
	rules, err := s.API.ListServiceAccountRules(ctx, tok)
	in.Rules, in.RulesKnown = rules, err == nil
	if s.Metadata != nil {
		var errs []error
		in.Held, errs = delivery.List(ctx, s.Metadata, s.Namespaces)
		if len(errs) > 0 {
			return in, fmt.Errorf("inventory: %w", errors.Join(errs...))
		}
	}
	return in, nil
}
