package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"
)

// BenchmarkAccountsView measures rendering the accounts page body alone.
func BenchmarkAccountsView(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			page := AccountsPage{Accounts: make([]Account, n)}
			for i := range page.Accounts {
				page.Accounts[i] = Account{ID: fmt.Sprint(i), Name: fmt.Sprintf("account-%04d", i), ClientID: "cid",
					CreatedBy: "x@example.com", Enabled: i%3 != 0, CreatedAt: now.Add(-time.Hour), LastLogin: now}
			}
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
