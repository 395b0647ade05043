package runai

import (
	"log/slog"
	"time"
)

// Secret is a credential (client secret or access token). It prints as
// [REDACTED] in fmt, %v, JSON and slog so that it cannot leak into a log by
// accident; Reveal returns the value for the one place that needs it.
type Secret string

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// String redacts the secret.
func (s Secret) String() string { return "[REDACTED]" }

// GoString redacts the secret under %#v.
func (s Secret) GoString() string { return `runai.Secret("[REDACTED]")` }

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
