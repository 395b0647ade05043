package record

import (
	"context"
	"slices"
	"sync"
)

// Memory is a record in a ring buffer: lost on restart.
type Memory struct {
	mu    sync.Mutex
	ring  []Entry
	next  int // where the next entry goes
	full  bool
	limit int // changes
	lines int // lines kept: intents and outcomes
}

// NewMemory returns a record of at most limit changes (DefaultLimit when
// limit ≤ 0).
func NewMemory(limit int) *Memory {
	if limit <= 0 {
		limit = DefaultLimit
	}
	return &Memory{ring: make([]Entry, 0, min(limit, 1024)), limit: limit, lines: linesPerEntry * limit}
}

// Add implements Store.
func (m *Memory) Add(_ context.Context, e Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(e)
	return nil
}

func (m *Memory) add(e Entry) {
	if len(m.ring) < m.lines {
		m.ring = append(m.ring, e)
		return
	}
	m.ring[m.next] = e
	m.next = (m.next + 1) % m.lines
	m.full = true
}

// Recent implements Store.
func (m *Memory) Recent(_ context.Context, n int) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.recent(n), nil
}

func (m *Memory) recent(n int) []Entry {
	n = min(n, m.limit)
	return merge(m.lastLines(linesPerEntry*n), n)
}

// lastLines is up to n lines, newest first.
func (m *Memory) lastLines(n int) []Entry {
	n = min(n, len(m.ring))
	out := make([]Entry, 0, n)
	// The newest is just before next (or at the end while filling).
	last := len(m.ring) - 1
	if m.full {
		last = (m.next - 1 + m.lines) % m.lines
	}
	for i := range n {
		out = append(out, m.ring[(last-i+len(m.ring))%len(m.ring)])
	}
	return out
}

// Identities implements Store, by a walk of the ring.
func (m *Memory) Identities(_ context.Context, ids []string) (map[string][]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.identities(ids), nil
}

func (m *Memory) identities(ids []string) map[string][]string {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" {
			want[id] = true
		}
	}
	out := map[string][]string{}
	for _, e := range m.ring {
		if want[e.RequestID] && !slices.Contains(out[e.RequestID], e.SSO) {
			out[e.RequestID] = append(out[e.RequestID], e.SSO)
		}
	}
	return out
}

// Backend implements Store.
func (m *Memory) Backend() string { return "memory" }

// Close implements Store.
func (m *Memory) Close() error { return nil }
