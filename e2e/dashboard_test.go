package e2e

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/playwright-community/playwright-go"

	"github.com/runai-tools/sa-dashboard/internal/paths"
)

func mode(js bool) string {
	if js {
		return "js"
	}
	return "nojs"
}

func TestSignInWithAccessKey(t *testing.T) {
	en := newEnv(t, envOptions{seed: 30})
	p := en.page(true)
	_, err := p.Goto(at(paths.SignIn.Link()))
	must(t, err)
	screenshot(t, p, "signin")
	en.signIn(p)
	must(t, expect.Locator(p.GetByTestId("user-name")).ToHaveText("ada@example.com"))
	must(t, expect.Locator(p.Locator(`tr[id^="r-"]`)).ToHaveCount(30))
	screenshot(t, p, "accounts")

	// htmx runs with the strict configuration.
	cfg, err := p.Evaluate(`() => [htmx.config.allowEval, htmx.config.allowScriptTags, htmx.config.includeIndicatorStyles, htmx.config.historyCacheSize, htmx.config.selfRequestsOnly].join()`)
	must(t, err)
	if cfg != "false,false,false,0,true" {
		t.Errorf("htmx config = %v", cfg)
	}
}

func TestSignInWithToken(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 3})
			tok, err := en.stub.IssueToken(map[string]any{"pad": strings.Repeat("p", 7*1024)}) // ~8 KiB
			must(t, err)
			p := en.page(js)
			_, err = p.Goto(at(paths.SignIn.Link()))
			must(t, err)
			must(t, p.GetByLabel("Bearer token").Fill(tok))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with token"}).Click())
			must(t, expect.Locator(p.Locator(`tr[id^="r-"]`)).ToHaveCount(3))
			must(t, expect.Locator(p.GetByTestId("user-name")).ToHaveText("ada@example.com"))
			cookies, err := p.Context().Cookies()
			must(t, err)
			for _, c := range cookies {
				if len(c.Value) > 4000 || strings.Contains(c.Value, tok[:40]) {
					t.Errorf("cookie %s holds the token or is too large (%d bytes)", c.Name, len(c.Value))
				}
				if !c.HttpOnly || *c.SameSite != *playwright.SameSiteAttributeLax {
					t.Errorf("cookie %s: HttpOnly=%v SameSite=%v", c.Name, c.HttpOnly, *c.SameSite)
				}
			}
		})
	}
}

func TestBadCredentials(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) { testBadCredentials(t, js) })
	}
}

func testBadCredentials(t *testing.T, js bool) {
	en := newEnv(t, envOptions{})
	p := en.page(js)
	_, err := p.Goto(at(paths.SignIn.Link()))
	must(t, err)
	must(t, p.GetByLabel("Client ID").Fill(en.clientID))
	must(t, p.GetByLabel("Client secret").Fill("wrong-secret"))
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with access key"}).Click())
	must(t, expect.Locator(p.GetByText("These credentials were not accepted.")).ToBeVisible())
	must(t, expect.Locator(p.GetByLabel("Client ID")).ToHaveValue(en.clientID))
	must(t, expect.Locator(p.GetByLabel("Client secret")).ToHaveValue(""))
	if js {
		screenshot(t, p, "signin-error")
	}

	must(t, p.GetByLabel("Bearer token").Fill("not-a-valid-token"))
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with token"}).Click())
	must(t, expect.Locator(p.GetByText("This token was not accepted.")).ToBeVisible())
	must(t, expect.Locator(p.GetByLabel("Bearer token")).ToHaveValue(""))
}

