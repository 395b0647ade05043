package listview

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
)

// CSVHeader is the export's header row.
var CSVHeader = []string{"name", "id", "client_id", "status", "created_by", "created_at", "updated_at", "last_login", "tenant_id"}

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
		rec := []string{r.Name, r.ID, r.ClientID, status, r.CreatedBy, ts(r.CreatedAt), ts(r.UpdatedAt), ts(r.LastLogin), r.TenantID}
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
