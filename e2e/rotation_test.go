package e2e

import (
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

func rotationAccount(en *env) stub.Account {
	etl := en.stub.Insert(stub.Account{Name: "nightly-etl", Enabled: true, CreatedBy: "ann@x.io",
		CreatedAt: time.Now().Add(-200 * 24 * time.Hour), LastLogin: time.Now().Add(-3 * time.Hour)}, "old-secret")
	sc := en.stub.Scopes()
	en.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: etl.ClientID, RoleID: 28, ScopeType: runai.ScopeProject, ScopeID: sc.Projects[0].ID})
	en.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: etl.ClientID, RoleID: 3, ScopeType: runai.ScopeDepartment, ScopeID: sc.Departments[0].ID})
	return etl
}

// TestRotation starts a rotation from the row, follows it, retires the
// old account and finishes, with and without JavaScript; at the stub both
// secrets work during the rotation and the old one stops after retiring.
func TestRotation(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 3})
			etl := rotationAccount(en)
			p := en.page(js)
			en.signIn(p)
			must(t, row(p, "nightly-etl").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Rotate", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByLabel("Successor's name")).ToHaveValue("nightly-etl-r2"))
			must(t, expect.Locator(p.GetByTestId("rotate-rules").Locator("li")).ToHaveCount(2))
			if js {
				checkA11y(t, p, "rotation start (light)")
			}
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Start the rotation"}).Click())
			must(t, expect.Locator(p.GetByTestId("rule-ok")).ToHaveCount(2))
			secret, err := p.GetByTestId("secret-value").InnerText()
			must(t, err)
			clientID, err := p.GetByTestId("secret-client-id").InnerText()
			must(t, err)
			if err := en.exchange(etl.ClientID, "old-secret"); err != nil {
				t.Errorf("the old secret stopped working during the rotation: %v", err)
			}
			if err := en.exchange(clientID, secret); err != nil {
				t.Errorf("the successor's secret does not work: %v", err)
			}
			if js {
				checkA11y(t, p, "rotation started (light)")
			}

			// Follow it on the old account's page: the successor logged in
			// (the exchange above), so it is ready to retire.
			_, err = p.Goto(at(paths.Account.ID(etl.ID)))
			must(t, err)
			panel := p.GetByTestId("rotation-panel")
			must(t, expect.Locator(panel).ToContainText("nightly-etl → nightly-etl-r2"))
			must(t, expect.Locator(panel.GetByTestId("rotation-next")).ToContainText("Ready to retire nightly-etl"))
			if js {
				checkA11y(t, p, "rotation panel (light)")
				screenshot(t, p, "rotation-js")
			}
			must(t, panel.GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Retire nightly-etl"}).Click())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Retire nightly-etl"}).Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("nightly-etl is retired (disabled)"))
			if err := en.exchange(etl.ClientID, "old-secret"); err == nil {
				t.Error("the old secret still works after retiring")
			}
			must(t, p.GetByTestId("rotation-panel").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Delete nightly-etl"}).Click())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Delete nightly-etl"}).Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("The rotation is complete"))
			if _, ok := en.stub.Account(etl.ID); ok {
				t.Error("the old account still exists")
			}
		})
	}
}

// TestRotationStoppedAndCancelled: a refused rule stops the rotation before
// the handover; resuming adds it; cancelling disables the successor and
// leaves the old account alone.
func TestRotationStoppedAndCancelled(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			etl := rotationAccount(en)
			p := en.page(js)
			en.signIn(p)
			_, err := p.Goto(at(paths.AccountRotate.ID(etl.ID)))
			must(t, err)
			en.stub.FailNext(stub.OpRuleCreate, 1, 403)
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Start the rotation"}).Click())
			must(t, expect.Locator(p.GetByTestId("rotation-stopped")).ToBeVisible())
			must(t, expect.Locator(p.GetByTestId("secret-value")).ToHaveCount(0))
			if js {
				checkA11y(t, p, "rotation stopped (light)")
			}
			must(t, p.GetByTestId("resume").Click())
			must(t, expect.Locator(p.GetByTestId("rotation-issue")).ToBeVisible())

			_, err = p.Goto(at(paths.Account.ID(etl.ID)))
			must(t, err)
			must(t, p.GetByTestId("rotation-panel").GetByRole("link", playwright.LocatorGetByRoleOptions{Name: "Cancel the rotation"}).Click())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Cancel the rotation to nightly-etl-r2"}).Click())
			must(t, expect.Locator(p.GetByTestId("rotation-next")).ToContainText("Cancelled"))
			succ, _ := en.stub.AccountByName("nightly-etl-r2")
			if old, _ := en.stub.Account(etl.ID); succ.Enabled || !old.Enabled {
				t.Errorf("successor enabled=%v, old enabled=%v", succ.Enabled, old.Enabled)
			}
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete nightly-etl-r2"}).Click())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Delete nightly-etl-r2"}).Click())
			must(t, expect.Locator(p.GetByTestId("rotation-panel")).ToHaveCount(0))
			if _, ok := en.stub.AccountByName("nightly-etl-r2"); ok {
				t.Error("the successor still exists")
			}
		})
	}
}
