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

// flexString is a string sent as a string, as a number or as null (ids,
// tenant ids).
type flexString struct{ s string }

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 {
		f.s = string(b[1 : len(b)-1]) // the common case, without a second scan
		return nil
	}
	v, err := decodeTenant(b)
	f.s = v
	return err
}

// nullTime is an RFC 3339 time that may be null or empty; set records
// that the key was present (encoding/json calls UnmarshalJSON for null
// too).
type nullTime struct {
	t   time.Time
	set bool
}

func (n *nullTime) UnmarshalJSON(b []byte) error {
	n.set = true
	if len(b) > 2 && b[0] == '"' && b[len(b)-1] == '"' {
		if t, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1])); err == nil {
			n.t = t // the common case
			return nil
		}
	}
	t, err := decodeTime("time", b)
	n.t = t
	return err
}