// TestAccountLifecycle runs create → read the secret → disable → enable →
// regenerate → delete, through the page, with and without JavaScript, and
// checks each outcome at the stub.
func TestAccountLifecycle(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 5})
			p := en.page(js)
			var mu sync.Mutex
			var urls []string
			p.On("request", func(r playwright.Request) {
				mu.Lock()
				urls = append(urls, r.URL())
				mu.Unlock()
			})
			en.signIn(p)
			if js {
				_, err := p.Evaluate(`() => { window.__noReload = true }`)
				must(t, err)
			}
			name := "e2e-" + mode(js) + "-bot"

			// Create: the secret is shown once, with the client ID.
			must(t, p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)}).Fill(name))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)}).Click())
			panel := p.GetByTestId("secret-panel")
			must(t, expect.Locator(panel).ToBeVisible())
			must(t, expect.Locator(panel).ToContainText("will not be shown again"))
			must(t, expect.Locator(row(p, name)).ToBeVisible())
			screenshot(t, p, "created-"+mode(js))
			clientID, err := p.GetByTestId("secret-client-id").InnerText()
			must(t, err)
			secret, err := p.GetByTestId("secret-value").InnerText()
			must(t, err)
			a, ok := en.stub.AccountByName(name)
			if !ok || a.ClientID != clientID || !a.Enabled {
				t.Fatalf("stub has %+v (found %v), page shows client ID %q", a, ok, clientID)
			}
			if err := en.exchange(clientID, secret); err != nil {
				t.Fatalf("the shown secret does not work: %v", err)
			}
			if js {
				v, _ := p.Evaluate(`() => window.__noReload === true`)
				if v != true {
					t.Error("create reloaded the page")
				}
				must(t, expect.Locator(p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})).ToHaveValue(""))
			}
			// The secret is gone once the page is loaded again.
			_, err = p.Goto(at(paths.Accounts.Link()))
			must(t, err)
			must(t, expect.Locator(row(p, name)).ToBeVisible())
			if html, _ := p.Content(); strings.Contains(html, secret) {
				t.Error("the secret is shown again after a reload")
			}

			// Disable, then enable: the row shows the new state.
			must(t, row(p, name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Disable"}).Click())
			must(t, expect.Locator(row(p, name).Locator("td.st")).ToContainText("Disabled"))
			if a, _ := en.stub.AccountByName(name); a.Enabled {
				t.Error("stub: still enabled after Disable")
			}
			if err := en.exchange(clientID, secret); err == nil {
				t.Error("a disabled account obtained a token")
			}
			must(t, row(p, name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Enable"}).Click())
			must(t, expect.Locator(row(p, name).Locator("td.st")).ToContainText("Enabled"))
			if a, _ := en.stub.AccountByName(name); !a.Enabled {
				t.Error("stub: still disabled after Enable")
			}

			// Regenerate, from the account's page: a confirmation that says
			// the old secret stops working.
			must(t, row(p, name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}).Click())
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Regenerate secret"}).Click())
			confirm := p.GetByTestId("confirm")
			must(t, expect.Locator(confirm).ToContainText("current secret stops working"))
			screenshot(t, p, "confirm-regenerate-"+mode(js))
			must(t, confirm.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Regenerate secret"}).Click())
			must(t, expect.Locator(p.GetByTestId("secret-panel")).ToContainText("New secret for "+name))
			newSecret, err := p.GetByTestId("secret-value").InnerText()
			must(t, err)
			if newSecret == secret || newSecret == "" {
				t.Fatal("no new secret shown")
			}
			if err := en.exchange(clientID, secret); err == nil {
				t.Error("the old secret still works after regenerate")
			}
			if err := en.exchange(clientID, newSecret); err != nil {
				t.Errorf("the new secret does not work: %v", err)
			}

			// Delete, from the account's page: a confirmation naming the
			// account, then the list without it.
			_, err = p.Goto(at(paths.Accounts.Link()))
			must(t, err)
			must(t, row(p, name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: name, Exact: playwright.Bool(true)}).Click())
			must(t, p.GetByRole("link", playwright.PageGetByRoleOptions{Name: "Delete", Exact: playwright.Bool(true)}).Click())
			confirm = p.GetByTestId("confirm")
			must(t, expect.Locator(confirm).ToContainText("Delete "+name+"?"))
			screenshot(t, p, "confirm-delete-"+mode(js))
			must(t, confirm.GetByRole("button", playwright.LocatorGetByRoleOptions{Name: "Delete " + name}).Click())
			must(t, expect.Locator(p.GetByTestId("flash").GetByText(`"`+name+`" was deleted`)).ToBeVisible())
			must(t, expect.Locator(row(p, name)).ToHaveCount(0))
			if _, ok := en.stub.AccountByName(name); ok {
				t.Error("stub: the account still exists")
			}

			// Neither secret nor the CSRF token ever travelled in a URL.
			mu.Lock()
			defer mu.Unlock()
			for _, u := range urls {
				if strings.Contains(u, secret) || strings.Contains(u, newSecret) || strings.Contains(u, "_csrf") {
					t.Errorf("secret material in a URL: %s", u)
				}
			}
		})
	}
}

func TestDetailsPage(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 4})
			p := en.page(js)
			en.signIn(p)
			a := en.stub.Accounts()[2]
			must(t, row(p, a.Name).GetByRole("link", playwright.LocatorGetByRoleOptions{Name: a.Name, Exact: playwright.Bool(true)}).Click())
			must(t, expect.Locator(p.GetByRole("heading", playwright.PageGetByRoleOptions{Name: a.Name, Level: playwright.Int(1)})).ToBeVisible())
			must(t, expect.Locator(p.GetByTestId("detail-id")).ToHaveText(a.ID))
			must(t, expect.Locator(p.GetByTestId("detail-tenant")).ToHaveText(a.TenantID))
			if js {
				screenshot(t, p, "details")
			}
			// The details page's own actions work too (here: toggle).
			before := a.Enabled
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: regexp.MustCompile(`^(Disable|Enable)$`)}).Click())
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("is now"))
			must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(a.ID)+`$`)))
			if got, _ := en.stub.Account(a.ID); got.Enabled == before {
				t.Error("toggle from the details page did not reach the stub")
			}
		})
	}
}

