// Package views holds the dashboard's templ components and the plain page
// models they render. Views never call the API and copy no type from
// below: they render runai, listview and form values as they are, plus the
// page models here, which handlers fill.
//
// Request-scoped values (CSRF token, signed-in user, base path, flashes,
// request id, chosen columns) travel in the context, set by middleware and
// read through the typed getters here.
package views

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/words"

	"github.com/a-h/templ"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/static"
)

// User is the signed-in admin as shown in the header. The name comes from
// the token's claims when it is a JWT (read for display only).
type User struct {
	Name    string    // email, preferred username or subject; empty if unknown
	Expires time.Time // when the session ends; zero if unknown
	// ViaProxy means the token comes from the SSO proxy on every request:
	// there is no dashboard sign-in to end.
	ViaProxy bool
}

// Flash is a one-time message shown on the next page.
type Flash struct {
	Kind string // success, error, warning, info
	Text string
	// Link, when set, is where the message's subject can be seen, under
	// LinkText.
	Link     paths.Path
	LinkText string
}

// Request is what every page needs to know about the current request.
type Request struct {
	CSRF      string
	User      *User
	SSO       string // identity asserted by a trusted SSO proxy, if any
	BasePath  string // "" or "/prefix", no trailing slash
	Flashes   []Flash
	RequestID string
	Demo      bool
	Now       time.Time
	// Columns are the optional table columns this browser shows; nil
	// shows them all.
	Columns listview.ColumnSet
	// Refresh, when above zero, reloads the page after that many seconds
	// without JavaScript (with it, htmx polls what changes).
	Refresh int
	// RunaiDownSince, when set, is since when the Run:ai control plane
	// has not answered the dashboard's probe: every page says so.
	RunaiDownSince time.Time
}

type requestKey struct{}

// WithRequest returns ctx carrying r.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request info in ctx, never nil.
func RequestFrom(ctx context.Context) *Request {
	if r, ok := ctx.Value(requestKey{}).(*Request); ok && r != nil {
		return r
	}
	return &Request{Now: time.Now()}
}

// Link writes a dashboard link under the request's base path.
func Link(ctx context.Context, p paths.Path) templ.SafeURL { return RequestFrom(ctx).Link(p) }

// Link is p under the request's base path (Link without a context
// lookup, for rows rendered a thousand at a time).
func (r *Request) Link(p paths.Path) templ.SafeURL { return templ.SafeURL(p.Under(r.BasePath)) }

// href is Link as a plain string, for hx-get and hx-post.
func href(ctx context.Context, p paths.Path) string { return p.Under(RequestFrom(ctx).BasePath) }

// Asset returns the content-hashed URL of a static asset.
func Asset(ctx context.Context, name string) string {
	return RequestFrom(ctx).BasePath + static.URL(name)
}

// RowID is the DOM id of an account's table row: ids are opaque strings, so
// they are hashed (FNV-1a, 48 bits) into a short, safe token. The hash is
// written out (not hash/fnv) because a page computes a thousand of them.
func RowID(id string) string {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= prime
	}
	return "r-" + strconv.FormatUint(h&(1<<48-1), 36)
}

func csrfHeaders(ctx context.Context) string {
	return fmt.Sprintf(`{%q: %q}`, form.HeaderCSRF, RequestFrom(ctx).CSRF)
}

// htmxConfig configures htmx for the strict CSP: no eval, no script tags,
// no injected indicator styles, no history cache (pages hold account data
// and one-time secrets), same-origin requests only, no settling of style
// attributes (setting one is an inline style the CSP refuses), and swap
// 4xx/5xx bodies so errors show next to what the user did.
const htmxConfig = `{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,` +
	`"historyCacheSize":0,"refreshOnHistoryMiss":true,"selfRequestsOnly":true,"defaultSwapStyle":"outerHTML",` +
	`"attributesToSettle":["class","width","height"],` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":false}]}`

// Relative renders t relative to now ("3 days ago", "in 2 hours").
func Relative(t, now time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = words.Plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		s = words.Plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		s = words.Plural(int(d/(24*time.Hour)), "day")
	case d < 365*24*time.Hour:
		s = words.Plural(int(d/(30*24*time.Hour)), "month")
	default:
		s = words.Plural(int(d/(365*24*time.Hour)), "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// readAgo says how long ago a list was read, to the second: a list is
// reused for a few seconds, so "just now" would hide its age.
func readAgo(t, now time.Time) string {
	switch d := now.Sub(t); {
	case d < 2*time.Second:
		return "just now"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " seconds ago"
	}
	return Relative(t, now)
}

// Absolute formats t for a tooltip and the details page, in UTC.
func Absolute(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// ISO formats t for a <time datetime> attribute.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }
