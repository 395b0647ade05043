package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
)

// maskToken renders the session's CSRF token with a fresh random pad, so
// that no two responses carry the same bytes: compressed pages then leak
// nothing about it (BREACH).
func maskToken(token string) string {
	pad := make([]byte, len(token))
	_, _ = rand.Read(pad)
	out := make([]byte, 2*len(token))
	copy(out, pad)
	for i := range len(token) {
		out[len(token)+i] = pad[i] ^ token[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

// tokenMatches reports whether a masked token from a form or header
// carries the session's token.
func tokenMatches(masked, token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(masked)
	if err != nil || token == "" || len(b) != 2*len(token) {
		return false
	}
	n := len(token)
	plain := make([]byte, n)
	for i := range n {
		plain[i] = b[i] ^ b[n+i]
	}
	return subtle.ConstantTimeCompare(plain, []byte(token)) == 1
}
