// Package apidoc embeds the Run:ai API documents the dashboard is built and
// tested against: the published service-accounts document and the access
// rules subset, copied verbatim, and a small document for the two token
// endpoints. It also
// reads the few rules that code derives from them (the stub's name check),
// so those rules are written once, in the document.
package apidoc

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// ServiceAccounts is the published service-accounts API document.
//
//go:embed runai-service-accounts.openapi.json
var ServiceAccounts []byte

// AccessRules is the Run:ai 2.24 subset for access rules, roles, scopes
// (clusters, departments, projects) and the audit log.
//
//go:embed runai-access-rules.openapi.json
var AccessRules []byte

// Token describes POST /api/v2/token and POST /api/v1/token.
//
//go:embed token.openapi.json
var Token []byte

// StringRule is a string schema's pattern and length bounds, in
// characters (JSON Schema counts code points).
type StringRule struct {
	Pattern   string
	MinLength int
	MaxLength int
}

// ServiceAccountName is the rule for ServiceAccountCreationRequest.name.
func ServiceAccountName() (StringRule, error) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Pattern   string `json:"pattern"`
					MinLength *int   `json:"minLength"`
					MaxLength *int   `json:"maxLength"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(ServiceAccounts, &doc); err != nil {
		return StringRule{}, fmt.Errorf("apidoc: %w", err)
	}
	p, ok := doc.Components.Schemas["ServiceAccountCreationRequest"].Properties["name"]
	if !ok || p.Pattern == "" || p.MinLength == nil || p.MaxLength == nil {
		return StringRule{}, fmt.Errorf("apidoc: ServiceAccountCreationRequest.name has no pattern or length bounds")
	}
	return StringRule{Pattern: p.Pattern, MinLength: *p.MinLength, MaxLength: *p.MaxLength}, nil
}
