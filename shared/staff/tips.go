package staff

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// tipSummary is a tip in the queue: no text, no reporter data.
type tipSummary struct {
	ID              string      `json:"id"`
	Ref             string      `json:"ref"`
	Status          tip.Status  `json:"status"`
	Urgency         tip.Urgency `json:"urgency"`
	Category        string      `json:"category"`
	Minor           bool        `json:"minor"`
	ImmediateDanger bool        `json:"immediate_danger"`
	Reportable      bool        `json:"reportable"`
	Region          string      `json:"region"`
	Place           string      `json:"place"`
	Channel         tip.Channel `json:"channel"`
	Language        string      `json:"language"`
	CampaignID      string      `json:"campaign_id"`
	MaterialID      string      `json:"material_id"`
	Assignee        string      `json:"assignee"`
	MessageCount    int         `json:"message_count"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
	LastInboundAt   time.Time   `json:"last_inbound_at"`
	Version         int         `json:"version"`
}

func summary(t *tip.Tip) tipSummary {
	return tipSummary{ID: t.ID, Ref: t.Ref, Status: t.Status, Urgency: t.Urgency, Category: t.Category,
		Minor: t.Minor, ImmediateDanger: t.ImmediateDanger, Reportable: t.Reportable, Region: t.Region,
		Place: t.Place, Channel: t.Channel, Language: t.Language, CampaignID: t.CampaignID, MaterialID: t.MaterialID,
		Assignee: t.Assignee, MessageCount: t.MessageCount, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		LastInboundAt: t.LastInbound, Version: t.Version}
}

// tipDetail is a tip with everything staff may see of it.
type tipDetail struct {
	tipSummary
	Text       string        `json:"text"`
	Indicators []string      `json:"indicators"`
	Reasons    []string      `json:"reasons"`
	Messages   []messageView `json:"messages"`
	Alerts     []tip.Alert   `json:"alerts"`
	Audit      []tip.Audit   `json:"audit"`
	Reply      replyState    `json:"reply"`
}

type messageView struct {
	SID       string        `json:"sid"`
	Direction string        `json:"direction"`
	Body      string        `json:"body"`
	Media     []mediaView   `json:"media"`
	Location  *tip.Location `json:"location,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

type mediaView struct {
	URL         string    `json:"url"` // a signed link that expires
	ContentType string    `json:"content_type"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// queueQuery reads the queue filters of a request.
func queueQuery(p Principal, v url.Values) (store.TipQuery, error) {
	q := store.TipQuery{Scope: p.Scope(), Cursor: v.Get("cursor")}
	for _, s := range splitList(v.Get("status")) {
		st := tip.Status(strings.ToLower(s))
		if !st.Valid() {
			return q, invalid("status %q is not one of %s", s, joinStatuses())
		}
		if !slices.Contains(q.Statuses, st) {
			q.Statuses = append(q.Statuses, st)
		}
	}
	if s := v.Get("urgency"); s != "" {
		q.Urgency = tip.Urgency(strings.ToLower(s))
		if !q.Urgency.Valid() {
			return q, invalid("urgency %q is not one of critical, high, medium, low", s)
		}
	}
	if s := v.Get("region"); s != "" {
		switch up := strings.ToUpper(s); {
		case up == "NONE":
			if p.Role < RoleSupervisor {
				return q, forbidden("tips without a region are for supervisors and admins")
			}
			q.Region = store.NoRegion
		case !ValidRegion(up):
			return q, invalid("region %q is not an ISO 3166-2:PE code such as PE-MDD (or none)", s)
		case !p.Scope().Allows(up):
			return q, forbidden("region %s is outside your regions", up)
		default:
			q.Region = up
		}
	}
	if s := v.Get("campaign"); s != "" {
		if len(s) > 64 || strings.ContainsAny(s, "#") {
			return q, invalid("campaign %q is not a campaign id", s)
		}
		q.Campaign = s
	}
	if s := v.Get("q"); s != "" {
		if utf8.RuneCountInString(s) > 100 {
			return q, invalid("q is longer than 100 characters")
		}
		q.Text = strings.TrimSpace(s)
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > store.MaxLimit {
			return q, invalid("limit must be a number from 1 to %d", store.MaxLimit)
		}
		q.Limit = n
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func joinStatuses() string {
	s := make([]string, len(tip.Statuses))
	for i, st := range tip.Statuses {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

func (h *Handler) listTips(w http.ResponseWriter, r *http.Request, p Principal) error {
	q, err := queueQuery(p, r.URL.Query())
	if err != nil {
		return err
	}
	page, err := h.d.Store.ListTips(r.Context(), q)
	if tip.Is(err, tip.KindInvalid) {
		return invalid("cursor is not valid for this query; start again without it")
	}
	if err != nil {
		return err
	}
	out := struct {
		Tips       []tipSummary `json:"tips"`
		NextCursor string       `json:"next_cursor"` // empty on the last page
	}{Tips: []tipSummary{}, NextCursor: page.NextCursor}
	for _, t := range page.Tips {
		out.Tips = append(out.Tips, summary(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getTip answers the detail of a tip and records the read.
func (h *Handler) getTip(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	t, err := h.tipFor(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.d.Store.AddAudit(ctx, tip.Audit{TipID: t.ID, At: h.d.Now(), Actor: p.Actor(), Action: "read"}); err != nil {
		return err
	}
	msgs, err := h.d.Store.Messages(ctx, t.ID)
	if err != nil {
		return err
	}
	trail, err := h.d.Store.Audit(ctx, t.ID)
	if err != nil {
		return err
	}
	d := tipDetail{tipSummary: summary(t), Text: t.Text, Indicators: nonNil(t.Indicators), Reasons: nonNil(t.Reasons),
		Messages: []messageView{}, Alerts: []tip.Alert{}, Audit: trail}
	if d.Audit == nil {
		d.Audit = []tip.Audit{}
	}
	now := h.d.Now()
	for _, m := range msgs {
		mv := messageView{SID: m.SID, Direction: m.Direction, Body: m.Body, Location: m.Location, CreatedAt: m.CreatedAt, Media: []mediaView{}}
		for i, md := range m.Media {
			exp := now.Add(h.d.MediaTTL)
			mv.Media = append(mv.Media, mediaView{URL: h.mediaLink(t.ID, m.SID, i, exp), ContentType: md.ContentType, ExpiresAt: exp.UTC()})
		}
		d.Messages = append(d.Messages, mv)
	}
	alerts, err := h.d.Store.Alerts(ctx, t.ID)
	if err != nil {
		return err
	}
	if alerts != nil {
		d.Alerts = alerts
	}
	if d.Reply, err = h.replyStateOf(ctx, t); err != nil {
		return err
	}
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, http.StatusOK, d)
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// patchBody is a correction. Absent fields are left alone; region "" clears
// the region.
type patchBody struct {
	Version  *int    `json:"version"`
	Status   *string `json:"status"`
	Urgency  *string `json:"urgency"`
	Category *string `json:"category"`
	Region   *string `json:"region"`
	Place    *string `json:"place"`
	Assignee *string `json:"assignee"`
	Note     *string `json:"note"`
}

// patchTip applies a correction when the version read is still current.
func (h *Handler) patchTip(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	var b patchBody
	if err := decode(w, r, &b); err != nil {
		return err
	}
	version, err := wantVersion(r, b.Version)
	if err != nil {
		return err
	}
	t, err := h.tipFor(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.Version != version {
		return fail(http.StatusConflict, "stale", "the tip is at version %d, not %d: reload it and apply your change again", t.Version, version)
	}
	detail, err := applyPatch(t, b, p)
	if err != nil {
		return err
	}
	if len(detail) == 0 {
		return invalid("nothing to change: give status, urgency, category, region, place, assignee or note")
	}
	action := "update"
	if len(detail) == 1 && b.Note != nil {
		action = "note"
	}
	if err := h.d.Store.SaveTip(ctx, t, tip.Audit{At: h.d.Now(), Actor: p.Actor(), Action: action, Detail: detail}); err != nil {
		return err
	}
	h.log(ctx).Info("tip updated", "tip_id", t.ID, "version", t.Version)
	w.Header().Set("ETag", etag(t.Version))
	writeJSON(w, http.StatusOK, summary(t))
	return nil
}

// wantVersion reads the version the client read, from the body or If-Match.
func wantVersion(r *http.Request, body *int) (int, error) {
	if im := r.Header.Get("If-Match"); im != "" {
		s := strings.Trim(strings.TrimPrefix(strings.TrimSpace(im), "W/"), `"`)
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, invalid("If-Match must be the tip's version (its ETag), e.g. \"3\"")
		}
		if body != nil && *body != n {
			return 0, invalid("version %d and If-Match %d disagree", *body, n)
		}
		return n, nil
	}
	if body == nil {
		return 0, fail(http.StatusPreconditionRequired, "version_required", "send the version you read (field version, or an If-Match header)")
	}
	return *body, nil
}

