package listview

import "strings"

// Column is an optional column of the accounts table (the name always
// shows).
type Column struct {
	Key     string // its sort key
	Label   string // its heading
	Default bool   // shown before a browser chooses
}

// Columns lists the optional columns in table order. The dates of
// creation and update, and the creator, are on the account's page and a
// choice away: a lean default table renders fast at 1000 accounts.
var Columns = []Column{
	{SortClientID, "Client ID", true}, {SortStatus, "Status", true}, {SortAccess, "Access rules", true},
	{SortCreatedBy, "Created by", false}, {SortCreated, "Created", false}, {SortUpdated, "Last updated", false},
	{SortLastLogin, "Last login", true},
}

// ColumnSet is the optional columns a browser shows. The nil set, before
// any choice is made, shows the default ones.
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
func (s ColumnSet) Shows(key string) bool {
	if s == nil {
		for _, c := range Columns {
			if c.Key == key {
				return c.Default
			}
		}
		return false
	}
	return s[key]
}
