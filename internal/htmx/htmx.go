// Package htmx names the htmx request and response headers once and reads
// and writes them as typed values, in the manner of pagoda's pkg/htmx.
// Nothing else in the dashboard spells an "HX-" header.
package htmx

import (
	"encoding/json"
	"net/http"
)

// Request headers htmx sends.
const (
	HeaderRequest        = "HX-Request"
	HeaderBoosted        = "HX-Boosted"
	HeaderHistoryRestore = "HX-History-Restore-Request"
	HeaderTarget         = "HX-Target"
	HeaderCurrentURL     = "HX-Current-URL"
)

// Response headers htmx obeys.
const (
	HeaderRetarget           = "HX-Retarget"
	HeaderReswap             = "HX-Reswap"
	HeaderRedirect           = "HX-Redirect"
	HeaderTrigger            = "HX-Trigger"
	HeaderTriggerAfterSettle = "HX-Trigger-After-Settle"
)

// Request is what htmx says about a request.
type Request struct {
	Enabled        bool   // sent by htmx at all
	Boosted        bool   // a boosted link or form: wants a whole page
	HistoryRestore bool   // a history cache miss: wants a whole page
	Target         string // id of the element the answer will replace
	CurrentURL     string // the URL of the page the request was made from
}

// ReadRequest reads the htmx headers of a request.
func ReadRequest(h http.Header) Request {
	return Request{
		Enabled:        h.Get(HeaderRequest) == "true",
		Boosted:        h.Get(HeaderBoosted) == "true",
		HistoryRestore: h.Get(HeaderHistoryRestore) == "true",
		Target:         h.Get(HeaderTarget),
		CurrentURL:     h.Get(HeaderCurrentURL),
	}
}

// Partial reports whether the request wants a fragment rather than a
// whole page: an htmx request that is neither boosted nor a history
// restore.
func (r Request) Partial() bool { return r.Enabled && !r.Boosted && !r.HistoryRestore }

// Swap styles for Response.Reswap.
const (
	SwapInnerHTML = "innerHTML"
	SwapOuterHTML = "outerHTML"
	SwapNone      = "none" // keep the page as it is
)

// Response is what a response tells htmx to do; empty fields set nothing.
type Response struct {
	Retarget string // a CSS selector to swap into instead of the request's target
	Reswap   string // the swap style to use instead of the request's
	Redirect string // a URL to load as a whole page
	// Trigger names client events, with their detail, to fire as soon as
	// the answer arrives (whether or not anything is swapped).
	Trigger map[string]string
	// TriggerAfterSettle names client events, with their detail, to fire
	// once the swap has settled.
	TriggerAfterSettle map[string]string
}

// Apply sets the response headers.
func (r Response) Apply(h http.Header) {
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set(HeaderRetarget, r.Retarget)
	set(HeaderReswap, r.Reswap)
	set(HeaderRedirect, r.Redirect)
	for header, events := range map[string]map[string]string{HeaderTrigger: r.Trigger, HeaderTriggerAfterSettle: r.TriggerAfterSettle} {
		if len(events) > 0 {
			b, _ := json.Marshal(events) // a map of strings always marshals
			h.Set(header, string(b))
		}
	}
}
