package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/runai-tools/sa-dashboard/handlers"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/htmx"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/stub"
	"github.com/runai-tools/sa-dashboard/views"
)

// accessFixture: alpha has two rules, beta (disabled) one, gamma none.
func accessFixture(t *testing.T, adjust func(*handlers.Deps)) (*harness, map[string]stub.Account) {
	t.Helper()
	h := newHarnessWith(t, options{}, adjust)
	accts := map[string]stub.Account{}
	for _, a := range []stub.Account{
		{Name: "alpha", Enabled: true, CreatedBy: "ann@x.io"},
		{Name: "beta", Enabled: false, CreatedBy: "bob@x.io"},
		{Name: "gamma", Enabled: true, CreatedBy: "ann@x.io"},
	} {
		accts[a.Name] = h.stub.Insert(a, "s")
	}
	sc := h.stub.Scopes()
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: accts["alpha"].ClientID, RoleID: 28, ScopeType: runai.ScopeProject, ScopeID: sc.Projects[0].ID})
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectApp, SubjectID: "alpha", RoleID: 3, ScopeType: runai.ScopeTenant, ScopeID: "1001"})
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectServiceAccount, SubjectID: accts["beta"].ID, RoleID: 10, ScopeType: runai.ScopeDepartment, ScopeID: sc.Departments[1].ID})
	// A user's rule naming gamma's name must never count as gamma's.
	h.stub.AddRule(stub.Rule{SubjectType: runai.SubjectUser, SubjectID: "gamma", RoleID: 3, ScopeType: runai.ScopeTenant, ScopeID: "1001"})
	h.signIn()
	return h, accts
}

