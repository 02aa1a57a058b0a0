// Package staff is the staff API under /api/: the review queue, tip detail,
// corrections, manual forwarding, replies to reporters, CSV export, figures
// and the authority directory, as one net/http handler that runs the same
// in Lambda (behind API Gateway's JWT authorizer) and in the local stack
// (validating local tokens itself).
//
// Every route checks the caller's role, and staff users see and touch only
// tips of their regions. Every read of a tip, change, forward and reply
// writes an audit entry; no route changes or deletes one. Responses never
// carry a reporter's number, and logs never carry message bodies, numbers
// or tokens.
package staff

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"tipline/shared/contact"
	"tipline/shared/store"
	"tipline/shared/tip"
)

// Forwarder sends a tip to an authority through the alert pipeline and
// records the forward, with the actor, in the tip's audit trail
// (*alert.Dispatcher does both). Errors: not found (tip or authority),
// invalid (an inactive authority, one without contacts), transient.
type Forwarder interface {
	Forward(ctx context.Context, tipID, authorityID, actor string) error
}

// Sender sends a text message through Twilio and returns its SID.
type Sender interface {
	Send(ctx context.Context, from, to, body string) (sid string, err error)
}

// Deps are what the handler needs. Store, Auth and Log are required;
// without Contacts and Sender replies are refused, without Forwarder
// forwarding, without Media media links answer 404.
type Deps struct {
	Store     *store.Store
	Auth      Authenticator
	Log       *slog.Logger
	Contacts  *contact.Keeper
	Sender    Sender
	Forwarder Forwarder
	Media     MediaFetcher
	// MediaKey signs the short-lived media links (at least 16 bytes).
	MediaKey []byte
	// MediaTTL is how long a media link works (default 15 minutes).
	MediaTTL time.Duration
	// Location is where days of the figures begin (default America/Lima, UTC-5).
	Location *time.Location
	Now      tip.Clock
}

// Handler serves the staff API.
type Handler struct {
	d   Deps
	mux *http.ServeMux
}

// Route is one endpoint of the API.
type Route struct {
	Method, Path string // Path in OpenAPI form, e.g. /api/tips/{id}
	Role         Role   // the least role allowed; RoleNone for signed links
	handle       func(h *Handler, w http.ResponseWriter, r *http.Request, p Principal) error
}

// Routes lists every endpoint: the mux is built from it, and a test holds
// infra/openapi.yaml to it.
func Routes() []Route {
	return []Route{
		{"GET", "/api/tips", RoleStaff, (*Handler).listTips},
		{"GET", "/api/tips.csv", RoleStaff, (*Handler).exportCSV},
		{"GET", "/api/tips/{id}", RoleStaff, (*Handler).getTip},
		{"PATCH", "/api/tips/{id}", RoleStaff, (*Handler).patchTip},
		{"POST", "/api/tips/{id}/forward", RoleStaff, (*Handler).forward},
		{"POST", "/api/tips/{id}/reply", RoleStaff, (*Handler).reply},
		{"POST", "/api/tips/{id}/case-links/revoke", RoleStaff, (*Handler).revokeCaseLinks},
		{"GET", "/api/media/{token}", RoleNone, (*Handler).media},
		{"GET", "/api/stats", RoleSupervisor, (*Handler).stats},
		{"GET", "/api/authorities", RoleAdmin, (*Handler).listAuthorities},
		{"POST", "/api/authorities", RoleAdmin, (*Handler).createAuthority},
		{"GET", "/api/authorities/{id}", RoleAdmin, (*Handler).getAuthority},
		{"PUT", "/api/authorities/{id}", RoleAdmin, (*Handler).putAuthority},
		{"GET", "/api/campaigns", RoleSupervisor, (*Handler).listCampaigns},
		{"POST", "/api/campaigns", RoleSupervisor, (*Handler).createCampaign},
		{"GET", "/api/campaigns/{id}", RoleSupervisor, (*Handler).getCampaign},
		{"PATCH", "/api/campaigns/{id}", RoleSupervisor, (*Handler).patchCampaign},
		{"POST", "/api/campaigns/{id}/materials", RoleSupervisor, (*Handler).createMaterial},
		{"GET", "/api/materials/{id}/qr.png", RoleSupervisor, (*Handler).materialQR},
	}
}

// New returns the handler. It does no I/O.
func New(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MediaTTL <= 0 {
		d.MediaTTL = 15 * time.Minute
	}
	if d.Location == nil {
		d.Location = tip.Lima
	}
	h := &Handler{d: d, mux: http.NewServeMux()}
	for _, rt := range Routes() {
		h.mux.Handle(rt.Method+" "+rt.Path, h.wrap(rt))
	}
	h.mux.Handle("/api/", h.wrap(Route{Role: RoleNone, handle: func(*Handler, http.ResponseWriter, *http.Request, Principal) error {
		return fail(http.StatusNotFound, "not_found", "no such endpoint")
	}}))
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// requestIDHeader matches edge.RequestIDHeader (edge is not imported here
// to keep the Lambda adapter out of the package).
const requestIDHeader = "X-Request-Id"

// wrap authenticates, checks the role and answers errors as JSON.
func (h *Handler) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log := h.d.Log.With("request_id", r.Header.Get(requestIDHeader), "method", r.Method, "route", rt.Path)
		var p Principal
		if rt.Role > RoleNone {
			var err error
			p, err = h.d.Auth.Authenticate(r)
			if err != nil {
				writeError(w, log, err)
				return
			}
			log = log.With("actor", p.Actor(), "role", p.Role.String())
			if p.Role < rt.Role {
				writeError(w, log, forbidden("this needs the %s role", rt.Role))
				return
			}
		}
		r = r.WithContext(withLog(r.Context(), log))
		if err := rt.handle(h, w, r, p); err != nil {
			writeError(w, log, err)
		}
	})
}

type logKey struct{}

func withLog(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, logKey{}, l)
}

func (h *Handler) log(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(logKey{}).(*slog.Logger); ok {
		return l
	}
	return h.d.Log
}

// maxBody bounds request bodies.
const maxBody = 64 << 10

// decode reads a JSON body into v, refusing unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return fail(http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than %d bytes", maxBody)
		case errors.Is(err, io.EOF):
			return invalid("the request body is empty; send a JSON object")
		}
		return invalid("the request body is not the expected JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return invalid("the request body holds more than one JSON value")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing the input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "malformed JSON"
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	}
	if s := err.Error(); len(s) < 80 && (len(s) > 0) {
		// "json: unknown field \"x\"" names a field of the request: safe to echo.
		return s
	}
	return "malformed JSON"
}

// tipFor reads a tip the principal may see. Errors: not found, forbidden.
func (h *Handler) tipFor(ctx context.Context, p Principal, id string) (*tip.Tip, error) {
	if id == "" || len(id) > 64 {
		return nil, fail(http.StatusNotFound, "not_found", "no tip with this id")
	}
	t, err := h.d.Store.Tip(ctx, id)
	if tip.Is(err, tip.KindNotFound) {
		return nil, fail(http.StatusNotFound, "not_found", "no tip with this id")
	}
	if err != nil {
		return nil, err
	}
	if !p.Scope().Allows(t.Region) {
		if t.Region == "" {
			return nil, forbidden("tips without a region are for supervisors and admins")
		}
		return nil, forbidden("this tip is outside your regions")
	}
	return t, nil
}
