package apiclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// account decodes one runai.ServiceAccount from the API's JSON.
type account runai.ServiceAccount

// wireAccount is the JSON shape, decoded in one pass: required strings
// and the flag are pointers (nil: missing or null), the timestamps and the
// tenant small tolerant types that remember whether the key was there.
type wireAccount struct {
	ID        *string    `json:"id"`
	Name      *string    `json:"name"`
	ClientID  *string    `json:"clientId"`
	CreatedBy *string    `json:"createdBy"`
	Enabled   *bool      `json:"enabled"`
	CreatedAt nullTime   `json:"createdAt"`
	UpdatedAt nullTime   `json:"updatedAt"`
	LastLogin nullTime   `json:"lastLogin"`
	TenantID  flexString `json:"tenantId"`
}

// account checks the required fields and converts: the three timestamps
// may be null (or empty), tenantId a string, a number or absent, unknown
// fields are ignored, and a missing required field is an error naming it.
func (w *wireAccount) account() (runai.ServiceAccount, error) {
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"name", w.Name != nil}, {"createdBy", w.CreatedBy != nil}, {"createdAt", w.CreatedAt.set},
		{"updatedAt", w.UpdatedAt.set}, {"enabled", w.Enabled != nil}, {"lastLogin", w.LastLogin.set},
		{"id", w.ID != nil}, {"clientId", w.ClientID != nil},
	} {
		if !f.ok {
			return runai.ServiceAccount{}, missingField(f.name)
		}
	}
	return runai.ServiceAccount{
		ID: *w.ID, Name: *w.Name, ClientID: *w.ClientID, CreatedBy: *w.CreatedBy, TenantID: w.TenantID.s, Enabled: *w.Enabled,
		CreatedAt: w.CreatedAt.t, UpdatedAt: w.UpdatedAt.t, LastLogin: w.LastLogin.t,
	}, nil
}

// UnmarshalJSON decodes one account tolerantly (see wireAccount).
func (a *account) UnmarshalJSON(b []byte) error {
	var w wireAccount
	if err := json.Unmarshal(b, &w); err != nil {
		return explain(b, err)
	}
	v, err := w.account()
	if err != nil {
		return err
	}
	*a = account(v)
	return nil
}

// decodeAccounts decodes a list of accounts in one pass; when that fails
// it finds the item at fault, so that the error names it.
func decodeAccounts(b []byte) ([]runai.ServiceAccount, error) {
	var ws []wireAccount
	err := json.Unmarshal(b, &ws)
	if err == nil {
		if len(ws) > runai.MaxServiceAccounts {
			return nil, &TooManyError{What: "service accounts", Count: len(ws), Max: runai.MaxServiceAccounts}
		}
		out := make([]runai.ServiceAccount, len(ws))
		for i := range ws {
			if out[i], err = ws[i].account(); err != nil {
				return nil, fmt.Errorf("decode item %d: %w", i, err)
			}
		}
		return out, nil
	}
	var raw []json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return nil, fieldError(err)
	}
	for i, r := range raw {
		var a account
		if err := json.Unmarshal(r, &a); err != nil {
			return nil, fmt.Errorf("decode item %d: %w", i, err)
		}
	}
	return nil, fieldError(err)
}

// explain finds which field of an account made err (the one-pass decode
// does not say which timestamp or tenant id was malformed).
func explain(b []byte, err error) error {
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) == nil {
		for _, f := range []string{"createdAt", "updatedAt", "lastLogin"} {
			if raw, ok := fields[f]; ok {
				if _, terr := decodeTime(f, raw); terr != nil {
					return terr
				}
			}
		}
		if _, terr := decodeTenant(fields["tenantId"]); terr != nil {
			return terr
		}
	}
	return fieldError(err)
}

// fieldError words a JSON type mismatch by the field's JSON name.
func fieldError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %q: want a %s, got %s", te.Field, te.Type, te.Value)
	}
	return err
}

// MissingFieldError reports a required field absent from an API answer.
type MissingFieldError struct{ Field string }

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("required field %q is missing (or null)", e.Field)
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
