// Package reqid carries a request's id in a context: the dashboard makes
// one per request (and a bulk job keeps its starter's), and the API
// client sends it upstream as X-Request-ID, where Run:ai's audit log
// keeps it. It lives below both so that engines can carry it too.
package reqid

import "context"

type key struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From is the id ctx carries, "" when none.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}
