package pathseg

import (
	"net/url"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for _, id := range []string{"a/b", "..", ".", "a b", "%2F", "ü", "a?b#c", "plain"} {
		seg := Escape(id)
		if strings.Contains(seg, "/") || seg == "." || seg == ".." {
			t.Errorf("%q escaped to %q", id, seg)
		}
		if got, err := url.PathUnescape(seg); err != nil || got != id {
			t.Errorf("%q round-trips to %q (%v)", id, got, err)
		}
	}
}
