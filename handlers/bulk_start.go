package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/internal/bulk"
	"github.com/runai-tools/sa-dashboard/internal/form"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/internal/session"
	"github.com/runai-tools/sa-dashboard/views"
)

// startBulk starts a confirmed bulk action as a job and answers at once
// with the job's page, which shows its progress and then its result. The
// calls go on whatever becomes of this request (internal/bulk).
func (h *handler) startBulk(c echo.Context) error {
	values, err := posted(c)
	if err != nil {
		return err
	}
	f := form.ParseBulkRun(values)
	o, err := h.claimOnce(c, values)
	if err != nil {
		return err
	}
	defer o.unsettled(c.Request().Context())
	v := h.view(c)
	errs := f.Validate()
	if errs[form.FieldAction] != "" || errs[form.FieldIDs] != "" {
		return echo.NewHTTPError(http.StatusBadRequest, errs.Error())
	}
	// Names for the report and the audit come from the API, not the form.
	d, err := h.readList(c)
	if err != nil {
		return &failure{act: action{verb: verbList}, err: err}
	}
	accounts := accountsByID(d.In.All)
	items := itemsOf(f.IDs, accounts)
	work := bulkWork{h: h, who: h.actorOf(c), action: f.Action, accounts: accounts, in: d.In}
	if f.Action == form.BulkAddRule {
		scopes := scopesFor(d.Cat, d.In.All, d.In.AllRules())
		work.cluster, work.label, errs = checkGrant(f.Grant, d.Cat, scopes, nil)
		if errs != nil {
			return h.render(c, http.StatusUnprocessableEntity, "Confirm", views.BulkView(views.Bulk{Action: f.Action, Items: items, View: v,
				Grant: views.GrantChoice{Prefix: views.GrantBulk, Input: f.Grant, Errors: errs, Picker: h.picker(c, d.Cat, scopes)}}))
		}
		work.grant = f.Grant.Grant()
	}
	if f.Action == form.BulkRemoveRules && !d.In.RulesKnown {
		return &failure{act: action{verb: verbReadRules}, err: errRulesUnreadable(d.In.RulesProblem)}
	}
	job := &bulk.Job{Owner: h.jobOwner(c), Action: string(f.Action), View: v.Query().Encode(), GrantLabel: work.label, Items: items,
		RequestID: requestIDOf(c), Session: session.HashID(stateOf(c).id())}
	if err := h.Jobs.Start(c.Request().Context(), job, work.one); err != nil {
		return &failure{act: action{verb: verbBulk}, err: err}
	}
	o.settle(c.Request().Context(), nil, "this bulk action was started at "+clock(o.at)+"; here is its progress.", paths.BulkJob.ID(job.ID))
	return c.Redirect(http.StatusSeeOther, h.link(c, paths.BulkJob.ID(job.ID)))
}
