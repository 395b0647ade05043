package saname

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"ab", true},
		{"a1", true},
		{"ci-pipeline", true},
		{"ml_train-2", true},
		{strings.Repeat("a", 255), true},
		{"", false},
		{"a", false},
		{strings.Repeat("a", 256), false},
		{"1abc", false},
		{"-abc", false},
		{"abc-", false},
		{"abc_", false},
		{"Abc", false},
		{"ab c", false},
		{"ab.c", false},
		{"ab\nc", false},
		{"abc\n", false},
		{"é-abc", false},
	}
	for _, tt := range tests {
		err := Validate(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// FuzzValidate checks Validate against the API document's rule applied
// literally: the pattern plus the length bounds in characters.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"ab", "a-b", "a", "-", "a_", "zz9", "ab\n"} {
		f.Add(s)
	}
	re := regexp.MustCompile(Pattern)
	f.Fuzz(func(t *testing.T, s string) {
		n := utf8.RuneCountInString(s)
		want := re.MatchString(s) && n >= MinLen && n <= MaxLen
		if got := Validate(s) == nil; got != want {
			t.Fatalf("Validate(%q) ok=%v, spec says %v", s, got, want)
		}
	})
}
