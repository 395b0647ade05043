package handlers

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/runai"
	"github.com/runai-tools/sa-dashboard/internal/words"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the bulk actions share. A confirmed bulk action runs as a job of
// internal/bulk; what it does to each account is bulkWork's.

// bulkVerbs is what each bulk action does to each account it names.
var bulkVerbs = map[form.BulkAction]verb{
	form.BulkDisable:     verbDisable,
	form.BulkEnable:      verbEnable,
	form.BulkDelete:      verbDelete,
	form.BulkAddRule:     verbAddRule,
	form.BulkRemoveRules: verbRemoveRule,
}

// jobOwner is whose bulk jobs a request sees: the person behind the SSO
// proxy the session is bound to, whatever the session, or the session
// without one.
func (h *handler) jobOwner(c echo.Context) string {
	st := stateOf(c)
	if who := st.str(keySSO); who != "" {
		return "sso:" + who
	}
	if sid := st.id(); sid != "" {
		return "session:" + sid
	}
	return ""
}

// storedView is a list view kept as a query string (a job's record).
func (h *handler) storedView(raw string) listview.View {
	q, _ := url.ParseQuery(raw)
	v, _ := form.ParseView(q, h.StaleDays)
	return v
}

// bulkWork is one confirmed bulk action, applied account by account by
// whoever confirmed it (who: their token, their audit identity).
type bulkWork struct {
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
// sends, and says what was done (note) or why it failed (reason): a
// bulk.Work.
func (j bulkWork) one(ctx context.Context, id string) (note, reason string) {
	a, known := j.accounts[id]
	act := action{verb: bulkVerbs[j.action], id: id, name: a.Name, bulk: true, detail: j.label}
	fail := func(err error) string {
		if err == nil {
			return ""
		}
		return classify(err, act).Detail
	}
	switch j.action {
	case form.BulkDelete:
		done := j.h.beginAs(ctx, j.who, act)
		err := j.h.API.DeleteServiceAccount(ctx, j.who.token, id)
		done(act, err)
		return "", fail(err)
	case form.BulkEnable, form.BulkDisable:
		done := j.h.beginAs(ctx, j.who, act)
		err := j.h.API.SetServiceAccountEnabled(ctx, j.who.token, id, j.action == form.BulkEnable)
		done(act, err)
		return "", fail(err)
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
		return "", fail(err)
	case form.BulkRemoveRules:
		return j.removeAll(ctx, act)
	}
	return "", "unknown action"
}

// removeAll deletes every rule of one account.
func (j bulkWork) removeAll(ctx context.Context, act action) (note, reason string) {
	rules := j.in.Rules[act.id]
	if len(rules) == 0 {
		return "it had no access rule", ""
	}
	removed := 0
	for _, r := range rules {
		a := act
		a.detail = r.Label()
		done := j.h.beginAs(ctx, j.who, a)
		err := j.h.API.DeleteAccessRule(ctx, j.who.token, r.ID)
		done(a, err)
		if err != nil {
			return "", fmt.Sprintf("removed %d of %d rules; %s: %s", removed, len(rules), r.Label(), classify(err, a).Detail)
		}
		removed++
	}
	return words.Plural(removed, "rule") + " removed", ""
}

// itemsOf names each id by the API's name for it (never a form's); an id
// no longer listed keeps only its id.
func itemsOf(ids []string, accounts map[string]runai.ServiceAccount) []bulk.Item {
	items := make([]bulk.Item, len(ids))
	for i, id := range ids {
		items[i] = bulk.Item{ID: id, Name: accounts[id].Name}
	}
	return items
}

// reportSignedOutJobs tells a person signing in where the bulk jobs their
// last sign-out stopped got to (behind the SSO proxy, where the person is
// known across sessions).
func (h *handler) reportSignedOutJobs(c echo.Context) {
	for _, j := range h.Jobs.TakeSignedOut(c.Request().Context(), h.jobOwner(c)) {
		ok, failed, notDone, pending := j.Counts()
		stateOf(c).addFlashWith(views.Flash{Kind: "info",
			Text: fmt.Sprintf("A bulk action you started was stopped when you signed out: %d done, %d failed, %d not done.", ok, failed, notDone+pending),
			Link: paths.BulkJob.ID(j.ID), LinkText: "See its result"})
	}
}
