package document

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/vault"
)

// A job's error is stored (the job's LastError, a failed Task's
// statusReason, the worker's log), and those must never carry document
// content. Errors from below the pipeline can: the engine's validation
// diagnostics quote values, a parser's error may quote bytes, a
// post-redaction stage may return anything. So the stored text is built
// from fixed vocabularies only:
//
//   - permanent: the pipeline's own messages, which name ids and numbers
//     and never content;
//   - *extract.Error: the extractor's error code, with a fixed sentence
//     per code (its Reason and cause are not used: some quote names
//     taken from the file);
//   - anything else: the stage it happened in and an error class (an
//     HTTP status and issue code, a store or context condition, a Go
//     type name), never its text.

// permanent is a failure retrying cannot fix, with one of the pipeline's
// own messages. msg must hold ids and numbers only, never a value read
// from the document (or from a resource, or from an error).
type permanent struct{ msg string }

func (e permanent) Error() string   { return e.msg }
func (e permanent) Permanent() bool { return true }

// stageError is an error of unknown text met in one stage of processing.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return "document: " + e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// stageErr wraps err (nil stays nil) with the stage it happened in.
func stageErr(stage string, err error) error {
	if err == nil {
		return nil
	}
	return &stageError{stage: stage, err: err}
}

// jobError is what Handle returns: safe text, whether to retry, and the
// cause for errors.Is and errors.As (never for printing).
type jobError struct {
	msg       string
	permanent bool
	err       error
}

func (e *jobError) Error() string   { return e.msg }
func (e *jobError) Unwrap() error   { return e.err }
func (e *jobError) Permanent() bool { return e.permanent }

// extractReasons are the fixed sentences for the extractor's codes.
var extractReasons = map[string]string{
	extract.CodeUnsupportedType:   "the document's type is not supported",
	extract.CodeTooLarge:          "the document is over a size limit",
	extract.CodeTooManyPages:      "the document has more pages than allowed",
	extract.CodeDecompressionBomb: "the document expands past the decompressed size limit",
	extract.CodeCorrupt:           "the document is damaged or malformed",
	extract.CodeTimeout:           "text extraction did not finish in time",
	extract.CodeCanceled:          "text extraction was canceled",
	extract.CodeOCRUnavailable:    "OCR is unavailable or failed",
	extract.CodeInternal:          "text extraction failed",
}

// safeError turns any processing error into a jobError whose text may be
// stored and logged.
func safeError(err error) *jobError {
	if je, ok := errors.AsType[*jobError](err); ok {
		return je
	}
	if xe, ok := errors.AsType[*extract.Error](err); ok {
		why, known := extractReasons[xe.Code]
		if !known {
			why = "text extraction failed"
		}
		return &jobError{msg: "extract: " + xe.Code + ": " + why, permanent: xe.Permanent(), err: err}
	}
	if pe, ok := errors.AsType[permanent](err); ok {
		return &jobError{msg: pe.msg, permanent: true, err: err}
	}
	stage := "processing"
	if se, ok := errors.AsType[*stageError](err); ok {
		stage = se.stage
	}
	perm := false
	var p interface{ Permanent() bool }
	if errors.As(err, &p) {
		perm = p.Permanent()
	}
	return &jobError{msg: fmt.Sprintf("document: %s failed (%s)", stage, errorClass(err)), permanent: perm, err: err}
}

// errorClass names what kind of error err is without quoting it.
func errorClass(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, store.ErrLeaseLost):
		return "lease lost"
	case errors.Is(err, store.ErrConflict):
		return "store conflict"
	case errors.Is(err, store.ErrNotFound):
		return "not found"
	case errors.Is(err, vault.ErrInvalid):
		return "vault: invalid argument"
	}
	if fe, ok := errors.AsType[*fhir.Error](err); ok {
		class := fmt.Sprintf("HTTP %d", fe.Status)
		if len(fe.Issues) > 0 {
			class += " " + string(fe.Issues[0].Code)
		}
		if fe.Status >= 500 && fe.Unwrap() != nil {
			class += ", " + innermostType(fe.Unwrap())
		}
		return class
	}
	return http.StatusText(http.StatusInternalServerError) + ", " + innermostType(err)
}

// innermostType is the Go type of the deepest error in err's chain (the
// first branch of a joined error): "*net.OpError", say.
func innermostType(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
				next = j.Unwrap()[0]
			}
		}
		if next == nil {
			return fmt.Sprintf("%T", err)
		}
		err = next
	}
}
