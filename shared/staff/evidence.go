package staff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"

	"tipline/shared/evidence"
	"tipline/shared/tip"
)

// maxEvidenceMedia bounds the bytes read of one media item to hash it.
const maxEvidenceMedia = 32 << 20

// evidenceBundle answers GET /api/tips/{id}/evidence (supervisors and
// admins): the signed evidence bundle of a tip, with the SHA-256 of each
// media item read now from Twilio. The export is in the audit trail, and
// the bundle's audit section includes it.
func (h *Handler) evidenceBundle(w http.ResponseWriter, r *http.Request, p Principal) error {
	if h.d.EvidenceKey == nil {
		return fail(http.StatusServiceUnavailable, "unavailable", "evidence export is not configured on this deployment")
	}
	ctx := r.Context()
	t, err := h.tipFor(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	now := h.d.Now().UTC()
	if err := h.d.Store.AddAudit(ctx, tip.Audit{TipID: t.ID, At: now, Actor: p.Actor(), Action: "evidence.exported"}); err != nil {
		return err
	}
	msgs, err := h.d.Store.Messages(ctx, t.ID)
	if err != nil {
		return err
	}
	alerts, err := h.d.Store.Alerts(ctx, t.ID)
	if err != nil {
		return err
	}
	trail, err := h.d.Store.Audit(ctx, t.ID)
	if err != nil {
		return err
	}
	b := evidence.Bundle{GeneratedAt: now, GeneratedBy: p.Actor(), Tip: evidence.FromTip(t), Alerts: alerts, Audit: trail}
	for _, m := range msgs {
		em := evidence.FromMessage(m)
		for i := range em.Media {
			h.hashMedia(ctx, &em.Media[i])
		}
		b.Messages = append(b.Messages, em)
	}
	b.Sign(h.d.EvidenceKey)
	h.log(ctx).Info("evidence exported", "tip_id", t.ID, "messages", len(b.Messages))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"evidence-%s.json\"", t.Ref))
	writeJSON(w, http.StatusOK, b)
	return nil
}

// hashMedia reads a media item and records its SHA-256, or why it could not.
func (h *Handler) hashMedia(ctx context.Context, m *evidence.Media) {
	if h.d.Media == nil {
		m.Unavailable = "no media access on this deployment"
		return
	}
	body, _, err := h.d.Media.Fetch(ctx, m.URL)
	if err != nil {
		m.Unavailable = "could not be read from Twilio"
		return
	}
	defer body.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, io.LimitReader(body, maxEvidenceMedia+1))
	switch {
	case err != nil:
		m.Unavailable = "read failed"
	case n > maxEvidenceMedia:
		m.Unavailable = "larger than 32 MiB"
	default:
		m.SHA256, m.Bytes = hex.EncodeToString(sum.Sum(nil)), n
	}
}
