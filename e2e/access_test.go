package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/views"
)

// accessAccounts adds ml-trainer (two rules), old-batch (disabled, one
// rule) and fresh-bot (none).
func accessAccounts(en *env) map[string]stub.Account {
	now := time.Now()
	out := map[string]stub.Account{}
	for _, a := range []stub.Account{
		{Name: "ml-trainer", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-30 * 24 * time.Hour), LastLogin: now.Add(-time.Hour)},
		{Name: "old-batch", CreatedBy: "bob@x.io", Enabled: false, CreatedAt: now.Add(-300 * 24 * time.Hour), LastLogin: now.Add(-200 * 24 * time.Hour)},
		{Name: "fresh-bot", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-2 * 24 * time.Hour)},
	} {
		out[a.Name] = en.stub.Insert(a, "s")
	}
	sc := en.stub.Scopes()
	en.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: out["ml-trainer"].ClientID, RoleID: 28, ScopeType: runai.ScopeProject, ScopeID: sc.Projects[0].ID})
	en.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: out["ml-trainer"].ClientID, RoleID: 3, ScopeType: runai.ScopeCluster, ScopeID: sc.Clusters[0].UUID})
	en.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: out["old-batch"].ClientID, RoleID: 10, ScopeType: runai.ScopeDepartment, ScopeID: sc.Departments[1].ID})
	return out
}

func rulesOf(en *env, a stub.Account) []stub.Rule {
	var out []stub.Rule
	for _, r := range en.stub.Rules() {
		if a.Owns(r) {
			out = append(out, r)
		}
	}
	return out
}

// TestAccessRulesInTheTable: the column, the badges, the summary and the
// access filter.
func TestAccessRulesInTheTable(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			accessAccounts(en)
			p := en.page(js)
			en.signIn(p)
			must(t, expect.Locator(row(p, "ml-trainer").Locator("td.access")).ToContainText("ML engineer · prod / ml / team-a"))
			must(t, expect.Locator(row(p, "fresh-bot").Locator(`td.st[data-flags~=no-access]`)).ToBeVisible())
			must(t, expect.Locator(row(p, "old-batch").Locator(`td.st[data-flags~=disabled-with-access]`)).ToBeVisible())
			must(t, p.GetByTestId("summary-no access").Click())
			expectNames(t, p, "fresh-bot")
			if js {
				checkA11y(t, p, "access filter (light)")
			}
		})
	}
}

// TestAccountAccess adds a rule, removes one and copies access on the
// account page, with and without JavaScript, checking each at the stub.
func TestAccountAccess(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			accts := accessAccounts(en)
			p := en.page(js)
			en.signIn(p)
			must(t, row(p, "fresh-bot").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "fresh-bot", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("no-access")).ToBeVisible())

			// Add: a role, a scope type (narrowing the list with JavaScript), a scope.
			_, err := p.GetByLabel("Role", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Labels: &[]string{"ML engineer"}})
			must(t, err)
			_, err = p.GetByLabel("Scope type").SelectOption(playwright.SelectOptionValues{Labels: &[]string{"Project"}})
			must(t, err)
			if js {
				must(t, expect.Locator(p.Locator(views.Sel(views.ScopeID(views.GrantAdd))+" optgroup")).ToHaveCount(1))
			}
			_, err = p.GetByLabel("Scope", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Labels: &[]string{"staging / research / eval"}})
			must(t, err)
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Add rule"}).Click())
			must(t, expect.Locator(p.GetByTestId("rule-row")).ToHaveCount(1))
			must(t, expect.Locator(p.GetByTestId("rule-row")).ToContainText("staging / research / eval"))
			if got := rulesOf(en, accts["fresh-bot"]); len(got) != 1 || got[0].RoleID != 28 {
				t.Fatalf("rules at the stub: %+v", got)
			}
			if js {
				checkA11y(t, p, "account access rules (light)")
			}
			screenshot(t, p, "access-"+mode(js))

			// Copy from ml-trainer: two rules added. The form is drawn on
			// demand (in place with JavaScript, its own page without).
			must(t, p.GetByTestId("copy-open").Click())
			_, err = p.GetByLabel("Account", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).SelectOption(playwright.SelectOptionValues{Labels: &[]string{"ml-trainer"}})
			must(t, err)
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Copy access"}).Click())
			must(t, expect.Locator(p.GetByTestId("rule-ok")).ToHaveCount(2))
			must(t, expect.Locator(p.GetByTestId("rule-row")).ToHaveCount(3))
			if got := rulesOf(en, accts["fresh-bot"]); len(got) != 3 {
				t.Fatalf("after the copy: %d rules", len(got))
			}

			// Remove one: the confirmation names role and scope.
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Remove ML engineer · staging / research / eval"}).Click())
			must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Remove ML engineer on staging / research / eval from fresh-bot?"})).ToBeVisible())
			if js {
				checkA11y(t, p, "remove rule confirmation (light)")
			}
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Remove the rule"}).Click())
			must(t, expect.Locator(p.GetByTestId("rule-row")).ToHaveCount(2))
			if got := rulesOf(en, accts["fresh-bot"]); len(got) != 2 {
				t.Errorf("after the removal: %d rules", len(got))
			}
		})
	}
}

