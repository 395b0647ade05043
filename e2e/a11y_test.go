package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
)

// axeRun holds what every accessibility check saw, for the summary that
// TestMain writes to artifacts/axe-summary.txt.
var axeRun struct {
	mu         sync.Mutex
	states     []string
	rules      map[string]bool
	violations int // serious or critical
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target []any  `json:"target"`
			HTML   string `json:"html"`
		} `json:"nodes"`
	} `json:"violations"`
	Rules    []string `json:"rules"`
	Headings []int    `json:"headings"`
}

// checkA11y runs axe-core on the page as it is now and fails on any
// violation of impact serious or critical; it also checks that headings
// start at h1 and never skip a level.
func checkA11y(t *testing.T, p playwright.Page, state string) {
	t.Helper()
	axeOnce.Do(func() {
		path := os.Getenv("E2E_AXE_JS")
		if path == "" {
			axeErr = fmt.Errorf("E2E_AXE_JS is not set: run `make test`")
			return
		}
		b, err := os.ReadFile(path)
		axeSource, axeErr = string(b), err
	})
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	// Evaluated through the DevTools protocol, so the page's CSP (which
	// rightly forbids injected scripts) does not apply.
	if _, err := p.Evaluate(axeSource + "\n;undefined"); err != nil {
		t.Fatalf("inject axe: %v", err)
	}
	raw, err := p.Evaluate(`async () => {
		const r = await axe.run(document, {resultTypes: ["violations"]});
		const rules = [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map(x => x.id);
		const headings = [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")]
			.filter(h => h.offsetParent !== null || h.getClientRects().length > 0)
			.map(h => Number(h.tagName[1]));
		return JSON.stringify({violations: r.violations, rules, headings});
	}`)
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw.(string)), &res); err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			t.Logf("%s: axe %s (%s): %s", state, v.ID, v.Impact, v.Help)
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, n.HTML)
		}
		t.Errorf("%s: axe %s (%s): %s\n  %s", state, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
		axeRun.mu.Lock()
		axeRun.violations++
		axeRun.mu.Unlock()
	}
	if len(res.Headings) == 0 || res.Headings[0] != 1 {
		t.Errorf("%s: headings %v do not start with h1", state, res.Headings)
	}
	for i := 1; i < len(res.Headings); i++ {
		if res.Headings[i] > res.Headings[i-1]+1 {
			t.Errorf("%s: heading levels skip: %v", state, res.Headings)
			break
		}
	}
	axeRun.mu.Lock()
	defer axeRun.mu.Unlock()
	if axeRun.rules == nil {
		axeRun.rules = map[string]bool{}
	}
	for _, r := range res.Rules {
		axeRun.rules[r] = true
	}
	if !slices.Contains(axeRun.states, state) {
		axeRun.states = append(axeRun.states, state)
	}
}

// writeAxeSummary records the rules checked and the states covered.
func writeAxeSummary() {
	axeRun.mu.Lock()
	defer axeRun.mu.Unlock()
	if len(axeRun.states) == 0 {
		return
	}
	rules := make([]string, 0, len(axeRun.rules))
	for r := range axeRun.rules {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	var b strings.Builder
	fmt.Fprintf(&b, "axe-core checked %d rules on %d page states; %d serious or critical violations.\n\nStates:\n", len(rules), len(axeRun.states), axeRun.violations)
	for _, s := range axeRun.states {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	fmt.Fprintf(&b, "\nRules:\n%s\n", strings.Join(rules, ", "))
	_ = os.MkdirAll(artifacts, 0o755)
	_ = os.WriteFile(filepath.Join(artifacts, "axe-summary.txt"), []byte(b.String()), 0o644)
}

// TestAccessibility visits every page and state the dashboard has and
// checks each with axe-core, in light and dark colour schemes.
func TestAccessibility(t *testing.T) {
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 30})
			p := en.pageWith(true, pageOptions{dark: scheme == "dark"})
			state := func(s string) string { return s + " (" + scheme + ")" }

			_, err := p.Goto(at(paths.SignIn.Link()))
			must(t, err)
			checkA11y(t, p, state("sign-in"))
			must(t, p.GetByLabel("Client ID").Fill(en.clientID))
			must(t, p.GetByLabel("Client secret").Fill("wrong"))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with access key"}).Click())
			must(t, expect.Locator(p.GetByTestId("problem")).ToBeVisible())
			checkA11y(t, p, state("sign-in with an error"))

			en.signIn(p)
			checkA11y(t, p, state("full list"))
			if scheme == "dark" {
				screenshot(t, p, "accounts-dark")
			}

			name := "a11y-bot"
			must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("secret-panel")).ToBeVisible())
			checkA11y(t, p, state("create panel with the secret"))

			must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("create-error")).ToBeVisible())
			checkA11y(t, p, state("create form with an error"))

			must(t, row(p, name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}).Click())
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete", Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByTestId("confirm")).ToBeVisible())
			checkA11y(t, p, state("delete confirmation panel"))
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Regenerate secret"}).Click())
			must(t, expect.Locator(p.GetByTestId("confirm")).ToContainText("Regenerate"))
			checkA11y(t, p, state("regenerate confirmation panel"))

			a, _ := en.stub.AccountByName(name)
			for _, pg := range []struct{ path, state string }{
				{at(paths.Account.ID(a.ID)), "details page"},
				{at(paths.AccountDelete.ID(a.ID)), "delete confirmation page"},
				{at(paths.AccountRegenerate.ID(a.ID)), "regenerate confirmation page"},
				{at(paths.Account.ID("missing")), "not-found error page"},
			} {
				_, err := p.Goto(pg.path)
				must(t, err)
				checkA11y(t, p, state(pg.state))
			}

			en.stub.FailNext("list", 3, 503) // GETs are retried: fail every attempt
			_, err = p.Goto(at(paths.Accounts.Link()))
			must(t, err)
			must(t, expect.Locator(p.GetByTestId("problem")).ToBeVisible())
			checkA11y(t, p, state("list unavailable"))

			en.stub.FailNext("update", 1, 403)
			first := en.stub.Accounts()[0]
			_, err = p.Goto(at(paths.Accounts.Link()))
			must(t, err)
			must(t, row(p, first.Name).Locator("td.acts button").Click())
			if err := expect.Locator(p.GetByTestId("problem")).ToBeVisible(); err != nil {
				screenshot(t, p, "debug-refused")
				txt, _ := p.Locator("main").InnerText()
				t.Fatalf("%v\nURL %s\n%s", err, p.URL(), txt[:min(len(txt), 600)])
			}
			checkA11y(t, p, state("row action refused"))
		})
	}
	t.Run("empty list", func(t *testing.T) {
		en := newEnv(t, envOptions{seed: 0})
		p := en.page(true)
		en.signIn(p)
		must(t, expect.Locator(p.GetByText("No service accounts yet")).ToBeVisible())
		checkA11y(t, p, "empty list (light)")
		screenshot(t, p, "accounts-empty")
	})
	t.Run("narrow window", func(t *testing.T) {
		en := newEnv(t, envOptions{seed: 8})
		p := en.pageWith(true, pageOptions{width: 390, height: 844})
		en.signIn(p)
		checkA11y(t, p, "full list, 390 px wide (light)")
		screenshot(t, p, "accounts-narrow")
	})
}
