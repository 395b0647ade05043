package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/runai"
)

func TestRuleDecodingIsTolerant(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"totalRecords":4,"displayRecords":4,"accessRules":[
			{"id":7,"subjectId":"cid","subjectType":"service-account","roleId":28,"roleName":"ML engineer","scopeId":"12","scopeType":"project","scopeName":"p","tenantId":1,"createdBy":"x","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","status":{"phase":"Ready"},"extra":true},
			{"id":"8","subjectId":"name","subjectType":"app","roleId":"3","roleName":"Viewer","scopeId":1001,"scopeType":"tenant","scopeName":"acme","tenantId":1,"createdBy":"x","createdAt":null,"updatedAt":""},
			{"id":9,"subjectId":"ada@x","subjectType":"user","roleId":1,"roleName":"System administrator","scopeId":"1001","scopeType":"tenant","scopeName":"acme","tenantId":1,"createdBy":"x","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"},
			{"id":10,"subjectId":"devs","subjectType":"group","roleId":3,"roleName":"Viewer","scopeId":"1001","scopeType":"tenant","scopeName":"acme","tenantId":1,"createdBy":"x","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}]}`)
	})
	rules, err := c.ListServiceAccountRules(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("%d rules, want the two of service accounts", len(rules))
	}
	if r := rules[0]; r.ID != 7 || r.RoleID != 28 || r.Phase != "Ready" || r.CreatedAt.IsZero() {
		t.Errorf("first %+v", r)
	}
	if r := rules[1]; r.ID != 8 || r.RoleID != 3 || r.ScopeID != "1001" || !r.CreatedAt.IsZero() || r.Phase != "" {
		t.Errorf("second (strings for numbers, null time) %+v", r)
	}
}

func TestRuleDecodingNamesTheFault(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"totalRecords":1,"accessRules":[{"subjectType":"service-account","roleId":"three"}]}`)
	})
	_, err := c.ListServiceAccountRules(context.Background(), "t")
	if err == nil || !strings.Contains(err.Error(), "item 0") {
		t.Fatalf("err = %v", err)
	}
}

// TestRulePaging: pages of PageSize until totalRecords, with the filter
// and subjects on every page; without a total, a short page ends it.
func TestRulePaging(t *testing.T) {
	const total = 1234
	var calls atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		if q.Get("filterBy") != "subjectType!=user,subjectType!=group" || q.Get("limit") != "500" || q.Get("subjectIds") != "a,b" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		off, _ := strconv.Atoi(q.Get("offset"))
		var items []string
		for i := off; i < total && i < off+500; i++ {
			items = append(items, fmt.Sprintf(`{"id":%d,"subjectId":"a","subjectType":"service-account","roleId":1,"scopeType":"tenant","scopeId":"1"}`, i))
		}
		fmt.Fprintf(w, `{"totalRecords":%d,"displayRecords":%d,"accessRules":[%s]}`, total, len(items), strings.Join(items, ","))
	})
	rules, err := c.ListServiceAccountRules(context.Background(), "t", "a", "b")
	if err != nil || len(rules) != total || calls.Load() != 3 {
		t.Fatalf("%d rules in %d calls, %v", len(rules), calls.Load(), err)
	}
}

// TestOrgUnitPaging follows "next" and stops on a next that does not
// move forward.
func TestOrgUnitPaging(t *testing.T) {
	var calls atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Query().Get("offset") {
		case "0":
			fmt.Fprint(w, `{"projects":[{"id":"1","name":"a","parentId":"2","clusterId":"c","parent":{"id":"u","name":"ml"}}],"next":1}`)
		case "1":
			fmt.Fprint(w, `{"projects":[{"id":2,"name":"b","parentId":"2","clusterId":"c"}],"next":1}`)
		default:
			t.Errorf("offset %s", r.URL.Query().Get("offset"))
		}
	})
	ps, err := c.ListProjects(context.Background(), "t")
	if err != nil || len(ps) != 2 || ps[0].ParentName != "ml" || ps[1].ID != "2" || calls.Load() != 2 {
		t.Fatalf("%+v in %d calls, %v", ps, calls.Load(), err)
	}
	c2 := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"items":[]}`) })
	if _, err := c2.ListDepartments(context.Background(), "t"); err == nil || !strings.Contains(err.Error(), `"departments"`) {
		t.Errorf("missing envelope field: %v", err)
	}
}

