// Package cache keeps other people's data for a short while, with the
// rules such a cache needs:
//
//   - an entry lives for a fixed lifetime from the moment its data was
//     read, and is freed when that passes (a timer, not the next lookup
//     and not the pressure of new entries);
//   - the whole is bounded by the memory its entries hold, as their
//     owners estimate it, least recently used first out; an entry too
//     large for a quarter of the bound is not kept at all;
//   - every entry carries a tag, and a lookup names the tag it expects:
//     a session's generation of changes (see the handlers' list loader),
//     so that a read that was in flight while the session changed
//     something cannot put the data from before the change back.
//
// A Cache owns a timer; Close stops it.
package cache

import (
	"container/list"
	"sync"
	"time"
)

// Config sets a cache's bounds.
type Config struct {
	// TTL is how long an entry serves after its data was read.
	TTL time.Duration
	// MaxBytes bounds the estimated memory of all entries together.
	MaxBytes int64
	// Now is the clock; nil means time.Now. The timer that frees expired
	// entries runs on real time and asks Now what is expired.
	Now func() time.Time
	// Freed, when set, is told how many bytes (as estimated) a sweep
	// freed: the process may hand the memory back to the system.
	Freed func(bytes int64)
}

// Cache maps keys to values of one type. It is safe for concurrent use.
type Cache[V any] struct {
	cfg Config

	mu      sync.Mutex
	entries map[string]*entry[V]
	lru     list.List // *entry, most recently used at the front
	expiry  list.List // *entry, in order of expiry (all live as long)
	bytes   int64
	timer   *time.Timer
	closed  bool
}

type entry[V any] struct {
	key     string
	tag     string
	v       V
	size    int64
	at      time.Time // when the data was read
	lruEl   *list.Element
	expEl   *list.Element
	expires time.Time
}

// New returns an empty cache.
func New[V any](cfg Config) *Cache[V] {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Cache[V]{cfg: cfg, entries: map[string]*entry[V]{}}
}

// TTL is how long an entry serves.
func (c *Cache[V]) TTL() time.Duration { return c.cfg.TTL }

// Get returns the value under key when it is within its lifetime and
// was stored under tag, with the time its data was read.
func (c *Cache[V]) Get(key, tag string) (v V, at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.live(key)
	if e == nil || e.tag != tag {
		return v, at, false
	}
	c.lru.MoveToFront(e.lruEl)
	return e.v, e.at, true
}

// Recent returns the value under key when it is within its lifetime,
// whatever its tag: for what a change does not touch (the names and
// rules around one account whose row is redrawn).
func (c *Cache[V]) Recent(key string) (v V, at time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.live(key)
	if e == nil {
		return v, at, false
	}
	c.lru.MoveToFront(e.lruEl)
	return e.v, e.at, true
}

// live is the entry under key if it has not expired; c.mu is held.
func (c *Cache[V]) live(key string) *entry[V] {
	e, ok := c.entries[key]
	if !ok {
		return nil
	}
	if !c.cfg.Now().Before(e.expires) {
		c.remove(e)
		return nil
	}
	return e
}

// Put keeps v under key and tag, its data read at at, estimated at size
// bytes; it replaces what key held. A value too large for a quarter of
// the bound is not kept (and key is emptied), and older entries make room
// least recently used first.
func (c *Cache[V]) Put(key, tag string, v V, size int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.remove(old)
	}
	expires := at.Add(c.cfg.TTL)
	if c.closed || size > c.cfg.MaxBytes/4 || !c.cfg.Now().Before(expires) {
		return
	}
	for c.bytes+size > c.cfg.MaxBytes && c.lru.Len() > 0 {
		c.remove(c.lru.Back().Value.(*entry[V]))
	}
	e := &entry[V]{key: key, tag: tag, v: v, size: size, at: at, expires: expires}
	e.lruEl = c.lru.PushFront(e)
	// Entries live equally long, so expiry order is the order of their
	// reads; a read that finished late goes in its place.
	mark := c.expiry.Back()
	for mark != nil && mark.Value.(*entry[V]).expires.After(expires) {
		mark = mark.Prev()
	}
	if mark == nil {
		e.expEl = c.expiry.PushFront(e)
	} else {
		e.expEl = c.expiry.InsertAfter(e, mark)
	}
	c.entries[key] = e
	c.bytes += size
	c.arm()
}

// Delete forgets key.
func (c *Cache[V]) Delete(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.remove(e)
	}
}

// Sweep frees every entry past its lifetime; the cache's timer calls it
// when the oldest one expires.
func (c *Cache[V]) Sweep() {
	c.mu.Lock()
	freed := c.sweep()
	c.arm()
	c.mu.Unlock()
	if freed > 0 && c.cfg.Freed != nil {
		c.cfg.Freed(freed)
	}
}

func (c *Cache[V]) sweep() (freed int64) {
	now := c.cfg.Now()
	for front := c.expiry.Front(); front != nil; front = c.expiry.Front() {
		e := front.Value.(*entry[V])
		if now.Before(e.expires) {
			return freed
		}
		freed += e.size
		c.remove(e)
	}
	return freed
}

// arm sets the timer for the next expiry; c.mu is held.
func (c *Cache[V]) arm() {
	if c.closed {
		return
	}
	front := c.expiry.Front()
	if front == nil {
		if c.timer != nil {
			c.timer.Stop()
		}
		return
	}
	d := max(front.Value.(*entry[V]).expires.Sub(c.cfg.Now()), time.Millisecond)
	if c.timer == nil {
		c.timer = time.AfterFunc(d, c.Sweep)
		return
	}
	c.timer.Reset(d)
}

func (c *Cache[V]) remove(e *entry[V]) {
	c.lru.Remove(e.lruEl)
	c.expiry.Remove(e.expEl)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// Len is how many entries the cache holds.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Bytes is the estimated memory the entries hold.
func (c *Cache[V]) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// Close stops the timer and empties the cache; later Puts keep nothing.
func (c *Cache[V]) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	for _, e := range c.entries {
		c.remove(e)
	}
}
