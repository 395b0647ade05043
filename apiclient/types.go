package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// account decodes one runai.ServiceAccount from the API's JSON.
type account runai.ServiceAccount

// wireAccount is the JSON shape. Required fields are RawMessage so that a
// missing key (nil) can be told apart from an explicit null.
type wireAccount struct {
	ID        json.RawMessage `json:"id"`
	Name      json.RawMessage `json:"name"`
	ClientID  json.RawMessage `json:"clientId"`
	CreatedBy json.RawMessage `json:"createdBy"`
	Enabled   json.RawMessage `json:"enabled"`
	CreatedAt json.RawMessage `json:"createdAt"`
	UpdatedAt json.RawMessage `json:"updatedAt"`
	LastLogin json.RawMessage `json:"lastLogin"`
	TenantID  json.RawMessage `json:"tenantId"`
}

// UnmarshalJSON decodes an account tolerantly: the three timestamps may be
// null (or empty), tenantId may be a string or a number, unknown fields are
// ignored, and a missing required field is an error naming it.
func (a *account) UnmarshalJSON(b []byte) error {
	var w wireAccount
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var out account
	var err error
	str := func(field string, raw json.RawMessage, dst *string) {
		if err != nil {
			return
		}
		if raw == nil {
			err = missingField(field)
			return
		}
		if e := json.Unmarshal(raw, dst); e != nil || isNull(raw) {
			err = fmt.Errorf("field %q: want a string, got %s", field, clip(raw))
		}
	}
	ts := func(field string, raw json.RawMessage, dst *time.Time) {
		if err != nil {
			return
		}
		if raw == nil {
			err = missingField(field)
			return
		}
		*dst, err = decodeTime(field, raw)
	}
	str("id", w.ID, &out.ID)
	str("name", w.Name, &out.Name)
	str("clientId", w.ClientID, &out.ClientID)
	str("createdBy", w.CreatedBy, &out.CreatedBy)
	ts("createdAt", w.CreatedAt, &out.CreatedAt)
	ts("updatedAt", w.UpdatedAt, &out.UpdatedAt)
	ts("lastLogin", w.LastLogin, &out.LastLogin)
	if err != nil {
		return err
	}
	if w.Enabled == nil {
		return missingField("enabled")
	}
	if e := json.Unmarshal(w.Enabled, &out.Enabled); e != nil || isNull(w.Enabled) {
		return fmt.Errorf("field %q: want a boolean, got %s", "enabled", clip(w.Enabled))
	}
	if out.TenantID, err = decodeTenant(w.TenantID); err != nil {
		return err
	}
	*a = out
	return nil
}

// MissingFieldError reports a required field absent from an API answer.
type MissingFieldError struct{ Field string }

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("required field %q is missing", e.Field)
}

func missingField(f string) error { return &MissingFieldError{Field: f} }

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func decodeTime(field string, raw json.RawMessage) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, fmt.Errorf("field %q: want a date-time string or null, got %s", field, clip(raw))
	}
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("field %q: %q is not an RFC 3339 date-time", field, s)
	}
	return t, nil
}

// decodeTenant accepts "tenantId": "42", 42, null or no key at all (the
// field is optional in the API document; its published examples send a
// number although the schema says string).
func decodeTenant(raw json.RawMessage) (string, error) {
	if raw == nil || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, ferr := strconv.ParseFloat(n.String(), 64); ferr == nil {
			return n.String(), nil
		}
	}
	return "", fmt.Errorf("field %q: want a string or number, got %s", "tenantId", clip(raw))
}

func clip(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// Secret is a credential (client secret or access token). It prints as
// [REDACTED] in fmt, %v, JSON and slog so that it cannot leak into a log by
// accident; Reveal returns the value for the one place that needs it.
type Secret string

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// String redacts the secret.
func (s Secret) String() string { return "[REDACTED]" }

// GoString redacts the secret under %#v.
func (s Secret) GoString() string { return `apiclient.Secret("[REDACTED]")` }

// LogValue redacts the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// MarshalJSON redacts the secret in JSON output.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[REDACTED]"`), nil }

// Credentials are the access key of a service account as returned by
// create. The secret is shown to the user once and then dropped.
type Credentials struct {
	ID           string
	Name         string
	ClientID     string
	ClientSecret Secret
}

// Token is an access token obtained by a client-credentials exchange.
// ExpiresAt is zero when the answer did not say.
type Token struct {
	AccessToken Secret
	TokenType   string
	ExpiresAt   time.Time
}
