package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

// bulkConcurrency bounds the API calls one bulk action runs at once.
const bulkConcurrency = 4

// bulkVerbs is what each bulk action does to each account it names.
var bulkVerbs = map[form.BulkAction]verb{
	form.BulkDisable:     verbDisable,
	form.BulkEnable:      verbEnable,
	form.BulkDelete:      verbDelete,
	form.BulkAddRule:     verbAddRule,
	form.BulkRemoveRules: verbRemoveRule,
}

// confirmBulk lists every account a bulk action will touch and asks once:
// the ticked rows, or every account of the view when "all" is ticked. Ids
// no longer listed are kept (named by id) so that the result can say what
// became of them. Adding a rule asks for the rule here.
func (h *handler) confirmBulk(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseBulkSelection(values)
	v := h.formView(f.View)
	if errs := f.Validate(); errs != nil {
		if errs[form.FieldAction] != "" {
			return echo.NewHTTPError(http.StatusBadRequest, errs.Error())
		}
		return h.redirectWithFlash(c, "warning", errs[form.FieldIDs], h.link(c, v.Path()))
	}
	in, cat, err := h.listData(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	var items []views.BulkItem
	if f.All {
		for _, r := range listview.Apply(in, v, h.Now()).Rows {
			items = append(items, views.BulkItem{ID: r.ID, Name: r.Name})
		}
	} else {
		names := accountsByID(in.All)
		for _, id := range f.IDs {
			items = append(items, views.BulkItem{ID: id, Name: names[id].Name})
		}
	}
	if len(items) == 0 {
		return h.redirectWithFlash(c, "warning", "No service account is in this view, so there is nothing to do.", h.link(c, v.Path()))
	}
	b := views.Bulk{Action: f.Action, Items: items, View: v}
	if f.Action == form.BulkAddRule {
		b.Grant = views.GrantChoice{Prefix: views.GrantBulk, Picker: h.picker(c, cat, h.scopesFor(cat, in.All, in.AllRules()))}
	}
	return h.render(c, http.StatusOK, "Confirm", views.BulkView(b))
}

// runBulk carries out a confirmed bulk action with bounded concurrency
// and reports every account's outcome, failures first.
func (h *handler) runBulk(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseBulkRun(values)
	v := h.formView(f.View)
	errs := f.Validate()
	if errs[form.FieldAction] != "" || errs[form.FieldIDs] != "" {
		return echo.NewHTTPError(http.StatusBadRequest, errs.Error())
	}
	// Names for the report and the audit come from the API, not the form.
	in, cat, err := h.listData(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	accounts := accountsByID(in.All)
	items := make([]views.BulkItem, len(f.IDs))
	for i, id := range f.IDs {
		items[i] = views.BulkItem{ID: id, Name: accounts[id].Name}
	}
	job := bulkJob{h: h, c: c, action: f.Action, accounts: accounts, in: in}
	if f.Action == form.BulkAddRule {
		job.cluster, job.label, errs = checkGrant(f.Grant, cat, h.scopesFor(cat, in.All, in.AllRules()), nil)
		if errs != nil {
			return h.render(c, http.StatusUnprocessableEntity, "Confirm", views.BulkView(views.Bulk{Action: f.Action, Items: items, View: v,
				Grant: views.GrantChoice{Prefix: views.GrantBulk, Input: f.Grant, Errors: errs, Picker: h.picker(c, cat, h.scopesFor(cat, in.All, in.AllRules()))}}))
		}
		job.grant = f.Grant.Grant()
	}
	if f.Action == form.BulkRemoveRules && !in.RulesKnown {
		return &failure{act: action{verb: verbReadRules}, err: errRulesUnreadable(in.RulesProblem)}
	}
	g := new(errgroup.Group)
	g.SetLimit(bulkConcurrency)
	for i := range items {
		g.Go(func() error {
			items[i].Note, items[i].Reason = job.one(items[i].ID)
			items[i].OK = items[i].Reason == ""
			return nil
		})
	}
	_ = g.Wait()
	slices.SortStableFunc(items, func(a, b views.BulkItem) int {
		switch {
		case a.OK == b.OK:
			return 0
		case !a.OK:
			return -1
		}
		return 1
	})
	return h.render(c, http.StatusOK, "Bulk result", views.BulkView(views.Bulk{Action: f.Action, Items: items, Done: true, View: v, GrantLabel: job.label}))
}

// bulkJob is one confirmed bulk action, applied account by account.
type bulkJob struct {
	h        *handler
	c        echo.Context
	action   form.BulkAction
	accounts map[string]runai.ServiceAccount
	in       listview.Accounts
	// For BulkAddRule: the rule, its scope's cluster and its label.
	grant   runai.Grant
	cluster string
	label   string
}

// one applies the action to the account with id, audits every change it
// sends, and says what was done (note) or why it failed (reason).
func (j bulkJob) one(id string) (note, reason string) {
	a, known := j.accounts[id]
	act := action{verb: bulkVerbs[j.action], id: id, name: a.Name, bulk: true, detail: j.label}
	ctx, token := j.c.Request().Context(), j.h.tokenOf(j.c)
	fail := func(err error) string { return classify(err, act).Detail }
	switch j.action {
	case form.BulkDelete:
		err := j.h.API.DeleteServiceAccount(ctx, token, id)
		j.h.audit(j.c, act, err)
		return "", reasonOf(err, fail)
	case form.BulkEnable, form.BulkDisable:
		err := j.h.API.SetServiceAccountEnabled(ctx, token, id, j.action == form.BulkEnable)
		j.h.audit(j.c, act, err)
		return "", reasonOf(err, fail)
	case form.BulkAddRule:
		if !known {
			return "", "The service account no longer exists; another admin or an automation may have deleted it."
		}
		if slices.ContainsFunc(j.in.Rules[id], func(r runai.AccessRule) bool { return r.Grant() == j.grant }) {
			return "it already had this rule", ""
		}
		out, err := j.h.grant(j.c, act, a, j.grant, j.cluster)
		if out.Already {
			return "it already had this rule", ""
		}
		return "", reasonOf(err, fail)
	case form.BulkRemoveRules:
		return j.removeAll(ctx, token, act)
	}
	return "", "unknown action"
}

// removeAll deletes every rule of one account.
func (j bulkJob) removeAll(ctx context.Context, token string, act action) (note, reason string) {
	rules := j.in.Rules[act.id]
	if len(rules) == 0 {
		return "it had no access rule", ""
	}
	removed := 0
	for _, r := range rules {
		a := act
		a.detail = r.Label()
		err := j.h.API.DeleteAccessRule(ctx, token, r.ID)
		j.h.audit(j.c, a, err)
		if err != nil {
			return "", fmt.Sprintf("removed %d of %d rules; %s: %s", removed, len(rules), r.Label(), classify(err, a).Detail)
		}
		removed++
	}
	return plural(removed, "rule") + " removed", ""
}

func reasonOf(err error, why func(error) string) string {
	if err == nil {
		return ""
	}
	return why(err)
}

// formView is the list view a form carries in its view field.
func (h *handler) formView(raw string) listview.View {
	q, _ := url.ParseQuery(raw)
	v, _ := form.ParseView(q, h.StaleDays)
	return v
}

// accountsByID maps account ids to accounts.
func accountsByID(all []runai.ServiceAccount) map[string]runai.ServiceAccount {
	m := make(map[string]runai.ServiceAccount, len(all))
	for _, a := range all {
		m[a.ID] = a
	}
	return m
}