// TestCreateWithAccess creates an account with its first rule, then one
// whose rule Run:ai refuses: its secret is still shown, and the rule can be
// added at once.
func TestCreateWithAccess(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			accessAccounts(en)
			p := en.page(js)
			en.signIn(p)
			create := func(name string) {
				must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
				must(t, p.GetByText("Initial access (optional)").Click())
				_, err := p.Locator(views.Sel(views.RoleID(views.GrantCreate))).SelectOption(playwright.SelectOptionValues{Labels: &[]string{"Viewer"}})
				must(t, err)
				_, err = p.Locator(views.Sel(views.ScopeID(views.GrantCreate))).SelectOption(playwright.SelectOptionValues{Values: &[]string{"tenant:1001"}})
				must(t, err)
				must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
				must(t, expect.Locator(p.GetByTestId("secret-value")).ToBeVisible())
			}
			create("viewer-bot")
			must(t, expect.Locator(p.GetByTestId("initial-access")).ToContainText("Viewer · acme was added"))
			a, _ := en.stub.AccountByName("viewer-bot")
			if len(rulesOf(en, a)) != 1 {
				t.Fatal("no rule at the stub")
			}
			if js {
				must(t, expect.Locator(row(p, "viewer-bot").Locator("td.access")).ToContainText("Viewer · acme"))
				must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "I have stored the secret"}).Click())
			} else {
				_, err := p.Goto(at(paths.Accounts.Link()))
				must(t, err)
			}

			en.stub.FailNext(stub.OpRuleCreate, 1, 403)
			create("refused-bot")
			must(t, expect.Locator(p.GetByTestId("initial-access")).ToContainText("The account was created, but the access rule Viewer · "))
			if js {
				checkA11y(t, p, "created without its rule (light)")
			}
			must(t, p.GetByTestId("retry-access").Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("Viewer · acme was added"))
			r, _ := en.stub.AccountByName("refused-bot")
			if len(rulesOf(en, r)) != 1 {
				t.Error("the retry did not add the rule")
			}
		})
	}
}

// TestBulkAccess adds a rule to, then removes every rule of, two accounts.
func TestBulkAccess(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			accts := accessAccounts(en)
			p := en.page(js)
			en.signIn(p)
			pick := func() {
				must(t, row(p, "ml-trainer").GetByLabel("Select ml-trainer").Check())
				must(t, row(p, "fresh-bot").GetByLabel("Select fresh-bot").Check())
			}
			pick()
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Add access rule to selected"}).Click())
			_, err := p.Locator(views.Sel(views.RoleID(views.GrantBulk))).SelectOption(playwright.SelectOptionValues{Labels: &[]string{"Editor"}})
			must(t, err)
			_, err = p.Locator(views.Sel(views.ScopeID(views.GrantBulk))).SelectOption(playwright.SelectOptionValues{Labels: &[]string{"prod / data"}})
			must(t, err)
			if js {
				checkA11y(t, p, "bulk add rule confirmation (light)")
			}
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Add the access rule to 2 service accounts"}).Click())
			must(t, expect.Locator(p.GetByTestId("bulk-result")).ToContainText("Added Editor · prod / data to 2 service accounts."))
			if len(rulesOf(en, accts["fresh-bot"])) != 1 || len(rulesOf(en, accts["ml-trainer"])) != 3 {
				t.Fatal("rules not added at the stub")
			}

			_, err = p.Goto(at(paths.Accounts.Link()))
			must(t, err)
			pick()
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Remove access rules of selected"}).Click())
			must(t, expect.Locator(p.GetByTestId("bulk-names").Locator("li")).ToHaveText([]string{"fresh-bot", "ml-trainer"}))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Remove every access rule of 2 service accounts"}).Click())
			must(t, expect.Locator(p.GetByTestId("bulk-result")).ToContainText("Removed every access rule of 2 service accounts."))
			if n := len(rulesOf(en, accts["fresh-bot"])) + len(rulesOf(en, accts["ml-trainer"])); n != 0 {
				t.Errorf("%d rules left", n)
			}
			if strings.Contains(en.logs.String(), "eyJ") {
				t.Error("token in the log")
			}
		})
	}
}
