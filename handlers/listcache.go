package handlers

import (
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/listview"
)

// listCacheTTL is how long a session's list read from Run:ai serves its
// pages and their interactions (search, filters, sort, paging, export).
// Another admin's change shows after at most this long; this session's
// own changes drop it at once, and Refresh and a browser reload read anew.
const listCacheTTL = 10 * time.Second

// listCacheSize bounds the sessions whose lists are kept.
const listCacheSize = 512

// listCache keeps, per session, the last list read from Run:ai.
type listCache struct {
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]listEntry
}

type listEntry struct {
	in  listview.Accounts
	cat catalog
	at  time.Time
}

func newListCache(ttl time.Duration, now func() time.Time) *listCache {
	return &listCache{ttl: ttl, now: now, entries: map[string]listEntry{}}
}

// get returns the session's list when it is fresh.
func (lc *listCache) get(key string) (listEntry, bool) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	e, ok := lc.entries[key]
	if !ok || lc.now().Sub(e.at) >= lc.ttl {
		return listEntry{}, false
	}
	return e, true
}

// put keeps a list for the session, making room by dropping the oldest.
func (lc *listCache) put(key string, e listEntry) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if _, ok := lc.entries[key]; !ok && len(lc.entries) >= listCacheSize {
		oldest := ""
		for k, v := range lc.entries {
			if oldest == "" || v.at.Before(lc.entries[oldest].at) {
				oldest = k
			}
		}
		delete(lc.entries, oldest)
	}
	lc.entries[key] = e
}

// drop forgets the session's list.
func (lc *listCache) drop(key string) {
	lc.mu.Lock()
	delete(lc.entries, key)
	lc.mu.Unlock()
}

// listKey is the session's key in the list cache; "" without a session.
func listKey(c echo.Context) string {
	if st, ok := c.Get(stateKey).(*state); ok && st.id() != "" {
		return st.id()
	}
	return ""
}

// listDataFor is the list for an interaction on a page: the session's
// cached list while fresh, else a new read (which is then kept).
func (h *handler) listDataFor(c echo.Context, reuse bool) (listview.Accounts, catalog, time.Time, error) {
	key := listKey(c)
	if reuse && key != "" {
		if e, ok := h.lists.get(key); ok {
			return e.in, e.cat, e.at, nil
		}
	}
	at := h.Now()
	in, cat, err := h.listData(c)
	if err == nil && key != "" {
		h.lists.put(key, listEntry{in: in, cat: cat, at: at})
	}
	return in, cat, at, err
}

// forgetListOnChange drops the session's cached list before any change it
// sends, so that its own changes show at once.
func (h *handler) forgetListOnChange(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != "GET" && c.Request().Method != "HEAD" {
			if key := listKey(c); key != "" {
				h.lists.drop(key)
			}
		}
		return next(c)
	}
}