func TestErrorsShownInPlace(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 3})
			p := en.page(js)
			en.signIn(p)
			nameField := p.GetByLabel("Name", playwright.PageGetByLabelOptions{Exact: playwright.Bool(true)})
			create := p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Create", Exact: playwright.Bool(true)})

			// A name the API would refuse is stopped by the browser itself
			// (pattern, length), with or without JavaScript.
			h0 := len(en.stub.Calls())
			must(t, nameField.Fill("Not Valid"))
			must(t, create.Click())
			must(t, expect.Locator(nameField).ToHaveValue("Not Valid"))
			for _, c := range en.stub.Calls()[h0:] {
				if c.Op == "create" {
					t.Error("an invalid name reached the API")
				}
			}

			// 409: the name is taken; the input is kept.
			taken := en.stub.Accounts()[0].Name
			must(t, nameField.Fill(taken))
			must(t, create.Click())
			must(t, expect.Locator(p.GetByTestId("create-error")).ToContainText("already taken"))
			must(t, expect.Locator(nameField).ToHaveValue(taken))

			// 5xx to the create: it may or may not have been made, and the
			// form says so, keeping the name.
			en.stub.FailNext("create", 1, 503)
			must(t, nameField.Fill("brand-new"))
			must(t, create.Click())
			must(t, expect.Locator(p.GetByTestId("create-error")).ToContainText("The outcome is unknown"))
			must(t, expect.Locator(p.GetByTestId("create-error")).ToContainText("answered 503 Service Unavailable to it, so the change may or may not have been made"))
			must(t, expect.Locator(nameField).ToHaveValue("brand-new"))
			screenshot(t, p, "create-error-"+mode(js))

			// 403 on a row action: said next to the action, row untouched.
			victim := en.stub.Accounts()[1]
			toggle := regexp.MustCompile(`^(Disable|Enable)$`)
			en.stub.FailNext("update", 1, 403)
			must(t, row(p, victim.Name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: toggle}).Click())
			must(t, expect.Locator(p.GetByText("Your Run:ai role does not allow this action.")).ToBeVisible())

			// 404: the account vanished meanwhile; its row is removed.
			gone := en.stub.Accounts()[2]
			admin, err := en.stub.IssueToken(nil)
			must(t, err)
			must(t, en.api.DeleteServiceAccount(context.Background(), admin, gone.ID)) // another admin deletes it
			must(t, row(p, gone.Name).GetByRole("button", playwright.LocatorGetByRoleOptions{Name: toggle}).Click())
			must(t, expect.Locator(p.GetByText("no longer exists").First()).ToBeVisible())
			must(t, expect.Locator(row(p, gone.Name)).ToHaveCount(0))
		})
	}
}

// TestSessionRevoked: when the token stops working mid-session, the next
// action leads to sign-in with a message, then back to the same page.
func TestSessionRevoked(t *testing.T) {
	for _, js := range []bool{true, false} {
		t.Run(mode(js), func(t *testing.T) {
			en := newEnv(t, envOptions{seed: 3})
			p := en.page(js)
			en.signIn(p)
			a := en.stub.Accounts()[0]
			_, err := p.Goto(at(paths.Account.ID(a.ID)))
			must(t, err)
			en.stub.RevokeTokens()
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: regexp.MustCompile(`^(Disable|Enable)$`)}).Click())
			must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(string(paths.SignIn))+`\?next=`)))
			must(t, expect.Locator(p.GetByTestId("flash")).ToContainText("expired or was revoked"))
			must(t, p.GetByLabel("Client ID").Fill(en.clientID))
			must(t, p.GetByLabel("Client secret").Fill(en.secret))
			must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign in with access key"}).Click())
			must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(string(paths.Account.ID(a.ID)))+`$`)))
		})
	}
}

func TestSignOut(t *testing.T) {
	en := newEnv(t, envOptions{seed: 1})
	p := en.page(false)
	en.signIn(p)
	must(t, p.GetByRole("button", playwright.PageGetByRoleOptions{Name: "Sign out"}).Click())
	must(t, expect.Locator(p.GetByTestId("signin-notice")).ToContainText("You have signed out"))
	_, err := p.Goto(at(paths.Accounts.Link()))
	must(t, err)
	must(t, expect.Page(p).ToHaveURL(regexp.MustCompile(regexp.QuoteMeta(string(paths.SignIn)))))
}
