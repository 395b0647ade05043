package apiclient

import (
	"fmt"

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
	if err := unmarshal(b, &w); err != nil {
		return err
	}
	v, err := w.account()
	if err != nil {
		return err
	}
	*a = account(v)
	return nil
}

// countAbove is the size of an account list past which it is counted
// before it is decoded: over twice what the API's 1000 accounts take.
const countAbove = 1 << 20

// decodeAccounts decodes a list of accounts in one pass; an error names
// the item at fault.
func decodeAccounts(b []byte) ([]runai.ServiceAccount, error) {
	// An answer too large for the API's bound is counted, not decoded:
	// an upstream that lists more fills no memory. (Counting every answer
	// would scan a normal one twice.)
	if len(b) > countAbove {
		if n := arrayLen(b); n > runai.MaxServiceAccounts {
			return nil, &TooManyError{What: "service accounts", Count: n, Max: runai.MaxServiceAccounts}
		}
	}
	var ws []wireAccount
	if err := unmarshal(b, &ws); err != nil {
		return nil, err
	}
	if len(ws) > runai.MaxServiceAccounts {
		return nil, &TooManyError{What: "service accounts", Count: len(ws), Max: runai.MaxServiceAccounts}
	}
	out := make([]runai.ServiceAccount, len(ws))
	for i := range ws {
		var err error
		if out[i], err = ws[i].account(); err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
	}
	return out, nil
}

// MissingFieldError reports a required field absent from an API answer.
type MissingFieldError struct{ Field string }

func (e *MissingFieldError) Error() string {
	return fmt.Sprintf("required field %q is missing (or null)", e.Field)
}

func missingField(f string) error { return &MissingFieldError{Field: f} }
