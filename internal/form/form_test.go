package form

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/runai-tools/sa-dashboard/internal/listview"
)

func values(raw string) url.Values {
	v, _ := url.ParseQuery(raw)
	return v
}

func TestParseView(t *testing.T) {
	def := listview.Default(90)
	with := func(change func(*listview.View)) listview.View {
		v := def
		change(&v)
		return v
	}
	tests := []struct {
		query  string
		want   listview.View
		errors string // fields reported, comma-joined in order
	}{
		{"", def, ""},
		{"q=+ci+&status=disabled&usage=stale&staleDays=30&createdBy=ann@x.io&sort=lastLogin&dir=desc",
			with(func(v *listview.View) {
				v.Q, v.Status, v.Usage, v.StaleDays, v.CreatedBy, v.Sort, v.Desc = "ci", "disabled", "stale", 30, "ann@x.io", listview.SortLastLogin, true
			}), ""},
		// Hostile or malformed values give the default for that field and
		// say so; sort and direction fall back silently.
		{"status=DROP+TABLE&usage=%3Cscript%3E&staleDays=-5&sort=__proto__&dir=sideways", def, "staleDays,status,usage"},
		{"access=none&sort=access", with(func(v *listview.View) { v.Access, v.Sort = listview.AccessNone, listview.SortAccess }), ""},
		{"access=everything", def, "access"},
		{"staleDays=99999999999999999999", def, "staleDays"},
		{"staleDays=0", def, "staleDays"},
		{"staleDays=3650", with(func(v *listview.View) { v.StaleDays = 3650 }), ""},
		{"q=" + strings.Repeat("a", 201), def, "q"},
		{"q=" + strings.Repeat("a", 200), with(func(v *listview.View) { v.Q = strings.Repeat("a", 200) }), ""},
		{"q=%00evil&createdBy=a%0Ab", def, "createdBy,q"},
		{"q=%ff%fe", def, "q"},
		{"q=a&q=b", with(func(v *listview.View) { v.Q = "a" }), ""},
		// Paging: the page silently falls back to the first, a size that is
		// not a choice is said.
		{"page=3&per=25", with(func(v *listview.View) { v.Page, v.PerPage = 3, 25 }), ""},
		{"per=all", with(func(v *listview.View) { v.PerPage = listview.PerPageAll }), ""},
		{"page=0&per=7", def, "per"},
		{"page=-2&per=-1", def, "per"},
		{"page=x&per=1e9", def, "per"},
	}
	for _, tt := range tests {
		got, errs := ParseView(values(tt.query), 90)
		if got != tt.want {
			t.Errorf("ParseView(%q) = %+v, want %+v", tt.query, got, tt.want)
		}
		if fields := fieldList(errs); fields != tt.errors {
			t.Errorf("ParseView(%q) reported %q, want %q", tt.query, fields, tt.errors)
		}
	}
}

func fieldList(e Errors) string {
	var f []string
	for _, k := range []string{"access", "createdBy", "per", "q", "staleDays", "status", "usage"} {
		if e[k] != "" {
			f = append(f, k)
		}
	}
	return strings.Join(f, ",")
}

// FuzzParseView: any query gives a valid view (never an error or panic)
// whose canonical query parses back to itself without complaint.
func FuzzParseView(f *testing.F) {
	f.Add("q=a&sort=lastLogin&dir=desc&staleDays=30")
	f.Add("status=%00&usage=x&createdBy=%ff")
	f.Add("page=7&per=all&refresh=1")
	f.Add("page=999999999999&per=0")
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw)
		v, _ := ParseView(q, 90)
		if v.StaleDays < listview.MinStaleDays || v.StaleDays > listview.MaxStaleDays || len(v.Q) > listview.MaxQueryLen || len(v.CreatedBy) > listview.MaxQueryLen ||
			v.Page < 1 || (v.PerPage != listview.PerPageAll && !slices.Contains(listview.PerPageChoices, v.PerPage)) {
			t.Fatalf("invalid view %+v from %q", v, raw)
		}
		again, errs := ParseView(v.Query(), 90)
		if again != v || len(errs) != 0 {
			t.Fatalf("%+v re-parses as %+v (%v)", v, again, errs)
		}
	})
}

