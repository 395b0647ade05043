package e2e

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
)

// knownAccounts adds accounts whose names, creators and usage are known.
func knownAccounts(en *env) {
	now := time.Now()
	for _, a := range []stub.Account{
		{Name: "alpha-etl", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-400 * 24 * time.Hour), LastLogin: now.Add(-time.Hour)},
		{Name: "beta-ci", CreatedBy: "bob@x.io", Enabled: false, CreatedAt: now.Add(-300 * 24 * time.Hour)},
		{Name: "gamma-old", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-200 * 24 * time.Hour), LastLogin: now.Add(-120 * 24 * time.Hour)},
		{Name: "delta-ml", CreatedBy: "cy@x.io", Enabled: true, CreatedAt: now.Add(-20 * 24 * time.Hour), LastLogin: now.Add(-2 * 24 * time.Hour)},
	} {
		en.stub.Insert(a, "s")
	}
}

func shownNames(t *testing.T, p playwright.Page) string {
	t.Helper()
	names, err := p.Locator(`tr[id^="r-"]`).EvaluateAll(`rows => rows.map(r => r.querySelector("th a").textContent).join(",")`)
	must(t, err)
	return names.(string)
}

func expectNames(t *testing.T, p playwright.Page, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := shownNames(t, p)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rows %q, want %q", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSearchFilterSort(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			knownAccounts(en)
			p := en.page(js)
			en.signIn(p)
			expectNames(t, p, "alpha-etl,beta-ci,delta-ml,gamma-old")
			apply := p.GetByTestId("toolbar").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Apply"})

			// Search: as you type with JavaScript, by the form's button without.
			must(t, p.GetByRole("searchbox", playwright.PageGetByRoleOptions{Name: "Search"}).Fill("ETL"))
			if !js {
				must(t, apply.Click())
			}
			expectNames(t, p, "alpha-etl")
			must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(`q=ETL`)))
			screenshot(t, p, "search-"+mode(js))

			// Filters combine; the URL holds the view.
			must(t, p.GetByRole("searchbox", playwright.PageGetByRoleOptions{Name: "Search"}).Fill(""))
			_, err := p.GetByTestId("toolbar").GetByLabel("Created by").SelectOption(playwright.SelectOptionValues{Values: &[]string{"ann@x.io"}})
			must(t, err)
			if !js {
				must(t, apply.Click())
			}
			expectNames(t, p, "alpha-etl,gamma-old")
			_, err = p.GetByLabel("Usage").SelectOption(playwright.SelectOptionValues{Values: &[]string{"stale"}})
			must(t, err)
			if !js {
				must(t, apply.Click())
			}
			expectNames(t, p, "gamma-old")

			// A bookmarked view opens as it was left.
			url := p.URL()
			other := en.page(js)
			en.signIn(other)
			_, err = other.Goto(url)
			must(t, err)
			expectNames(t, other, "gamma-old")
			must(t, expect.Locator(other.GetByLabel("Usage")).ToHaveValue("stale"))

			// Summary numbers link to their filtered views.
			_, err = p.Goto(at(paths.Accounts.Link()))
			must(t, err)
			must(t, p.GetByTestId("summary-never used").Click())
			expectNames(t, p, "beta-ci")
			must(t, p.GetByTestId("summary-total").Click())
			expectNames(t, p, "alpha-etl,beta-ci,delta-ml,gamma-old")

			// Sort by last login, then the other way; never-used last both ways.
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Last login, sort ascending"}).Click())
			expectNames(t, p, "gamma-old,delta-ml,alpha-etl,beta-ci")
			must(t, expect.Locator(p.Locator(`th[aria-sort="ascending"]`)).ToContainText("Last login"))
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Last login, sort descending"}).Click())
			expectNames(t, p, "alpha-etl,delta-ml,gamma-old,beta-ci")
			must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(`sort=lastLogin`)))
			if js {
				checkA11y(t, p, "sorted and filtered list (light)")
			}
		})
	}
}

