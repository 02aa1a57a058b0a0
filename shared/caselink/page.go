package caselink

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// Audit actions of case links.
const (
	ActionViewed  = "case.viewed"
	ActionRevoked = "case.revoked"
)

// Acknowledger records an authority's confirmation of a tip, as an
// "OK <ref>" reply does (*alert.Dispatcher).
type Acknowledger interface {
	Acknowledge(ctx context.Context, tipID, authorityID, messageSID string) error
}

// CSP is the case page's Content-Security-Policy: no script at all.
const CSP = "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// Page serves /case/<token> and /case/<token>/ack.
type Page struct {
	Signer Signer
	Store  *store.Store
	Ack    Acknowledger
	Log    *slog.Logger
	// MediaLink returns a short-lived link to a media item (the staff
	// API's signed media links); nil shows no media.
	MediaLink func(tipID, sid string, index int) string
	// CSS is the stylesheet's URL (the console's); CSP its policy.
	CSS, CSP string
	// Location is where times are shown (default America/Lima).
	Location *time.Location
}

var pageTmpl = template.Must(template.New("case").Funcs(template.FuncMap{
	"coord": func(f float64) string { return strconv.FormatFloat(f, 'f', 5, 64) },
	"mapURL": func(l tip.Location) string {
		la, lo := strconv.FormatFloat(l.Latitude, 'f', 6, 64), strconv.FormatFloat(l.Longitude, 'f', 6, 64)
		return "https://www.openstreetmap.org/?mlat=" + la + "&mlon=" + lo + "#map=16/" + la + "/" + lo
	},
}).Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>{{if .Tip}}Aviso {{.Tip.Ref}}{{else}}Aviso{{end}} · Tipline</title>{{if .CSS}}<link rel="stylesheet" href="{{.CSS}}">{{end}}</head>
<body><main class="case narrow" id="main">
{{if .Refusal}}<h1>Enlace no disponible</h1><p class="refusal" role="alert" id="refusal">{{.Refusal}}</p>
<p>Si necesita el aviso, responda al SMS con OK y el código, o comuníquese con el equipo de la línea.</p>
{{else}}{{with .Tip}}<h1>Aviso <span class="ref" id="ref">{{.Ref}}</span></h1>
<p><span class="badge u-{{.Urgency}}">{{$.Urgency}}</span> {{$.Category}}{{if .Minor}}, <strong>MENOR DE EDAD</strong>{{end}}{{if .ImmediateDanger}}, <strong>peligro inmediato</strong>{{end}}</p>
<dl class="facts"><dt>Lugar</dt><dd>{{if .Place}}{{.Place}}{{else}}sin lugar indicado{{end}}{{if .Region}} ({{.Region}}){{end}}</dd>
<dt>Recibido</dt><dd>{{$.Created}} (hora de Lima)</dd><dt>Estado</dt><dd id="status">{{$.Status}}</dd></dl>
<section class="card"><h2>Mensaje completo</h2><p class="body" id="text">{{.Text}}</p></section>{{end}}
{{if .Messages}}<section class="card"><h2>Mensajes del denunciante</h2><ol class="thread">{{range .Messages}}<li class="msg inbound"><p class="meta">{{.At}} (hora de Lima)</p>{{if .Body}}<p class="body">{{.Body}}</p>{{end}}
{{if .Media}}<ul class="media">{{range .Media}}<li><a href="{{.}}" target="_blank" rel="noopener">Ver archivo adjunto</a></li>{{end}}</ul>{{end}}
{{with .Location}}<p class="loc">Ubicación: <span class="coords">{{coord .Latitude}}, {{coord .Longitude}}</span>{{if .Label}} ({{.Label}}){{end}} <a href="{{mapURL .}}" target="_blank" rel="noopener noreferrer">Abrir en un mapa</a></p>{{end}}</li>{{end}}</ol></section>{{end}}
{{if .Acknowledged}}<p class="ok" role="status" id="acked">Aviso confirmado. Gracias: dejamos de escalarlo.</p>
{{else}}<form method="post" action="{{.AckURL}}"><p>Confirme que su institución recibió el aviso: tiene el mismo efecto que responder OK {{.Tip.Ref}}.</p>
<button type="submit" class="ack" id="ack">Confirmar recepción</button></form>{{end}}
<p class="hint">El enlace vence el {{.Expires}} (hora de Lima). No muestra el número de quien denunció.</p>{{end}}
</main></body></html>`))

type pageMessage struct {
	At       string
	Body     string
	Media    []string
	Location *tip.Location
}

type pageData struct {
	CSS, Refusal                       string
	Tip                                *tip.Tip
	Urgency, Category, Status, Created string
	Messages                           []pageMessage
	Acknowledged                       bool
	AckURL, Expires                    string
}

var (
	urgencyText  = map[tip.Urgency]string{tip.Critical: "CRÍTICO", tip.High: "ALTO", tip.Medium: "MEDIO", tip.Low: "BAJO"}
	categoryText = map[string]string{"sexual": "explotación sexual", "labor": "explotación laboral", "other": "otra explotación"}
	statusText   = map[tip.Status]string{tip.StatusNew: "nuevo", tip.StatusTriaged: "clasificado", tip.StatusForwarded: "enviado a las autoridades",
		tip.StatusAcknowledged: "confirmado", tip.StatusClosed: "cerrado", tip.StatusSpam: "descartado"}
)

// ServeHTTP implements http.Handler for GET /case/{token} and POST /case/{token}/ack.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", p.CSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Robots-Tag", "noindex")
	token, ack := r.PathValue("token"), r.Method == http.MethodPost
	if ack && !sameOrigin(r) {
		p.refuse(w, http.StatusForbidden, "Esta confirmación no vino de la página del aviso.")
		return
	}
	c, t, status, why := p.check(r.Context(), token)
	if why != "" {
		p.refuse(w, status, why)
		return
	}
	log := p.Log.With("tip_id", c.TipID, "authority_id", c.AuthorityID, "contact", c.Contact)
	if ack {
		if err := p.Ack.Acknowledge(r.Context(), c.TipID, c.AuthorityID, "case-link"); err != nil {
			log.Error("case link acknowledgement failed", "kind", tip.KindOf(err).String())
			p.refuse(w, http.StatusServiceUnavailable, "No pudimos registrar la confirmación: intente de nuevo o responda OK "+t.Ref+" al SMS.")
			return
		}
		log.Info("tip acknowledged through its case link")
		http.Redirect(w, r, "/case/"+url.PathEscape(token), http.StatusSeeOther)
		return
	}
	if err := p.Store.AddAudit(r.Context(), tip.Audit{TipID: c.TipID, At: p.now(), Actor: "authority:" + c.AuthorityID, Action: ActionViewed,
		Detail: map[string]string{"authority": c.AuthorityID, "contact": strconv.Itoa(c.Contact)}}); err != nil {
		log.Error("case view not audited: page withheld", "kind", tip.KindOf(err).String())
		p.refuse(w, http.StatusServiceUnavailable, "El aviso no está disponible en este momento: intente de nuevo en unos minutos.")
		return
	}
	msgs, err := p.Store.Messages(r.Context(), c.TipID)
	if err != nil {
		p.refuse(w, http.StatusServiceUnavailable, "El aviso no está disponible en este momento: intente de nuevo en unos minutos.")
		return
	}
	log.Info("case page viewed")
	d := pageData{CSS: p.CSS, Tip: t, Urgency: orText(urgencyText[t.Urgency], string(t.Urgency)), Category: orText(categoryText[t.Category], "tipo no claro"),
		Status: orText(statusText[t.Status], string(t.Status)), Created: p.local(t.CreatedAt),
		Acknowledged: t.Status == tip.StatusAcknowledged, AckURL: "/case/" + url.PathEscape(token) + "/ack",
		Expires: p.local(c.Issued.Add(p.Signer.ttl()))}
	for _, m := range msgs {
		if m.Direction != tip.Inbound {
			continue // replies of the team stay with the team
		}
		pm := pageMessage{At: p.local(m.CreatedAt), Body: m.Body, Location: m.Location}
		for i := range m.Media {
			if p.MediaLink != nil {
				pm.Media = append(pm.Media, p.MediaLink(c.TipID, m.SID, i))
			}
		}
		d.Messages = append(d.Messages, pm)
	}
	p.render(w, http.StatusOK, d)
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// check verifies a token and finds its tip: the refusal text and status
// when the link does not (or no longer) work.
func (p *Page) check(ctx context.Context, token string) (Claim, *tip.Tip, int, string) {
	c, err := p.Signer.Verify(token)
	switch {
	case errors.Is(err, ErrExpired):
		return c, nil, http.StatusGone, fmt.Sprintf("Este enlace venció el %s (hora de Lima). Los enlaces de aviso duran %s.", p.local(c.Issued.Add(p.Signer.ttl())), hours(p.Signer.ttl()))
	case err != nil:
		return c, nil, http.StatusNotFound, "Este enlace de aviso no es válido. Revise que esté completo."
	}
	t, err := p.Store.Tip(ctx, c.TipID)
	if tip.Is(err, tip.KindNotFound) {
		return c, nil, http.StatusNotFound, "Este enlace de aviso no es válido. Revise que esté completo."
	}
	if err != nil {
		return c, nil, http.StatusServiceUnavailable, "El aviso no está disponible en este momento: intente de nuevo en unos minutos."
	}
	alerts, err := p.Store.Alerts(ctx, c.TipID)
	if err != nil {
		return c, nil, http.StatusServiceUnavailable, "El aviso no está disponible en este momento: intente de nuevo en unos minutos."
	}
	bound := false
	for _, a := range alerts {
		bound = bound || (a.AuthorityID == c.AuthorityID && a.Contact == c.Contact)
	}
	if !bound {
		return c, nil, http.StatusNotFound, "Este enlace de aviso no es válido. Revise que esté completo."
	}
	trail, err := p.Store.Audit(ctx, c.TipID)
	if err != nil {
		return c, nil, http.StatusServiceUnavailable, "El aviso no está disponible en este momento: intente de nuevo en unos minutos."
	}
	if Revoked(trail, c) {
		return c, nil, http.StatusGone, "El equipo de la línea revocó este enlace. Si necesita el aviso, pida uno nuevo al equipo."
	}
	return c, t, 0, ""
}

// Revoked reports whether the trail holds a revocation of c's links
// (for its authority, and its contact or every contact) made at or after
// the link was issued.
func Revoked(trail []tip.Audit, c Claim) bool {
	for _, e := range trail {
		if e.Action != ActionRevoked || e.Detail["authority"] != c.AuthorityID {
			continue
		}
		if ct := e.Detail["contact"]; ct != "" && ct != "all" && ct != strconv.Itoa(c.Contact) {
			continue
		}
		if !e.At.Before(c.Issued) {
			return true
		}
	}
	return false
}

func hours(d time.Duration) string { return strconv.Itoa(int(d.Hours())) + " horas" }

func (p *Page) now() time.Time {
	if p.Signer.Now != nil {
		return p.Signer.Now()
	}
	return time.Now()
}

func (p *Page) local(t time.Time) string {
	loc := p.Location
	if loc == nil {
		loc = tip.Lima
	}
	return t.In(loc).Format("02/01/2006 15:04")
}

func (p *Page) refuse(w http.ResponseWriter, status int, why string) {
	p.render(w, status, pageData{CSS: p.CSS, Refusal: why})
}

func (p *Page) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pageTmpl.Execute(w, d); err != nil {
		p.Log.Error("case page not rendered", "error", err.Error())
	}
}

// sameOrigin reports whether a form post came from this site. Browsers
// say where a request comes from in Sec-Fetch-Site; with the page's
// no-referrer policy their Origin is "null", so an Origin is only checked
// when it names a host.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}