func TestForms(t *testing.T) {
	tests := []struct {
		name  string
		check func() Errors
		field string // the field at fault, "" when valid
	}{
		{"key ok", func() Errors { return ParseSignInKey(values("client_id=+a+&client_secret=s")).Validate() }, ""},
		{"key without secret", func() Errors { return ParseSignInKey(values("client_id=a")).Validate() }, FieldClientSecret},
		{"key without id", func() Errors { return ParseSignInKey(values("client_secret=s")).Validate() }, FieldClientID},
		{"token ok", func() Errors { return ParseSignInToken(values("token=Bearer+abc.def")).Validate() }, ""},
		{"token empty", func() Errors { return ParseSignInToken(values("token=+")).Validate() }, FieldToken},
		{"token with space", func() Errors { return ParseSignInToken(values("token=a+b")).Validate() }, FieldToken},
		{"token too long", func() Errors {
			return ParseSignInToken(url.Values{"token": {strings.Repeat("x", MaxTokenLen+1)}}).Validate()
		}, FieldToken},
		{"create ok", func() Errors { return ParseCreate(values("name=+ci-bot+")).Validate() }, ""},
		{"create bad", func() Errors { return ParseCreate(values("name=Bad+Name")).Validate() }, FieldName},
		{"verify missing", func() Errors { return ParseVerify(values("client_id=x")).Validate() }, FieldClientSecret},
		{"bulk ok", func() Errors { return ParseBulkSelection(values("action=disable&ids=a&ids=b")).Validate() }, ""},
		{"bulk all", func() Errors { return ParseBulkSelection(values("action=delete&all=1")).Validate() }, ""},
		{"bulk nothing", func() Errors { return ParseBulkSelection(values("action=delete")).Validate() }, FieldIDs},
		{"bulk bad action", func() Errors { return ParseBulkSelection(values("action=explode&ids=a")).Validate() }, FieldAction},
		{"bulk too many", func() Errors {
			v := url.Values{"action": {"enable"}}
			for i := range MaxBulk + 1 {
				v.Add("ids", strings.Repeat("x", i+1))
			}
			return ParseBulkSelection(v).Validate()
		}, FieldIDs},
		{"run ok", func() Errors { return ParseBulkRun(values("action=enable&ids=a")).Validate() }, ""},
		{"run all", func() Errors { return ParseBulkRun(values("action=enable&all=1")).Validate() }, FieldIDs},
		{"columns ok", func() Errors { return ParseColumns(values("cols=status&cols=lastLogin")).Validate() }, ""},
		{"columns bogus", func() Errors { return ParseColumns(values("cols=status&cols=bogus")).Validate() }, FieldColumns},
	}
	for _, tt := range tests {
		errs := tt.check()
		switch {
		case tt.field == "" && len(errs) != 0:
			t.Errorf("%s: unexpected errors %v", tt.name, errs)
		case tt.field != "" && errs[tt.field] == "":
			t.Errorf("%s: no error for %s (got %v)", tt.name, tt.field, errs)
		case tt.field != "" && len(errs) != 1:
			t.Errorf("%s: errors %v, want only %s", tt.name, errs, tt.field)
		}
	}
}

