package staff

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"time"

	"tipline/shared/tip"
)

// maxExport bounds the rows of one export; narrow the filters for more.
// Reading also stops after exportPages pages of the queue (see tips.go).
const maxExport = 10000

var csvHeader = []string{"id", "ref", "created_at", "updated_at", "status", "urgency", "category", "minor",
	"immediate_danger", "region", "place", "channel", "language", "campaign_id", "material_id", "assignee",
	"message_count", "version", "text"}

// exportCSV answers the filtered queue as CSV for spreadsheet programs:
// UTF-8 with a byte order mark (Excel reads UTF-8 only with one), every
// field quoted, CRLF line ends (RFC 4180), and cells that a spreadsheet
// would run as a formula defused with a leading apostrophe. No reporter
// numbers: the tip holds them only sealed, and they are not columns. Each
// exported tip gets an "export" audit entry, since the file carries its text.
// An export cut short (maxExport rows, exportPages pages, or the request's
// deadline near) says so with the header X-Truncated: true.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	q, err := queueQuery(p, r.URL.Query())
	if err != nil {
		return err
	}
	q.Cursor = ""
	tips, truncated, err := h.exportQueue(ctx, q, maxExport)
	if err != nil {
		return err
	}
	now := h.d.Now()
	for i := 0; i < len(tips); i += 100 {
		batch := tips[i:min(i+100, len(tips))]
		entries := make([]tip.Audit, 0, len(batch))
		for _, t := range batch {
			entries = append(entries, tip.Audit{TipID: t.ID, At: now, Actor: p.Actor(), Action: "export"})
		}
		if err := h.d.Store.AddAudit(ctx, entries...); err != nil {
			return err
		}
	}
	h.log(ctx).Info("queue exported", "rows", len(tips), "truncated", truncated)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tips-`+now.In(h.d.Location).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if truncated {
		w.Header().Set("X-Truncated", "true")
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("\ufeff")
	writeRow(bw, csvHeader)
	for _, t := range tips {
		writeRow(bw, []string{t.ID, t.Ref, stamp(t.CreatedAt, h.d.Location), stamp(t.UpdatedAt, h.d.Location),
			string(t.Status), string(t.Urgency), t.Category, yesNo(t.Minor), yesNo(t.ImmediateDanger), t.Region,
			t.Place, string(t.Channel), t.Language, t.CampaignID, t.MaterialID, t.Assignee,
			strconv.Itoa(t.MessageCount), strconv.Itoa(t.Version), t.Text})
	}
	return bw.Flush()
}

// stamp writes a time as ISO 8601 in loc with its offset, Lima's by default
// ("2026-11-20T17:15:00-05:00"): readable by people in Peru, and never
// taken for UTC as the API's JSON times are.
func stamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02T15:04:05-07:00")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func writeRow(w *bufio.Writer, fields []string) {
	for i, f := range fields {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(CSVCell(f), `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteString("\r\n")
}

// CSVCell defuses a cell that a spreadsheet would read as a formula (one
// starting with = + - @, a tab or a carriage return) by prefixing an
// apostrophe, as OWASP recommends for CSV injection.
func CSVCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
