package htmx

import (
	"net/http"
	"testing"
)

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name    string
		hdr     map[string]string
		partial bool
	}{
		{"plain", nil, false},
		{"htmx", map[string]string{"HX-Request": "true"}, true},
		{"boosted", map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, false},
		{"history restore", map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, false},
		{"not true", map[string]string{"HX-Request": "1"}, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.hdr {
			h.Set(k, v)
		}
		if got := ReadRequest(h).Partial(); got != tt.partial {
			t.Errorf("%s: Partial = %v, want %v", tt.name, got, tt.partial)
		}
	}
	h := http.Header{}
	h.Set("HX-Target", "list")
	h.Set("HX-Current-URL", "http://x/accounts?q=1")
	if r := ReadRequest(h); r.Target != "list" || r.CurrentURL != "http://x/accounts?q=1" {
		t.Errorf("%+v", r)
	}
}

func TestResponseApply(t *testing.T) {
	h := http.Header{}
	Response{Retarget: "#panel", Reswap: SwapInnerHTML, TriggerAfterSettle: map[string]string{"announce": `say "hi"`}}.Apply(h)
	want := map[string]string{"HX-Retarget": "#panel", "HX-Reswap": "innerHTML", "HX-Trigger-After-Settle": `{"announce":"say \"hi\""}`, "HX-Redirect": ""}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
}
