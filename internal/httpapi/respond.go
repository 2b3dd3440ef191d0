package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/vigil-cloud/vigil/internal/errs"
	"github.com/vigil-cloud/vigil/internal/id"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.MFARequired:     http.StatusForbidden,
	errs.ConsentRequired: http.StatusForbidden,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.Locked:          http.StatusLocked,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.HeaderTooLarge:  http.StatusRequestHeaderFieldsTooLarge,
	errs.Gone:            http.StatusGone,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Internal:        http.StatusInternalServerError,
}

type errorBody struct {
	Error struct {
		Code    errs.Code `json:"code"`
		Message string    `json:"message"`
	} `json:"error"`
}

// writeError sends the caller a safe message; unknown errors are logged
// with their cause and reach the caller only as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := errs.CodeOf(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		log.Error("request failed", "method", r.Method, "route", r.Pattern, "code", code, "err", err)
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = errs.MessageOf(err)
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away; nothing to do
	}
}

// reply writes v with status, unless err says the call failed.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

// noContent answers 204, unless err says the call failed.
func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxBody bounds every JSON request body.
const maxBody = 64 << 10

// decode reads one JSON object into v, refusing unknown fields, trailing
// data, other content types and bodies over maxBody.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeLimit(w, r, v, maxBody)
}

// decodeLimit is decode with another bound, for the few bodies that carry
// pictures.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errs.E(errs.Invalid, "send the body as application/json")
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeErrorLimit(err, limit)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "request body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error) error { return decodeErrorLimit(err, maxBody) }

func decodeErrorLimit(err error, limit int64) error {
	var maxErr *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return errs.E(errs.TooLarge, "request body is larger than %d bytes", limit)
	case errors.Is(err, io.EOF):
		return errs.E(errs.Invalid, "request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.E(errs.Invalid, "request body is cut short")
	case errors.As(err, &syntax):
		return errs.E(errs.Invalid, "request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return errs.E(errs.Invalid, "field %q must be %s", typ.Field, typ.Type)
		}
		return errs.E(errs.Invalid, "request body must be a JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errs.E(errs.Invalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return errs.E(errs.Invalid, "request body could not be read")
}

// pathID returns a path parameter after checking that it looks like an ID.
func pathID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if !id.Valid(v) {
		return "", errs.E(errs.Invalid, "%s is not a valid identifier", name)
	}
	return v, nil
}

// pathIDAndBody reads one path identifier, then the JSON body into in.
func pathIDAndBody(w http.ResponseWriter, r *http.Request, name string, in any) (string, error) {
	id, err := pathID(r, name)
	if err != nil {
		return "", err
	}
	return id, decode(w, r, in)
}

func mustPathIDs(r *http.Request, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := pathID(r, n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
