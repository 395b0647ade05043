package cache

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func newFake(t *testing.T, ttl time.Duration, maxBytes int64) (*Cache[string], *fakeClock) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := New[string](Config{TTL: ttl, MaxBytes: maxBytes, Now: clk.Now})
	t.Cleanup(c.Close)
	return c, clk
}

func TestLifetime(t *testing.T) {
	c, clk := newFake(t, 10*time.Second, 1<<20)
	c.Put("s1", "g1", "list", 100, clk.Now())
	clk.Advance(9 * time.Second)
	if v, _, ok := c.Get("s1", "g1"); !ok || v != "list" {
		t.Fatalf("within its lifetime: %q %v", v, ok)
	}
	clk.Advance(time.Second)
	if _, _, ok := c.Get("s1", "g1"); ok {
		t.Fatal("served at the end of its lifetime")
	}
	if c.Len() != 0 || c.Bytes() != 0 {
		t.Fatalf("an expired entry is still held: %d entries, %d bytes", c.Len(), c.Bytes())
	}
}

// TestExpiredEntriesAreFreedWithoutLookups: an entry past its lifetime
// is gone when nobody asks for it again, nor puts anything else (the
// timer sweeps it). The one test here that waits, briefly.
func TestExpiredEntriesAreFreedWithoutLookups(t *testing.T) {
	c := New[[]byte](Config{TTL: 30 * time.Millisecond, MaxBytes: 64 << 20})
	t.Cleanup(c.Close)
	for i := range 100 {
		c.Put(strconv.Itoa(i), "", make([]byte, 1<<20), 1<<20, time.Now())
	}
	if c.Len() == 0 {
		t.Fatal("nothing kept")
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Len() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries (%d bytes) still held long after their lifetime", c.Len(), c.Bytes())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c.Bytes() != 0 {
		t.Fatalf("%d bytes counted for an empty cache", c.Bytes())
	}
}

func TestSweepFreesOnlyExpired(t *testing.T) {
	c, clk := newFake(t, 10*time.Second, 1<<20)
	c.Put("old", "", "a", 10, clk.Now())
	clk.Advance(5 * time.Second)
	c.Put("new", "", "b", 10, clk.Now())
	clk.Advance(6 * time.Second)
	c.Sweep()
	if c.Len() != 1 {
		t.Fatalf("%d entries after the sweep, want 1", c.Len())
	}
	if _, _, ok := c.Recent("new"); !ok {
		t.Fatal("the entry still in its lifetime was swept")
	}
}

func TestMemoryBound(t *testing.T) {
	c, clk := newFake(t, time.Minute, 1000)
	for i := range 50 {
		c.Put(strconv.Itoa(i), "", "v", 90, clk.Now())
		if c.Bytes() > 1000 {
			t.Fatalf("after %d puts the cache holds %d bytes, over its bound of 1000", i+1, c.Bytes())
		}
	}
	if c.Len() != 11 {
		t.Errorf("%d entries, want the 11 that fit", c.Len())
	}
	// Least recently used first out: touch the oldest kept, then add one.
	if _, _, ok := c.Get("39", ""); !ok {
		t.Fatal("entry 39 should be kept")
	}
	c.Put("new", "", "v", 90, clk.Now())
	if _, _, ok := c.Get("39", ""); !ok {
		t.Error("the entry just used was evicted")
	}
	if _, _, ok := c.Get("40", ""); ok {
		t.Error("the least recently used entry was kept")
	}
	// Too large for a quarter of the bound: not kept, and not at the
	// expense of the others.
	n := c.Len()
	c.Put("huge", "", "v", 251, clk.Now())
	if _, _, ok := c.Get("huge", ""); ok || c.Len() != n {
		t.Errorf("an entry over a quarter of the bound was kept (%d entries, were %d)", c.Len(), n)
	}
}

func TestTags(t *testing.T) {
	c, clk := newFake(t, 10*time.Second, 1<<20)
	// A read begins under generation g1; the session changes something
	// (now g2); the read ends and stores what it saw under g1.
	c.Put("s1", "g1", "before the change", 10, clk.Now())
	if _, _, ok := c.Get("s1", "g2"); ok {
		t.Fatal("a list read before the session's change was served after it")
	}
	if v, _, ok := c.Recent("s1"); !ok || v != "before the change" {
		t.Fatal("Recent ignores the tag")
	}
	c.Put("s1", "g2", "after", 10, clk.Now())
	if v, _, ok := c.Get("s1", "g2"); !ok || v != "after" {
		t.Fatalf("got %q %v", v, ok)
	}
	if c.Bytes() != 10 {
		t.Fatalf("a replaced entry still counts: %d bytes", c.Bytes())
	}
}

func TestFreshnessStartsAtTheRead(t *testing.T) {
	c, clk := newFake(t, 10*time.Second, 1<<20)
	began := clk.Now()
	clk.Advance(8 * time.Second) // a slow read
	c.Put("s", "", "v", 1, began)
	clk.Advance(2 * time.Second)
	if _, _, ok := c.Get("s", ""); ok {
		t.Fatal("a slow read was served past ten seconds from when it began")
	}
	c.Put("late", "", "v", 1, clk.Now().Add(-time.Minute))
	if c.Len() != 0 {
		t.Fatal("data read longer ago than the lifetime was kept")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New[int](Config{TTL: 20 * time.Millisecond, MaxBytes: 500})
	defer c.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := strconv.Itoa((w*7 + i) % 40)
				c.Put(k, "", i, 20, time.Now())
				c.Get(k, "")
				if i%100 == 0 {
					c.Delete(k)
				}
			}
		})
	}
	wg.Wait()
	if c.Bytes() > 500 {
		t.Fatalf("%d bytes held, over the bound", c.Bytes())
	}
}

func TestSweepReportsWhatItFreed(t *testing.T) {
	var freed int64
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c := New[string](Config{TTL: time.Second, MaxBytes: 1 << 20, Now: clk.Now, Freed: func(n int64) { freed += n }})
	t.Cleanup(c.Close)
	c.Put("a", "", "x", 100, clk.Now())
	c.Put("b", "", "y", 50, clk.Now())
	clk.Advance(2 * time.Second)
	c.Sweep()
	if freed != 150 {
		t.Fatalf("freed %d, want 150", freed)
	}
}

func TestReleaseIsRateLimited(t *testing.T) {
	calls := 0
	r := NewRelease(func() { calls++ })
	r.Freed(ReleaseAfter - 1)
	if calls != 0 {
		t.Fatal("released before enough was freed")
	}
	r.Freed(1)
	r.Freed(ReleaseAfter)
	if calls != 1 {
		t.Fatalf("%d releases, want 1 within ReleaseEvery", calls)
	}
}
