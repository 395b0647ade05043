package e2e

import (
	"regexp"
	"strconv"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// TestThousandAccounts: at the API's maximum of 1000 accounts the list
// shows one page at a time, pages and "all" reach every account, and
// every action still works on the last row.
func TestThousandAccounts(t *testing.T) {
	en := newEnv(t, envOptions{seed: 1000})
	p := en.page(true)
	en.signIn(p)
	rows := p.Locator(`tr[id^="r-"]`)
	pager := p.GetByTestId("pager")
	must(t, expect.Locator(rows).ToHaveCount(listview.DefaultPerPage))
	must(t, expect.Locator(p.GetByTestId("shown")).ToContainText("1000 service accounts"))
	must(t, expect.Locator(pager).ToContainText("Rows 1–100 of 1000"))

	last := strconv.Itoa(1000 / listview.DefaultPerPage)
	must(t, pager.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Page " + last, Exact: playwright.Bool(true)}).Click())
	must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(`[?&]page=`+last+`\b`)))
	must(t, expect.Locator(pager).ToContainText("Rows 901–1000 of 1000"))
	must(t, expect.Locator(rows).ToHaveCount(listview.DefaultPerPage))

	// Every row on one page; the filter form starts again at page 1.
	_, err := p.GetByLabel("Per page").SelectOption(playwright.SelectOptionValues{Values: &[]string{"all"}})
	must(t, err)
	must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(`[?&]per=all\b`)))
	must(t, expect.Locator(rows).ToHaveCount(1000))
	must(t, expect.Locator(pager).ToHaveCount(0))

	accts := en.stub.Accounts()
	lastAcct, middle, first := accts[len(accts)-1], accts[500], accts[0]

	before := lastAcct.Enabled
	must(t, row(p, lastAcct.Name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: regexp.MustCompile(`^(Disable|Enable)$`)}).Click())
	want := "Enabled"
	if before {
		want = "Disabled"
	}
	must(t, expect.Locator(row(p, lastAcct.Name).Locator("td.st")).ToContainText(want))
	if a, _ := en.stub.Account(lastAcct.ID); a.Enabled == before {
		t.Error("toggle on row 1000 did not reach the stub")
	}
	must(t, expect.Locator(rows).ToHaveCount(1000))

	must(t, row(p, middle.Name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: middle.Name, Exact: playwright.Bool(true)}).Click())
	must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Regenerate secret"}).Click())
	must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret"}).Click())
	must(t, expect.Locator(p.GetByTestId("secret-panel")).ToContainText("New secret for "+middle.Name))
	secret, err := p.GetByTestId("secret-value").InnerText()
	must(t, err)
	if err := en.exchange(middle.ClientID, secret); err != nil && middle.Enabled {
		t.Errorf("the regenerated secret of row 500 does not work: %v", err)
	}

	_, err = p.Goto(at(paths.Accounts.Link().RawQuery("per=all")))
	must(t, err)
	must(t, row(p, first.Name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: first.Name, Exact: playwright.Bool(true)}).Click())
	must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete", Exact: playwright.Bool(true)}).Click())
	must(t, p.GetByTestId("confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete " + first.Name}).Click())
	must(t, expect.Locator(p.GetByTestId("shown")).ToContainText("999 service accounts"))
	must(t, expect.Locator(row(p, first.Name)).ToHaveCount(0))

	must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("one-more"))
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
	must(t, expect.Locator(p.GetByTestId("secret-panel")).ToBeVisible())
	_, err = p.Goto(at(paths.Accounts.Link().RawQuery("q=one-more")))
	must(t, err)
	must(t, expect.Locator(row(p, "one-more")).ToBeVisible())
	must(t, expect.Locator(p.GetByTestId("shown")).ToContainText("Showing 1 of 1000 service accounts"))
	_, err = p.Goto(at(paths.Accounts.Link().RawQuery("per=all")))
	must(t, err)
	must(t, expect.Locator(rows).ToHaveCount(1000))
	checkA11y(t, p, "1000-account list after actions (light)")
}
