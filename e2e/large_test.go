package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"
)

// TestThousandAccounts: the API's maximum of 1000 accounts renders
// completely and every row action still works.
func TestThousandAccounts(t *testing.T) {
	en := newEnv(t, envOptions{seed: 1000})
	p := en.page(true)
	start := time.Now()
	en.signIn(p)
	must(t, expect.Locator(p.GetByTestId("account-row")).ToHaveCount(1000))
	must(t, expect.Locator(p.GetByTestId("shown")).ToContainText("1000 service accounts"))
	t.Logf("sign-in to a complete 1000-row table: %v", time.Since(start).Round(time.Millisecond))

	accts := en.stub.Accounts()
	last, middle, first := accts[len(accts)-1], accts[500], accts[0]

	toggle := regexp.MustCompile(`^(Disable|Enable) ` + regexp.QuoteMeta(last.Name) + `$`)
	before := last.Enabled
	must(t, row(p, last.Name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: toggle}).Click())
	want := "Enabled"
	if before {
		want = "Disabled"
	}
	must(t, expect.Locator(row(p, last.Name).GetByTestId("status")).ToHaveText(want))
	if a, _ := en.stub.Account(last.ID); a.Enabled == before {
		t.Error("toggle on row 1000 did not reach the stub")
	}

	must(t, row(p, middle.Name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret of " + middle.Name}).Click())
	must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret"}).Click())
	must(t, expect.Locator(p.GetByTestId("secret-panel")).ToContainText("New secret for "+middle.Name))
	secret, err := p.GetByTestId("secret-value").InnerText()
	must(t, err)
	if err := en.exchange(middle.ClientID, secret); err != nil && middle.Enabled {
		t.Errorf("the regenerated secret of row 500 does not work: %v", err)
	}

	must(t, row(p, first.Name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Delete " + first.Name}).Click())
	must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete " + first.Name}).Click())
	must(t, expect.Locator(row(p, first.Name)).ToHaveCount(0))
	must(t, expect.Locator(p.GetByTestId("account-row")).ToHaveCount(999))

	must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("one-more"))
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Locator(row(p, "one-more")).ToBeVisible())
	must(t, expect.Locator(p.GetByTestId("account-row")).ToHaveCount(1000))
	checkA11y(t, p, "1000-account list after actions (light)")
}
