package words

import (
	"testing"
	"time"
)

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 rules hold"}, {1, "1 rule holds"}, {2, "2 rules hold"}} {
		if got := Plural(tc.n, "rule") + " " + Verb(tc.n, "holds", "hold"); got != tc.want {
			t.Errorf("Plural and Verb(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{90 * time.Minute, "90 minutes"}, {time.Hour, "an hour"}, {2 * time.Hour, "2 hours"}, {24 * time.Hour, "a day"},
		{72 * time.Hour, "3 days"}, {time.Minute, "a minute"}, {45 * time.Second, "45 seconds"}, {time.Second, "a second"},
		{36 * time.Hour, "36 hours"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