func TestAccessColumnAndBadges(t *testing.T) {
	h, _ := accessFixture(t, nil)
	doc := h.get(paths.Accounts.Link()).doc(t)
	cell := func(name string) string {
		return strings.Join(strings.Fields(rowOf(doc, name).Find(`td.access`).Text()), " ")
	}
	if got := cell("alpha"); got != "ML engineer · prod / ml / team-a (+1)" {
		t.Errorf("alpha's cell %q", got)
	}
	if got := rowOf(doc, "alpha").Find(`td.access`).AttrOr("title", ""); got != "ML engineer · prod / ml / team-a\nViewer · acme" {
		t.Errorf("alpha's rules on hover %q", got)
	}
	if got := cell("gamma"); got != "none" {
		t.Errorf("gamma's cell %q (a user's rule counted?)", got)
	}
	if rowOf(doc, "gamma").Find(`td.st[data-flags~=no-access]`).Length() != 1 ||
		rowOf(doc, "beta").Find(`td.st[data-flags~=disabled-with-access]`).Length() != 1 ||
		strings.Contains(rowOf(doc, "alpha").Find(`td.st`).AttrOr("class", ""), "access") {
		t.Error("access badges wrong")
	}
	for label, want := range map[string]string{"no access": "1 no access", "disabled with access": "1 disabled with access"} {
		if got := strings.Join(strings.Fields(doc.Find(`[data-testid="summary-`+label+`"]`).Text()), " "); got != want {
			t.Errorf("summary %s = %q", label, got)
		}
	}
	for q, want := range map[string]string{"access=none": "gamma", "access=disabled": "beta", "q=ml+engineer": "alpha", "q=team-a": "alpha", "sort=access&dir=desc": "alpha,beta,gamma"} {
		if got := rowNames(t, h.get(paths.Accounts.Link().RawQuery(q))); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
	recs := h.get(paths.AccountsExport.Link().RawQuery("sort=name")).body
	if !strings.Contains(recs, "ML engineer · prod / ml / team-a; Viewer · acme") {
		t.Errorf("CSV lacks the rules:\n%s", recs)
	}
}

// TestListCallsAreBounded: at 1000 accounts and 1500 rules the list page
// makes one accounts call, ceil(1500/500) rule pages and the catalog's
// lookups, never a call per account; the catalog is then reused.
func TestListCallsAreBounded(t *testing.T) {
	h := newHarnessWith(t, options{seed: 1000}, nil)
	h.stub.GrowRules(1500)
	sa := 1500
	sc := h.stub.Scopes()
	h.signIn()
	count := func() map[stub.Op]int {
		m := map[stub.Op]int{}
		for _, c := range h.stub.Calls() {
			m[c.Op]++
		}
		return m
	}
	h.clock.Advance(2 * 60e9) // past the catalog's lifetime
	h.stub.ResetCalls()
	if r := h.get(paths.Accounts.Link()); r.StatusCode != 200 {
		t.Fatal(r.StatusCode)
	}
	cold := count()
	projectPages := (len(sc.Projects) + 99) / 100 // the stub's page cap
	want := map[stub.Op]int{stub.OpList: 1, stub.OpRules: 3, stub.OpRoles: 1, stub.OpClusters: 1, stub.OpDepartments: 1, stub.OpProjects: projectPages}
	total := 0
	for op, n := range cold {
		total += n
		if n != want[op] {
			t.Errorf("%s: %d calls, want %d", op, n, want[op])
		}
	}
	t.Logf("list page at 1000 accounts and %d rules: %d upstream calls cold (%v)", sa, total, cold)
	h.stub.ResetCalls()
	h.reload(paths.Accounts.Link().RawQuery("q=mlflow"))
	if warm := count(); len(warm) != 2 || warm[stub.OpList] != 1 || warm[stub.OpRules] != 3 {
		t.Errorf("reload with the catalog warm: %v, want the accounts and the rule pages only", warm)
	}
	// Within the list's short lifetime a page or an interaction on it
	// reads nothing; past it, the list is read again.
	h.stub.ResetCalls()
	h.get(paths.Accounts.Link().RawQuery("sort=lastLogin"))
	h.do("GET", paths.Accounts.Link().RawQuery("q=ml"), nil, map[string]string{htmx.HeaderRequest: "true", htmx.HeaderTarget: "list"})
	if calls := count(); len(calls) != 0 {
		t.Errorf("within the list's lifetime: %v, want no call", calls)
	}
	h.clock.Advance(11e9)
	h.get(paths.Accounts.Link())
	if calls := count(); len(calls) != 2 || calls[stub.OpList] != 1 || calls[stub.OpRules] != 3 {
		t.Errorf("past the list's lifetime: %v, want the accounts and the rule pages", calls)
	}
}

func TestUnreadableRules(t *testing.T) {
	h, accts := accessFixture(t, nil)
	h.stub.FailNext(stub.OpRules, 2, 403)
	doc := h.reload(paths.Accounts.Link()).doc(t)
	if got := doc.Find(`[data-testid="rules-problem"]`).Text(); !strings.Contains(got, "may not read access rules") {
		t.Errorf("no explanation: %q", got)
	}
	if doc.Find(`tr[id^="r-"]`).Length() != 3 || doc.Find(`td.st[data-flags~=no-access]`).Length() != 0 {
		t.Error("the list should work, without access badges")
	}
	if got := rowOf(doc, "alpha").Find(`td.access`).Text(); !strings.Contains(got, "unknown") {
		t.Errorf("cell %q", got)
	}
	page := h.get(paths.Account.ID(accts["alpha"].ID)).doc(t)
	if got := page.Find(`[data-testid="access-problem"]`).Text(); !strings.Contains(got, "may not read access rules") || !strings.Contains(got, "Ask a Run:ai administrator") {
		t.Errorf("section: %q", got)
	}
}

func TestAccountPageRules(t *testing.T) {
	h, accts := accessFixture(t, nil)
	doc := h.get(paths.Account.ID(accts["alpha"].ID)).doc(t)
	var rows []string
	doc.Find(`[data-testid="rule-row"]`).Each(func(_ int, s *goquery.Selection) { rows = append(rows, s.AttrOr("data-rule", "")) })
	if strings.Join(rows, "|") != "ML engineer · prod / ml / team-a|Viewer · acme" {
		t.Errorf("rules %v", rows)
	}
	if doc.Find(`#add-access-role option`).Length() < 10 || doc.Find(`#add-access-scope optgroup`).Length() != 4 {
		t.Error("the add form does not offer the roles and every scope type")
	}
	// The page links to the copy form, drawn on demand: with the
	// session's list fresh, it offers only the others that hold access
	// (beta; gamma holds none), else every other account; in the page's
	// place with htmx, as a page of its own without.
	if doc.Find(`#copy-from`).Length() != 0 || doc.Find(`[data-testid="copy-open"]`).AttrOr("href", "") != paths.AccountRulesCopy.ID(accts["alpha"].ID).String() {
		t.Error("the account page should link to the copy form, not draw it")
	}
	copyForm := func(hx bool) *goquery.Document {
		if !hx {
			return h.get(paths.AccountRulesCopy.ID(accts["alpha"].ID)).doc(t)
		}
		return h.do("GET", paths.AccountRulesCopy.ID(accts["alpha"].ID), nil, map[string]string{htmx.HeaderRequest: "true", htmx.HeaderTarget: views.AccessCopyID}).doc(t)
	}
	for _, hx := range []bool{false, true} {
		f := copyForm(hx)
		if got := f.Find(`#copy-from option`).Length(); got != 2 || !strings.Contains(f.Find(views.Sel(views.AccessCopyID)+` .hint`).Text(), "Only the accounts that hold access") {
			t.Errorf("htmx %t: copy offers %d options, want the placeholder and beta", hx, got)
		}
		if got := f.Find(`h1`).Length(); got != map[bool]int{false: 1, true: 0}[hx] {
			t.Errorf("htmx %t: %d headings, want a page of its own only without htmx", hx, got)
		}
	}
	h.clock.Advance(11e9)
	page := copyForm(false)
	if got := page.Find(`#copy-from option`).Length(); got != 3 || strings.Contains(page.Find(views.Sel(views.AccessCopyID)+` .hint`).Text(), "Only") {
		t.Errorf("without the session's list: %d options, want the placeholder and the two others", got)
	}
	if got := h.get(paths.Account.ID(accts["gamma"].ID)).doc(t).Find(`[data-testid="no-access"]`).Text(); !strings.Contains(got, "can obtain tokens but do nothing") {
		t.Errorf("gamma: %q", got)
	}
}

func TestAddRule(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h, accts := accessFixture(t, nil)
			g := accts["gamma"]
			proj := h.stub.Scopes().Projects[7]
			h.get(paths.Account.ID(g.ID))
			form := url.Values{"role": {"28"}, "scope_type": {"project"}, "scope": {"project:" + proj.ID}}
			r := h.post(paths.AccountRules.ID(g.ID), form, v.htmx)
			var have []stub.Rule
			for _, rule := range h.stub.Rules() {
				if rule.SubjectID == g.ClientID {
					have = append(have, rule)
				}
			}
			if len(have) != 1 || have[0].RoleID != 28 || have[0].ScopeID != proj.ID || have[0].ClusterID != proj.ClusterID || have[0].SubjectType != runai.SubjectServiceAccount {
				t.Fatalf("rules at the stub %+v", have)
			}
			if v.htmx {
				if got := r.doc(t).Find(`[data-testid="rule-ok"]`).Text(); !strings.Contains(got, "ML engineer · prod / ml / "+proj.Name) {
					t.Errorf("outcome %q", got)
				}
			} else if r.StatusCode != http.StatusSeeOther {
				t.Errorf("plain add: %d", r.StatusCode)
			}
			if !strings.Contains(h.logs.String(), "msg=audit action=add-access-rule") || !strings.Contains(h.logs.String(), "target_name=gamma") {
				t.Error("no audit line")
			}

			// The same rule again is refused before any change is sent.
			h.stub.ResetCalls()
			r = h.post(paths.AccountRules.ID(g.ID), form, v.htmx)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.doc(t).Find(`#add-access-scope-error`).Text(), "already has") {
				t.Errorf("duplicate: %d %q", r.StatusCode, r.doc(t).Find(`#add-access-scope-error`).Text())
			}
			for _, c := range h.stub.Calls() {
				if c.Op == stub.OpRuleCreate {
					t.Error("a duplicate reached the API")
				}
			}
			// Invalid choices keep the input.
			r = h.post(paths.AccountRules.ID(g.ID), url.Values{"role": {"28"}, "scope_type": {"cluster"}, "scope": {""}}, v.htmx)
			doc := r.doc(t)
			if r.StatusCode != http.StatusUnprocessableEntity || doc.Find(`#add-access-role option[selected]`).AttrOr("value", "") != "28" {
				t.Errorf("no scope: %d, role kept %q", r.StatusCode, doc.Find(`#add-access-role option[selected]`).AttrOr("value", ""))
			}
		})
	}
}

