package form

import (
	"net/url"
	"strings"
)

// MaxTokenLen bounds a pasted token (Run:ai JWTs reach about 8 KiB).
const MaxTokenLen = 16 << 10

// SignInKey is the access-key sign-in form. The secret is used for one
// token exchange and never rendered back.
type SignInKey struct {
	ClientID     string
	ClientSecret string
	Next         string // local path to return to
}

// ParseSignInKey reads the form from posted values.
func ParseSignInKey(v url.Values) SignInKey {
	return SignInKey{ClientID: one(v, FieldClientID), ClientSecret: v.Get(FieldClientSecret), Next: v.Get(FieldNext)}
}

// Validate requires both parts of the key.
func (f SignInKey) Validate() Errors {
	e := Errors{}
	if f.ClientID == "" {
		e[FieldClientID] = "Enter the client ID."
	}
	if f.ClientSecret == "" {
		e[FieldClientSecret] = "Enter the client secret."
	}
	return e.orNil()
}

// SignInToken is the pasted-token sign-in form. The token is never
// rendered back.
type SignInToken struct {
	Token string
	Next  string
}

// ParseSignInToken reads the form, dropping a "Bearer " prefix.
func ParseSignInToken(v url.Values) SignInToken {
	tok := one(v, FieldToken)
	if t, ok := strings.CutPrefix(tok, "Bearer "); ok {
		tok = strings.TrimSpace(t)
	}
	return SignInToken{Token: tok, Next: v.Get(FieldNext)}
}

// Validate checks that the token has the shape of a bearer token.
func (f SignInToken) Validate() Errors {
	switch {
	case f.Token == "":
		return Errors{FieldToken: "Paste a Run:ai API token."}
	case len(f.Token) > MaxTokenLen || strings.ContainsAny(f.Token, " \t\r\n"):
		return Errors{FieldToken: "This does not look like a Run:ai API token: paste the token alone, without spaces or line breaks (at most 16 KiB)."}
	}
	return nil
}
