package handlers_test

import (
	"context"
	"errors"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// fakeAPI implements handlers.API with function fields; an unset field
// fails the call.
type fakeAPI struct {
	ListFn     func(ctx context.Context, token string) ([]runai.ServiceAccount, error)
	ExchangeFn func(ctx context.Context, clientID string, secret runai.Secret) (runai.Token, error)
	RulesFn    func(ctx context.Context, token string, subjectIDs ...string) ([]runai.AccessRule, error)
	// Catalog answers the role and scope listings.
	Catalog struct {
		Roles     []runai.Role
		RolesErr  error
		Scopes    runai.Scopes
		ScopesErr error
	}
}

var _ handlers.API = (*fakeAPI)(nil)

var errNotFaked = errors.New("fake: not implemented")

func (f *fakeAPI) ListServiceAccounts(ctx context.Context, token string) ([]runai.ServiceAccount, error) {
	if f.ListFn == nil {
		return nil, errNotFaked
	}
	return f.ListFn(ctx, token)
}

func (f *fakeAPI) GetServiceAccount(context.Context, string, string) (runai.ServiceAccount, error) {
	return runai.ServiceAccount{}, errNotFaked
}

func (f *fakeAPI) CreateServiceAccount(context.Context, string, string) (runai.Credentials, error) {
	return runai.Credentials{}, errNotFaked
}

func (f *fakeAPI) SetServiceAccountEnabled(context.Context, string, string, bool) error {
	return errNotFaked
}

func (f *fakeAPI) DeleteServiceAccount(context.Context, string, string) error { return errNotFaked }

func (f *fakeAPI) RegenerateSecret(context.Context, string, string) (runai.Secret, error) {
	return "", errNotFaked
}

func (f *fakeAPI) TokenURL() string { return "http://fake/api/v2/token" }

func (f *fakeAPI) ExchangeToken(ctx context.Context, clientID string, secret runai.Secret) (runai.Token, error) {
	if f.ExchangeFn == nil {
		return runai.Token{}, errNotFaked
	}
	return f.ExchangeFn(ctx, clientID, secret)
}

func (f *fakeAPI) ListServiceAccountRules(ctx context.Context, token string, subjectIDs ...string) ([]runai.AccessRule, error) {
	if f.RulesFn == nil {
		return nil, errNotFaked
	}
	return f.RulesFn(ctx, token, subjectIDs...)
}

func (f *fakeAPI) GetAccessRule(context.Context, string, int) (runai.AccessRule, error) {
	return runai.AccessRule{}, errNotFaked
}

func (f *fakeAPI) CreateAccessRule(context.Context, string, runai.NewAccessRule) (runai.AccessRule, error) {
	return runai.AccessRule{}, errNotFaked
}

func (f *fakeAPI) DeleteAccessRule(context.Context, string, int) error { return errNotFaked }

func (f *fakeAPI) ListRoles(context.Context, string) ([]runai.Role, error) {
	return f.Catalog.Roles, f.Catalog.RolesErr
}

func (f *fakeAPI) ListClusters(context.Context, string) ([]runai.Cluster, error) {
	return f.Catalog.Scopes.Clusters, f.Catalog.ScopesErr
}

func (f *fakeAPI) ListDepartments(context.Context, string) ([]runai.Department, error) {
	return f.Catalog.Scopes.Departments, f.Catalog.ScopesErr
}

func (f *fakeAPI) ListProjects(context.Context, string) ([]runai.Project, error) {
	return f.Catalog.Scopes.Projects, f.Catalog.ScopesErr
}

func (f *fakeAPI) ListAuditLog(context.Context, string, runai.AuditQuery) (runai.AuditPage, error) {
	return runai.AuditPage{}, errNotFaked
}
