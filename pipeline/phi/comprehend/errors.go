package comprehend

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Error is a DetectPHI request that failed (after the SDK's retries). Its
// message is built only from the fields below and the kind of failure:
// it never holds the text, nor the service's own message, which might
// quote the text. errors.Is and errors.As see the SDK's error through
// Unwrap (context.Canceled, smithy.APIError, the types' exceptions); do
// not log that error's message.
type Error struct {
	// Chunk is the failed request's number, from 1, of Chunks.
	Chunk, Chunks int
	// Code is the service's error code ("TooManyRequestsException"...),
	// empty when no API error came back or its code held characters that
	// codes do not.
	Code string
	// StatusCode is the HTTP status of the answer, 0 without one.
	StatusCode int
	// RequestID is the service's request ID, when it gave one.
	RequestID string
	// Attempts is how many times the SDK tried, when it gave up after
	// retrying; 0 otherwise.
	Attempts int

	api bool // an API error came back, whether or not Code could be kept
	err error
}

func newError(chunk, chunks int, err error) *Error {
	e := &Error{Chunk: chunk, Chunks: chunks, err: err}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code = safeCode(api.ErrorCode())
		e.api = true
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) {
		e.StatusCode = resp.HTTPStatusCode()
		e.RequestID = safeCode(resp.ServiceRequestID())
	}
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) {
		e.Attempts = maxAttempts.Attempt
	}
	return e
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "comprehend: DetectPHI request %d of %d: ", e.Chunk, e.Chunks)
	b.WriteString(e.kind())
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ", HTTP %d", e.StatusCode)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, ", request ID %s", e.RequestID)
	}
	if e.Attempts != 0 {
		fmt.Fprintf(&b, ", after %d attempts", e.Attempts)
	}
	return b.String()
}

// kind names the failure from a fixed set of words and the sanitized
// error code.
func (e *Error) kind() string {
	var (
		deser *smithy.DeserializationError
		op    *net.OpError
		dns   *net.DNSError
	)
	switch {
	case e.Code != "":
		return "service error " + e.Code
	case e.api:
		return "service error with an unreadable code"
	case errors.Is(e.err, context.Canceled):
		return "context canceled"
	case errors.Is(e.err, context.DeadlineExceeded):
		return "context deadline exceeded"
	case errors.As(e.err, &deser):
		return "unreadable answer"
	case errors.As(e.err, &dns):
		return "cannot resolve the endpoint's host"
	case errors.As(e.err, &op):
		return "cannot reach the endpoint (" + op.Op + ")"
	case e.StatusCode != 0:
		return "HTTP error"
	}
	return "request failed"
}

// Unwrap returns the SDK's error.
func (e *Error) Unwrap() error { return e.err }

// safeCode returns s when it is made only of the characters of error
// codes and request IDs (letters, digits, "-", "_", ".", at most 100), and
// "" otherwise, so that a strange answer cannot put text into the
// message.
func safeCode(s string) string {
	if len(s) > 100 || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return ""
	}
	return s
}