// correctable are the triage fields whose correction by staff re-triage keeps.
var correctable = []string{"urgency", "category", "minor", "region", "place"}

// applyPatch changes t and returns the audit detail of what changed.
func applyPatch(t *tip.Tip, b patchBody, p Principal) (map[string]string, error) {
	detail := map[string]string{}
	change := func(field, from, to string) {
		if from != to {
			detail[field] = from + " -> " + to
			// Triage fields set by hand survive the re-triage of later messages.
			if slices.Contains(correctable, field) && !slices.Contains(t.Corrected, field) {
				t.Corrected = append(t.Corrected, field)
			}
		}
	}
	var problems []string
	note := ""
	if b.Note != nil {
		note = strings.TrimSpace(*b.Note)
		if utf8.RuneCountInString(note) > 2000 {
			problems = append(problems, "note is longer than 2000 characters")
		}
	}
	if b.Status != nil {
		st := tip.Status(strings.ToLower(*b.Status))
		if !st.Valid() {
			problems = append(problems, fmt.Sprintf("status %q is not one of %s", *b.Status, joinStatuses()))
		} else {
			if err := checkStatus(t, st, p, note); err != nil {
				return nil, err
			}
			if st != t.Status && protected(t) && (st == tip.StatusClosed || st == tip.StatusSpam) {
				detail["alerting"] = "stopped"
			}
			change("status", string(t.Status), string(st))
			t.Status = st
		}
	}
	if b.Urgency != nil {
		u := tip.Urgency(strings.ToLower(*b.Urgency))
		switch {
		case !u.Valid():
			problems = append(problems, fmt.Sprintf("urgency %q is not one of critical, high, medium, low", *b.Urgency))
		case u.Rank() > t.Urgency.Rank() && note == "":
			problems = append(problems, fmt.Sprintf("lowering urgency from %s to %s needs a note saying why", t.Urgency, u))
		default:
			change("urgency", string(t.Urgency), string(u))
			t.Urgency = u
			// A tip raised to critical or high becomes reportable, and the
			// alert pipeline forwards it from the table's stream.
			t.Reportable = u.Reportable()
		}
	}
	if b.Category != nil {
		c := strings.ToLower(*b.Category)
		if !slices.Contains(Categories, c) {
			problems = append(problems, fmt.Sprintf("category %q is not one of %s", *b.Category, strings.Join(Categories, ", ")))
		} else {
			change("category", t.Category, c)
			t.Category = c
		}
	}
	if b.Region != nil {
		reg := strings.ToUpper(strings.TrimSpace(*b.Region))
		switch {
		case reg != "" && !ValidRegion(reg):
			problems = append(problems, fmt.Sprintf("region %q is not an ISO 3166-2:PE code such as PE-MDD", *b.Region))
		case !p.Scope().Allows(reg):
			return nil, forbidden("you may not move a tip outside your regions")
		default:
			change("region", t.Region, reg)
			t.Region = reg
		}
	}
	if b.Place != nil {
		pl := strings.TrimSpace(*b.Place)
		if utf8.RuneCountInString(pl) > 200 {
			problems = append(problems, "place is longer than 200 characters")
		} else {
			change("place", t.Place, pl)
			t.Place = pl
		}
	}
	if b.Assignee != nil {
		a := strings.TrimSpace(*b.Assignee)
		if utf8.RuneCountInString(a) > 100 {
			problems = append(problems, "assignee is longer than 100 characters")
		} else {
			change("assignee", t.Assignee, a)
			t.Assignee = a
		}
	}
	if len(problems) > 0 {
		return nil, invalid("%s", strings.Join(problems, "; "))
	}
	if note != "" {
		detail["note"] = note
	}
	return detail, nil
}

