package staff

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// eraseTip answers DELETE /api/tips/{id} (admins, a reason required):
// the tip's text, messages, media references and sealed contact are erased
// at once; its tombstone stays, with the audit entry of who erased it and
// why. Erasing it again answers the same tombstone.
func (h *Handler) eraseTip(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	reason := strings.TrimSpace(b.Reason)
	if reason == "" {
		return invalid("reason is required: say why the tip is erased (e.g. the reporter asked, by reference)")
	}
	if utf8.RuneCountInString(reason) > 500 {
		return invalid("reason is longer than 500 characters")
	}
	ctx := r.Context()
	id := r.PathValue("id")
	if _, err := h.d.Store.Tombstone(ctx, id); err == nil {
		ts, err := h.d.Store.EraseTip(ctx, id, p.Actor(), reason)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ts)
		return nil
	}
	t, err := h.tipFor(ctx, p, id)
	if err != nil {
		return err
	}
	ts, err := h.d.Store.EraseTip(ctx, t.ID, p.Actor(), reason)
	if err != nil {
		return err
	}
	h.log(ctx).Info("tip erased", "tip_id", t.ID)
	writeJSON(w, http.StatusOK, ts)
	return nil
}

// tombstone answers GET /api/tips/{id}/tombstone (supervisors and admins):
// what is left of an erased tip and its audit trail.
func (h *Handler) tombstone(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	id := r.PathValue("id")
	ts, err := h.d.Store.Tombstone(ctx, id)
	if tip.Is(err, tip.KindNotFound) {
		return fail(http.StatusNotFound, "not_found", "no erased tip with this id")
	}
	if err != nil {
		return err
	}
	trail, err := h.d.Store.Audit(ctx, id)
	if err != nil {
		return err
	}
	if trail == nil {
		trail = []tip.Audit{}
	}
	writeJSON(w, http.StatusOK, struct {
		store.Tombstone
		Audit []tip.Audit `json:"audit"`
	}{ts, trail})
	return nil
}
