// Package saname holds the Run:ai rule for service account names, so the
// browser hint and the dashboard's server-side check say exactly what the
// API document says. The tests check every constant here against the
// pattern and bounds of the embedded document (internal/apidoc).
package saname

import (
	"fmt"
	"regexp"
)

// The rule from ServiceAccountCreationRequest.name in the API document.
const (
	// Pattern is the regular expression the API applies to names.
	Pattern = `^[a-z][-_a-z0-9]*[a-z0-9]$`
	// HTMLPattern is Pattern in the form the HTML pattern attribute expects
	// (implicitly anchored, v-flag safe: the hyphen is escaped).
	HTMLPattern = `[a-z][\-_a-z0-9]*[a-z0-9]`
	// MinLen and MaxLen bound the name length in characters.
	MinLen = 2
	MaxLen = 255
)

// Rule is the rule in words, shown next to the name field and in errors.
var Rule = fmt.Sprintf("%d to %d characters: lowercase letters, digits, hyphens and underscores; "+
	"it must start with a letter and end with a letter or digit", MinLen, MaxLen)

var re = regexp.MustCompile(Pattern)

// Validate reports whether name satisfies the API's rule, and if not says
// which part of the rule it breaks.
func Validate(name string) error {
	n := len(name) // the pattern admits ASCII only, so bytes are characters
	switch {
	case n == 0:
		return fmt.Errorf("a name is required (%s)", Rule)
	case n < MinLen:
		return fmt.Errorf("the name must be at least %d characters (%s)", MinLen, Rule)
	case n > MaxLen:
		return fmt.Errorf("the name must be at most %d characters (%s)", MaxLen, Rule)
	case !re.MatchString(name):
		return fmt.Errorf("the name %q does not match %s (%s)", name, Pattern, Rule)
	}
	return nil
}
