package session

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/gorilla/securecookie"
)

// MinKeyLen is the shortest accepted session key.
const MinKeyLen = 32

// ParseKeys parses a comma-separated list of keys written in hex or
// standard/URL-safe base64 (padded or not), each at least MinKeyLen bytes.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := decodeKey(part)
		if err != nil {
			return nil, fmt.Errorf("session key %d: %w", i+1, err)
		}
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("session key %d: %d bytes, want at least %d (generate one with: openssl rand -hex 32)", i+1, len(k), MinKeyLen)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no session key given")
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not valid hex or base64")
}

// RandomKey returns a fresh key, for demo mode.
func RandomKey() []byte {
	k := make([]byte, MinKeyLen)
	_, _ = rand.Read(k)
	return k
}

// codecs derives, from each session key, a securecookie codec for one
// purpose (HMAC-SHA256 and AES-256 keys by HKDF with the purpose as
// info): the first key encodes, every key decodes, so keys rotate.
func codecs(keys [][]byte, purpose string, maxAge, maxLength int) ([]securecookie.Codec, error) {
	if len(keys) == 0 {
		return nil, errors.New("session: no key")
	}
	var out []securecookie.Codec
	for i, k := range keys {
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("session: key %d is %d bytes, want at least %d", i+1, len(k), MinKeyLen)
		}
		hashKey, err := hkdf.Key(sha256.New, k, nil, "runai-sa-dashboard "+purpose+" hmac", 64)
		if err != nil {
			return nil, err
		}
		blockKey, err := hkdf.Key(sha256.New, k, nil, "runai-sa-dashboard "+purpose+" aes", 32)
		if err != nil {
			return nil, err
		}
		c := securecookie.New(hashKey, blockKey)
		c.MaxAge(maxAge)
		c.MaxLength(maxLength)
		out = append(out, c)
	}
	return out, nil
}
