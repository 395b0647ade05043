package form

import (
	"net/url"

	"github.com/runai-tools/sa-dashboard/internal/saname"
)

// Create is the create-account form, with an optional initial access
// rule so that the new account is usable in one step.
type Create struct {
	Name   string
	Access Grant // Empty when no initial rule was asked for
}

// ParseCreate reads the form.
func ParseCreate(v url.Values) Create { return Create{Name: one(v, FieldName), Access: ParseGrant(v)} }

// Validate applies the API's name rule and, when a rule is asked for,
// checks its choice.
func (f Create) Validate() Errors {
	e := Errors{}
	if err := saname.Validate(f.Name); err != nil {
		e[FieldName] = "Invalid name: " + err.Error() + "."
	}
	if !f.Access.Empty() {
		for k, v := range f.Access.Validate() {
			e[k] = v
		}
	}
	return e.orNil()
}

// Verify carries freshly shown credentials to the token endpoint, to prove
// they work. The secret is not kept.
type Verify struct {
	ClientID     string
	ClientSecret string
}

// ParseVerify reads the form.
func ParseVerify(v url.Values) Verify {
	return Verify{ClientID: one(v, FieldClientID), ClientSecret: v.Get(FieldClientSecret)}
}

// Validate requires both parts of the credentials.
func (f Verify) Validate() Errors {
	if f.ClientID == "" || f.ClientSecret == "" {
		return Errors{FieldClientSecret: "Nothing to verify: the client ID or secret is missing."}
	}
	return nil
}
