// Package runai is the dashboard's model of the Run:ai objects it manages,
// independent of how they travel (apiclient decodes into these types) and
// of how they are shown (views render them). It holds no I/O.
package runai

import "time"

// MaxServiceAccounts is the most service accounts the API lists: its
// ServiceAccounts schema caps the array at 1000 items. It bounds what one
// bulk action may name, and a listing longer than this is refused.
const MaxServiceAccounts = 1000

// MaxRulesPerAccount is a sane maximum of access rules for one service
// account (the API sets none); with MaxServiceAccounts it bounds how many
// service-account rules the dashboard reads, MaxServiceAccountRules, so
// that an upstream claiming more cannot make it read (and keep) them all.
const MaxRulesPerAccount = 50

// MaxServiceAccountRules is the most service-account access rules the
// dashboard reads in one listing.
const MaxServiceAccountRules = MaxServiceAccounts * MaxRulesPerAccount

// ServiceAccount is one Run:ai service account. A zero time means the API
// sent null or nothing: for LastLogin, the account never obtained a token.
type ServiceAccount struct {
	ID        string
	Name      string
	ClientID  string
	CreatedBy string
	TenantID  string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
	LastLogin time.Time
}

// NeverUsed reports whether the account has never obtained a token.
func (a ServiceAccount) NeverUsed() bool { return a.LastLogin.IsZero() }

// UnusedFor reports whether the account was last used more than d before
// now. An account never used is not "unused for" anything: NeverUsed says
// that.
func (a ServiceAccount) UnusedFor(d time.Duration, now time.Time) bool {
	return !a.LastLogin.IsZero() && now.Sub(a.LastLogin) > d
}