// protected reports whether t is a reportable tip about a minor or danger
// now: its reporter was told such cases always reach the authorities, so
// no status change by staff may stop its alerts.
func protected(t *tip.Tip) bool {
	return t.Reportable && (t.Minor || t.ImmediateDanger)
}

// checkStatus says whether p may move t to st, with note (possibly empty).
// The alert pipeline forwards a reportable tip while it is triaged, and
// escalates it until an authority acknowledges it or it is closed, so:
//   - acknowledged comes only from an authority (its reply or the case
//     link), never from staff, on a reportable tip;
//   - a reportable tip not forwarded yet (new, triaged) stays in the triaged
//     queue until the pipeline forwards it;
//   - closing, or marking as spam, a tip about a minor or danger now stops
//     its alerts: only a supervisor or an admin may, with a note, and the
//     audit entry says so.
//
// Errors: conflict (409) and forbidden (403) and invalid (400) answers.
func checkStatus(t *tip.Tip, st tip.Status, p Principal, note string) error {
	if st == t.Status {
		return nil
	}
	unforwarded := t.Status == tip.StatusNew || t.Status == tip.StatusTriaged
	switch {
	case st == tip.StatusAcknowledged && t.Reportable:
		return fail(http.StatusConflict, "authority_only",
			"only an authority acknowledges a reportable tip, by its reply or the case link; add a note instead")
	case t.Reportable && unforwarded && st != tip.StatusClosed && st != tip.StatusSpam:
		return fail(http.StatusConflict, "not_forwarded",
			"the tip is being forwarded to the authorities; its status can change once it is forwarded")
	case protected(t) && (st == tip.StatusClosed || st == tip.StatusSpam):
		if p.Role < RoleSupervisor {
			return forbidden("closing or marking as spam a tip about a minor or danger now stops its alerts: only a supervisor may")
		}
		if note == "" {
			return invalid("closing or marking as spam a tip about a minor or danger now needs a note saying why")
		}
	}
	return nil
}

