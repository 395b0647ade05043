// Package rotation is rotation without an outage, read from names alone.
//
// A Run:ai service account holds one secret, so a rotation moves the
// workload to a successor account with the same access and retires the old
// one once nothing uses it. The dashboard keeps no state of its own: the
// pairing is in the names. A successor is named after the account it
// replaces with a generation suffix, "etl" → "etl-r2" → "etl-r3", so every
// admin, browser and replica sees the same rotations, read back from
// Run:ai.
package rotation

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/saname"
)

// familyLen is how much of a base name identifies its family: successor
// names keep at least this much of it, even when the base is shortened to
// fit the name length limit.
const familyLen = 240

// Parse splits a name into its base and generation: "etl-r3" is ("etl",
// 3); a name without a suffix is generation 1.
func Parse(name string) (base string, gen int) {
	// The suffix is "-r" and a generation from 2, without a leading zero
	// ("-r2", "-r17"), read by hand: every list read parses every name.
	i := strings.LastIndex(name, "-r")
	if i <= 0 {
		return name, 1
	}
	digits := name[i+2:]
	if digits == "" || digits[0] == '0' || strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) {
		return name, 1
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 2 {
		return name, 1
	}
	return name[:i], n
}

// family identifies the accounts of one rotation: the first familyLen
// characters of the base.
func family(name string) string {
	base, _ := Parse(name)
	return strings.TrimRight(base[:min(len(base), familyLen)], "-_")
}

// Name is the successor name of generation gen for an account called
// name: its base, shortened if need be to stay within the name rule's
// length (never below what identifies the family), and "-r<gen>". The
// result is valid by the name rule whenever name is.
func Name(name string, gen int) string {
	base, _ := Parse(name)
	suffix := "-r" + strconv.Itoa(gen)
	if len(base)+len(suffix) > saname.MaxLen {
		base = strings.TrimRight(base[:saname.MaxLen-len(suffix)], "-_")
	}
	return base + suffix
}

// Next is the successor name an account gets: the generation after the
// highest one its family has used, skipping names taken by any account.
func Next(name string, accounts []runai.ServiceAccount) string {
	fam := family(name)
	_, gen := Parse(name)
	taken := map[string]bool{}
	for _, a := range accounts {
		taken[a.Name] = true
		if family(a.Name) == fam {
			_, g := Parse(a.Name)
			gen = max(gen, g)
		}
	}
	for gen++; taken[Name(name, gen)]; gen++ {
	}
	return Name(name, gen)
}

// Follows reports whether successor is a valid successor name for old: the
// same family, a later generation.
func Follows(successor, old string) error {
	if err := saname.Validate(successor); err != nil {
		return err
	}
	_, og := Parse(old)
	_, sg := Parse(successor)
	if family(successor) != family(old) || sg <= og {
		return fmt.Errorf("the name must be %q followed by -r and a generation above %d (such as %q), so that the rotation can be followed", family(old), og, Name(old, og+1))
	}
	return nil
}

// Pair is a rotation in progress: an account and its successor, both
// still in Run:ai.
type Pair struct {
	Old, Successor runai.ServiceAccount
}

// Started is when the rotation began: the successor's creation.
func (p Pair) Started() time.Time { return p.Successor.CreatedAt }

// Family is the accounts of a's family (a among them): Pairs of them are
// the rotations a can be part of, found without sorting every family.
func Family(accounts []runai.ServiceAccount, a runai.ServiceAccount) []runai.ServiceAccount {
	f := family(a.Name)
	var out []runai.ServiceAccount
	for _, x := range accounts {
		if x.Name != "" && family(x.Name) == f {
			out = append(out, x)
		}
	}
	return out
}

// Pairs finds the rotations among accounts: in each family of two or more
// accounts, each account and the next generation present, sorted by the
// old account's name.
func Pairs(accounts []runai.ServiceAccount) []Pair {
	families := map[string][]runai.ServiceAccount{}
	for _, a := range accounts {
		if a.Name == "" {
			continue
		}
		f := family(a.Name)
		families[f] = append(families[f], a)
	}
	var out []Pair
	for _, members := range families {
		if len(members) < 2 {
			continue
		}
		slices.SortFunc(members, func(a, b runai.ServiceAccount) int {
			_, ga := Parse(a.Name)
			_, gb := Parse(b.Name)
			return cmp.Or(cmp.Compare(ga, gb), a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Name, b.Name))
		})
		for i := 0; i+1 < len(members); i++ {
			_, g1 := Parse(members[i].Name)
			_, g2 := Parse(members[i+1].Name)
			if g1 != g2 {
				out = append(out, Pair{Old: members[i], Successor: members[i+1]})
			}
		}
	}
	slices.SortFunc(out, func(a, b Pair) int { return cmp.Compare(a.Old.Name, b.Old.Name) })
	return out
}

// Of finds the rotations an account is part of: the one it is rotating
// to a successor in (as old), and the one it succeeds in (as successor).
func Of(pairs []Pair, id string) (asOld, asSuccessor *Pair) {
	for i := range pairs {
		switch id {
		case pairs[i].Old.ID:
			asOld = &pairs[i]
		case pairs[i].Successor.ID:
			asSuccessor = &pairs[i]
		}
	}
	return asOld, asSuccessor
}

// Step is where a rotation stands.
type Step int

// The steps of a rotation, in order.
const (
	// HandOver: the successor has never logged in; give its credentials
	// to whatever used the old account.
	HandOver Step = iota
	// Overlap: both log in; the old account is still used after the
	// successor last was.
	Overlap
	// Retire: the successor is in use and the old account has not been
	// used since; disable the old account.
	Retire
	// Delete: the old account is disabled; delete it once sure.
	Delete
	// Cancelled: the successor is disabled; delete it to end the
	// rotation, or enable it to go on.
	Cancelled
)

// StepOf is where the rotation stands, from the two accounts alone.
func (p Pair) StepOf() Step {
	switch {
	case !p.Successor.Enabled:
		return Cancelled
	case !p.Old.Enabled:
		return Delete
	case p.Successor.NeverUsed():
		return HandOver
	case p.OldUsedAfterSuccessor():
		return Overlap
	}
	return Retire
}

// OldUsedAfterSuccessor reports that the old account logged in after the
// successor last did: something still uses the old credentials. (Before
// the successor's first login, that says nothing new.)
func (p Pair) OldUsedAfterSuccessor() bool {
	return !p.Successor.NeverUsed() && p.Old.LastLogin.After(p.Successor.LastLogin)
}

// OldUsedSinceStart reports that the old account logged in after the
// rotation began.
func (p Pair) OldUsedSinceStart() bool {
	return !p.Old.LastLogin.IsZero() && p.Old.LastLogin.After(p.Started())
}

// Warnings say why retiring now may cause an outage; none when it is safe.
func (p Pair) Warnings() []string {
	var w []string
	if p.Successor.NeverUsed() {
		w = append(w, fmt.Sprintf("%s has never logged in: nothing uses the new credentials yet.", p.Successor.Name))
	}
	if p.OldUsedAfterSuccessor() {
		w = append(w, fmt.Sprintf("%s logged in after %s last did: something still uses the old credentials.", p.Old.Name, p.Successor.Name))
	}
	return w
}
