package e2e

import (
	"strings"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// tabTo presses Tab until target has the focus (at most max presses).
func tabTo(t *testing.T, p playwright.Page, target playwright.Locator, max int) {
	t.Helper()
	pressUntilFocused(t, p, target, max, "Tab")
}

// tabBackTo is tabTo with Shift+Tab.
func tabBackTo(t *testing.T, p playwright.Page, target playwright.Locator, max int) {
	t.Helper()
	pressUntilFocused(t, p, target, max, "Shift+Tab")
}

func pressUntilFocused(t *testing.T, p playwright.Page, target playwright.Locator, max int, key string) {
	t.Helper()
	for range max {
		if focused, _ := target.Evaluate("el => el === document.activeElement", nil); focused == true {
			return
		}
		must(t, p.Keyboard().Press(key))
	}
	t.Fatalf("could not reach %v with %d %s presses", target, max, key)
}

// visibleFocus checks that the focused element draws a focus indicator.
func visibleFocus(t *testing.T, p playwright.Page, what string) {
	t.Helper()
	style, err := p.Evaluate(`() => { const s = getComputedStyle(document.activeElement); return s.outlineStyle + " " + s.outlineWidth }`)
	must(t, err)
	if s := style.(string); strings.HasPrefix(s, "none") || strings.HasSuffix(s, " 0px") {
		t.Errorf("%s: no visible focus indicator (outline %q)", what, s)
	}
}

func announced(t *testing.T, p playwright.Page, text string) {
	t.Helper()
	must(t, expect.Locator(p.Locator(views.Sel(views.AnnouncerID))).ToContainText(text))
}

// TestKeyboardOnly runs create → disable → regenerate → delete with the
// keyboard alone, checking where focus lands after each swap and what the
// live region announces.
func TestKeyboardOnly(t *testing.T) {
	en := newEnv(t, envOptions{seed: 2})
	p := en.page(true)
	kb := p.Keyboard()
	_, err := p.Goto(at(paths.SignIn.Link()))
	must(t, err)

	tabTo(t, p, p.GetByLabel("Client ID"), 10)
	visibleFocus(t, p, "client ID field")
	must(t, kb.Type(en.clientID))
	must(t, kb.Press("Tab"))
	must(t, kb.Type(en.secret))
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.Locator(`tr[id^="r-"]`)).ToHaveCount(2))

	name := "kbd-bot"
	tabTo(t, p, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}), 20)
	must(t, kb.Type(name))
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Service account " + name + " created"})).ToBeFocused())
	announced(t, p, "Service account "+name+" created")
	if _, ok := en.stub.AccountByName(name); !ok {
		t.Fatal("not created at the stub")
	}

	toggle := row(p, name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Disable"})
	tabTo(t, p, toggle, 80)
	visibleFocus(t, p, "row button")
	must(t, kb.Press("Space"))
	// The row is swapped in place and focus stays on its (new) button.
	must(t, expect.Locator(row(p, name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Enable"})).ToBeFocused())
	announced(t, p, name+`" is now disabled`)
	if a, _ := en.stub.AccountByName(name); a.Enabled {
		t.Error("not disabled at the stub")
	}

	// The account's page: regenerate and delete, in its panel.
	tabBackTo(t, p, row(p, name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}), 5)
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: name, Level: playwright.Int(1)})).ToBeVisible())
	tabTo(t, p, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Regenerate secret"}), 15)
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Regenerate the secret of " + name + "?"})).ToBeFocused())
	must(t, kb.Press("Tab"))
	must(t, expect.Locator(p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Regenerate secret", Exact: playwright.Bool(true)})).ToBeFocused())
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "New secret for " + name})).ToBeFocused())
	announced(t, p, "New secret for "+name)

	// Cancel on a confirmation closes the panel and gives the focus back.
	deleteLink := p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete", Exact: playwright.Bool(true)})
	tabTo(t, p, deleteLink, 40)
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByTestId("confirm")).ToBeVisible())
	tabTo(t, p, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Cancel"}), 5)
	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByTestId("confirm")).ToHaveCount(0))
	must(t, expect.Locator(deleteLink).ToBeFocused())

	must(t, kb.Press("Enter"))
	must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: "Delete " + name + "?"})).ToBeFocused())
	must(t, kb.Press("Tab"))
	must(t, expect.Locator(p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Delete " + name})).ToBeFocused())
	must(t, kb.Press("Enter"))
	// Its page is gone: back to the list, which says so.
	must(t, expect.Locator(p.GetByTestId("flash")).ToContainText(name+`" was deleted`))
	announced(t, p, name+`" was deleted`)
	must(t, expect.Locator(row(p, name)).ToHaveCount(0))
	if _, ok := en.stub.AccountByName(name); ok {
		t.Error("not deleted at the stub")
	}
}
