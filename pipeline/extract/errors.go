package extract

import (
	"context"
	"errors"
	"fmt"
)

// Error codes. The first six are the document's fault: the Task that carried
// it should fail with the Reason, and retrying the same bytes cannot help.
// The others are about the run (deadline, shutdown, missing OCR engine, a bug)
// and may succeed later; Permanent tells the two apart.
const (
	CodeUnsupportedType   = "unsupported-type"
	CodeTooLarge          = "too-large"
	CodeTooManyPages      = "too-many-pages"
	CodeDecompressionBomb = "decompression-bomb"
	CodeCorrupt           = "corrupt"
	CodeTimeout           = "timeout"
	CodeCanceled          = "canceled"
	CodeOCRUnavailable    = "ocr-unavailable"
	CodeInternal          = "internal"
)

// Error is every error Extract returns. Reason is written for a person (it
// ends up in a failed Task's status), Code for a program; Err, when set, is
// the underlying cause and is reachable with errors.Is and errors.As.
type Error struct {
	Code   string
	Reason string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("extract: %s: %s: %v", e.Code, e.Reason, e.Err)
	}
	return fmt.Sprintf("extract: %s: %s", e.Code, e.Reason)
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether the error is caused by the document itself, so a
// worker can fail the Task instead of retrying it. A timeout counts as
// permanent: the same bytes take as long the next time.
func (e *Error) Permanent() bool {
	switch e.Code {
	case CodeUnsupportedType, CodeTooLarge, CodeTooManyPages, CodeDecompressionBomb, CodeCorrupt, CodeTimeout:
		return true
	}
	return false
}

func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...)}
}

func wrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Reason: fmt.Sprintf(format, args...), Err: err}
}

// ctxError turns a done context into the matching *Error, or returns nil while
// the context is still live.
func ctxError(ctx context.Context) *Error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return wrapError(CodeTimeout, err, "extraction did not finish before its deadline")
	}
	return wrapError(CodeCanceled, err, "extraction was canceled")
}

// asError makes any error an *Error: ours pass through, a done context wins
// over whatever a parser said about being interrupted, and anything else is
// attributed to the document with code.
func asError(ctx context.Context, err error, code, format string, args ...any) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if ce := ctxError(ctx); ce != nil {
		return ce
	}
	return wrapError(code, err, format, args...)
}
