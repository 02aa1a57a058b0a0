package console

import (
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// localSigninPage lets a developer of the local stack choose a role and
// regions; it posts back here and is redirected to the console with a
// fresh token in the fragment.
var localSigninPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ingreso local · Tipline</title><link rel="stylesheet" href="{{.CSS}}"></head>
<body><main class="narrow">
<h1>Ingreso local</h1>
<p>Solo para la pila local: elija un rol y, para el personal, sus regiones.</p>
{{if .Error}}<p class="refusal" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/console/local-signin">
<label for="role">Rol</label>
<select id="role" name="role"><option value="staff">personal (staff)</option><option value="supervisor">supervisor</option><option value="admin" selected>administrador (admin)</option></select>
<label for="regions">Regiones (códigos ISO separados por comas, p. ej. PE-MDD,PE-CUS; vacío: todas)</label>
<input id="regions" name="regions" autocomplete="off">
<button type="submit">Ingresar</button>
</form></main></body></html>`))

// localSignin serves /console/local-signin to loopback clients only.
func (h *Handler) localSignin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if h.c.LocalSignin == nil || !loopback(r) {
		http.NotFound(w, r)
		return
	}
	data := struct{ CSS, Error string }{CSS: h.AssetURL("style.css")}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			data.Error = "formulario ilegible"
			break
		}
		var regions []string
		for _, s := range strings.Split(r.PostForm.Get("regions"), ",") {
			if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
				regions = append(regions, s)
			}
		}
		tok, err := h.c.LocalSignin(r.PostForm.Get("role"), regions)
		if err != nil {
			data.Error = err.Error()
			break
		}
		http.Redirect(w, r, "/console/#token="+url.QueryEscape(tok), http.StatusSeeOther)
		return
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = localSigninPage.Execute(w, data)
}

// loopback reports whether the request comes from this machine and names
// it as its host (so a page elsewhere cannot reach it through DNS rebinding).
func loopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return false
	}
	name := r.Host
	if hh, _, err := net.SplitHostPort(r.Host); err == nil {
		name = hh
	}
	return name == "localhost" || net.ParseIP(name) != nil && net.ParseIP(name).IsLoopback()
}

// AssetURL is the hashed URL of an embedded asset (style.css for the case page).
func (h *Handler) AssetURL(name string) string { return h.names[name] }
