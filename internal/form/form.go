// Package form reads what users send (each form, and the list view in a
// URL) into typed values, parsed once. Each form's Validate method names
// the field at fault, so that the page shows the message next to it and
// keeps the input, in the manner of miniflux's internal/ui/form.
package form

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Field names, shared by the parsers here and the components that render
// the forms.
const (
	FieldCSRF         = "_csrf"
	FieldName         = "name"
	FieldClientID     = "client_id"
	FieldClientSecret = "client_secret"
	FieldToken        = "token"
	FieldNext         = "next"
	FieldAction       = "action"
	FieldIDs          = "ids"
	FieldAll          = "all"
	FieldView         = "view"
	FieldColumns      = "cols"
	// FieldOnce carries a form's one-time key: a form that makes
	// something (an account, a secret, a rotation, a bulk job, a rule) is
	// carried out once per key, however often it is sent.
	FieldOnce = "once"
)

// onceKey is what a one-time key looks like (crypto/rand.Text).
var onceKey = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// Once is the one-time key a form carries; ok is false when it has none
// or a malformed one.
func Once(v url.Values) (key string, ok bool) {
	key = v.Get(FieldOnce)
	return key, onceKey.MatchString(key)
}

// HeaderCSRF carries the CSRF token on htmx requests (set once on <body>
// with hx-headers); plain forms send the FieldCSRF field.
const HeaderCSRF = "X-CSRF-Token"

// Errors maps a field name to what is wrong with it, in words a user can
// act on. A nil or empty Errors means the form is valid.
type Errors map[string]string

// Error joins the messages, in field order, so Errors can travel as an
// error to the responder.
func (e Errors) Error() string {
	keys := e.fields()
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = k + ": " + e[k]
	}
	return "invalid form: " + strings.Join(msgs, "; ")
}

// Messages joins the messages, in field order, for a page that shows the
// errors away from their fields.
func (e Errors) Messages() string {
	var b strings.Builder
	for i, k := range e.fields() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e[k])
	}
	return b.String()
}

func (e Errors) fields() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// orNil is e, or nil when it holds nothing, so that a valid form's
// Validate returns nil.
func (e Errors) orNil() Errors {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Err returns e as an error, or nil when there is nothing wrong.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// one returns the first value of field, trimmed of surrounding space.
func one(v url.Values, field string) string { return strings.TrimSpace(v.Get(field)) }
