package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// BenchmarkAccountsView measures rendering the accounts page body alone.
func BenchmarkAccountsView(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			all := make([]runai.ServiceAccount, n)
			for i := range all {
				all[i] = runai.ServiceAccount{ID: fmt.Sprint(i), Name: fmt.Sprintf("account-%04d", i), ClientID: "cid",
					CreatedBy: "x@example.com", Enabled: i%3 != 0, CreatedAt: now.Add(-time.Hour), LastLogin: now}
			}
			page := AccountsPage{List: listview.Apply(listview.Accounts{All: all, RulesKnown: true}, listview.Default(90), now)}
			ctx := WithRequest(context.Background(), &Request{CSRF: "t", Now: now})
			b.ReportAllocs()
			for b.Loop() {
				if err := AccountsView(page).Render(ctx, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
