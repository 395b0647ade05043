package views

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func render(t *testing.T, c templ.Component, wrapTable bool) *goquery.Document {
	t.Helper()
	ctx := WithRequest(context.Background(), &Request{CSRF: "csrf-tok", BasePath: "/base", Now: now,
		User: &User{Name: "ada@example.com", Expires: now.Add(time.Hour)}})
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if wrapTable {
		html = "<table><tbody>" + html + "</tbody></table>"
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestAccountRow(t *testing.T) {
	tests := []struct {
		name         string
		a            Account
		status       string
		toggle       string
		lastLogin    string
		toggleAction string
	}{
		{"enabled, never used", Account{ID: "a/b", Name: "ci", ClientID: "cid", Enabled: true, CreatedAt: now.Add(-48 * time.Hour)}, "Enabled", "Disable ci", "never", "/base/accounts/a%2Fb/disable"},
		{"disabled, used", Account{ID: "x", Name: "etl", Enabled: false, LastLogin: now.Add(-3 * time.Hour)}, "Disabled", "Enable etl", "3 hours ago", "/base/accounts/x/enable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := render(t, AccountRow(tt.a, false), true)
			row := doc.Find(`tr[data-testid="account-row"]`)
			if row.Length() != 1 {
				t.Fatal("no row")
			}
			if got := row.Find(`[data-testid="status"]`).Text(); got != tt.status {
				t.Errorf("status %q", got)
			}
			if never := row.Find(`[data-testid="badge-never"]`).Length() == 1; never != tt.a.LastLogin.IsZero() {
				t.Errorf("never-used badge = %v", never)
			}
			if got := row.Find(`input[type=checkbox][name=ids][form=bulk]`).AttrOr("value", ""); got != tt.a.ID {
				t.Errorf("selection checkbox value %q", got)
			}
			if got := strings.Join(strings.Fields(row.Find(`[data-testid="toggle"]`).Text()), " "); got != tt.toggle {
				t.Errorf("toggle accessible text %q", got)
			}
			if got := row.Find("td").Eq(6).Text(); got != tt.lastLogin {
				t.Errorf("last login %q", got)
			}
			form := row.Find("form")
			if a, _ := form.Attr("action"); a != tt.toggleAction {
				t.Errorf("action %q", a)
			}
			if a, _ := form.Attr("hx-post"); a != tt.toggleAction {
				t.Errorf("hx-post %q", a)
			}
			if v, _ := form.Find(`input[name="_csrf"]`).Attr("value"); v != "csrf-tok" {
				t.Error("no CSRF field")
			}
			if row.Find(`th[scope="row"]`).Length() != 1 {
				t.Error("row header missing")
			}
			if tt.a.CreatedAt.IsZero() == false {
				if dt, _ := row.Find("time").First().Attr("datetime"); dt != ISO(tt.a.CreatedAt) {
					t.Errorf("datetime %q", dt)
				}
				if title, _ := row.Find("time").First().Attr("title"); !strings.HasSuffix(title, "UTC") {
					t.Errorf("no absolute time on hover: %q", title)
				}
			}
		})
	}
}

func TestAccountsTableHeaders(t *testing.T) {
	l := ListState{Sort: "lastLogin", Desc: true, SortURLs: map[string]string{"name": "/base/accounts?sort=name", "lastLogin": "/base/accounts?sort=lastLogin"}}
	doc := render(t, AccountsTable(l, nil), false)
	if n := doc.Find(`thead th[scope="col"]`).Length(); n != 9 {
		t.Errorf("%d column headers with scope", n)
	}
	if !strings.Contains(doc.Find("#empty-row").Text(), "No service accounts yet") {
		t.Error("no empty state")
	}
	if got, _ := doc.Find(`th[aria-sort="descending"] a`).Attr("href"); got != "/base/accounts?sort=lastLogin" {
		t.Errorf("sorted column link %q", got)
	}
	if doc.Find(`th[aria-sort="ascending"]`).Length() != 0 || doc.Find(`th[aria-sort="none"]`).Length() != 6 {
		t.Error("aria-sort not set on every sortable header")
	}
}

func TestCreateSectionKeepsInput(t *testing.T) {
	doc := render(t, CreateSection(CreateForm{Name: "Bad", Error: "Invalid name."}), false)
	in := doc.Find("#create-name")
	for attr, want := range map[string]string{"value": "Bad", "aria-invalid": "true", "pattern": NamePattern, "minlength": "2", "maxlength": "255", "aria-describedby": "create-name-hint create-name-error"} {
		if got, _ := in.Attr(attr); got != want {
			t.Errorf("%s = %q, want %q", attr, got, want)
		}
	}
	if doc.Find(`label[for="create-name"]`).Length() != 1 {
		t.Error("no label")
	}
	if doc.Find(`[data-testid="create-error"][role="alert"]`).Text() != "Invalid name." {
		t.Error("error not shown as an alert")
	}
}

func TestSecretPanel(t *testing.T) {
	doc := render(t, SecretPanel(Secret{Name: "ci", ClientID: "cid", Value: "s3cr3t", Regenerated: true}), false)
	p := doc.Find(`[data-testid="secret-panel"]`)
	if v, _ := p.Attr("hx-history"); v != "false" {
		t.Error("secret panel not excluded from htmx history")
	}
	if p.Find(`[data-testid="secret-value"]`).Text() != "s3cr3t" || p.Find(`[data-testid="secret-client-id"]`).Text() != "cid" {
		t.Error("credentials not shown")
	}
	if !strings.Contains(p.Text(), "will not be shown again") || !strings.Contains(p.Text(), "stopped working") {
		t.Error("warnings missing")
	}
	if p.Find("[data-copy]").Length() != 2 {
		t.Error("copy buttons missing")
	}
}

func TestLayoutIsCSPClean(t *testing.T) {
	doc := render(t, Layout("Title"), false)
	cfg, _ := doc.Find(`meta[name="htmx-config"]`).Attr("content")
	for _, want := range []string{`"allowEval":false`, `"allowScriptTags":false`, `"includeIndicatorStyles":false`, `"historyCacheSize":0`, `"selfRequestsOnly":true`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("htmx config lacks %s", want)
		}
	}
	if h, _ := doc.Find("body").Attr("hx-headers"); h != `{"X-CSRF-Token": "csrf-tok"}` {
		t.Errorf("hx-headers %q", h)
	}
	doc.Find("script").Each(func(_ int, s *goquery.Selection) {
		if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/base/static/") {
			t.Errorf("inline or foreign script: %v", src)
		}
	})
	if doc.Find("style, [style]").Length() != 0 {
		t.Error("inline style")
	}
	if doc.Find("[onclick], [onload], [onerror], [hx-on]").Length() != 0 {
		t.Error("inline handler")
	}
	if doc.Find(`form[action="/base/signout"][method="post"] input[name="_csrf"]`).Length() != 1 {
		t.Error("sign-out is not a POST form with a CSRF field")
	}
}

