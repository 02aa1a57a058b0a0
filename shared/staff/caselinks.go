package staff

import (
	"net/http"
	"strconv"
	"strings"

	"tipline/shared/caselink"
	"tipline/shared/tip"
)

// revokeCaseLinks stops the case links of an alerted authority (one
// contact, or all of them) from working: the revocation is an audit entry,
// and the case page refuses links issued before it.
func (h *Handler) revokeCaseLinks(w http.ResponseWriter, r *http.Request, p Principal) error {
	ctx := r.Context()
	var b struct {
		AuthorityID string `json:"authority_id"`
		Contact     *int   `json:"contact"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	b.AuthorityID = strings.TrimSpace(b.AuthorityID)
	if !tip.ValidID(b.AuthorityID) {
		return invalid("authority_id is required: the id of an alerted authority")
	}
	if b.Contact != nil && (*b.Contact < 0 || *b.Contact > 255) {
		return invalid("contact must be the index of one of the authority's contacts")
	}
	t, err := h.tipFor(ctx, p, r.PathValue("id"))
	if err != nil {
		return err
	}
	alerts, err := h.d.Store.Alerts(ctx, t.ID)
	if err != nil {
		return err
	}
	alerted := false
	for _, a := range alerts {
		alerted = alerted || a.AuthorityID == b.AuthorityID && (b.Contact == nil || a.Contact == *b.Contact)
	}
	if !alerted {
		return fail(http.StatusNotFound, "not_found", "no alert of this tip went to %q", b.AuthorityID)
	}
	contact := "all"
	if b.Contact != nil {
		contact = strconv.Itoa(*b.Contact)
	}
	if err := h.d.Store.AddAudit(ctx, tip.Audit{TipID: t.ID, At: h.d.Now(), Actor: p.Actor(), Action: caselink.ActionRevoked,
		Detail: map[string]string{"authority": b.AuthorityID, "contact": contact}}); err != nil {
		return err
	}
	h.log(ctx).Info("case links revoked", "tip_id", t.ID, "authority_id", b.AuthorityID, "contact", contact)
	writeJSON(w, http.StatusOK, map[string]string{"tip_id": t.ID, "authority_id": b.AuthorityID, "contact": contact, "status": "revoked"})
	return nil
}
