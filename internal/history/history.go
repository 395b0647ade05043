// Package history turns Run:ai audit-log events and the dashboard's own
// record into the history of service accounts: what happened, to which
// account or access rule, by whom, and (where a request id joins the two)
// which person behind the dashboard did it. It holds no I/O.
//
// The audit log does not document its entity types. An event is taken as
// about a service account when its entity type reads, letters only and
// case aside, "serviceaccount", "app" or "application" (or, without a
// type, its URL is under /service-accounts), and about an access rule
// when it reads "accessrule" (or its URL is under
// /authorization/access-rules). Plurals count too.
package history

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/runai-tools/sa-dashboard/internal/record"
	"github.com/runai-tools/sa-dashboard/internal/runai"
)

// Kind is what happened.
type Kind string

// The kinds, also the values of the Activity page's action filter.
const (
	Created     Kind = "created"
	Enabled     Kind = "enabled"
	Disabled    Kind = "disabled"
	Updated     Kind = "updated"
	Deleted     Kind = "deleted"
	Regenerated Kind = "secret-regenerated"
	RuleAdded   Kind = "rule-added"
	RuleRemoved Kind = "rule-removed"
	SignedIn    Kind = "signed-in" // the account obtained a token
	// Delivered: the dashboard wrote the account's credentials into a
	// Kubernetes Secret (its record alone knows).
	Delivered Kind = "delivered"
)

// Kinds lists the kinds in the order a filter offers them.
var Kinds = []Kind{Created, Enabled, Disabled, Updated, Deleted, Regenerated, RuleAdded, RuleRemoved, SignedIn, Delivered}

// Label names a kind in a filter.
func (k Kind) Label() string {
	switch k {
	case Created:
		return "Created"
	case Enabled:
		return "Enabled"
	case Disabled:
		return "Disabled"
	case Updated:
		return "Other changes"
	case Deleted:
		return "Deleted"
	case Regenerated:
		return "Secret regenerated"
	case RuleAdded:
		return "Access rule added"
	case RuleRemoved:
		return "Access rule removed"
	case Delivered:
		return "Delivered to a Secret"
	case SignedIn:
		return "Token obtained"
	}
	return string(k)
}

// Item is one event of a history.
type Item struct {
	Time time.Time
	Kind Kind
	// Actor is who Run:ai says made the call (a user's email, an
	// application's client ID); Via is the SSO identity behind it when the
	// dashboard made the call (see Attribute).
	Actor      string
	ViaDash    bool
	Via        string
	AccountID  string
	Account    string // the account's name, when known
	Rule       string // "ML engineer · acme/prod/ml/team-a", for rule events
	RuleID     string
	RuleHolder string // the rule's subject id, for rule events
	Failed     bool
	Unknown    bool // the dashboard got no answer: the change may have been made
	Status     int
	RequestID  string
	// FromRecord marks an item of the dashboard's own record (Run:ai's
	// history was not readable).
	FromRecord bool
}

// Subject of a rule event's metadata, and the other metadata keys read.
const (
	MetaSubjectID   = "subjectId"
	MetaSubjectType = "subjectType"
	MetaRoleName    = "roleName"
	MetaScopeName   = "scopeName"
	MetaScopePath   = "scopePath"
	MetaEnabled     = "enabled"
)

type entity int

const (
	entityOther entity = iota
	entityAccount
	entityRule
)

// entityOf classifies an event's entity, tolerantly.
func entityOf(e runai.AuditEvent) entity {
	t := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, e.EntityType)
	t = strings.TrimSuffix(t, "s")
	switch t {
	case "serviceaccount", "app", "application", "serviceaccountsecret", "secret":
		return entityAccount
	case "accessrule":
		return entityRule
	case "":
		path := e.URL
		switch {
		case strings.Contains(path, "/service-accounts"):
			return entityAccount
		case strings.Contains(path, "/authorization/access-rules"):
			return entityRule
		}
	}
	return entityOther
}

// FromEvent reads an audit-log event; ok is false for events about
// anything but service accounts and access rules.
func FromEvent(e runai.AuditEvent) (Item, bool) {
	it := Item{
		Time: e.Time, Actor: e.Subject, Failed: e.Failed(), Status: e.Status, RequestID: e.RequestID,
	}
	action := strings.ToLower(e.Action)
	switch entityOf(e) {
	case entityAccount:
		it.AccountID, it.Account = e.EntityID, e.EntityName
		switch {
		case action == "sign-in" || action == "login" || action == "token":
			it.Kind = SignedIn
		case strings.HasSuffix(strings.TrimRight(urlPath(e.URL), "/"), "/secret") || strings.Contains(strings.ToLower(e.EntityType), "secret"):
			it.Kind = Regenerated
		case action == "create":
			it.Kind = Created
		case action == "delete":
			it.Kind = Deleted
		default:
			it.Kind = Updated
			switch strings.ToLower(e.Metadata[MetaEnabled]) {
			case "true":
				it.Kind = Enabled
			case "false":
				it.Kind = Disabled
			}
		}
	case entityRule:
		it.RuleID = e.EntityID
		it.RuleHolder = e.Metadata[MetaSubjectID]
		it.Rule = ruleText(e)
		switch action {
		case "create":
			it.Kind = RuleAdded
		case "delete":
			it.Kind = RuleRemoved
		default:
			return Item{}, false
		}
		if st := e.Metadata[MetaSubjectType]; st != "" && st != runai.SubjectServiceAccount && st != runai.SubjectApp {
			return Item{}, false // a user's or group's rule
		}
	default:
		return Item{}, false
	}
	return it, true
}

