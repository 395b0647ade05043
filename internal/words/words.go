// Package words holds the small wording rules every layer shares, so that
// a count or a duration reads the same on every page and in every log.
package words

import (
	"strconv"
	"time"
)

// Plural is "1 rule" or "3 rules".
func Plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// Verb is the present-tense verb that agrees with a count of n: Verb(1,
// "holds", "hold") is "holds".
func Verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Duration says a span of time the way a page speaks of it: "90
// minutes", "an hour", "2 hours", "a day", "3 days", "45 seconds".
func Duration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return count(int(d/(24*time.Hour)), "day", "a day")
	case d >= time.Hour && d%time.Hour == 0:
		return count(int(d/time.Hour), "hour", "an hour")
	case d >= time.Minute && d%time.Minute == 0:
		return count(int(d/time.Minute), "minute", "a minute")
	}
	return count(int(d.Round(time.Second)/time.Second), "second", "a second")
}

func count(n int, unit, one string) string {
	if n == 1 {
		return one
	}
	return Plural(n, unit)
}