// TestAddRuleScopeTypeFollowsTheScope: without JavaScript choosing a scope
// type does not narrow the scope list, which offers every scope; a user
// who picks "Project" and then the first scope (the tenant) has chosen the
// tenant, and is not refused for a mismatch they could not see.
func TestAddRuleScopeTypeFollowsTheScope(t *testing.T) {
	h, accts := accessFixture(t, nil)
	g := accts["gamma"]
	doc := h.get(paths.Account.ID(g.ID)).doc(t)
	first := doc.Find(`#add-access-scope option[value!=""]`).First().AttrOr("value", "")
	if first != form.ScopeValue(runai.ScopeTenant, "1001") {
		t.Fatalf("the plain form offers %q first", first)
	}
	r := h.post(paths.AccountRules.ID(g.ID), url.Values{"role": {"3"}, "scope_type": {string(runai.ScopeProject)}, "scope": {first}}, false)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the tenant under the default scope type: %d %s", r.StatusCode, r.doc(t).Find(`[data-testid="problem"], .field-error`).Text())
	}
	for _, rule := range h.stub.Rules() {
		if rule.SubjectID == g.ClientID && rule.ScopeType == runai.ScopeTenant {
			return
		}
	}
	t.Error("no tenant rule at the stub")
}

func TestAddRuleRefusedByTheAPI(t *testing.T) {
	for _, tt := range []struct {
		status int
		want   string
	}{{403, "Run:ai refused"}, {409, "already has"}, {503, "may or may not have been made"}} {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			h, accts := accessFixture(t, nil)
			g := accts["gamma"]
			h.get(paths.Account.ID(g.ID))
			h.stub.FailNext(stub.OpRuleCreate, 1, tt.status)
			r := h.post(paths.AccountRules.ID(g.ID), url.Values{"role": {"3"}, "scope": {"tenant:1001"}}, true)
			doc := r.doc(t)
			if !strings.Contains(doc.Text(), tt.want) {
				t.Errorf("answer lacks %q: %s", tt.want, doc.Find(`[data-testid="access-rules"]`).Text())
			}
			if tt.status != 409 && doc.Find(`#add-access-role option[selected]`).AttrOr("value", "") != "3" {
				t.Error("the form lost its choice")
			}
		})
	}
}

