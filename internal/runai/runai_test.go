package runai

import (
	"testing"
	"time"
)

func TestUsage(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		last        time.Time
		never, idle bool // idle: unused for 30 days
	}{
		{time.Time{}, true, false},
		{now.Add(-29 * day), false, false},
		{now.Add(-30 * day), false, false},
		{now.Add(-30*day - time.Second), false, true},
	}
	for _, tt := range tests {
		a := ServiceAccount{LastLogin: tt.last}
		if a.NeverUsed() != tt.never || a.UnusedFor(30*day, now) != tt.idle {
			t.Errorf("last login %v: never=%v idle=%v", tt.last, a.NeverUsed(), a.UnusedFor(30*day, now))
		}
	}
}
