package handlers_test

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// BenchmarkPages is what each page costs at the API's 1000 accounts and
// 1500 rules, against the stub over loopback HTTP: the time per page and
// the Run:ai calls it makes (calls/op, counted at the stub). The list page
// read anew (a reload) and from the session's list of the last seconds,
// an account's page, the Activity page (30 days), and one row swapped
// after a disable or enable.
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
	hx := map[string]string{htmx.HeaderRequest: "true", htmx.HeaderCurrentURL: h.url(paths.Accounts.Link())}
	enabled := true
	pages := []struct {
		name string
		do   func() resp
	}{
		{"list-fresh", func() resp { return h.reload(paths.Accounts.Link()) }},
		{"list-cached", func() resp { return h.get(paths.Accounts.Link()) }},
		{"account", func() resp { return h.get(paths.Account.ID(target.ID)) }},
		{"activity", func() resp { return h.get(paths.Activity.Link().Query(url.Values{form.ParamRange: {form.Range30d}})) }},
		{"row-swap", func() resp {
			route := paths.AccountDisable
			if !enabled {
				route = paths.AccountEnable
			}
			enabled = !enabled
			hdr := map[string]string{"Origin": h.srv.URL, "Sec-Fetch-Site": "same-origin", form.HeaderCSRF: h.csrf}
			for k, v := range hx {
				hdr[k] = v
			}
			return h.do("POST", route.ID(target.ID), url.Values{}, hdr)
		}},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			h.get(paths.Accounts.Link()) // a fresh session list and CSRF token to start from
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

// TestCallsPerPage pins what loaders.go says each page reads from Run:ai,
// counted at the stub, at 1000 accounts and 1500 rules with the catalog
// kept: the list read anew and from the session's list, an account's page
// with the session's list fresh and without it, and a row redrawn after a
// change.
func TestCallsPerPage(t *testing.T) {
	h := newHarness(t, options{seed: 1000})
	h.stub.GrowRules(1500)
	h.signIn()
	var a stub.Account
	for _, x := range h.stub.Accounts() {
		if x.Enabled && !strings.Contains(x.Name, "-r") {
			a = x
			break
		}
	}
	count := func(do func() resp) map[stub.Op]int {
		t.Helper()
		h.stub.ResetCalls()
		if r := do(); r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		m := map[stub.Op]int{}
		for _, c := range h.stub.Calls() {
			m[c.Op]++
		}
		return m
	}
	hx := map[string]string{htmx.HeaderRequest: "true", htmx.HeaderCurrentURL: h.url(paths.Accounts.Link()), form.HeaderCSRF: "",
		"Origin": h.srv.URL, "Sec-Fetch-Site": "same-origin"}
	cases := []struct {
		name string
		do   func() resp
		want map[stub.Op]int
	}{
		{"list read anew", func() resp { return h.reload(paths.Accounts.Link()) }, map[stub.Op]int{stub.OpList: 1, stub.OpRules: 3}},
		{"list from the session's", func() resp { return h.get(paths.Accounts.Link()) }, map[stub.Op]int{}},
		{"account page, list fresh", func() resp { return h.get(paths.Account.ID(a.ID)) }, map[stub.Op]int{stub.OpGet: 1, stub.OpRules: 1, stub.OpAudit: 2}},
		{"row redrawn after a change", func() resp {
			hx[form.HeaderCSRF] = h.csrf
			return h.do("POST", paths.AccountDisable.ID(a.ID), url.Values{}, hx)
		}, map[stub.Op]int{stub.OpGet: 1, stub.OpUpdate: 1}},
		{"account page after a change", func() resp { return h.get(paths.Account.ID(a.ID)) },
			map[stub.Op]int{stub.OpGet: 1, stub.OpRules: 1, stub.OpList: 1, stub.OpAudit: 2}},
	}
	for _, tc := range cases {
		got := count(tc.do)
		total := 0
		for _, n := range got {
			total += n
		}
		t.Logf("%s: %d Run:ai calls %v", tc.name, total, got)
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
