package fhir

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
)

// Validator parses and validates R4 resources with google/fhir/go's
// jsonformat: structure, primitive formats, cardinality, required elements,
// reference target types and value sets bound as code enums. It is safe for
// concurrent use; callers validate bundle entries in parallel because
// validation, not the database, bounds ingest.
type Validator struct {
	pool sync.Pool // of *jsonformat.Unmarshaller
}

// NewValidator returns a Validator.
func NewValidator() (*Validator, error) {
	// Fail early (not on the first request) if the R4 configuration cannot load.
	if _, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4); err != nil {
		return nil, fmt.Errorf("fhir: create R4 unmarshaller: %w", err)
	}
	v := &Validator{}
	v.pool.New = func() any {
		u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
		if err != nil {
			panic(err) // unreachable: the same call succeeded above
		}
		return u
	}
	return v, nil
}

// Validate checks that body is a valid R4 resource. It returns nil or an
// *Error: 400 when the JSON cannot be read as FHIR (syntax, unknown
// elements, wrong types), 422 when it reads but breaks R4 rules (missing
// required elements, wrong reference targets). Each issue names its location.
func (v *Validator) Validate(body []byte) error {
	u := v.pool.Get().(*jsonformat.Unmarshaller)
	defer v.pool.Put(u)
	rep := &issueCollector{}
	_, err := u.UnmarshalWithErrorReporter(body, rep)
	if err != nil {
		// Parse errors stop at the first problem.
		return &Error{Status: http.StatusBadRequest, Issues: issuesFrom(err.Error(), IssueStructure)}
	}
	if len(rep.issues) > 0 {
		return &Error{Status: http.StatusUnprocessableEntity, Issues: rep.issues}
	}
	return nil
}

// issueCollector is a jsonformat errorreporter.ErrorReporter that keeps every
// problem rather than stopping at the first.
type issueCollector struct{ issues []Issue }

func (c *issueCollector) ReportValidationError(path string, err error) error {
	for _, is := range issuesFrom(err.Error(), IssueProcessing) {
		if len(is.Expression) == 0 && path != "" {
			is.Expression = []string{path}
		}
		c.issues = append(c.issues, is)
	}
	return nil
}

func (c *issueCollector) ReportValidationWarning(path string, err error) error {
	for _, is := range issuesFrom(err.Error(), IssueProcessing) {
		is.Severity = SeverityWarning
		c.issues = append(c.issues, is)
	}
	return nil
}

// jsonformat formats errors as `error at "Path": details`, one per line.
// Its messages carry no resource values (it keeps those in a separate
// Diagnostics field that Error() leaves out), so they are safe to return
// and to log.
var errorAt = regexp.MustCompile(`^error at "([^"]*)": (.*)$`)

func issuesFrom(msg string, code IssueType) []Issue {
	var issues []Issue
	for line := range strings.SplitSeq(msg, "\n") {
		if line == "" {
			continue
		}
		is := Issue{Severity: SeverityError, Code: code, Diagnostics: line}
		if m := errorAt.FindStringSubmatch(line); m != nil {
			is.Expression = []string{m[1]}
			is.Diagnostics = m[2]
		}
		switch {
		case strings.Contains(is.Diagnostics, "missing required field"):
			is.Code = IssueRequired
		case strings.Contains(is.Diagnostics, "invalid reference"):
			is.Code = IssueValue
		case strings.Contains(is.Diagnostics, "unknown resource type"):
			is.Code = IssueNotSupported
		}
		issues = append(issues, is)
	}
	return issues
}
