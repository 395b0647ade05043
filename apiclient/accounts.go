package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/runai-tools/sa-dashboard/internal/pathseg"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

const accountsPath = "/api/v1/service-accounts"

// ListServiceAccounts returns every service account the token may see.
func (c *Client) ListServiceAccounts(ctx context.Context, token string) ([]runai.ServiceAccount, error) {
	const op = "list service accounts"
	resp, err := c.do(ctx, request{op: op, metric: "list", method: http.MethodGet, path: accountsPath, token: token})
	if err != nil {
		return nil, err
	}
	out, err := c.accountsFrom(resp.body)
	resp.release()
	if err != nil {
		return nil, fmt.Errorf("apiclient: %s: %w", op, err)
	}
	return out, nil
}

// GetServiceAccount returns one service account by id.
func (c *Client) GetServiceAccount(ctx context.Context, token, id string) (runai.ServiceAccount, error) {
	op := fmt.Sprintf("get service account %q", id)
	if id == "" {
		return runai.ServiceAccount{}, fmt.Errorf("apiclient: %s: %w", op, errEmptyID)
	}
	resp, err := c.do(ctx, request{op: op, metric: "get", method: http.MethodGet, path: accountsPath + "/" + pathseg.Escape(id), token: token})
	if err != nil {
		return runai.ServiceAccount{}, err
	}
	var a account
	if err := decode(op, resp.body, &a); err != nil {
		return runai.ServiceAccount{}, err
	}
	return runai.ServiceAccount(a), nil
}

// CreateServiceAccount creates an account and returns its access key. The
// secret is in the answer once; the API will not show it again.
//
// clientId is optional in the API's create answer; when it is absent the
// client reads it with a GET. Should that GET fail, the credentials are
// still returned (without ClientID) so the one-time secret is not lost.
func (c *Client) CreateServiceAccount(ctx context.Context, token, name string) (runai.Credentials, error) {
	op := fmt.Sprintf("create service account %q", name)
	body, err := json.Marshal(struct {
		Name string `json:"name"`
	}{name})
	if err != nil {
		return runai.Credentials{}, err
	}
	resp, err := c.do(ctx, request{op: op, metric: "create", method: http.MethodPost, path: accountsPath, token: token,
		body: body, contentType: "application/json"})
	if err != nil {
		return runai.Credentials{}, err
	}
	var w struct {
		ID           *string `json:"id"`
		Name         *string `json:"name"`
		ClientID     string  `json:"clientId"`
		ClientSecret *string `json:"clientSecret"`
	}
	if err := decode(op, resp.body, &w); err != nil {
		return runai.Credentials{}, err
	}
	for field, v := range map[string]*string{"id": w.ID, "name": w.Name, "clientSecret": w.ClientSecret} {
		if v == nil {
			return runai.Credentials{}, fmt.Errorf("apiclient: %s: decode response: %w", op, missingField(field))
		}
	}
	cr := runai.Credentials{ID: *w.ID, Name: *w.Name, ClientID: w.ClientID, ClientSecret: runai.Secret(*w.ClientSecret)}
	if cr.ClientID == "" && cr.ID != "" {
		if a, err := c.GetServiceAccount(ctx, token, cr.ID); err == nil {
			cr.ClientID = a.ClientID
		}
	}
	return cr, nil
}

// SetServiceAccountEnabled enables or disables an account. A disabled
// account cannot obtain tokens.
func (c *Client) SetServiceAccountEnabled(ctx context.Context, token, id string, enabled bool) error {
	verb := "disable"
	if enabled {
		verb = "enable"
	}
	op := fmt.Sprintf("%s service account %q", verb, id)
	if id == "" {
		return fmt.Errorf("apiclient: %s: %w", op, errEmptyID)
	}
	body, err := json.Marshal(struct {
		Enabled bool `json:"enabled"`
	}{enabled})
	if err != nil {
		return err
	}
	_, err = c.do(ctx, request{op: op, metric: "update", method: http.MethodPatch, path: accountsPath + "/" + pathseg.Escape(id),
		token: token, body: body, contentType: "application/json"})
	return err
}

// DeleteServiceAccount deletes an account; its credentials stop working.
func (c *Client) DeleteServiceAccount(ctx context.Context, token, id string) error {
	op := fmt.Sprintf("delete service account %q", id)
	if id == "" {
		return fmt.Errorf("apiclient: %s: %w", op, errEmptyID)
	}
	_, err := c.do(ctx, request{op: op, metric: "delete", method: http.MethodDelete, path: accountsPath + "/" + pathseg.Escape(id), token: token})
	return err
}

// RegenerateSecret replaces an account's secret and returns the new one.
// The old secret stops working at once.
func (c *Client) RegenerateSecret(ctx context.Context, token, id string) (runai.Secret, error) {
	op := fmt.Sprintf("regenerate secret of service account %q", id)
	if id == "" {
		return "", fmt.Errorf("apiclient: %s: %w", op, errEmptyID)
	}
	resp, err := c.do(ctx, request{op: op, metric: "regenerate", method: http.MethodPost, path: accountsPath + "/" + pathseg.Escape(id) + "/secret", token: token})
	if err != nil {
		return "", err
	}
	var w struct {
		ClientSecret *string `json:"clientSecret"`
	}
	if err := decode(op, resp.body, &w); err != nil {
		return "", err
	}
	if w.ClientSecret == nil || *w.ClientSecret == "" {
		return "", fmt.Errorf("apiclient: %s: decode response: %w", op, missingField("clientSecret"))
	}
	return runai.Secret(*w.ClientSecret), nil
}

// Ping checks that the control plane answers: one unauthenticated GET of
// the accounts list, not retried. Any HTTP answer below 500 (401 is the
// expected one) means it is up.
func (c *Client) Ping(ctx context.Context) error {
	resp, err := c.send(ctx, request{op: "ping", metric: "ping", method: http.MethodGet, path: accountsPath})
	if err != nil {
		return fmt.Errorf("apiclient: ping: %w", err)
	}
	if resp.status >= 500 {
		return newError("ping", resp.status, resp.body)
	}
	return nil
}