func TestRemoveRule(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h, accts := accessFixture(t, nil)
			a := accts["alpha"]
			var rule stub.Rule
			for _, r := range h.stub.Rules() {
				if r.RoleID == 28 {
					rule = r
				}
			}
			confirm := h.get(paths.AccountRuleDelete.Rule(a.ID, rule.ID)).doc(t)
			if got := confirm.Find("h2").Text(); !strings.Contains(got, "ML engineer") || !strings.Contains(got, "prod / ml / team-a") || !strings.Contains(got, "alpha") {
				t.Errorf("confirmation %q does not name role, scope and account", got)
			}
			// A rule of another account cannot be removed through this one.
			if r := h.get(paths.AccountRuleDelete.Rule(accts["gamma"].ID, rule.ID)); r.StatusCode != http.StatusNotFound {
				t.Errorf("another account's rule: %d", r.StatusCode)
			}
			r := h.post(paths.AccountRuleDelete.Rule(a.ID, rule.ID), nil, v.htmx)
			for _, left := range h.stub.Rules() {
				if left.ID == rule.ID {
					t.Fatal("not removed at the stub")
				}
			}
			if v.htmx && (!strings.Contains(r.body, `hx-swap-oob="innerHTML"`) || r.doc(t).Find(`[data-testid="rule-row"]`).Length() != 1) {
				t.Error("htmx answer: the section with one rule left and the panel emptied")
			}
			if !v.htmx && r.StatusCode != http.StatusSeeOther {
				t.Errorf("plain: %d", r.StatusCode)
			}
		})
	}
}

