package kube

import (
	"errors"
	"slices"
	"testing"

	"k8s.io/client-go/rest"
)

func TestGroupsNeverPassSystemGroups(t *testing.T) {
	got := Groups([]string{"platform-admins", "system:masters", " system:nodes", "", " devs "})
	if !slices.Equal(got, []string{"platform-admins", "devs"}) {
		t.Errorf("Groups = %v", got)
	}
}

func TestFor(t *testing.T) {
	rc := &rest.Config{Host: "https://127.0.0.1:1"}
	own, err := FromREST(rc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if cl, err := own.For(Person{}); err != nil || cl.As != "the dashboard's service account" {
		t.Errorf("without impersonation: %v %v", cl.As, err)
	}
	imp, err := FromREST(rc, Config{Impersonate: true, UserPrefix: "oidc:"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    Person
		as   string
		err  bool
	}{
		{"a person", Person{User: "ada@corp.example", Groups: []string{"admins"}}, "oidc:ada@corp.example", false},
		{"no person", Person{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl, err := imp.For(tt.p)
			if (err != nil) != tt.err || cl.As != tt.as {
				t.Errorf("For = %q, %v", cl.As, err)
			}
		})
	}
	if _, err := imp.For(Person{}); !errors.Is(err, ErrNoPerson) {
		t.Errorf("no person: %v", err)
	}
	bare, _ := FromREST(rc, Config{Impersonate: true})
	if _, err := bare.For(Person{User: "system:admin"}); err == nil {
		t.Error("a system: user would be impersonated")
	}
}
