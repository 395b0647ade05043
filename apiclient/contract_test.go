package apiclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/openapi"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// contractEnv runs the stub under prefix and a client whose every request
// and response is validated against the API documents on both sides.
func contractEnv(t *testing.T, prefix string, cfg stub.Config) (*stub.Server, *apiclient.Client) {
	t.Helper()
	v, err := openapi.New()
	if err != nil {
		t.Fatal(err)
	}
	s := stub.New(cfg)
	mux := http.NewServeMux()
	var h http.Handler = &openapi.Handler{Next: s, Validator: v, Fail: t.Errorf}
	if prefix != "" {
		h = http.StripPrefix(prefix, h)
	}
	mux.Handle("/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cv := *v
	cv.Prefix = prefix
	c, err := apiclient.New(srv.URL+prefix,
		apiclient.WithTransport(&openapi.Transport{Base: http.DefaultTransport, Validator: &cv, Fail: t.Errorf}),
		apiclient.WithRetry(apiclient.RetryPolicy{Attempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// adminToken signs in at the stub as its admin, through the client.
func adminToken(t *testing.T, s *stub.Server, c *apiclient.Client) string {
	t.Helper()
	id, secret := s.AdminCredentials()
	tok, err := c.ExchangeToken(context.Background(), id, runai.Secret(secret))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken.Reveal()
}

// TestContract drives all six operations and the token exchange through
// the client against the stub, success and error answers alike, with both
// sides validated against the documents.
func TestContract(t *testing.T) {
	for _, prefix := range []string{"", "/runai"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			s, c := contractEnv(t, prefix, stub.Config{Seed: 5})
			ctx := context.Background()
			token := adminToken(t, s, c)
			id, _ := s.AdminCredentials()

			list, err := c.ListServiceAccounts(ctx, token)
			if err != nil || len(list) != 5 {
				t.Fatalf("list = %d, %v", len(list), err)
			}
			cr, err := c.CreateServiceAccount(ctx, token, "contract-test")
			if err != nil || cr.ClientID == "" || cr.ClientSecret == "" || cr.Name != "contract-test" {
				t.Fatalf("create = %+v, %v", cr, err)
			}
			got, err := c.GetServiceAccount(ctx, token, cr.ID)
			if err != nil || got.Name != "contract-test" || !got.Enabled || !got.LastLogin.IsZero() || got.TenantID == "" {
				t.Fatalf("get = %+v, %v", got, err)
			}
			if err := c.SetServiceAccountEnabled(ctx, token, cr.ID, false); err != nil {
				t.Fatal(err)
			}
			if a, _ := s.Account(cr.ID); a.Enabled {
				t.Fatal("not disabled")
			}
			if err := c.SetServiceAccountEnabled(ctx, token, cr.ID, true); err != nil {
				t.Fatal(err)
			}
			newSecret, err := c.RegenerateSecret(ctx, token, cr.ID)
			if err != nil || newSecret == "" || newSecret == cr.ClientSecret {
				t.Fatalf("regenerate: %v", err)
			}
			if _, err := c.ExchangeToken(ctx, cr.ClientID, cr.ClientSecret); !apiclient.IsUnauthorized(err) {
				t.Errorf("old secret: %v, want 401", err)
			}
			if _, err := c.ExchangeToken(ctx, cr.ClientID, newSecret); err != nil {
				t.Errorf("new secret: %v", err)
			}
			if err := c.DeleteServiceAccount(ctx, token, cr.ID); err != nil {
				t.Fatal(err)
			}

			// Every documented error status, for every operation.
			type call func() error
			ops := map[stub.Op]call{
				stub.OpList:       func() error { _, err := c.ListServiceAccounts(ctx, token); return err },
				stub.OpGet:        func() error { _, err := c.GetServiceAccount(ctx, token, list[0].ID); return err },
				stub.OpCreate:     func() error { _, err := c.CreateServiceAccount(ctx, token, "err-case"); return err },
				stub.OpUpdate:     func() error { return c.SetServiceAccountEnabled(ctx, token, list[0].ID, true) },
				stub.OpDelete:     func() error { return c.DeleteServiceAccount(ctx, token, list[0].ID) },
				stub.OpRegenerate: func() error { _, err := c.RegenerateSecret(ctx, token, list[0].ID); return err },
			}
			statuses := []int{400, 401, 403, 404, 500, 503}
			for op, fn := range ops {
				sts := statuses
				if op == stub.OpCreate {
					sts = append(sts, 409)
				}
				for _, st := range sts {
					s.FailNext(op, 1, st)
					err := fn()
					var ae *apiclient.Error
					if !errors.As(err, &ae) || ae.StatusCode != st || ae.Code != st || ae.Message == "" {
						t.Errorf("%s with injected %d: %v", op, st, err)
					}
				}
			}
			// Real (not injected) errors.
			if _, err := c.GetServiceAccount(ctx, token, "missing"); !apiclient.IsNotFound(err) {
				t.Errorf("get missing: %v", err)
			}
			if _, err := c.CreateServiceAccount(ctx, token, list[1].Name); !apiclient.IsConflict(err) {
				t.Errorf("duplicate: %v", err)
			}
			if _, err := c.ListServiceAccounts(ctx, "bogus"); !apiclient.IsUnauthorized(err) {
				t.Errorf("bad token: %v", err)
			}
			if _, err := c.ExchangeToken(ctx, id, "wrong"); !apiclient.IsUnauthorized(err) {
				t.Errorf("bad credentials: %v", err)
			}
		})
	}
}

// TestContractNamesReachTheAPI sends every name of the shared corpus
// (internal/saname/testdata) as given: the client does not judge names,
// the API does. The stub judges by the rule it reads from the API document
// (not by the dashboard's saname), so this checks the client against the
// document's verdict: valid names are created, invalid ones come back as
// the API's own 400 with its message. (The requests for invalid names are
// outside the document on purpose, so no validator wraps this server.)
func TestContractNamesReachTheAPI(t *testing.T) {
	b, err := os.ReadFile("../internal/saname/testdata/corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var corpus []struct {
		Name  string `json:"name"`
		Valid bool   `json:"valid"`
	}
	if err := json.Unmarshal(b, &corpus); err != nil {
		t.Fatal(err)
	}
	s := stub.New(stub.Config{})
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, _ := apiclient.New(srv.URL)
	tok, _ := s.IssueToken(nil)
	for _, e := range corpus {
		_, err := c.CreateServiceAccount(context.Background(), tok, e.Name)
		var ae *apiclient.Error
		switch {
		case e.Valid && err != nil:
			t.Errorf("valid %q refused: %v", e.Name, err)
		case !e.Valid && (!errors.As(err, &ae) || ae.StatusCode != 400 || !strings.Contains(ae.Message, "must match")):
			t.Errorf("invalid %q: err = %v, want the API's 400", e.Name, err)
		}
	}
}

func TestTokenV1Fallback(t *testing.T) {
	s, c := contractEnv(t, "", stub.Config{DisableTokenV2: true})
	id, secret := s.AdminCredentials()
	for i := range 2 {
		tok, err := c.ExchangeToken(context.Background(), id, runai.Secret(secret))
		if err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" {
			t.Fatalf("exchange %d: %+v %v", i, tok, err)
		}
	}
	var v2, v1 int
	for _, call := range s.Calls() {
		switch call.Path {
		case "/api/v2/token":
			v2++
		case "/api/v1/token":
			v1++
		}
	}
	if v2 != 1 || v1 != 2 {
		t.Errorf("v2 tried %d times, v1 %d times; want 1 and 2 (the fallback is remembered)", v2, v1)
	}
	if !strings.HasSuffix(c.TokenURL(), "/api/v1/token") {
		t.Errorf("TokenURL = %s", c.TokenURL())
	}
}
