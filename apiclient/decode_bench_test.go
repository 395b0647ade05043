package apiclient

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/benchpair"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// listBody is the stub's answer to the list at n accounts.
func listBody(tb testing.TB, n int) []byte {
	tb.Helper()
	s := stub.New(stub.Config{Seed: n, AdminTokens: []string{"t"}})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/api/v1/service-accounts", nil)
	req.Header.Set("Authorization", "Bearer t")
	s.ServeHTTP(rec, req)
	if rec.Code != 200 {
		tb.Fatalf("stub list: %d", rec.Code)
	}
	return rec.Body.Bytes()
}

// plainAccount is what a decode that trusts the document would use: the
// baseline the tolerant decode is measured against.
type plainAccount struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	ClientID  string     `json:"clientId"`
	CreatedBy string     `json:"createdBy"`
	TenantID  string     `json:"tenantId"`
	Enabled   bool       `json:"enabled"`
	CreatedAt *time.Time `json:"createdAt"`
	UpdatedAt *time.Time `json:"updatedAt"`
	LastLogin *time.Time `json:"lastLogin"`
}

// BenchmarkDecodePair is the pair behind the tolerant-decode target: the
// client's decode of the stub's 1000 accounts against a plain struct
// decode of the same body, interleaved.
func BenchmarkDecodePair(b *testing.B) {
	body := listBody(b, 1000)
	b.SetBytes(int64(len(body)))
	benchpair.Run(b, func() {
		if _, err := decodeAccounts(body); err != nil {
			b.Fatal(err)
		}
	}, func() {
		var out []plainAccount
		if err := json.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
	})
}

func TestDecodeAgreesWithPlain(t *testing.T) {
	body := listBody(t, 50)
	got, err := decodeAccounts(body)
	var plain []plainAccount
	if err != nil || json.Unmarshal(body, &plain) != nil || len(got) != 50 {
		t.Fatal(err)
	}
	for i, p := range plain {
		g := got[i]
		if g.ID != p.ID || g.Name != p.Name || g.TenantID != p.TenantID || g.Enabled != p.Enabled ||
			(p.LastLogin == nil) != g.LastLogin.IsZero() || (p.LastLogin != nil && !p.LastLogin.Equal(g.LastLogin)) {
			t.Errorf("item %d: %+v vs %+v", i, g, p)
		}
	}
}
