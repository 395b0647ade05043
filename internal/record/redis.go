package record

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisKey is the list the record keeps in Redis, beside the sessions
// (internal/session's keys share the "runai-sa:" prefix). Beside it, one
// set per request id holds the identities of its entries
// (RedisKey + ":req:" + id), kept as long as Run:ai keeps its audit log.
const RedisKey = "runai-sa:record"

// requestTTL is how long the request-id sets live: Run:ai's audit log
// keeps 90 days.
const requestTTL = 91 * 24 * time.Hour

// Redis is a record in a Redis list, newest first, trimmed to the limit
// on every write: shared by every replica and kept across restarts (as
// far as the Redis server keeps its data).
type Redis struct {
	c     *redis.Client
	limit int
}

// OpenRedis connects to the Redis at url (the REDIS_URL of the sessions).
// It does not wait for Redis: a write or read says when it is down.
func OpenRedis(url string, limit int) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("record: REDIS_URL: %w", err)
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	return &Redis{c: redis.NewClient(opts), limit: limit}, nil
}

// Add implements Store.
func (r *Redis) Add(ctx context.Context, e Entry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, RedisKey, b)
		p.LTrim(ctx, RedisKey, 0, int64(linesPerEntry*r.limit-1))
		if e.RequestID != "" {
			p.SAdd(ctx, RedisKey+":req:"+e.RequestID, e.SSO)
			p.Expire(ctx, RedisKey+":req:"+e.RequestID, requestTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Recent implements Store. An entry that does not decode is skipped.
func (r *Redis) Recent(ctx context.Context, n int) ([]Entry, error) {
	if n <= 0 {
		return nil, nil
	}
	n = min(n, r.limit)
	raw, err := r.c.LRange(ctx, RedisKey, 0, int64(linesPerEntry*n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	lines := make([]Entry, 0, len(raw))
	for _, s := range raw {
		var e Entry
		if json.Unmarshal([]byte(s), &e) == nil {
			lines = append(lines, e)
		}
	}
	return merge(lines, n), nil
}

// Identities implements Store: one pipelined SMEMBERS per id.
func (r *Redis) Identities(ctx context.Context, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	cmds := make([]*redis.StringSliceCmd, len(ids))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.SMembers(ctx, RedisKey+":req:"+id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	for i, c := range cmds {
		if v := c.Val(); len(v) > 0 {
			out[ids[i]] = v
		}
	}
	return out, nil
}

// Backend implements Store.
func (r *Redis) Backend() string { return "redis" }

// Close implements Store.
func (r *Redis) Close() error { return r.c.Close() }