func TestCopyAccess(t *testing.T) {
	h, accts := accessFixture(t, nil)
	g := accts["gamma"]
	h.get(paths.Account.ID(g.ID))
	h.stub.FailNext(stub.OpRuleCreate, 1, 403)
	r := h.post(paths.AccountRulesCopy.ID(g.ID), url.Values{"from": {accts["alpha"].ID}}, true)
	doc := r.doc(t)
	if doc.Find(`[data-testid="rule-ok"]`).Length() != 1 || doc.Find(`[data-testid="rule-failed"]`).Length() != 1 {
		t.Fatalf("outcomes: %s", doc.Find(`[data-testid="rule-outcomes"]`).Text())
	}
	// Again: the copied rule is there, the refused one is added now.
	r = h.post(paths.AccountRulesCopy.ID(g.ID), url.Values{"from": {accts["alpha"].ID}}, true)
	doc = r.doc(t)
	if doc.Find(`[data-testid="rule-already"]`).Length() != 1 || doc.Find(`[data-testid="rule-ok"]`).Length() != 1 {
		t.Fatalf("second copy: %s", doc.Find(`[data-testid="rule-outcomes"]`).Text())
	}
	if r := h.post(paths.AccountRulesCopy.ID(g.ID), url.Values{}, false); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no source: %d", r.StatusCode)
	}
}

func TestCreateWithAccess(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			h, _ := accessFixture(t, nil)
			proj := h.stub.Scopes().Projects[3]
			r := h.post(paths.Accounts.Link(), url.Values{"name": {"ready-bot"}, "role": {"28"}, "scope": {"project:" + proj.ID}}, v.htmx)
			doc := r.doc(t)
			if doc.Find(`[data-testid="secret-value"]`).Text() == "" || !strings.Contains(doc.Find(`[data-testid="initial-access"]`).Text(), "was added") {
				t.Fatalf("%d: %s", r.StatusCode, doc.Find(`[data-testid="secret-panel"]`).Text())
			}
			a, _ := h.stub.AccountByName("ready-bot")
			found := false
			for _, rule := range h.stub.Rules() {
				found = found || (rule.SubjectID == a.ClientID && rule.RoleID == 28 && rule.ScopeID == proj.ID)
			}
			if !found {
				t.Error("no rule at the stub")
			}
			if v.htmx && !strings.Contains(rowOf(doc, "ready-bot").Text(), "ML engineer") {
				t.Error("the new row does not show its rule")
			}

			// The rule fails: the secret is still shown once, with a way to
			// add the rule now.
			h.stub.FailNext(stub.OpRuleCreate, 1, 403)
			r = h.post(paths.Accounts.Link(), url.Values{"name": {"half-bot"}, "role": {"28"}, "scope": {"project:" + proj.ID}}, v.htmx)
			doc = r.doc(t)
			if doc.Find(`[data-testid="secret-value"]`).Text() == "" {
				t.Fatal("the secret was lost with the rule")
			}
			if got := doc.Find(`[data-testid="initial-access"]`).Text(); !strings.Contains(got, "created, but the access rule") || !strings.Contains(got, "Run:ai refused") {
				t.Errorf("failure not stated: %q", got)
			}
			retry := doc.Find(`[data-testid="initial-access"] form`)
			action, _ := retry.Attr("action")
			values := url.Values{}
			retry.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
				if n := s.AttrOr("name", ""); n != form.FieldCSRF {
					values.Set(n, s.AttrOr("value", ""))
				}
			})
			if r := h.post(paths.Path(strings.TrimPrefix(action, h.base)), values, false); r.StatusCode != http.StatusSeeOther {
				t.Errorf("retry: %d", r.StatusCode)
			}
			half, _ := h.stub.AccountByName("half-bot")
			ok := false
			for _, rule := range h.stub.Rules() {
				ok = ok || rule.SubjectID == half.ClientID
			}
			if !ok {
				t.Error("the retry did not add the rule")
			}
		})
	}
}

