package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// ExchangeToken trades a client ID and secret for an access token.
//
// It uses the current endpoint, POST /api/v2/token (form-encoded, OAuth 2.0
// style answer), and falls back to the older POST /api/v1/token (JSON) when
// v2 answers 404 or 405; the client then remembers to use v1. The exchange
// is a POST and is never retried.
func (c *Client) ExchangeToken(ctx context.Context, clientID string, clientSecret runai.Secret) (runai.Token, error) {
	if !c.tokenV1.Load() {
		tok, err := c.exchangeV2(ctx, clientID, clientSecret)
		if s := StatusCode(err); s != http.StatusNotFound && s != http.StatusMethodNotAllowed {
			return tok, err
		}
		c.tokenV1.Store(true)
	}
	return c.exchangeV1(ctx, clientID, clientSecret)
}

func (c *Client) exchangeV2(ctx context.Context, clientID string, secret runai.Secret) (runai.Token, error) {
	const op = "exchange token (v2)"
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {clientID},
		"client_secret": {secret.Reveal()},
	}
	resp, err := c.do(ctx, request{op: op, metric: "token_v2", method: http.MethodPost, path: "/api/v2/token",
		body: []byte(form.Encode()), contentType: "application/x-www-form-urlencoded"})
	if err != nil {
		return runai.Token{}, err
	}
	var w struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := decode(op, resp.body, &w); err != nil {
		return runai.Token{}, err
	}
	if w.AccessToken == "" {
		return runai.Token{}, fmt.Errorf("apiclient: %s: decode response: %w", op, missingField("access_token"))
	}
	return runai.Token{AccessToken: runai.Secret(w.AccessToken), TokenType: w.TokenType, ExpiresAt: c.expiry(w.ExpiresIn)}, nil
}

func (c *Client) exchangeV1(ctx context.Context, clientID string, secret runai.Secret) (runai.Token, error) {
	const op = "exchange token (v1)"
	body, err := json.Marshal(map[string]string{
		"grantType":    "client_credentials",
		"clientId":     clientID,
		"clientSecret": secret.Reveal(),
	})
	if err != nil {
		return runai.Token{}, err
	}
	resp, err := c.do(ctx, request{op: op, metric: "token_v1", method: http.MethodPost, path: "/api/v1/token",
		body: body, contentType: "application/json"})
	if err != nil {
		return runai.Token{}, err
	}
	var w struct {
		AccessToken string          `json:"accessToken"`
		ExpiresIn   json.RawMessage `json:"expiresIn"`
	}
	if err := decode(op, resp.body, &w); err != nil {
		return runai.Token{}, err
	}
	if w.AccessToken == "" {
		return runai.Token{}, fmt.Errorf("apiclient: %s: decode response: %w", op, missingField("accessToken"))
	}
	return runai.Token{AccessToken: runai.Secret(w.AccessToken), TokenType: "Bearer", ExpiresAt: c.expiry(w.ExpiresIn)}, nil
}

// expiry turns an expires_in of seconds (number or numeric string) into a
// time; anything else gives the zero time, meaning unknown.
func (c *Client) expiry(raw json.RawMessage) time.Time {
	if raw == nil {
		return time.Time{}
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return time.Time{}
		}
		n = json.Number(s)
	}
	secs, err := n.Float64()
	if err != nil || secs <= 0 || secs > 10*365*24*3600 {
		return time.Time{}
	}
	return c.now().Add(time.Duration(secs * float64(time.Second))).UTC()
}
