package session

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"time"
)

// backend keeps encrypted records under opaque keys, each with a time to
// live. Both kinds answer the same: a record past its time is gone.
type backend interface {
	// get returns the record under key; with refresh > 0 its time to live
	// starts again at refresh (a session's idle timeout).
	get(ctx context.Context, key string, refresh time.Duration) ([]byte, error)
	set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// setNX stores val unless a live record is under key: false then.
	setNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	del(ctx context.Context, keys ...string) error
	ping(ctx context.Context) error
	name() string
}

// errNotFound is a key that is not there (never stored, expired, deleted).
var errNotFound = errors.New("session: not found")

// ErrFull is a memory store at its limit of records, none of them
// expired: it refuses the new one rather than drop a live session.
var ErrFull = errors.New("session: the store is full")

// memory is the in-process backend. Its records sit in a min-heap by
// expiry, so expiry and the limit cost O(log n) per operation and nothing
// is ever scanned; whatever their time to live, no bookkeeping outlives a
// record.
type memory struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[string]*memEntry
	byTime  expiryHeap
}

type memEntry struct {
	key     string
	val     []byte
	expires time.Time
	index   int // in byTime
}

// expiryHeap orders records by expiry, the soonest first.
type expiryHeap []*memEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

func newMemory(max int, now func() time.Time) *memory {
	return &memory{now: now, max: max, entries: map[string]*memEntry{}}
}

func (m *memory) name() string { return "memory" }

func (m *memory) ping(context.Context) error { return nil }

func (m *memory) get(_ context.Context, key string, refresh time.Duration) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e, ok := m.entries[key]
	if !ok {
		return nil, errNotFound
	}
	if !now.Before(e.expires) {
		m.remove(e)
		return nil, errNotFound
	}
	if refresh > 0 {
		e.expires = now.Add(refresh)
		heap.Fix(&m.byTime, e.index)
	}
	return e.val, nil
}

func (m *memory) set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.put(key, val, ttl, false)
	return err
}

// setNX stores val under key unless a live record is there; false when
// one was.
func (m *memory) setNX(_ context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.put(key, val, ttl, true)
}

// put stores val under key (unless onlyNew and a live one is there); m.mu
// is held.
func (m *memory) put(key string, val []byte, ttl time.Duration, onlyNew bool) (bool, error) {
	now := m.now()
	m.expire(now)
	if e, ok := m.entries[key]; ok {
		if onlyNew {
			return false, nil
		}
		e.val, e.expires = val, now.Add(ttl)
		heap.Fix(&m.byTime, e.index)
		return true, nil
	}
	if len(m.entries) >= m.max {
		return false, ErrFull
	}
	e := &memEntry{key: key, val: val, expires: now.Add(ttl)}
	m.entries[key] = e
	heap.Push(&m.byTime, e)
	return true, nil
}

func (m *memory) del(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if e, ok := m.entries[k]; ok {
			m.remove(e)
		}
	}
	return nil
}

func (m *memory) remove(e *memEntry) {
	heap.Remove(&m.byTime, e.index)
	delete(m.entries, e.key)
}

// expire drops the records past their time (the soonest first, so the
// work is the number dropped).
func (m *memory) expire(now time.Time) {
	for len(m.byTime) > 0 && !now.Before(m.byTime[0].expires) {
		m.remove(m.byTime[0])
	}
}

// len is how many records are held (expired ones not yet dropped
// included).
func (m *memory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// bookkeeping is how many structures the backend keeps beside its
// records' map: it must not outlive them.
func (m *memory) bookkeeping() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.byTime)
}
