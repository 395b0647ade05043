package runai

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is a Run:ai role, looked up by its id (ids differ between tenants
// and are never hard-coded).
type Role struct {
	ID          int
	Name        string
	Description string
	Custom      bool
	Enabled     bool
}

// ScopeType is the kind of scope an access rule applies to.
type ScopeType string

// The scope types. System exists in the API but is never offered: it is
// above any tenant.
const (
	ScopeSystem     ScopeType = "system"
	ScopeTenant     ScopeType = "tenant"
	ScopeCluster    ScopeType = "cluster"
	ScopeDepartment ScopeType = "department"
	ScopeProject    ScopeType = "project"
)

// ScopeTypes lists the scope types the dashboard offers, broadest first.
var ScopeTypes = []ScopeType{ScopeTenant, ScopeCluster, ScopeDepartment, ScopeProject}

// Offered reports whether t is one of ScopeTypes.
func (t ScopeType) Offered() bool { return slices.Contains(ScopeTypes, t) }

// Label is the scope type in words, capitalised.
func (t ScopeType) Label() string {
	if t == "" {
		return ""
	}
	return strings.ToUpper(string(t[:1])) + string(t[1:])
}

// Subject types of access rules. A service account's rules carry
// SubjectServiceAccount, or the deprecated SubjectApp of older releases.
const (
	SubjectServiceAccount = "service-account"
	SubjectApp            = "app"
	SubjectUser           = "user"
	SubjectGroup          = "group"
)

// AccessRule gives a subject a role on a scope. Rules cannot be edited:
// they are deleted and created.
type AccessRule struct {
	ID          int
	SubjectType string
	SubjectID   string
	RoleID      int
	RoleName    string
	ScopeType   ScopeType
	ScopeID     string
	ScopeName   string
	ScopePath   string // "prod / ml / team-a"; filled from Scopes when the API did not say
	ClusterID   string
	CreatedBy   string
	CreatedAt   time.Time
	Phase       string // status.phase on clusters that report it; "" otherwise
}

// Grant is what an access rule gives: a role on a scope. Two rules with
// the same grant are duplicates.
type Grant struct {
	RoleID    int
	ScopeType ScopeType
	ScopeID   string
}

// Grant returns what the rule gives.
func (r AccessRule) Grant() Grant {
	return Grant{RoleID: r.RoleID, ScopeType: r.ScopeType, ScopeID: r.ScopeID}
}

// Label is the rule in words: "ML engineer · prod / ml / team-a".
func (r AccessRule) Label() string {
	where := r.ScopePath
	if where == "" {
		where = r.ScopeName
	}
	if where == "" {
		where = string(r.ScopeType) + " " + r.ScopeID
	}
	return r.RoleName + " · " + where
}

// forServiceAccount reports whether the rule's subject is a service
// account (of either subject type).
func (r AccessRule) forServiceAccount() bool {
	return r.SubjectType == SubjectServiceAccount || r.SubjectType == SubjectApp
}

// SubjectKey names the account identifier sent as an access rule's
// subjectId when creating one. The API documents subjectId only as "the
// unique identifier of the subject": public examples use the client ID,
// older console documentation the name. ACCESS_RULE_SUBJECT chooses.
type SubjectKey string

// The subject keys.
const (
	SubjectByClientID SubjectKey = "client-id"
	SubjectByID       SubjectKey = "id"
	SubjectByName     SubjectKey = "name"
)

// SubjectKeys lists the subject keys, the default first.
var SubjectKeys = []SubjectKey{SubjectByClientID, SubjectByID, SubjectByName}

// ParseSubjectKey reads a subject key.
func ParseSubjectKey(s string) (SubjectKey, error) {
	for _, k := range SubjectKeys {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%q: want client-id, id or name", s)
}

// Of is the subject id this key gives the account.
func (k SubjectKey) Of(a ServiceAccount) string {
	switch k {
	case SubjectByID:
		return a.ID
	case SubjectByName:
		return a.Name
	}
	return a.ClientID
}

// Owns reports whether the rule belongs to the account: a service-account
// (or app) rule whose subject is the account's id, client ID or name,
// whichever the tenant uses. Rules of users and groups never do.
func (a ServiceAccount) Owns(r AccessRule) bool {
	if !r.forServiceAccount() || r.SubjectID == "" {
		return false
	}
	return r.SubjectID == a.ID || r.SubjectID == a.ClientID || r.SubjectID == a.Name
}

// SubjectIDs are the identifiers a rule of the account may name, for the
// API's subjectIds filter.
func (a ServiceAccount) SubjectIDs() []string {
	var ids []string
	for _, s := range []string{a.ID, a.ClientID, a.Name} {
		if s != "" && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	return ids
}

// RulesByAccount files rules under the id of the account each belongs to;
// a rule whose subject matches no account is dropped. When a subject id
// could name two accounts (one's name is another's id), the id wins, then
// the client ID, then the name.
func RulesByAccount(accounts []ServiceAccount, rules []AccessRule) map[string][]AccessRule {
	byID := make(map[string]string, len(accounts))
	byClient := make(map[string]string, len(accounts))
	byName := make(map[string]string, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a.ID
		if a.ClientID != "" {
			byClient[a.ClientID] = a.ID
		}
		if a.Name != "" {
			byName[a.Name] = a.ID
		}
	}
	// Two passes: each rule's owner and how many each owner holds, then
	// one array for all, each owner's part capped at its own end.
	owner := make([]string, len(rules))
	count := map[string]int{}
	for i, r := range rules {
		if !r.forServiceAccount() || r.SubjectID == "" {
			continue
		}
		for _, m := range [...]map[string]string{byID, byClient, byName} {
			if id, ok := m[r.SubjectID]; ok {
				owner[i] = id
				count[id]++
				break
			}
		}
	}
	total := 0
	for _, n := range count {
		total += n
	}
	buf := make([]AccessRule, 0, total)
	out := make(map[string][]AccessRule, len(count))
	for i, r := range rules {
		id := owner[i]
		if id == "" {
			continue
		}
		part, ok := out[id]
		if !ok {
			start := len(buf)
			buf = buf[:start+count[id]]
			part = buf[start : start : start+count[id]]
		}
		out[id] = append(part, r)
	}
	return out
}

// NewAccessRule is what creating a rule sends.
type NewAccessRule struct {
	SubjectID string
	RoleID    int
	ScopeType ScopeType
	ScopeID   string
	ClusterID string // for cluster, department and project scopes
}

// Catalog is what an access rule can name: the roles and the scopes a
// token may see. A part that could not be read carries its error; the
// rest is still used.
type Catalog struct {
	Roles     []Role
	RolesErr  error
	Scopes    Scopes
	ScopesErr error
}

// Role looks a role up by id.
func (c Catalog) Role(id int) (Role, bool) {
	for _, r := range c.Roles {
		if r.ID == id {
			return r, true
		}
	}
	return Role{}, false
}

// Complete reports whether every part was read.
func (c Catalog) Complete() bool { return c.RolesErr == nil && c.ScopesErr == nil }

// ApproxBytes estimates the memory c holds.
func (c Catalog) ApproxBytes() int64 {
	n := c.Scopes.ApproxBytes()
	for _, r := range c.Roles {
		n += r.ApproxBytes()
	}
	return n
}
