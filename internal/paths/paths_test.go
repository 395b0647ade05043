package paths

import (
	"net/url"
	"testing"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		got  Path
		want string
	}{
		{Accounts.Link(), "/accounts"},
		{Accounts.Link().Query(url.Values{"q": {"a b"}, "sort": {"lastLogin"}}), "/accounts?q=a+b&sort=lastLogin"},
		{Accounts.Link().Query(nil), "/accounts"},
		{AccountDelete.ID("a/b"), "/accounts/a%2Fb/delete"},
		{Account.ID(".."), "/accounts/%2E%2E"},
		{Account.ID("q?x#y"), "/accounts/q%3Fx%23y"},
		{AccountsExport.Link().RawQuery("status=enabled"), "/accounts/export.csv?status=enabled"},
		{AccountRuleDelete.Rule("a/b", 1042), "/accounts/a%2Fb/rules/1042/delete"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	if got := Accounts.Link().Under("/runai-sa"); got != "/runai-sa/accounts" {
		t.Errorf("Under: %s", got)
	}
}

func TestMisuseFailsLoudly(t *testing.T) {
	for name, f := range map[string]func(){
		"Link with a parameter": func() { Account.Link() },
		"ID without :id":        func() { Accounts.ID("x") },
		"Link of the wildcard":  func() { Static.Link() },
		"Rule without :rule":    func() { Account.Rule("x", 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}
