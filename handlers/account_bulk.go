package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/views"
)

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

// runBulk starts a confirmed bulk action as a job and answers at once
// with the job's page, which shows its progress and then its result. The
// calls go on whatever becomes of this request (see bulk_job.go).
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
	job := bulkJob{h: h, who: h.actorOf(c), action: f.Action, accounts: accounts, in: in}
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
	rec := &jobRecord{ID: rand.Text(), Action: f.Action, View: v.Query().Encode(), GrantLabel: job.label, Items: items, Started: h.Now()}
	if err := h.startJob(c, rec, job); err != nil {
		return &failure{act: action{verb: bulkVerbs[f.Action], bulk: true}, err: err}
	}
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.BulkJob.ID(rec.ID)))
}

// bulkJob is one confirmed bulk action, applied account by account by
// whoever confirmed it (who: their token, their audit identity).
type bulkJob struct {
	h        *handler
	who      actor
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
func (j bulkJob) one(ctx context.Context, id string) (note, reason string) {
	a, known := j.accounts[id]
	act := action{verb: bulkVerbs[j.action], id: id, name: a.Name, bulk: true, detail: j.label}
	fail := func(err error) string { return classify(err, act).Detail }
	switch j.action {
	case form.BulkDelete:
		err := j.h.API.DeleteServiceAccount(ctx, j.who.token, id)
		j.h.auditAs(ctx, j.who, act, err)
		return "", reasonOf(err, fail)
	case form.BulkEnable, form.BulkDisable:
		err := j.h.API.SetServiceAccountEnabled(ctx, j.who.token, id, j.action == form.BulkEnable)
		j.h.auditAs(ctx, j.who, act, err)
		return "", reasonOf(err, fail)
	case form.BulkAddRule:
		if !known {
			return "", "The service account no longer exists; another admin or an automation may have deleted it."
		}
		if slices.ContainsFunc(j.in.Rules[id], func(r runai.AccessRule) bool { return r.Grant() == j.grant }) {
			return "it already had this rule", ""
		}
		out, err := j.h.grantAs(ctx, j.who, act, a, j.grant, j.cluster)
		if out.Already {
			return "it already had this rule", ""
		}
		return "", reasonOf(err, fail)
	case form.BulkRemoveRules:
		return j.removeAll(ctx, act)
	}
	return "", "unknown action"
}

// removeAll deletes every rule of one account.
func (j bulkJob) removeAll(ctx context.Context, act action) (note, reason string) {
	rules := j.in.Rules[act.id]
	if len(rules) == 0 {
		return "it had no access rule", ""
	}
	removed := 0
	for _, r := range rules {
		a := act
		a.detail = r.Label()
		err := j.h.API.DeleteAccessRule(ctx, j.who.token, r.ID)
		j.h.auditAs(ctx, j.who, a, err)
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
