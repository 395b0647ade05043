package listview

import "strings"

// Column is an optional column of the accounts table (the name always
// shows).
type Column struct {
	Key   string // its sort key
	Label string // its heading
}

// Columns lists the optional columns in table order.
var Columns = []Column{
	{SortClientID, "Client ID"}, {SortStatus, "Status"}, {SortAccess, "Access rules"}, {SortCreatedBy, "Created by"},
	{SortCreated, "Created"}, {SortUpdated, "Last updated"}, {SortLastLogin, "Last login"},
}

// ColumnSet is the optional columns a browser shows. The nil set, before
// any choice is made, shows them all.
type ColumnSet map[string]bool

// ParseColumns keeps the known keys of keys; the result is never nil, so
// choosing no optional column at all is remembered.
func ParseColumns(keys []string) ColumnSet {
	s := ColumnSet{}
	for _, k := range keys {
		for _, c := range Columns {
			if c.Key == k {
				s[k] = true
			}
		}
	}
	return s
}

// DecodeColumns reads a set written by Encode.
func DecodeColumns(s string) ColumnSet { return ParseColumns(strings.Split(s, ".")) }

// Encode writes the set as its keys in table order, joined by dots (a
// cookie-safe value).
func (s ColumnSet) Encode() string {
	var keys []string
	for _, c := range Columns {
		if s.Shows(c.Key) {
			keys = append(keys, c.Key)
		}
	}
	return strings.Join(keys, ".")
}

// Shows reports whether the column key is visible.
func (s ColumnSet) Shows(key string) bool { return s == nil || s[key] }
