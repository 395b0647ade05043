package listview

import (
	"encoding/csv"
	"io"
	"strings"
	"time"

	"github.com/runai-tools/sa-dashboard/views"
)

// CSVHeader is the export's header row.
var CSVHeader = []string{"name", "id", "client_id", "status", "created_by", "created_at", "updated_at", "last_login", "tenant_id"}

// WriteCSV writes accounts as CSV (RFC 4180 quoting). Cells that a
// spreadsheet would run as a formula (starting with =, +, -, @, tab or
// carriage return) are prefixed with a single quote.
func WriteCSV(w io.Writer, accounts []views.Account) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, a := range accounts {
		rec := []string{a.Name, a.ID, a.ClientID, strings.ToLower(a.Status()), a.CreatedBy, ts(a.CreatedAt), ts(a.UpdatedAt), ts(a.LastLogin), a.TenantID}
		for i := range rec {
			rec[i] = SafeCell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SafeCell neutralises a value a spreadsheet would treat as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
