package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/automation"
	"github.com/runai-tools/sa-dashboard/internal/history"
	"github.com/runai-tools/sa-dashboard/views"
)

// TestHistoryNamesTheAutomation: the steps the standing credential made
// are the automation's in the history, with the account's policy on its
// page; everyone else keeps their own name.
func TestHistoryNamesTheAutomation(t *testing.T) {
	items := []history.Item{
		{Time: time.Now(), Kind: history.Created, Actor: "auto-client-id", Account: "etl-r2"},
		{Time: time.Now(), Kind: history.Disabled, Actor: "ada@example.com", Account: "etl"},
	}
	got := worded(items, true, history.Index{}, "auto-client-id")
	if !strings.HasPrefix(got[0].Sentence, AutomationActor+" created") || !strings.HasPrefix(got[1].Sentence, "ada@example.com disabled") {
		t.Fatalf("sentences %q, %q", got[0].Sentence, got[1].Sentence)
	}
	if off := worded(items, true, history.Index{}, ""); strings.Contains(off[0].Sentence, "automation") {
		t.Errorf("without the automation: %q", off[0].Sentence)
	}
	policyNamed(got, views.AutomationSection{Items: []views.AutomationItem{{HasPolicy: true, Policy: automation.Policy{RotateEvery: 30 * 24 * time.Hour}}}})
	if want := "the automation (policy: rotate every 30d) created this account"; got[0].Sentence != want {
		t.Errorf("on the account's page: %q, want %q", got[0].Sentence, want)
	}
}
