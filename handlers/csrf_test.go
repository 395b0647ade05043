package handlers

import (
	"strings"
	"testing"
)

func TestMaskToken(t *testing.T) {
	tok := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	a, b := maskToken(tok), maskToken(tok)
	if a == b || strings.Contains(a, tok) {
		t.Fatalf("masking is not fresh per render: %q %q", a, b)
	}
	for _, m := range []string{a, b} {
		if !tokenMatches(m, tok) {
			t.Errorf("%q does not unmask", m)
		}
	}
	for _, bad := range []string{"", tok, a[:len(a)-2], "!!!!", maskToken("ZZZZZZZZZZZZZZZZZZZZZZZZZZ")} {
		if tokenMatches(bad, tok) {
			t.Errorf("%q accepted", bad)
		}
	}
	if tokenMatches(a, "") {
		t.Error("matched an empty session token")
	}
}
