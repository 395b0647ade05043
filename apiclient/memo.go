package apiclient

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/cache"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Decoded answers are kept a few minutes by the SHA-256 digest of their
// bytes: a Refresh, a reload or another admin's view whose answer did not
// change since it was last decoded costs a digest (about 0.1 ms for the
// account list) instead of a decode (about 4 ms). The decoded value is a
// function of the bytes alone, so whoever received the same bytes may
// have it; nothing is served that was not just read from Run:ai. Callers
// get their own copy of the slice: the dashboard trims and fills what it
// is given.
const (
	memoTTL      = 5 * time.Minute
	memoMaxBytes = 8 << 20 // decoded answers, estimated at twice their JSON
)

// memo is the client's cache of decoded answers.
type memo struct{ c *cache.Cache[any] }

func newMemo() memo {
	return memo{c: cache.New[any](cache.Config{TTL: memoTTL, MaxBytes: memoMaxBytes})}
}

// decoded returns what decode makes of body, from the memo when the same
// bytes (of the same kind of answer) were decoded lately. Failures are
// not kept.
func decoded[T any](m memo, kind string, body []byte, decode func([]byte) (T, error), clone func(T) T) (T, error) {
	sum := sha256.Sum256(body)
	key := kind + ":" + hex.EncodeToString(sum[:])
	if v, _, ok := m.c.Get(key, ""); ok {
		return clone(v.(T)), nil
	}
	v, err := decode(body)
	if err != nil {
		return v, err
	}
	m.c.Put(key, "", v, 2*int64(len(body)), time.Now())
	return clone(v), nil
}

// accountsFrom decodes the account list through the memo.
func (c *Client) accountsFrom(body []byte) ([]runai.ServiceAccount, error) {
	return decoded(c.memo, "accounts", body, decodeAccounts, slices.Clone)
}

// rulesPage is a decoded page of a rule listing.
type rulesPage struct {
	rules []runai.AccessRule
	n     int  // items on the page, of any subject
	total *int // totalRecords, when the API gave it
}

// rulesFrom decodes a page of a rule listing (its first item the
// listing's offset-th) through the memo.
func (c *Client) rulesFrom(body []byte, offset int) (rulesPage, error) {
	return decoded(c.memo, "rules@"+strconv.Itoa(offset), body, func(b []byte) (rulesPage, error) {
		rules, n, total, err := decodeRulesPage(b, offset)
		return rulesPage{rules, n, total}, err
	}, func(p rulesPage) rulesPage { p.rules = slices.Clone(p.rules); return p })
}

// auditFrom decodes a page of the audit log (read from offset) through
// the memo.
func (c *Client) auditFrom(body []byte, offset int) (runai.AuditPage, error) {
	return decoded(c.memo, "audit@"+strconv.Itoa(offset), body, func(b []byte) (runai.AuditPage, error) {
		return decodeAuditPage(b, offset)
	}, func(p runai.AuditPage) runai.AuditPage { p.Events = slices.Clone(p.Events); return p })
}

// rulesHintKey names a rule listing as one token reads it (the token
// hashed: the cache holds no credential).
func rulesHintKey(token string, subjectIDs []string) string {
	sum := sha256.Sum256([]byte(token + "\x00" + strings.Join(subjectIDs, ",")))
	return "rules-total:" + hex.EncodeToString(sum[:])
}

// rulesHint is the total the listing's first page gave when it was last
// read, kept as long as decoded answers are.
func (c *Client) rulesHint(key string) (int, bool) {
	v, _, ok := c.memo.c.Get(key, "")
	if !ok {
		return 0, false
	}
	return v.(int), true
}

// rememberRulesTotal keeps the total a listing's first page gave.
func (c *Client) rememberRulesTotal(key string, total int) {
	c.memo.c.Put(key, "", total, int64(len(key))+64, time.Now())
}
