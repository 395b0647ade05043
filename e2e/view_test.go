package e2e

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/views"
)

// TestRowsKeepTheView: in a list with a 30-day stale threshold, an
// account last used 40 days ago is badged Stale; after disabling it (a
// swapped row with JavaScript, a new page without) and enabling it again,
// its row still is, and the URL keeps the threshold.
func TestRowsKeepTheView(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{})
			now := time.Now()
			en.stub.Insert(stub.Account{Name: "old-etl", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-90 * 24 * time.Hour), LastLogin: now.Add(-40 * 24 * time.Hour)}, "s")
			en.stub.Insert(stub.Account{Name: "fresh-ci", CreatedBy: "ann@x.io", Enabled: true, CreatedAt: now.Add(-9 * 24 * time.Hour), LastLogin: now.Add(-time.Hour)}, "s")
			p := en.page(js)
			en.signIn(p)
			_, err := p.Goto(at(paths.Accounts.Link().RawQuery("staleDays=30")))
			must(t, err)
			stale := row(p, "old-etl").Locator(`td.st[data-flags~=stale]`)
			must(t, expect.Locator(stale).ToHaveCount(1))

			must(t, row(p, "old-etl").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Disable"}).Click())
			must(t, expect.Locator(row(p, "old-etl").Locator("td.st")).ToContainText("Disabled"))
			must(t, expect.Locator(stale).ToHaveCount(1))

			must(t, row(p, "old-etl").GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Enable"}).Click())
			must(t, expect.Locator(row(p, "old-etl").Locator("td.st")).ToContainText("Enabled"))
			must(t, expect.Locator(stale).ToHaveCount(1))
			must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(`staleDays=30`)))
			must(t, expect.Locator(row(p, "fresh-ci").Locator(`td.st[data-flags~=stale]`)).ToHaveCount(0))
		})
	}
}

// TestNamePatternInTheBrowser checks the create form's pattern attribute
// with Chromium's own regular-expression engine, compiled as the HTML
// standard compiles a pattern (anchored, v flag), against the shared
// corpus of valid and invalid names and the form's length bounds.
func TestNamePatternInTheBrowser(t *testing.T) {
	b, err := os.ReadFile("../internal/saname/testdata/corpus.json")
	must(t, err)
	var corpus []struct {
		Name  string `json:"name"`
		Valid bool   `json:"valid"`
	}
	must(t, json.Unmarshal(b, &corpus))
	en := newEnv(t, envOptions{})
	p := en.page(true)
	en.signIn(p)
	got, err := p.Locator(views.Sel(views.CreateNameID)).Evaluate(`(input, names) => {
		const re = new RegExp("^(?:" + input.pattern + ")$", "v");
		const min = Number(input.getAttribute("minlength")), max = Number(input.getAttribute("maxlength"));
		return names.map(n => re.test(n) && n.length >= min && n.length <= max);
	}`, func() []string {
		names := make([]string, len(corpus))
		for i, e := range corpus {
			names[i] = e.Name
		}
		return names
	}())
	must(t, err)
	verdicts, ok := got.([]any)
	if !ok || len(verdicts) != len(corpus) {
		t.Fatalf("browser answered %v", got)
	}
	for i, e := range corpus {
		if verdicts[i] != e.Valid {
			t.Errorf("the browser says %q valid=%v, the corpus %v", e.Name, verdicts[i], e.Valid)
		}
	}
}
