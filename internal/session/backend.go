package session

import (
	"container/list"
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
	del(ctx context.Context, keys ...string) error
	ping(ctx context.Context) error
	name() string
}

// errNotFound is a key that is not there (never stored, expired, deleted).
var errNotFound = errors.New("session: not found")

// ErrFull is a memory store at its limit of records, none of them
// expired: it refuses the new one rather than drop a live session.
var ErrFull = errors.New("session: the store is full")

// memory is the in-process backend. Records with the same time to live
// sit in one list in expiry order (a refresh or a write moves a record to
// the back), so expiry and the limit cost constant time per operation:
// nothing is ever scanned.
type memory struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	entries map[string]*list.Element
	byTTL   map[time.Duration]*list.List
}

type memEntry struct {
	key     string
	val     []byte
	ttl     time.Duration
	expires time.Time
}

func newMemory(max int, now func() time.Time) *memory {
	return &memory{now: now, max: max, entries: map[string]*list.Element{}, byTTL: map[time.Duration]*list.List{}}
}

func (m *memory) name() string { return "memory" }

func (m *memory) ping(context.Context) error { return nil }

func (m *memory) get(_ context.Context, key string, refresh time.Duration) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	el, ok := m.entries[key]
	if !ok {
		return nil, errNotFound
	}
	e := el.Value.(*memEntry)
	if !now.Before(e.expires) {
		m.remove(el)
		return nil, errNotFound
	}
	if refresh > 0 {
		m.place(el, e, refresh, now)
	}
	return e.val, nil
}

func (m *memory) set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if el, ok := m.entries[key]; ok {
		e := el.Value.(*memEntry)
		e.val = val
		m.place(el, e, ttl, now)
		return nil
	}
	if len(m.entries) >= m.max {
		m.expireOne(now)
		if len(m.entries) >= m.max {
			return ErrFull
		}
	}
	e := &memEntry{key: key, val: val, ttl: ttl, expires: now.Add(ttl)}
	m.entries[key] = m.list(ttl).PushBack(e)
	m.expireSome(now)
	return nil
}

func (m *memory) del(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if el, ok := m.entries[k]; ok {
			m.remove(el)
		}
	}
	return nil
}

// place gives e a new time to live and moves it to the back of its list.
func (m *memory) place(el *list.Element, e *memEntry, ttl time.Duration, now time.Time) {
	e.expires = now.Add(ttl)
	if ttl == e.ttl {
		m.list(ttl).MoveToBack(el)
		return
	}
	m.list(e.ttl).Remove(el)
	e.ttl = ttl
	m.entries[e.key] = m.list(ttl).PushBack(e)
}

func (m *memory) list(ttl time.Duration) *list.List {
	l, ok := m.byTTL[ttl]
	if !ok {
		l = list.New()
		m.byTTL[ttl] = l
	}
	return l
}

func (m *memory) remove(el *list.Element) {
	e := el.Value.(*memEntry)
	m.list(e.ttl).Remove(el)
	delete(m.entries, e.key)
}

// expireOne drops one expired record, if a list has one at its front.
func (m *memory) expireOne(now time.Time) {
	for _, l := range m.byTTL {
		if front := l.Front(); front != nil && !now.Before(front.Value.(*memEntry).expires) {
			m.remove(front)
			return
		}
	}
}

// expireSome drops up to two expired records per write, so expired
// records never pile up (the lists are few: one per time to live).
func (m *memory) expireSome(now time.Time) {
	m.expireOne(now)
	m.expireOne(now)
}

// len is how many records are held (expired ones not yet dropped
// included).
func (m *memory) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}