// Export bounds (variables so that tests can lower them). A queue page
// ends after store.MaxLimit matching tips or about 40 Queries, so a
// selective filter (q=) fills pages slowly; without a bound on pages an
// export would walk the whole index until the Lambda times out. 100 pages
// hold a full export (maxExport / store.MaxLimit = 50 pages) twice over.
var (
	exportPageSize = store.MaxLimit
	exportPages    = 100
)

// exportReserve is the time an export leaves, before its request's
// deadline (the Lambda's, through the API Gateway adapter), for writing
// the audit entries and the file: reading stops sooner.
const exportReserve = 10 * time.Second

// exportQueue reads the pages of a queue, up to max tips, exportPages
// pages, or until exportReserve before ctx's deadline, whichever comes
// first. It reports whether it stopped before the end of the queue.
func (h *Handler) exportQueue(ctx context.Context, q store.TipQuery, max int) ([]*tip.Tip, bool, error) {
	q.Limit = exportPageSize
	var out []*tip.Tip
	for pages := 1; ; pages++ {
		page, err := h.d.Store.ListTips(ctx, q)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page.Tips...)
		switch {
		case len(out) > max:
			return out[:max], true, nil
		case page.NextCursor == "":
			return out, false, nil
		case len(out) == max, pages >= exportPages, nearDeadline(ctx, exportReserve):
			return out, true, nil
		}
		q.Cursor = page.NextCursor
	}
}

// nearDeadline reports whether ctx ends within d.
func nearDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}
