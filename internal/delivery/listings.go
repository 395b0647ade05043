package delivery

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
	"k8s.io/client-go/metadata"

	"github.com/runai-tools/sa-dashboard/internal/cache"
)

// Listings keeps, for a short while, the Secrets each Kubernetes
// identity sees (List's answer), so that a burst of pages (a morning's
// sign-ins, every list read and account page) costs the API server one
// listing per identity and namespace, not one per page. Concurrent reads
// of the same listing share one call. This replica's own writes (Changed)
// make every listing read anew; another replica's show within ListingTTL.
type Listings struct {
	cache *cache.Cache[listing]
	calls singleflight.Group
	gen   atomic.Int64 // moved on by Changed: the tag listings are kept under
	now   func() time.Time
}

type listing struct {
	held []Held
}

// ListingTTL is how long a listing serves; ListingBytes bounds them all.
const (
	ListingTTL   = 10 * time.Second
	ListingBytes = 8 << 20
	// ListingTimeout bounds one listing, all namespaces together.
	ListingTimeout = 15 * time.Second
)

// NewListings returns an empty listing cache; cfg's TTL and MaxBytes
// default to ListingTTL and ListingBytes.
func NewListings(cfg cache.Config) *Listings {
	if cfg.TTL == 0 {
		cfg.TTL = ListingTTL
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = ListingBytes
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Listings{cache: cache.New[listing](cfg), now: now}
}

// List is List(ctx, md, namespaces) for the identity as, from the cache
// while it is fresh. The Secrets come sorted by namespace and name; the
// slice is shared: callers do not modify it. A listing with a namespace
// that could not be read is not kept (the next page tries again).
func (l *Listings) List(ctx context.Context, md metadata.Interface, as string, namespaces []string) ([]Held, []error) {
	tag := strconv.FormatInt(l.gen.Load(), 10) // before reading: a write meanwhile makes this listing old
	key := as + "\x00" + strings.Join(namespaces, ",")
	if v, _, ok := l.cache.Get(key, tag); ok {
		return v.held, nil
	}
	type result struct {
		held []Held
		errs []error
	}
	v, _, _ := l.calls.Do(key+"\x00"+tag, func() (any, error) {
		at := l.now()
		// Shared by every caller waiting: none of them may cancel it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ListingTimeout)
		defer cancel()
		held, errs := List(ctx, md, namespaces)
		slices.SortFunc(held, func(x, y Held) int { return strings.Compare(x.String(), y.String()) })
		if len(errs) == 0 {
			l.cache.Put(key, tag, listing{held: held}, approxBytes(held), at)
		}
		return result{held, errs}, nil
	})
	r := v.(result)
	return r.held, r.errs
}

// Changed says this replica wrote or deleted a Secret: every listing is
// read anew.
func (l *Listings) Changed() { l.gen.Add(1) }

// Close stops the cache's timer.
func (l *Listings) Close() { l.cache.Close() }

func approxBytes(held []Held) int64 {
	n := int64(64)
	for _, h := range held {
		n += int64(160 + len(h.Namespace) + len(h.Name) + len(h.Account) + len(h.AccountID) + len(h.ClientID) + len(h.DeliveredBy))
		for _, k := range h.Keys {
			n += int64(16 + len(k))
		}
	}
	return n
}
