package form

import (
	"net/url"

	"github.com/runai-tools/sa-dashboard/internal/saname"
)

// Create is the create-account form.
type Create struct {
	Name string
}

// ParseCreate reads the form.
func ParseCreate(v url.Values) Create { return Create{Name: one(v, FieldName)} }

// Validate applies the API's name rule.
func (f Create) Validate() Errors {
	if err := saname.Validate(f.Name); err != nil {
		return Errors{FieldName: "Invalid name: " + err.Error() + "."}
	}
	return nil
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
