package staff

import (
	"errors"
	"net/http"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// The authority directory of the alert pipeline, for admins. Contacts'
// numbers are officials' personal data: returned to admins, never logged.

func (h *Handler) listAuthorities(w http.ResponseWriter, r *http.Request, _ Principal) error {
	list, err := h.d.Store.Authorities(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []tip.Authority{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"authorities": list})
	return nil
}

func (h *Handler) getAuthority(w http.ResponseWriter, r *http.Request, _ Principal) error {
	a, err := h.d.Store.Authority(r.Context(), r.PathValue("id"))
	if tip.Is(err, tip.KindNotFound) {
		return fail(http.StatusNotFound, "not_found", "no authority with this id")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// createAuthority adds an authority; an id in use is a conflict.
func (h *Handler) createAuthority(w http.ResponseWriter, r *http.Request, p Principal) error {
	var a tip.Authority
	if err := decode(w, r, &a); err != nil {
		return err
	}
	if !tip.ValidID(a.ID) {
		return invalid("id is required: lower-case letters, digits and dashes, at most 63")
	}
	if _, err := h.d.Store.Authority(r.Context(), a.ID); err == nil {
		return fail(http.StatusConflict, "exists", "an authority with id %q exists: PUT /api/authorities/%s replaces it", a.ID, a.ID)
	} else if !tip.Is(err, tip.KindNotFound) {
		return err
	}
	return h.storeAuthority(w, r, p, a, http.StatusCreated)
}

// putAuthority creates or replaces the authority of the path's id.
func (h *Handler) putAuthority(w http.ResponseWriter, r *http.Request, p Principal) error {
	id := r.PathValue("id")
	if !tip.ValidID(id) {
		return invalid("authority id %q: lower-case letters, digits and dashes, at most 63", id)
	}
	var a tip.Authority
	if err := decode(w, r, &a); err != nil {
		return err
	}
	if a.ID != "" && a.ID != id {
		return invalid("the body's id %q differs from the path's %q", a.ID, id)
	}
	a.ID = id
	return h.storeAuthority(w, r, p, a, http.StatusOK)
}

func (h *Handler) storeAuthority(w http.ResponseWriter, r *http.Request, p Principal, a tip.Authority, status int) error {
	ctx := r.Context()
	if err := a.Validate(); err != nil {
		// Validate's messages name fields and the values sent, never more.
		var te *tip.Error
		if errors.As(err, &te) && te.Err != nil {
			return invalid("%s", te.Err.Error())
		}
		return invalid("the authority is not valid")
	}
	err := h.d.Store.PutAuthority(ctx, a)
	if errors.Is(err, store.ErrNumberTaken) {
		return fail(http.StatusConflict, "number_taken", "a contact number belongs to another authority")
	}
	if err != nil {
		return err
	}
	h.log(ctx).Info("authority stored", "authority_id", a.ID, "contacts", len(a.Contacts))
	stored, err := h.d.Store.Authority(ctx, a.ID)
	if err != nil {
		return err
	}
	writeJSON(w, status, stored)
	return nil
}