// TestRulePagesConcurrently: once the first page says how many rules
// there are, the other pages are read at once, at most pageConcurrency at
// a time, and the rules come back in the listing's order; pages far
// smaller than asked for do not multiply the calls past the bound.
func TestRulePagesConcurrently(t *testing.T) {
	const total = 2700 // 6 pages
	var calls, inFlight, most atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(30 * time.Millisecond)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []string
		for i := off; i < total && i < off+500; i++ {
			items = append(items, fmt.Sprintf(`{"id":%d,"subjectId":"a","subjectType":"service-account","roleId":1,"scopeType":"tenant","scopeId":"1"}`, i))
		}
		fmt.Fprintf(w, `{"totalRecords":%d,"accessRules":[%s]}`, total, strings.Join(items, ","))
	})
	rules, err := c.ListServiceAccountRules(context.Background(), "t")
	if err != nil || len(rules) != total || calls.Load() != 6 {
		t.Fatalf("%d rules in %d calls, %v", len(rules), calls.Load(), err)
	}
	for i, r := range rules {
		if r.ID != i {
			t.Fatalf("rule %d has id %d: out of order", i, r.ID)
		}
	}
	if m := most.Load(); m < 2 || m > pageConcurrency {
		t.Errorf("%d pages in flight at most, want 2 to %d", m, pageConcurrency)
	}

	calls.Store(0)
	tiny := server(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"totalRecords":40000,"accessRules":[{"id":1,"subjectId":"a","subjectType":"service-account","roleId":1,"scopeType":"tenant","scopeId":"1"}]}`)
	})
	if _, err := tiny.ListServiceAccountRules(context.Background(), "t"); !errors.Is(err, ErrTooMany) || calls.Load() != 1 {
		t.Errorf("pages of one rule each: %v after %d calls", err, calls.Load())
	}
}

// TestRulePagesInOneRound: once a token read a listing, its next read asks
// for every page the last total called for at once with the first; a total
// that shrank costs the pages past it, one that grew the pages it lacks,
// and the rules are right either way.
func TestRulePagesInOneRound(t *testing.T) {
	var total, calls, inFlight, most atomic.Int32
	total.Store(1500)
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var items []string
		for i := off; i < int(total.Load()) && i < off+500; i++ {
			items = append(items, fmt.Sprintf(`{"id":%d,"subjectId":"a","subjectType":"service-account","roleId":1,"scopeType":"tenant","scopeId":"1"}`, i))
		}
		fmt.Fprintf(w, `{"totalRecords":%d,"accessRules":[%s]}`, total.Load(), strings.Join(items, ","))
	})
	read := func(token string) (rules []runai.AccessRule, callsMade, mostInFlight int32) {
		t.Helper()
		calls.Store(0)
		most.Store(0)
		rules, err := c.ListServiceAccountRules(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rules {
			if r.ID != i {
				t.Fatalf("rule %d has id %d", i, r.ID)
			}
		}
		return rules, calls.Load(), most.Load()
	}
	cases := []struct {
		name        string
		token       string
		total       int32
		calls, most int32
		wantRules   int
	}{
		{"first read: the first page, then the two others", "t", 1500, 3, 2, 1500},
		{"again: the three at once", "t", 1500, 3, 3, 1500},
		{"another token: two rounds again", "u", 1500, 3, 2, 1500},
		{"the total shrank: the third page was asked for in vain", "t", 700, 3, 3, 700},
		{"it grew: the pages it lacks in a second round", "t", 2200, 5, 3, 2200},
	}
	for _, tc := range cases {
		total.Store(tc.total)
		rules, n, m := read(tc.token)
		if len(rules) != tc.wantRules || n != tc.calls || m != tc.most {
			t.Errorf("%s: %d rules in %d calls, %d at once; want %d in %d, %d at once", tc.name, len(rules), n, m, tc.wantRules, tc.calls, tc.most)
		}
	}
}
