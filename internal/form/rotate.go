package form

import (
	"net/url"

	"github.com/runai-tools/sa-dashboard/internal/rotation"
)

// Rotate starts a rotation: the successor's name, proposed by the
// convention and editable within it.
type Rotate struct {
	Name string // the successor's
	Old  string // the name of the account being rotated, for Validate
}

// ParseRotate reads the form for rotating the account called old.
func ParseRotate(v url.Values, old string) Rotate { return Rotate{Name: one(v, FieldName), Old: old} }

// Validate applies the name rule and the rotation convention, which is
// how the rotation is followed afterwards.
func (f Rotate) Validate() Errors {
	if err := rotation.Follows(f.Name, f.Old); err != nil {
		return Errors{FieldName: "Invalid successor name: " + err.Error() + "."}
	}
	return nil
}
