package session

import (
	"encoding/gob"
	"time"

	"github.com/gorilla/sessions"
)

// visitorMaxAge bounds how long a visitor cookie decodes: long enough for
// a sign-in form left open, short enough that an old one is worthless.
const visitorMaxAge = 12 * 60 * 60

// NewVisitorStore returns the store of anonymous visitors' state: the
// sign-in form's CSRF token and flash messages, held in the browser in a
// cookie signed and encrypted with the session keys, so that no visit
// before sign-in stores anything on the server.
func NewVisitorStore(keys [][]byte) (*sessions.CookieStore, error) {
	gob.Register(time.Time{})
	cs, err := codecs(keys, "visitor cookie", visitorMaxAge, 4096)
	if err != nil {
		return nil, err
	}
	return &sessions.CookieStore{Codecs: cs, Options: VisitorOptions(false)}, nil
}

// VisitorOptions are the visitor cookie's attributes: the session
// cookie's.
func VisitorOptions(secure bool) *sessions.Options { return CookieOptions(secure) }

// VisitorCookieName is the visitor cookie's name for a request.
func VisitorCookieName(secure bool) string {
	if secure {
		return "__Host-runai-sa-visitor"
	}
	return "runai-sa-visitor"
}
