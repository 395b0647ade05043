// Package pathseg escapes opaque identifiers as single URL path segments.
package pathseg

import "net/url"

// Escape path-escapes id so that it stays one segment whatever it holds:
// "/" becomes %2F, and the ids "." and "..", which url.PathEscape leaves
// alone and which clients and servers would resolve as relative paths,
// become %2E and %2E%2E.
func Escape(id string) string {
	switch id {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(id)
}
