package staff

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"tipline/shared/campaign"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// Campaigns and materials (supervisors and admins): the campaigns, their
// numbers, the materials whose codes tie tips to them, and the QR codes to
// print.

type campaignBody struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Regions   []string `json:"regions"`
	Languages []string `json:"languages"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Numbers   []string `json:"numbers"`
	Contact   string   `json:"contact"`
}

type materialView struct {
	tip.Material
	WhatsAppLink  string `json:"whatsapp_link"`
	SMSText       string `json:"sms_text"`
	WhatsAppText  string `json:"whatsapp_text"`
	QRURL         string `json:"qr_url"`
	campaignPhone string
}

type campaignView struct {
	tip.Campaign
	Materials []materialView `json:"materials"`
}

// view adds to a material what is printed and linked: the click-to-chat
// link and texts use the campaign's first number and first language.
func view(c tip.Campaign, m tip.Material) materialView {
	number, lang := "", tip.LangSpanish
	if len(c.Numbers) > 0 {
		number = c.Numbers[0]
	}
	if len(c.Languages) > 0 {
		lang = c.Languages[0]
	}
	return materialView{Material: m, campaignPhone: number,
		WhatsAppLink: campaign.WhatsAppLink(number, m.Code, lang),
		SMSText:      campaign.PrintText(number, m.Code, lang, false),
		WhatsAppText: campaign.PrintText(number, m.Code, lang, true),
		QRURL:        "/api/materials/" + m.ID + "/qr.png",
	}
}

func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b campaignBody
	if err := decode(w, r, &b); err != nil {
		return err
	}
	c := tip.Campaign{ID: b.ID, Name: b.Name, Regions: b.Regions, Languages: b.Languages, Start: b.Start,
		End: b.End, Numbers: b.Numbers, Contact: b.Contact}
	if c.ID == "" {
		c.ID = strings.ToLower(tip.NewIDs(nil).New(h.d.Now()))
	}
	if !tip.ValidID(c.ID) {
		return invalid("id must be lower-case letters, digits and dashes, at most 63 characters")
	}
	if len(c.Languages) == 0 {
		c.Languages = []string{tip.LangSpanish}
	}
	if err := c.Validate(); err != nil {
		return invalid("%s", problems(err))
	}
	if err := h.d.Store.CreateCampaign(r.Context(), &c); err != nil {
		if tip.Is(err, tip.KindConflict) {
			return fail(http.StatusConflict, "exists", "a campaign with id %q exists", c.ID)
		}
		return err
	}
	h.log(r.Context()).Info("campaign created", "campaign_id", c.ID)
	writeJSON(w, http.StatusCreated, campaignView{Campaign: c, Materials: []materialView{}})
	return nil
}

// problems is the detail of a validation error, written for people.
func problems(err error) string {
	var e *tip.Error
	if errors.As(err, &e) && e.Err != nil {
		return strings.ReplaceAll(e.Err.Error(), "\n", "; ")
	}
	return "the request is not valid"
}

func (h *Handler) listCampaigns(w http.ResponseWriter, r *http.Request, _ Principal) error {
	cs, err := h.d.Store.ListCampaigns(r.Context())
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []tip.Campaign{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": cs})
	return nil
}

func (h *Handler) campaignFor(r *http.Request) (tip.Campaign, error) {
	c, err := h.d.Store.Campaign(r.Context(), r.PathValue("id"))
	if tip.Is(err, tip.KindNotFound) {
		return c, fail(http.StatusNotFound, "not_found", "no campaign with this id")
	}
	return c, err
}

func (h *Handler) getCampaign(w http.ResponseWriter, r *http.Request, _ Principal) error {
	c, err := h.campaignFor(r)
	if err != nil {
		return err
	}
	ms, err := h.d.Store.Materials(r.Context(), c.ID)
	if err != nil {
		return err
	}
	out := campaignView{Campaign: c, Materials: []materialView{}}
	for _, m := range ms {
		out.Materials = append(out.Materials, view(c, m))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) patchCampaign(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b struct {
		Version   int       `json:"version"`
		Name      *string   `json:"name"`
		Regions   *[]string `json:"regions"`
		Languages *[]string `json:"languages"`
		Start     *string   `json:"start"`
		End       *string   `json:"end"`
		Numbers   *[]string `json:"numbers"`
		Contact   *string   `json:"contact"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	c, err := h.campaignFor(r)
	if err != nil {
		return err
	}
	if b.Version == 0 {
		return invalid("version is required: send the version you read")
	}
	if b.Version != c.Version {
		return fail(http.StatusConflict, "stale", "the campaign changed since you read it: reload it and apply your change again")
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setList := func(dst *[]string, v *[]string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, b.Name)
	set(&c.Start, b.Start)
	set(&c.End, b.End)
	set(&c.Contact, b.Contact)
	setList(&c.Regions, b.Regions)
	setList(&c.Languages, b.Languages)
	setList(&c.Numbers, b.Numbers)
	if err := c.Validate(); err != nil {
		return invalid("%s", problems(err))
	}
	if err := h.d.Store.UpdateCampaign(r.Context(), &c); err != nil {
		if errors.Is(err, store.ErrStale) {
			return fail(http.StatusConflict, "stale", "the campaign changed since you read it: reload it and apply your change again")
		}
		return err
	}
	h.log(r.Context()).Info("campaign updated", "campaign_id", c.ID, "version", c.Version)
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) createMaterial(w http.ResponseWriter, r *http.Request, p Principal) error {
	var b struct {
		Kind   string `json:"kind"`
		Label  string `json:"label"`
		Place  string `json:"place"`
		Region string `json:"region"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	c, err := h.campaignFor(r)
	if err != nil {
		return err
	}
	m := tip.Material{ID: strings.ToLower(tip.NewIDs(nil).New(h.d.Now())), CampaignID: c.ID,
		Kind: b.Kind, Label: strings.TrimSpace(b.Label), Place: strings.TrimSpace(b.Place), Region: strings.TrimSpace(b.Region)}
	if err := m.Validate(); err != nil {
		return invalid("%s", problems(err))
	}
	if m.Region != "" && len(c.Regions) > 0 && !slices.Contains(c.Regions, m.Region) {
		return invalid("region %s is not one of the campaign's regions (%s)", m.Region, strings.Join(c.Regions, ", "))
	}
	if m.Region == "" && len(c.Regions) == 1 {
		m.Region = c.Regions[0] // a one-region campaign's materials are all shown there
	}
	// The code's prefix names the material's region, else the campaign's first.
	region := m.Region
	if region == "" && len(c.Regions) > 0 {
		region = c.Regions[0]
	}
	// Two characters after the dash while they last (432 codes per region),
	// then three.
	for attempt := 0; ; attempt++ {
		length := 2
		if attempt >= 12 {
			length = 3
		}
		if attempt >= 40 {
			return fail(http.StatusServiceUnavailable, "unavailable", "no free material code found, try again")
		}
		if m.Code, err = campaign.NewCode(region, length, nil); err != nil {
			return err
		}
		err = h.d.Store.CreateMaterial(r.Context(), &m)
		if errors.Is(err, store.ErrCodeTaken) {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	h.log(r.Context()).Info("material created", "campaign_id", c.ID, "material_id", m.ID, "code", m.Code)
	writeJSON(w, http.StatusCreated, view(c, m))
	return nil
}

func (h *Handler) materialQR(w http.ResponseWriter, r *http.Request, _ Principal) error {
	m, err := h.d.Store.Material(r.Context(), r.PathValue("id"))
	if tip.Is(err, tip.KindNotFound) {
		return fail(http.StatusNotFound, "not_found", "no material with this id")
	}
	if err != nil {
		return err
	}
	c, err := h.d.Store.Campaign(r.Context(), m.CampaignID)
	if err != nil {
		return err
	}
	module := campaign.QRModule
	if s := r.URL.Query().Get("module"); s != "" {
		if module, err = strconv.Atoi(s); err != nil || module < 4 || module > 64 {
			return invalid("module is the side of one QR module in pixels, from 4 to 64")
		}
	}
	v := view(c, m)
	if v.campaignPhone == "" {
		return invalid("the campaign has no number to link to")
	}
	png, err := campaign.QR(v.WhatsAppLink, module)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Disposition", `inline; filename="`+m.Code+`.png"`)
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(png)
	return nil
}