func TestColumnsAndExport(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			knownAccounts(en)
			en.stub.Insert(stub.Account{Name: "formula", CreatedBy: "=HYPERLINK(1)", Enabled: true}, "s")
			p := en.page(js)
			en.signIn(p)

			must(t, p.GetByText("Columns", playwright.PageGetByTextOptions{Exact: playwright.Bool(true)}).Click())
			must(t, p.GetByLabel("Created by", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Last().Uncheck())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Save columns"}).Click())
			must(t, expect.Locator(p.Locator(`thead th`, playwright.PageLocatorOptions{HasText: "Created by"})).ToHaveCount(0))
			// Remembered by this browser: a new page still hides it.
			again, err := p.Context().NewPage()
			must(t, err)
			_, err = again.Goto(at(paths.Accounts.Link()))
			must(t, err)
			must(t, expect.Locator(again.Locator(`thead th`, playwright.PageLocatorOptions{HasText: "Created by"})).ToHaveCount(0))
			must(t, expect.Locator(again.Locator(`thead th`, playwright.PageLocatorOptions{HasText: "Last login"})).ToHaveCount(1))

			// Export the current view as CSV.
			_, err = p.Goto(at(paths.Accounts.Link().RawQuery("sort=name&dir=desc&status=enabled")))
			must(t, err)
			dl, err := p.ExpectDownload(func() error { return p.GetByTestId("export").Click() })
			must(t, err)
			path, err := dl.Path()
			must(t, err)
			f, err := os.Open(path)
			must(t, err)
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			must(t, err)
			var got []string
			for _, r := range recs[1:] {
				got = append(got, r[0])
			}
			if strings.Join(got, ",") != "gamma-old,formula,delta-ml,alpha-etl" {
				t.Errorf("exported %v", got)
			}
			for _, r := range recs {
				if r[0] == "formula" && r[5] != "'=HYPERLINK(1)" {
					t.Errorf("formula not neutralised: %q", r[5])
				}
			}
		})
	}
}

func TestBulkActions(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			knownAccounts(en)
			p := en.page(js)
			en.signIn(p)
			must(t, row(p, "alpha-etl").GetByLabel("Select alpha-etl").Check())
			must(t, row(p, "delta-ml").GetByLabel("Select delta-ml").Check())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Disable selected"}).Click())
			confirm := p.GetByTestId("bulk-confirm")
			must(t, expect.Locator(confirm).ToContainText("Disable 2 service accounts?"))
			must(t, expect.Locator(p.GetByTestId("bulk-names").Locator("li")).ToHaveText([]string{"alpha-etl", "delta-ml"}))
			if js {
				checkA11y(t, p, "bulk confirmation (light)")
			}
			screenshot(t, p, "bulk-confirm-"+mode(js))
			en.stub.FailNext("update", 1, 500)
			must(t, confirm.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Disable 2 service accounts"}).Click())
			result := p.GetByTestId("bulk-result")
			must(t, expect.Locator(result).ToContainText("1 of 2 disabled; 1 failed"))
			must(t, expect.Locator(p.GetByTestId("bulk-failed")).ToContainText("may or may not have been made"))
			must(t, expect.Locator(p.GetByTestId("bulk-ok")).ToHaveCount(1))
			if js {
				checkA11y(t, p, "bulk result (light)")
			}
			disabled := 0
			for _, n := range []string{"alpha-etl", "delta-ml"} {
				if a, _ := en.stub.AccountByName(n); !a.Enabled {
					disabled++
				}
			}
			if disabled != 1 {
				t.Errorf("%d disabled at the stub, want 1", disabled)
			}

			// Everything in a view at once.
			_, err := p.Goto(at(paths.Accounts.Link().RawQuery("createdBy=ann%40x.io")))
			must(t, err)
			if js {
				must(t, p.Locator("[data-select-all]").Check())
				must(t, expect.Locator(row(p, "gamma-old").GetByLabel("Select gamma-old")).ToBeChecked())
			} else {
				must(t, p.GetByTestId("bulk-all").Check())
			}
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Delete selected"}).Click())
			must(t, expect.Locator(p.GetByTestId("bulk-names").Locator("li")).ToHaveText([]string{"alpha-etl", "gamma-old"}))
			must(t, p.GetByTestId("bulk-confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete 2 service accounts"}).Click())
			must(t, expect.Locator(p.GetByTestId("bulk-result")).ToContainText("Deleted 2 service accounts."))
			for _, n := range []string{"alpha-etl", "gamma-old"} {
				if _, ok := en.stub.AccountByName(n); ok {
					t.Errorf("%s still exists", n)
				}
			}
		})
	}
}