func TestCreateWithAccessKeepsChoices(t *testing.T) {
	h, _ := accessFixture(t, nil)
	r := h.post(paths.Accounts.Link(), url.Values{"name": {"Bad Name"}, "role": {"28"}, "scope_type": {"tenant"}}, true)
	doc := r.doc(t)
	if r.StatusCode != http.StatusUnprocessableEntity || doc.Find(`#create-access-role option[selected]`).AttrOr("value", "") != "28" ||
		doc.Find(`#create-access-scope-error`).Length() != 1 {
		t.Errorf("%d; role kept %q; scope error %d", r.StatusCode, doc.Find(`#create-access-role option[selected]`).AttrOr("value", ""), doc.Find(`#create-access-scope-error`).Length())
	}
	if _, ok := h.stub.AccountByName("bad-name"); ok {
		t.Error("created despite the errors")
	}
}

func TestRuleSubjectSetting(t *testing.T) {
	for _, key := range runai.SubjectKeys {
		t.Run(string(key), func(t *testing.T) {
			h, accts := accessFixture(t, func(d *handlers.Deps) { d.RuleSubject = key })
			g := accts["gamma"]
			h.get(paths.Account.ID(g.ID))
			h.post(paths.AccountRules.ID(g.ID), url.Values{"role": {"3"}, "scope": {"tenant:1001"}}, true)
			want := key.Of(g)
			for _, r := range h.stub.Rules() {
				if r.RoleID == 3 && r.SubjectType == runai.SubjectServiceAccount && r.SubjectID == want {
					return
				}
			}
			t.Errorf("no rule naming gamma by %s (%q)", key, want)
		})
	}
}

func TestBulkAccess(t *testing.T) {
	h, accts := accessFixture(t, nil)
	ids := []string{accts["alpha"].ID, accts["gamma"].ID}
	conf := h.post(paths.BulkConfirm.Link(), url.Values{"action": {"add-access-rule"}, "ids": ids}, false)
	if conf.doc(t).Find(`#bulk-access-role`).Length() != 1 {
		t.Fatal("the confirmation asks for no rule")
	}
	// Without a rule the confirmation comes back with the error.
	if r := h.post(paths.Bulk.Link(), url.Values{"action": {"add-access-rule"}, "ids": ids}, false); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("no rule: %d", r.StatusCode)
	}
	doc := h.jobResult(h.post(paths.Bulk.Link(), url.Values{"action": {"add-access-rule"}, "ids": ids, "role": {"3"}, "scope": {"tenant:1001"}}, false))
	if doc.Find(`[data-testid="bulk-ok"]`).Length() != 2 || !strings.Contains(doc.Find(`[data-testid="bulk-ok"]`).Text(), "already had") {
		t.Errorf("add result: %s", doc.Find(`[data-testid="bulk-result"]`).Text())
	}
	doc = h.jobResult(h.post(paths.Bulk.Link(), url.Values{"action": {"remove-access-rules"}, "ids": ids}, false))
	if doc.Find(`[data-testid="bulk-ok"]`).Length() != 2 || !strings.Contains(doc.Text(), "2 rules removed") {
		t.Errorf("remove result: %s", doc.Find(`[data-testid="bulk-result"]`).Text())
	}
	for _, rule := range h.stub.Rules() {
		if accts["alpha"].Owns(rule) || accts["gamma"].Owns(rule) {
			t.Errorf("rule %+v left", rule)
		}
	}
	if n := strings.Count(h.logs.String(), "action=bulk-remove-access-rule"); n != 3 {
		t.Errorf("%d audit lines for the removals, want 3", n)
	}
}

func TestScopePicker(t *testing.T) {
	h, _ := accessFixture(t, nil)
	r := h.do("GET", paths.ScopePicker.Link().RawQuery("prefix=add-access&scope_type=department"), nil, map[string]string{htmx.HeaderRequest: "true"})
	doc := r.doc(t)
	if doc.Find("optgroup").Length() != 1 || doc.Find("optgroup").AttrOr("label", "") != "Department" || doc.Find("#add-access-scope-field").Length() != 1 {
		t.Errorf("picker: %s", r.body)
	}
	if r := h.get(paths.ScopePicker.Link().RawQuery("prefix=evil")); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown prefix: %d", r.StatusCode)
	}
}
