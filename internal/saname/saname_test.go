package saname

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/runai-tools/sa-dashboard/internal/apidoc"
)

// docRule is the name rule of the embedded API document, applied
// literally: its pattern and its length bounds in characters. Every check
// here compares the package against it, never against its own constants.
func docRule(t testing.TB) func(string) bool {
	t.Helper()
	r, err := apidoc.ServiceAccountName()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(r.Pattern)
	return func(s string) bool {
		n := utf8.RuneCountInString(s)
		return re.MatchString(s) && n >= r.MinLength && n <= r.MaxLength
	}
}

// htmlRule applies HTMLPattern the way a browser applies a pattern
// attribute: anchored at both ends. (The browser test checks the same
// corpus against Chromium's own engine.)
var htmlRule = regexp.MustCompile(`^(?:` + HTMLPattern + `)$`)

type corpusEntry struct {
	Name  string `json:"name"`
	Valid bool   `json:"valid"`
}

// corpus is the shared list of valid and invalid names (also read by the
// stub's contract test and the browser test).
func corpus(t testing.TB) []corpusEntry {
	t.Helper()
	b, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var c []corpusEntry
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConstantsMatchTheDocument(t *testing.T) {
	r, err := apidoc.ServiceAccountName()
	if err != nil {
		t.Fatal(err)
	}
	if Pattern != r.Pattern || MinLen != r.MinLength || MaxLen != r.MaxLength {
		t.Errorf("Pattern %q [%d, %d], the document says %q [%d, %d]", Pattern, MinLen, MaxLen, r.Pattern, r.MinLength, r.MaxLength)
	}
	if !strings.HasPrefix(Rule, "2 to 255 characters") {
		t.Errorf("Rule does not start with the bounds: %q", Rule)
	}
}

func TestCorpus(t *testing.T) {
	doc := docRule(t)
	c := corpus(t)
	if len(c) < 30 {
		t.Fatalf("corpus has only %d names", len(c))
	}
	for _, e := range c {
		if got := doc(e.Name); got != e.Valid {
			t.Errorf("corpus says %q valid=%v, the document says %v", e.Name, e.Valid, got)
		}
		if got := Validate(e.Name) == nil; got != e.Valid {
			t.Errorf("Validate(%q) ok=%v, want %v", e.Name, got, e.Valid)
		}
		inBounds := len(e.Name) >= MinLen && len(e.Name) <= MaxLen
		if got := htmlRule.MatchString(e.Name) && inBounds; got != e.Valid {
			t.Errorf("HTMLPattern with minlength/maxlength on %q: ok=%v, want %v", e.Name, got, e.Valid)
		}
	}
}

// FuzzValidate checks Validate and HTMLPattern against the document's rule.
func FuzzValidate(f *testing.F) {
	for _, e := range corpus(f) {
		f.Add(e.Name)
	}
	doc := docRule(f)
	f.Fuzz(func(t *testing.T, s string) {
		want := doc(s)
		if got := Validate(s) == nil; got != want {
			t.Fatalf("Validate(%q) ok=%v, the document says %v", s, got, want)
		}
		n := utf8.RuneCountInString(s)
		if got := htmlRule.MatchString(s) && n >= MinLen && n <= MaxLen; got != want {
			t.Fatalf("HTMLPattern on %q: ok=%v, the document says %v", s, got, want)
		}
	})
}