func TestCredentialHandover(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 2})
			p := en.page(js)
			en.signIn(p)
			must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill("handover-bot"))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("secret-panel")).ToBeVisible())
			secret, err := p.GetByTestId("secret-value").InnerText()
			must(t, err)
			clientID, err := p.GetByTestId("secret-client-id").InnerText()
			must(t, err)

			var requests int
			p.On("request", func(playwright.Request) { requests++ })
			for _, d := range []struct{ testid, name string }{{"download-env", "handover-bot.env"}, {"download-json", "handover-bot.json"}} {
				dl, err := p.ExpectDownload(func() error { return p.GetByTestId(d.testid).Click() })
				must(t, err)
				if dl.SuggestedFilename() != d.name {
					t.Errorf("file name %q", dl.SuggestedFilename())
				}
				path, err := dl.Path()
				must(t, err)
				b, err := os.ReadFile(path)
				must(t, err)
				if d.testid == "download-json" {
					var m map[string]string
					must(t, json.Unmarshal(b, &m))
					if m["clientId"] != clientID || m["clientSecret"] != secret || !strings.HasSuffix(m["tokenUrl"], "/api/v2/token") {
						t.Errorf("JSON %v", m)
					}
				} else if !strings.Contains(string(b), "RUNAI_CLIENT_SECRET="+secret) || !strings.Contains(string(b), "RUNAI_CLIENT_ID="+clientID) {
					t.Errorf(".env %q", b)
				}
			}
			if requests != 0 {
				t.Errorf("the downloads made %d requests", requests)
			}
			screenshot(t, p, "handover-"+mode(js))

			must(t, p.GetByTestId("verify").Click())
			must(t, expect.Locator(p.GetByTestId("verify-result")).ToContainText("Verified"))
			if js {
				checkA11y(t, p, "secret panel with verified credentials (light)")
			}
			if a, _ := en.stub.AccountByName("handover-bot"); a.LastLogin.IsZero() {
				t.Error("verify did not reach the token endpoint")
			}
		})
	}
}

// TestBulkJobProgress: a long bulk action shows its progress while it runs
// (htmx polling, or the page refreshing itself without JavaScript), can be
// stopped, and ends with every account accounted for; the accounts not
// reached are left as they were.
func TestBulkJobProgress(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 40})
			p := en.page(js)
			en.signIn(p)
			must(t, p.GetByTestId("bulk-all").Check())
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Disable selected"}).Click())
			n := len(en.stub.Accounts())
			what := fmt.Sprintf("Disable %d service accounts", n)
			en.stub.SetLatency(300 * time.Millisecond)
			defer en.stub.SetLatency(0)
			must(t, p.GetByTestId("bulk-confirm").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: what}).Click())
			job := p.GetByTestId("bulk-job")
			must(t, expect.Locator(job).ToContainText(what+"…"))
			must(t, expect.Locator(p.GetByTestId("bulk-counts")).ToContainText("to go"))
			if js {
				checkA11y(t, p, "bulk job running (light)")
				screenshot(t, p, "bulk-job-js")
			}
			must(t, job.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Stop"}).Click())
			result := p.GetByTestId("bulk-result")
			must(t, expect.Locator(result).ToContainText("not done", playwright.LocatorAssertionsToContainTextOptions{Timeout: playwright.Float(30000)}))
			must(t, expect.Locator(p.GetByTestId("bulk-stopped")).ToContainText("Stopped on request"))
			notDone, err := p.GetByTestId("bulk-notdone").Count()
			must(t, err)
			done, err := p.GetByTestId("bulk-ok").Count()
			must(t, err)
			if notDone == 0 || done+notDone != n {
				t.Errorf("done %d, not done %d, want %d in all and some not done", done, notDone, n)
			}
			enabled := 0
			for _, a := range en.stub.Accounts() {
				if a.Enabled {
					enabled++
				}
			}
			t.Logf("stopped with %d done, %d not done; %d accounts still enabled", done, notDone, enabled)
			if js {
				checkA11y(t, p, "bulk job stopped (light)")
			}
		})
	}
}
