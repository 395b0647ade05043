package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
)

// checkCSRF guards every unsafe method: the request must come from this
// site (Sec-Fetch-Site, Origin against the public origin) and carry the
// session's synchronizer token in a header or form field.
func (h *handler) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if sfs := r.Header.Get("Sec-Fetch-Site"); sfs != "" && sfs != "same-origin" {
			return &errCSRF{reason: "Sec-Fetch-Site is " + sfs}
		}
		if o := r.Header.Get("Origin"); o != "" && o != h.origin(r) {
			return &errCSRF{reason: "Origin " + o + " is not " + h.origin(r)}
		}
		want := stateOf(c).csrf()
		got := r.Header.Get(form.HeaderCSRF)
		if got == "" {
			// The form body only, never the query string (a URL is logged,
			// kept in history and sent as Referer).
			if err := r.ParseForm(); err != nil {
				if errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
					return err // a body past the limit, chunked or not: 413, no CSRF event
				}
				return &errCSRF{reason: "unreadable form body"}
			}
			got = r.PostForm.Get(form.FieldCSRF)
		}
		if got == "" {
			return &errCSRF{reason: "no token"}
		}
		if !tokenMatches(got, want) {
			return &errCSRF{reason: "token mismatch"}
		}
		return next(c)
	}
}

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