func TestConfirmNamesAccount(t *testing.T) {
	for _, action := range []string{"delete", "regenerate"} {
		doc := render(t, ConfirmView(Confirm{Account: Account{ID: "i d", Name: "etl-bot", ClientID: "c"}, Action: action}), false)
		if !strings.Contains(doc.Find("h2").Text(), "etl-bot") {
			t.Errorf("%s: heading does not name the account", action)
		}
		if a, _ := doc.Find("form").Attr("action"); a != "/base/accounts/i%20d/"+action {
			t.Errorf("%s: action %q", action, a)
		}
		if action == "regenerate" && !strings.Contains(doc.Text(), "stops working") {
			t.Error("regenerate does not say the old secret stops working")
		}
	}
}

func TestRelative(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{-30 * time.Second, "just now"}, {-time.Minute, "1 minute ago"}, {-5 * time.Hour, "5 hours ago"},
		{-49 * time.Hour, "2 days ago"}, {-65 * 24 * time.Hour, "2 months ago"}, {-800 * 24 * time.Hour, "2 years ago"},
		{2 * time.Hour, "in 2 hours"},
	} {
		if got := Relative(now.Add(tt.d), now); got != tt.want {
			t.Errorf("Relative(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestRowIDIsSafe(t *testing.T) {
	a, b := RowID(`"><x`), RowID("y")
	if a == b || strings.ContainsAny(a, `"<> /`) {
		t.Errorf("%q %q", a, b)
	}
}

// TestGeneratedFilesAreFresh fails when a *_templ.go file is stale: it
// regenerates each component into a temporary copy and compares.
func TestGeneratedFilesAreFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the templ generator")
	}
	templs, _ := filepath.Glob("*.templ")
	if len(templs) == 0 {
		t.Fatal("no templ files found")
	}
	// Generate from a copy laid out like the module root (file names in
	// the output are relative to it), with the templ version pinned in
	// go.mod.
	bin, err := exec.Command("go", "tool", "-n", "templ").Output()
	if err != nil {
		t.Fatalf("locate the pinned templ: %v", err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "views")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range templs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(strings.TrimSpace(string(bin)), "generate") // -path . as `go tool templ generate` runs
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("templ generate: %v\n%s", err, out)
	}
	for _, f := range templs {
		g := strings.TrimSuffix(f, ".templ") + "_templ.go"
		want, _ := os.ReadFile(filepath.Join(dir, g))
		got, err := os.ReadFile(g)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `go tool templ generate` and commit", g)
		}
	}
}
