package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// IssueType is an OperationOutcome.issue.code (FHIR value set issue-type).
type IssueType string

// Issue types Kiln reports.
const (
	IssueInvalid         IssueType = "invalid"
	IssueStructure       IssueType = "structure"
	IssueRequired        IssueType = "required"
	IssueValue           IssueType = "value"
	IssueProcessing      IssueType = "processing"
	IssueNotSupported    IssueType = "not-supported"
	IssueDuplicate       IssueType = "duplicate"
	IssueMultipleMatches IssueType = "multiple-matches"
	IssueNotFound        IssueType = "not-found"
	IssueDeleted         IssueType = "deleted"
	IssueConflict        IssueType = "conflict"
	IssueTooCostly       IssueType = "too-costly"
	IssueException       IssueType = "exception"
	IssueInformational   IssueType = "informational"
	IssueSecurity        IssueType = "security"
	IssueForbidden       IssueType = "forbidden"
	IssueLogin           IssueType = "login"
	IssueThrottled       IssueType = "throttled"
	IssueBusinessRule    IssueType = "business-rule"
)

// Severity is an OperationOutcome.issue.severity.
type Severity string

// Severities.
const (
	SeverityFatal       Severity = "fatal"
	SeverityError       Severity = "error"
	SeverityWarning     Severity = "warning"
	SeverityInformation Severity = "information"
)

// Issue is one OperationOutcome.issue.
type Issue struct {
	Severity    Severity  `json:"severity"`
	Code        IssueType `json:"code"`
	Diagnostics string    `json:"diagnostics,omitempty"`
	Expression  []string  `json:"expression,omitempty"`
}

// OperationOutcome is the FHIR resource of that name, reduced to what Kiln emits.
type OperationOutcome struct {
	Issues []Issue
}

// MarshalJSON renders the resource with its resourceType first.
func (o OperationOutcome) MarshalJSON() ([]byte, error) {
	issues := o.Issues
	if len(issues) == 0 {
		// A FHIR OperationOutcome needs at least one issue.
		issues = []Issue{{Severity: SeverityInformation, Code: IssueInformational, Diagnostics: "All OK"}}
	}
	return json.Marshal(struct {
		ResourceType string  `json:"resourceType"`
		Issue        []Issue `json:"issue"`
	}{"OperationOutcome", issues})
}

// Error is a failed FHIR interaction: the HTTP status the spec asks for and
// the issues that explain it. Its messages are written for the client and
// must never carry resource content (they may be logged).
type Error struct {
	Status int
	Issues []Issue
	cause  error
}

// Errorf returns an Error with one issue of severity error.
func Errorf(status int, code IssueType, format string, args ...any) *Error {
	return &Error{Status: status, Issues: []Issue{{
		Severity:    SeverityError,
		Code:        code,
		Diagnostics: fmt.Sprintf(format, args...),
	}}}
}

// NewError returns an Error with the given issues (a validator's findings).
func NewError(status int, issues ...Issue) *Error {
	return &Error{Status: status, Issues: issues}
}

// WithExpression sets the FHIRPath location of the first issue.
func (e *Error) WithExpression(expr ...string) *Error {
	if len(e.Issues) > 0 {
		e.Issues[0].Expression = expr
	}
	return e
}

// Wrap records the internal cause (for logs and errors.Is) without showing it to clients.
func (e *Error) Wrap(cause error) *Error {
	e.cause = cause
	return e
}

func (e *Error) Error() string {
	msgs := make([]string, 0, len(e.Issues))
	for _, is := range e.Issues {
		msg := is.Diagnostics
		if len(is.Expression) > 0 {
			msg = strings.Join(is.Expression, ",") + ": " + msg
		}
		msgs = append(msgs, msg)
	}
	s := fmt.Sprintf("%d %s", e.Status, strings.Join(msgs, "; "))
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.cause }

// Outcome returns the OperationOutcome a client receives.
func (e *Error) Outcome() OperationOutcome { return OperationOutcome{Issues: e.Issues} }

// AsError returns err as an *Error. Errors that are not already FHIR errors
// are internal failures: the client sees a 500 with a generic message and
// the cause is kept for the log.
func AsError(err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	return Errorf(http.StatusInternalServerError, IssueException, "internal server error").Wrap(err)
}

// InEntry returns a copy of e located in Bundle entry i: expressions move
// under Bundle.entry[i].resource and diagnostics name the entry.
func (e *Error) InEntry(i int) *Error {
	out := &Error{Status: e.Status, cause: e.cause, Issues: make([]Issue, len(e.Issues))}
	for j, is := range e.Issues {
		if len(is.Expression) > 0 {
			exprs := make([]string, len(is.Expression))
			for k, x := range is.Expression {
				exprs[k] = fmt.Sprintf("Bundle.entry[%d].resource.%s", i, x)
			}
			is.Expression = exprs
		}
		is.Diagnostics = fmt.Sprintf("Bundle.entry[%d]: %s", i, is.Diagnostics)
		out.Issues[j] = is
	}
	return out
}
