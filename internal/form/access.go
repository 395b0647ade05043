package form

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Fields of a role-on-a-scope choice.
const (
	FieldRole      = "role"
	FieldScopeType = "scope_type"
	FieldScope     = "scope" // "type:id", see ScopeValue
	FieldFrom      = "from"  // the account to copy access from
)

// ScopeValue is a scope as a picker's option value: "project:42". Ids of
// different scope types may coincide, so the type travels with the id.
func ScopeValue(t runai.ScopeType, id string) string { return string(t) + ":" + id }

// Grant is a role on a scope chosen in a form: an account's new access
// rule, a new account's initial access, a bulk addition.
type Grant struct {
	RoleID    int             // 0 when no role is chosen
	ScopeType runai.ScopeType // the scope's type, from the scope value
	ScopeID   string
	// PickedType is the scope type chosen to narrow the scope picker.
	// The scope's own type decides: without JavaScript the picker offers
	// every scope whatever type is picked, so a scope of another type is
	// what the user chose, not a mistake.
	PickedType runai.ScopeType
	badRole    bool
	badScope   bool
}

// ParseGrant reads a grant's fields.
func ParseGrant(v url.Values) Grant {
	g := Grant{PickedType: runai.ScopeType(one(v, FieldScopeType))}
	if r := one(v, FieldRole); r != "" {
		n, err := strconv.Atoi(r)
		g.RoleID, g.badRole = n, err != nil || n <= 0
	}
	if s := one(v, FieldScope); s != "" {
		t, id, ok := strings.Cut(s, ":")
		g.ScopeType, g.ScopeID, g.badScope = runai.ScopeType(t), id, !ok || id == "" || !runai.ScopeType(t).Offered()
	}
	return g
}

// Empty reports that neither a role nor a scope was chosen (the create
// form's initial access is optional).
func (g Grant) Empty() bool {
	return g.RoleID == 0 && !g.badRole && g.ScopeID == "" && !g.badScope
}

// Grant is what the form asks for, once valid.
func (g Grant) Grant() runai.Grant {
	return runai.Grant{RoleID: g.RoleID, ScopeType: g.ScopeType, ScopeID: g.ScopeID}
}

// Validate requires a role and a scope the dashboard offers. (Whether the
// role and scope exist, and whether the account already has them, the
// handler checks against the API.)
func (g Grant) Validate() Errors {
	e := Errors{}
	switch {
	case g.badRole:
		e[FieldRole] = "Choose a role from the list."
	case g.RoleID == 0:
		e[FieldRole] = "Choose a role."
	}
	switch {
	case g.badScope:
		e[FieldScope] = "Choose a scope from the list: a tenant, cluster, department or project."
	case g.ScopeID == "":
		e[FieldScope] = "Choose a scope."
	}
	return e.orNil()
}

// CopyAccess is the form that copies another account's access.
type CopyAccess struct {
	From string // the source account's id
}

// ParseCopyAccess reads the form.
func ParseCopyAccess(v url.Values) CopyAccess { return CopyAccess{From: one(v, FieldFrom)} }

// Validate requires a source account.
func (f CopyAccess) Validate() Errors {
	if f.From == "" {
		return Errors{FieldFrom: "Choose the account to copy access from."}
	}
	return nil
}
