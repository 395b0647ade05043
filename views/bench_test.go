package views

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/benchpair"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// stubList is the list the stub's n seeded accounts (about half with
// access rules) make under the default view with perPage rows a page.
func stubList(n, perPage int) listview.List {
	s := stub.New(stub.Config{Seed: n})
	in := listview.Accounts{All: s.Accounts(), RulesKnown: true, Rules: runai.RulesByAccount(s.Accounts(), s.Rules())}
	sc := s.Scopes()
	for _, rs := range in.Rules {
		sc.FillPaths(rs)
	}
	v := listview.Default(90)
	v.PerPage = perPage
	return listview.Apply(in, v, now)
}

// BenchmarkRenderPair is the pair behind the render target: the accounts
// page body at 1000 accounts (the default page of 100 rows, and every row
// on one page) against json.Marshal of the accounts it shows.
func BenchmarkRenderPair(b *testing.B) {
	for _, per := range []int{listview.DefaultPerPage, listview.PerPageAll} {
		l := stubList(1000, per)
		shown := make([]runai.ServiceAccount, 0, len(l.PageRows()))
		for _, r := range l.PageRows() {
			shown = append(shown, r.ServiceAccount)
		}
		b.Run(fmt.Sprintf("shown=%d", len(shown)), func(b *testing.B) {
			ctx := WithRequest(context.Background(), &Request{CSRF: "t", Now: now})
			page := AccountsPage{List: l}
			var buf bytes.Buffer
			benchpair.Run(b, func() {
				buf.Reset()
				if err := AccountsView(page).Render(ctx, &buf); err != nil {
					b.Fatal(err)
				}
			}, func() {
				if _, err := json.Marshal(shown); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
