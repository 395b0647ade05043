package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// BenchmarkPages is what each page costs at the API's 1000 accounts and
// 1500 rules, against the stub over loopback HTTP: the time per page and
// the Run:ai calls it makes (calls/op, counted at the stub). The list page
// read anew (a reload) and from the session's list of the last seconds,
// an account's page, and one row swapped after a disable or enable.
func BenchmarkPages(b *testing.B) {
	h := newHarness(b, options{seed: 1000})
	h.stub.GrowRules(1500)
	h.signIn()
	var target stub.Account
	for _, a := range h.stub.Accounts() {
		if a.Enabled {
			target = a
			break
		}
	}
	hx := map[string]string{"HX-Request": "true", "HX-Current-URL": h.srv.URL + "/accounts"}
	enabled := true
	pages := []struct {
		name string
		do   func() resp
	}{
		{"list-fresh", func() resp { return h.reload("/accounts") }},
		{"list-cached", func() resp { return h.get("/accounts") }},
		{"account", func() resp { return h.get(accountPath(target.ID, "")) }},
		{"row-swap", func() resp {
			suffix := "/disable"
			if !enabled {
				suffix = "/enable"
			}
			enabled = !enabled
			form := url.Values{}
			hdr := map[string]string{"Origin": h.srv.URL, "Sec-Fetch-Site": "same-origin", "X-CSRF-Token": h.csrf}
			for k, v := range hx {
				hdr[k] = v
			}
			return h.do("POST", accountPath(target.ID, suffix), form, hdr)
		}},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			h.get("/accounts") // a fresh session list and CSRF token to start from
			h.stub.ResetCalls()
			n := 0
			for b.Loop() {
				if r := p.do(); r.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d %.300s", p.name, r.StatusCode, r.body)
				}
				n++
			}
			b.ReportMetric(float64(len(h.stub.Calls()))/float64(n), "calls/op")
		})
	}
}
