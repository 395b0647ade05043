package history

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/runai-tools/sa-dashboard/internal/listview"
)

// CSVHeader names the columns of an exported history.
var CSVHeader = []string{"time", "who", "via_dashboard", "sso_identity", "what", "account", "account_id", "access_rule",
	"result", "http_status", "request_id", "source"}

// WriteCSV writes items as CSV under CSVHeader, cells a spreadsheet would
// run as a formula neutralised (listview.SafeCell).
func WriteCSV(out io.Writer, items []Item) error {
	w := csv.NewWriter(out)
	_ = w.Write(CSVHeader)
	for _, it := range items {
		result := "succeeded"
		switch {
		case it.Unknown:
			result = "unknown"
		case it.Failed:
			result = "failed"
		}
		source := "run:ai"
		if it.FromRecord {
			source = "dashboard"
		}
		status := ""
		if it.Status != 0 {
			status = strconv.Itoa(it.Status)
		}
		_ = w.Write([]string{
			it.Time.UTC().Format(time.RFC3339), listview.SafeCell(it.Actor), strconv.FormatBool(it.ViaDash), listview.SafeCell(it.Via),
			string(it.Kind), listview.SafeCell(it.Account), listview.SafeCell(it.AccountID), listview.SafeCell(it.Rule), result, status,
			listview.SafeCell(it.RequestID), source,
		})
	}
	w.Flush()
	return w.Error()
}
