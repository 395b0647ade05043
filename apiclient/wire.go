package apiclient

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Every answer is decoded here, in one pass, by encoding/json/v2's
// implementation (github.com/go-json-experiment/json, the standard
// library's own from Go 1.27): about twice as fast as encoding/json on
// the API's large answers (BenchmarkDecodePair), and its decoder lets the
// tolerant types below read their value where it lies, without a second
// scan or an intermediate copy.

// tolerant keeps encoding/json's leniency where an upstream may stray from
// the document: member names matched without regard to case, a duplicated
// name's last value kept, invalid UTF-8 replaced (v2 refuses all three by
// default). Unknown members are ignored, as in v1.
var tolerant = json.JoinOptions(
	json.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// unmarshal decodes b into v; a failure is a *MalformedError saying where.
func unmarshal(b []byte, v any) error { return unmarshalPage(b, v, 0) }

// unmarshalPage is unmarshal for a page of a listing whose first item is
// the listing's offset-th: a failure counts its item from there.
func unmarshalPage(b []byte, v any, offset int) error {
	if err := json.Unmarshal(b, v, tolerant); err != nil {
		return malformed(err).at(offset)
	}
	return nil
}

// MalformedError is an answer that is not JSON, or not of the documented
// shape: where (a JSON pointer into the answer, "" for the whole) and why.
type MalformedError struct {
	Pointer string
	Reason  string
}

func (e *MalformedError) Error() string {
	if e.Pointer == "" {
		return e.Reason
	}
	var item, field string
	for tok := range jsontext.Pointer(e.Pointer).Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			if item == "" {
				item = tok
			}
			continue
		}
		field = tok
	}
	var where []string
	if item != "" {
		where = append(where, "item "+item)
	}
	if field != "" {
		where = append(where, "field "+strconv.Quote(field))
	}
	if len(where) == 0 {
		return e.Reason
	}
	return strings.Join(where, ", ") + ": " + e.Reason
}

// Item is the index of the array element the fault is in (the first
// array on its path), or -1.
func (e *MalformedError) Item() int {
	for tok := range jsontext.Pointer(e.Pointer).Tokens() {
		if n, err := strconv.Atoi(tok); err == nil {
			return n
		}
	}
	return -1
}

// at moves the error's item index by offset (a page's items are counted
// from the listing's start).
func (e *MalformedError) at(offset int) *MalformedError {
	if offset == 0 || e.Item() < 0 {
		return e
	}
	var p jsontext.Pointer
	moved := false
	for tok := range jsontext.Pointer(e.Pointer).Tokens() {
		if n, err := strconv.Atoi(tok); err == nil && !moved {
			tok, moved = strconv.Itoa(n+offset), true
		}
		p = p.AppendToken(tok)
	}
	return &MalformedError{Pointer: string(p), Reason: e.Reason}
}

// arrayLen counts the elements of b when it is a JSON array, skipping
// them without decoding; -1 when it is not one (or not valid JSON).
func arrayLen(b []byte) int {
	dec := jsontext.NewDecoder(bytes.NewReader(b), tolerant)
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
		return -1
	}
	n := 0
	for dec.PeekKind() != ']' {
		if err := dec.SkipValue(); err != nil {
			return -1
		}
		n++
	}
	return n
}

// malformed words a decoding error without the value that was refused,
// which could be anything the upstream sent.
func malformed(err error) *MalformedError {
	var (
		se  *json.SemanticError
		syn *jsontext.SyntacticError
	)
	switch {
	case errors.As(err, &se):
		m := &MalformedError{Pointer: string(se.JSONPointer)}
		switch {
		case se.Err != nil && !errors.Is(se.Err, json.ErrUnknownName):
			m.Reason = se.Err.Error()
		case se.GoType != nil:
			m.Reason = fmt.Sprintf("want %s, got %s", goKind(se.GoType.Kind().String()), jsonKind(se.JSONKind))
		default:
			m.Reason = "cannot be read"
		}
		return m
	case errors.As(err, &syn):
		return &MalformedError{Reason: fmt.Sprintf("not valid JSON at byte %d: %v", syn.ByteOffset, syn.Err)}
	}
	return &MalformedError{Reason: err.Error()}
}

// goKind is "a string", "an object" and so on for a Go kind.
func goKind(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
		return "a number"
	}
	return "a " + k
}

// jsonKind is "a string", "null" and so on for a JSON kind.
func jsonKind(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "something else"
}

// Small tolerant types for the fields the API documents loosely. Each
// reads its value where it lies (UnmarshalJSONFrom); v2 sets a pointer to
// one of them to nil on null without calling it.

// flexInt is an integer sent as a number or as a numeric string; null is 0.
type flexInt int

func (n *flexInt) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	var digits []byte
	switch v.Kind() {
	case 'n':
		*n = 0
		return nil
	case '0':
		digits = v
	case '"':
		s, err := unquote(v)
		if err != nil {
			return err
		}
		digits = []byte(s)
	default:
		return fmt.Errorf("want an integer, got %s", jsonKind(v.Kind()))
	}
	i, err := strconv.Atoi(string(digits))
	if err != nil {
		return fmt.Errorf("want an integer, got %s", clip(v))
	}
	*n = flexInt(i)
	return nil
}

// flexString is a string sent as a string, as a number or as null (ids,
// tenant ids): a number is kept as its text, null as "".
type flexString struct{ s string }

func (f *flexString) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	switch v.Kind() {
	case 'n':
		f.s = ""
	case '0':
		f.s = string(v)
	case '"':
		f.s, err = unquote(v)
	default:
		err = fmt.Errorf("want a string or a number, got %s", jsonKind(v.Kind()))
	}
	return err
}

// nullTime is an RFC 3339 time that may be null or empty; set records
// that the member was present (a required timestamp may be null, not
// absent).
type nullTime struct {
	t   time.Time
	set bool
}

func (n *nullTime) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	n.set, n.t = true, time.Time{}
	switch v.Kind() {
	case 'n':
		return nil
	case '"':
	default:
		return fmt.Errorf("want a date-time string or null, got %s", jsonKind(v.Kind()))
	}
	s, err := unquote(v)
	if err != nil || s == "" {
		return err
	}
	if n.t, err = time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("%q is not an RFC 3339 date-time", clip([]byte(s)))
	}
	return nil
}

// stringMap is an object of strings (the audit log's metadata): a number
// or boolean is kept as its text, anything else dropped, and null or a
// value that is not an object is no map at all.
type stringMap map[string]string

func (m *stringMap) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		*m = nil
		return dec.SkipValue()
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	out := stringMap{}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return err
		}
		name := tok.String() // before the next read, which reuses the buffer
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		switch v.Kind() {
		case '"':
			if s, err := unquote(v); err == nil {
				out[name] = s
			}
		case '0', 't', 'f':
			out[name] = string(v)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	if len(out) == 0 {
		out = nil
	}
	*m = out
	return nil
}

// unquote is the text of a JSON string as it lies in the answer: copied
// once when it holds no escape and is valid UTF-8 (nearly always), else
// decoded (invalid UTF-8 becoming U+FFFD, as in encoding/json).
func unquote(v jsontext.Value) (string, error) {
	if raw := v[1 : len(v)-1]; bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw), nil
	}
	var s string
	err := json.Unmarshal(v, &s, tolerant)
	return s, err
}

func clip(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
