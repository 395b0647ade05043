package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// keyPrefix namespaces the dashboard's keys in a shared Redis.
const keyPrefix = "runai-sa:"

// redisBackend keeps records in Redis, each with its time to live set by
// Redis itself, so every replica sees the same sessions and a deleted one
// is gone for all.
type redisBackend struct {
	c *redis.Client
}

// newRedis connects to the Redis at url (redis://[:password@]host:port/db,
// or rediss:// for TLS). It does not wait for Redis: Ping says whether it
// answers.
func newRedis(url string) (*redisBackend, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("session: REDIS_URL: %w", err)
	}
	// A page waits on the store: fail fast rather than hang a request.
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = 2*time.Second, time.Second, time.Second
	opt.MaxRetries = 1
	return &redisBackend{c: redis.NewClient(opt)}, nil
}

func (r *redisBackend) name() string { return "redis" }

func (r *redisBackend) ping(ctx context.Context) error {
	return wrapRedis(r.c.Ping(ctx).Err())
}

func (r *redisBackend) get(ctx context.Context, key string, refresh time.Duration) ([]byte, error) {
	var cmd *redis.StringCmd
	if refresh > 0 {
		cmd = r.c.GetEx(ctx, keyPrefix+key, refresh)
	} else {
		cmd = r.c.Get(ctx, keyPrefix+key)
	}
	b, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, errNotFound
	}
	return b, wrapRedis(err)
}

func (r *redisBackend) set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	return wrapRedis(r.c.Set(ctx, keyPrefix+key, val, ttl).Err())
}

func (r *redisBackend) setNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	ok, err := r.c.SetNX(ctx, keyPrefix+key, val, ttl).Result()
	return ok, wrapRedis(err)
}

func (r *redisBackend) del(ctx context.Context, keys ...string) error {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = keyPrefix + k
	}
	return wrapRedis(r.c.Del(ctx, full...).Err())
}

func (r *redisBackend) close() error { return r.c.Close() }

// UnavailableError is a session store that did not answer: Redis down,
// unreachable or refusing the credentials.
type UnavailableError struct{ Err error }

func (e *UnavailableError) Error() string { return "session store unavailable: " + e.Err.Error() }
func (e *UnavailableError) Unwrap() error { return e.Err }

func wrapRedis(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return &UnavailableError{Err: err}
}
