package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Small tolerant JSON types for the fields the API documents loosely.

// flexInt is an integer sent as a number or as a numeric string.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		*n = 0
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("want an integer, got %s", clip(b))
	}
	*n = flexInt(v)
	return nil
}

// flexString is a string sent as a string or as a number (ids, tenant ids).
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	v, err := decodeTenant(b)
	if err != nil {
		return err
	}
	*s = flexString(v)
	return nil
}

// nullTime is an RFC 3339 time that may be null, empty or absent.
type nullTime time.Time

func (t *nullTime) UnmarshalJSON(b []byte) error {
	v, err := decodeTime("time", b)
	*t = nullTime(v)
	return err
}
