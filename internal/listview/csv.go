package listview

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// CSVHeader is the export's header row.
var CSVHeader = []string{"name", "id", "client_id", "status", "access_rules", "created_by", "created_at", "updated_at", "last_login", "tenant_id"}

// WriteCSV writes rows as CSV (RFC 4180 quoting). Cells that a spreadsheet
// would run as a formula (starting with =, +, -, @, tab or carriage
// return) are prefixed with a single quote.
func WriteCSV(w io.Writer, rows []Row) error {
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
	for _, r := range rows {
		status := StatusDisabled
		if r.Enabled {
			status = StatusEnabled
		}
		rec := []string{r.Name, r.ID, r.ClientID, status, rulesCell(r.Access), r.CreatedBy, ts(r.CreatedAt), ts(r.UpdatedAt), ts(r.LastLogin), r.TenantID}
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

// rulesCell lists an account's rules ("ML engineer · prod / ml / team-a;
// Viewer · acme"), or says they could not be read.
func rulesCell(a Access) string {
	if !a.Known {
		return "(unknown)"
	}
	labels := make([]string, len(a.Rules))
	for i, r := range a.Rules {
		labels[i] = r.Label()
	}
	return strings.Join(labels, "; ")
}

// SafeCell neutralises a value a spreadsheet would treat as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