func TestParsing(t *testing.T) {
	if f := ParseSignInToken(values("token=Bearer+++abc")); f.Token != "abc" {
		t.Errorf("token %q", f.Token)
	}
	if f := ParseBulkSelection(values("action=disable&ids=a&ids=&ids=b&ids=a&all=1&view=q%3Dx")); strings.Join(f.IDs, ",") != "a,b" || !f.All || f.View != "q=x" {
		t.Errorf("bulk %+v", f)
	}
	if f := ParseColumns(values("cols=lastLogin&cols=status&view=sort%3Dname")); f.Set.Encode() != "status.lastLogin" || f.View != "sort=name" {
		t.Errorf("columns %+v", f)
	}
	if err := (Errors{"b": "B.", "a": "A."}).Error(); err != "invalid form: a: A.; b: B." {
		t.Errorf("Error() = %q", err)
	}
	if (Errors{}).Err() != nil || (Errors{"a": "x"}).Err() == nil {
		t.Error("Err")
	}
}

// TestValidFormsReturnNil: handlers test Validate's result against nil.
func TestValidFormsReturnNil(t *testing.T) {
	for name, errs := range map[string]Errors{
		"key":     ParseSignInKey(values("client_id=a&client_secret=b")).Validate(),
		"token":   ParseSignInToken(values("token=abc")).Validate(),
		"create":  ParseCreate(values("name=ab")).Validate(),
		"verify":  ParseVerify(values("client_id=a&client_secret=b")).Validate(),
		"bulk":    ParseBulkSelection(values("action=enable&ids=a")).Validate(),
		"run":     ParseBulkRun(values("action=enable&ids=a")).Validate(),
		"columns": ParseColumns(values("cols=status")).Validate(),
	} {
		if errs != nil {
			t.Errorf("%s: Validate() = %#v, want nil", name, errs)
		}
	}
}

func TestGrant(t *testing.T) {
	tests := []struct {
		query  string
		empty  bool
		fields string // reported, comma-joined in order role, scope
	}{
		{"", true, "role,scope"},
		{"role=28&scope=project:12", false, ""},
		{"role=28&scope_type=project&scope=project:12", false, ""},
		// The scope's own type decides (without JavaScript every scope is
		// offered under whatever type is picked).
		{"role=28&scope_type=cluster&scope=project:12", false, ""},
		{"role=28&scope_type=project&scope=tenant:1001", false, ""},
		{"role=x&scope=project:12", false, "role"},
		{"role=-1&scope=project:12", false, "role"},
		{"role=28&scope=system:1", false, "scope"},
		{"role=28&scope=project:", false, "scope"},
		{"role=28&scope=12", false, "scope"},
		{"role=28", false, "scope"},
		{"scope=tenant:1001", false, "role"},
	}
	for _, tt := range tests {
		g := ParseGrant(values(tt.query))
		if g.Empty() != tt.empty {
			t.Errorf("%q: Empty = %v", tt.query, g.Empty())
		}
		errs := g.Validate()
		var f []string
		for _, k := range []string{FieldRole, FieldScope} {
			if errs[k] != "" {
				f = append(f, k)
			}
		}
		if got := strings.Join(f, ","); got != tt.fields {
			t.Errorf("%q: errors on %q (%v), want %q", tt.query, got, errs, tt.fields)
		}
	}
	if g := ParseGrant(values("role=28&scope=project:12")).Grant(); g.RoleID != 28 || g.ScopeType != "project" || g.ScopeID != "12" {
		t.Errorf("grant %+v", g)
	}
	// The create form's access is optional but, once started, complete.
	if errs := ParseCreate(values("name=ok-bot")).Validate(); errs != nil {
		t.Errorf("create without access: %v", errs)
	}
	if errs := ParseCreate(values("name=ok-bot&role=28")).Validate(); errs[FieldScope] == "" {
		t.Errorf("create with a role and no scope: %v", errs)
	}
	if errs := ParseBulkRun(values("action=add-access-rule&ids=a")).Validate(); errs[FieldRole] == "" {
		t.Errorf("bulk add without a rule: %v", errs)
	}
	if errs := ParseBulkRun(values("action=remove-access-rules&ids=a")).Validate(); errs != nil {
		t.Errorf("bulk remove: %v", errs)
	}
}
