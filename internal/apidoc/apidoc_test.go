package apidoc

import "testing"

func TestServiceAccountName(t *testing.T) {
	r, err := ServiceAccountName()
	if err != nil {
		t.Fatal(err)
	}
	want := StringRule{Pattern: `^[a-z][-_a-z0-9]*[a-z0-9]$`, MinLength: 2, MaxLength: 255}
	if r != want {
		t.Errorf("got %+v, want %+v", r, want)
	}
}
