package backend

import (
	"encoding/json"
	"net/http"
)

// Error codes of the token endpoint (RFC 6749 §5.2).
const (
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidScope         = "invalid_scope"
	// CodeServerError is not in RFC 6749 §5.2 but is the customary code
	// (from §4.1.2.1) for a failure on Kiln's side, such as an unreachable
	// database; it tells the client that retrying later may work.
	CodeServerError = "server_error"
)

// Error is a token endpoint error response (RFC 6749 §5.2). Description
// is meant for the client's developers: it says which check failed but
// never carries the assertion, key material or internal error text,
// which stays in the wrapped cause for server logs (errors.Unwrap).
type Error struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	cause       error
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the internal cause, if any, for logging.
func (e *Error) Unwrap() error { return e.cause }

func newError(status int, code, description string, cause error) *Error {
	return &Error{Status: status, Code: code, Description: description, cause: cause}
}

// clientError is an authentication failure: 401 invalid_client.
func clientError(description string, cause error) *Error {
	return newError(http.StatusUnauthorized, CodeInvalidClient, description, cause)
}

func scopeError(description string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidScope, description, nil)
}

func requestError(description string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidRequest, description, nil)
}

func serverError(description string, cause error) *Error {
	return newError(http.StatusInternalServerError, CodeServerError, description, cause)
}

// WriteHTTP writes the token endpoint's answer: resp with 200 when err is
// nil, else err with its status. Token responses must never be cached
// (RFC 6749 §5.1), and error responses carry the same headers so no
// intermediary caches those either.
func WriteHTTP(w http.ResponseWriter, resp TokenResponse, err *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	status, body := http.StatusOK, any(resp)
	if err != nil {
		status, body = err.Status, err
		if status == 0 {
			status = http.StatusBadRequest
		}
	}
	data, merr := json.Marshal(body)
	if merr != nil {
		// Both types marshal from strings and ints only; this cannot
		// happen, but an empty 500 beats a half-written body.
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