// ruleText names a rule: role and scope from the metadata when given,
// else the event's entity name, else its id.
func ruleText(e runai.AuditEvent) string {
	role := e.Metadata[MetaRoleName]
	scope := e.Metadata[MetaScopePath]
	if scope == "" {
		scope = e.Metadata[MetaScopeName]
	}
	switch {
	case role != "" && scope != "":
		return role + " · " + scope
	case e.EntityName != "":
		return e.EntityName
	case e.EntityID != "":
		return "#" + e.EntityID
	}
	return "an access rule"
}

func urlPath(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// About reports whether the item concerns account a: an event on the
// account (by id, or by name when the event gives no id), or on a rule
// whose subject is the account (its id, client ID or name) or whose id is
// one of ruleIDs (its rules now).
func (it Item) About(a runai.ServiceAccount, ruleIDs []string) bool {
	if it.AboutRule() {
		if h := it.RuleHolder; h != "" {
			return h == a.ID || h == a.ClientID || h == a.Name
		}
		return it.RuleID != "" && slices.Contains(ruleIDs, it.RuleID)
	}
	if it.AccountID != "" {
		return it.AccountID == a.ID || it.AccountID == a.ClientID
	}
	return it.Account != "" && it.Account == a.Name
}

// AboutRule reports an event on an access rule (rather than on an
// account).
func (it Item) AboutRule() bool { return it.Kind == RuleAdded || it.Kind == RuleRemoved }

// FromRecord reads an entry of the dashboard's own record; ok is false
// for actions that change nothing a history shows.
func FromRecord(e record.Entry) (Item, bool) {
	it := Item{
		Time: e.Time, Actor: e.Subject, ViaDash: true, Via: e.SSO, AccountID: e.AccountID, Account: e.AccountName,
		Failed: e.Outcome != record.Succeeded, Unknown: e.Outcome == record.Unknown || e.Outcome == record.Pending, Status: e.Status,
		RequestID:  e.RequestID,
		FromRecord: true,
	}
	switch strings.TrimPrefix(e.Action, "bulk-") {
	case "create":
		it.Kind = Created
	case "enable":
		it.Kind = Enabled
	case "disable":
		it.Kind = Disabled
	case "delete":
		it.Kind = Deleted
	case "regenerate-secret":
		it.Kind = Regenerated
	case "add-access-rule":
		it.Kind, it.Rule = RuleAdded, e.Detail
	case "remove-access-rule":
		it.Kind, it.Rule = RuleRemoved, e.Detail
	case "deliver-secret":
		it.Kind, it.Rule = Delivered, e.Detail
	default:
		return Item{}, false
	}
	return it, true
}

// Attribution joins Run:ai's events with the dashboard's record by the
// request id the dashboard sent with each call: request id → the SSO
// identities the record names for it (record.Store.Identities).
type Attribution map[string][]string

// Apply marks it as made through this dashboard, by the SSO identity the
// record names, when the record holds its request id.
func (a Attribution) Apply(it *Item) {
	if it.RequestID == "" || it.FromRecord {
		return
	}
	// A request id the record gives two identities (a proxy reusing ids,
	// say) attributes nothing.
	if who, ok := a[it.RequestID]; ok && len(who) == 1 {
		it.ViaDash, it.Via = true, who[0]
	}
}

// Sentence says what happened, in words: on an account's own page the
// account is "this account"; elsewhere it is named (the Activity page
// links the name).
func (it Item) Sentence(onAccount bool) string {
	who := it.Actor
	if who == "" {
		who = "someone"
	}
	target := "this account"
	if !onAccount {
		target = it.Account
		if target == "" {
			target = "an account"
		}
	}
	tried := func(did, try string) string {
		if it.Failed {
			return who + " tried to " + try
		}
		return who + " " + did
	}
	switch it.Kind {
	case Created:
		return tried("created "+target, "create "+target)
	case Enabled:
		return tried("enabled "+target, "enable "+target)
	case Disabled:
		return tried("disabled "+target, "disable "+target)
	case Deleted:
		return tried("deleted "+target, "delete "+target)
	case Updated:
		return tried("changed "+target, "change "+target)
	case Regenerated:
		if it.Failed {
			return who + " tried to regenerate the secret"
		}
		if onAccount {
			return "the secret was regenerated by " + who
		}
		return "the secret of " + target + " was regenerated by " + who
	case RuleAdded:
		if it.Failed {
			return who + " tried to add the rule " + it.Rule
		}
		return "rule " + it.Rule + " added by " + who
	case RuleRemoved:
		if it.Failed {
			return who + " tried to remove the rule " + it.Rule
		}
		return "rule " + it.Rule + " removed by " + who
	case SignedIn:
		if it.Failed {
			return target + " was refused a token"
		}
		return target + " obtained a token"
	case Delivered:
		if it.Failed {
			return who + " tried to deliver the credentials to " + it.Rule
		}
		return "the credentials were delivered to " + it.Rule + " by " + who
	}
	return who + " acted on " + target
}
