// Package errs holds vigil's domain errors. Every package returns these codes
// at its boundary so that transports (HTTP, MQTT, the CLI) map them from one
// table. A message in an Error is safe to show to the caller: it never holds a
// secret, a token, a key or personal data in clear.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers.
type Code string

// The codes vigil uses. Transports map each to a status.
const (
	Invalid         Code = "invalid"          // the request is malformed or breaks a rule
	NotFound        Code = "not_found"        // no such object, or not visible to the caller
	Conflict        Code = "conflict"         // the object exists or changed meanwhile
	Unauthenticated Code = "unauthenticated"  // no valid credential
	Forbidden       Code = "forbidden"        // authenticated but not allowed
	RateLimited     Code = "rate_limited"     // too many attempts; retry later
	Locked          Code = "locked"           // the credential is locked after failures
	TooLarge        Code = "too_large"        // the body or payload is over the limit
	HeaderTooLarge  Code = "header_too_large" // the request's header fields are over the limit
	MFARequired     Code = "mfa_required"     // a second factor is needed first
	Gone            Code = "gone"             // the object was destroyed (for example a shredded key)
	Unavailable     Code = "unavailable"      // a dependency is down; retry later
	Internal        Code = "internal"         // a bug or an unexpected failure
)

// ConsentRequired says a material change of a notice awaits the person's
// acceptance before the feature it governs works for them again.
const ConsentRequired Code = "consent_required"

// Error is a domain error with a code and a message safe for the caller.
type Error struct {
	Code    Code
	Message string
	Err     error // the cause, for logs; never shown to callers
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// E returns an Error with code and a formatted message.
func E(code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error with code and message that keeps err as its cause.
func Wrap(err error, code Code, format string, args ...any) error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first Error in err's chain, or Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// MessageOf returns the caller-safe message of err's first Error, or a
// generic text for unknown errors.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }
