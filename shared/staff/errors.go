package staff

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"tipline/shared/store"
	"tipline/shared/tip"
)

// apiError is an answer to a client: a status, a stable code and a message
// written for people. Only these messages reach clients.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func fail(status int, code, format string, args ...any) error {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) error {
	return fail(http.StatusBadRequest, "invalid", format, args...)
}

func forbidden(format string, args ...any) error {
	return fail(http.StatusForbidden, "forbidden", format, args...)
}

// answer maps an error to what the client sees: the one place where kinds
// become status codes. Errors of our own (internal, transient) are logged
// with their detail and answered with a generic message.
func answer(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, ErrUnauthenticated) {
		return &apiError{http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required"}
	}
	if errors.Is(err, store.ErrStale) {
		return &apiError{http.StatusConflict, "stale", "the tip changed since you read it: reload it and apply your change again"}
	}
	switch tip.KindOf(err) {
	case tip.KindInvalid:
		return &apiError{http.StatusBadRequest, "invalid", "the request is not valid"}
	case tip.KindNotFound:
		return &apiError{http.StatusNotFound, "not_found", "not found"}
	case tip.KindConflict:
		return &apiError{http.StatusConflict, "conflict", "the request conflicts with the current state"}
	case tip.KindForbidden:
		return &apiError{http.StatusForbidden, "forbidden", "you may not do this"}
	case tip.KindTransient:
		return &apiError{http.StatusServiceUnavailable, "unavailable", "temporarily unavailable, try again"}
	}
	return &apiError{http.StatusInternalServerError, "internal", "something went wrong on our side"}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	a := answer(err)
	switch {
	case a.status >= 500:
		log.Error("request failed", "status", a.status, "error", err.Error())
	default:
		log.Info("request refused", "status", a.status, "code", a.code)
	}
	if a.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tipline"`)
	}
	var b errorBody
	b.Error.Code, b.Error.Message = a.code, a.message
	writeJSON(w, a.status, b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
