package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/runai-tools/sa-dashboard/apiclient"
	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/internal/listview"
	"github.com/runai-tools/sa-dashboard/internal/paths"
	"github.com/runai-tools/sa-dashboard/views"
)

// What the history pages share; the reading is internal/history's.

// historySource says where a page of history comes from: Run:ai's audit
// log, or (and why) the dashboard's own record.
func (h *handler) historySource(c echo.Context, pg history.Page) views.HistorySource {
	src := views.HistorySource{Limited: pg.Limited, RecordUnavailable: pg.RecordUnavailable}
	if pg.Err != nil {
		p := h.problemOf(c, pg.Err, action{verb: verbReadHistory})
		h.logFailure(c, pg.Err, p)
		src.Refused, src.Problem = apiclient.IsForbidden(pg.Err), &p.Problem
	}
	return src
}

// ruleIDs lists the ids of an account's rules, as the audit log writes
// them.
func ruleIDs(a listview.Access) []string {
	ids := make([]string, len(a.Rules))
	for i, r := range a.Rules {
		ids[i] = strconv.Itoa(r.ID)
	}
	return ids
}

// AutomationActor is how the history names the automation's own steps
// (those made with its standing credential).
const AutomationActor = "the automation (rotating on the Secret's policy)"

// policyNamed names, on an account's page, the policy the automation's
// steps followed: "the automation (policy: rotate every 30d)", when one
// Secret of the account carries one.
func policyNamed(items []views.HistoryItem, s views.AutomationSection) {
	var policies []string
	for _, it := range s.Items {
		if it.HasPolicy {
			policies = append(policies, "rotate every "+automation.Duration(it.Policy.RotateEvery))
		}
	}
	if len(policies) != 1 {
		return
	}
	for i := range items {
		if items[i].Actor == AutomationActor {
			items[i].Actor = "the automation (policy: " + policies[0] + ")"
			items[i].Sentence = items[i].Item.Sentence(true)
		}
	}
}

// worded turns items into what a page shows. With an index (the Activity
// page) each names and links its account, or says it is gone.
func worded(items []history.Item, onAccount bool, ix history.Index, automationID string) []views.HistoryItem {
	out := make([]views.HistoryItem, len(items))
	for i, it := range items {
		if automationID != "" && it.Actor == automationID {
			it.Actor = AutomationActor // the standing credential: the automation's own steps
		}
		vi := views.HistoryItem{Item: it}
		if !ix.IsZero() {
			if a, ok := ix.Find(it); ok {
				vi.Account, vi.AccountID, vi.Link = a.Name, a.ID, paths.Account.ID(a.ID)
			} else {
				vi.Gone = true
			}
		}
		if vi.Account == "" {
			vi.Account = it.RuleHolder
		}
		vi.Sentence = vi.Item.Sentence(onAccount)
		out[i] = vi
	}
	return out
}
