package fhirpath

import (
	"fmt"
)

// Expression is a compiled FHIRPath expression. It holds no per-evaluation
// state, so one Expression may be evaluated by many goroutines at once.
type Expression struct {
	src  string
	root node
}

// Compile parses a FHIRPath expression once; the result is safe for
// concurrent use. Syntax errors, unknown functions, wrong argument counts,
// unknown type names and names that are no element of any FHIR R4 type
// are reported here rather than at evaluation.
func Compile(expr string) (*Expression, error) {
	root, err := parse(expr)
	if err != nil {
		return nil, fmt.Errorf("fhirpath: compile %q: %w", expr, err)
	}
	return &Expression{src: expr, root: root}, nil
}

// MustCompile is Compile for expressions known to be valid; it panics on error.
func MustCompile(expr string) *Expression {
	e, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the source text of the expression.
func (e *Expression) String() string { return e.src }

// Evaluate evaluates the expression against one resource: decoded FHIR
// JSON (json.Decoder.UseNumber, so numbers are json.Number). The resource
// is the initial focus and %resource/%context. The result is owned by the
// caller; the items' Data may share memory with resource.
func (e *Expression) Evaluate(resource map[string]any) ([]Value, error) {
	rt, _ := resource["resourceType"].(string)
	if rt == "" {
		return nil, fmt.Errorf("fhirpath: evaluate %q: resource has no resourceType", e.src)
	}
	return e.EvaluateValue(Value{Type: rt, Data: resource})
}

// EvaluateValue evaluates the expression with v as the initial focus and
// %resource/%context, for callers whose input is not a whole resource
// (an element already extracted, or a literal).
func (e *Expression) EvaluateValue(v Value) (out []Value, err error) {
	// Evaluation guards every type assertion; this recover is a last line
	// of defence so that a bug on odd input becomes an error, never a
	// crashed indexer.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("fhirpath: evaluate %q: internal error: %v", e.src, r)
		}
	}()
	c := &ctx{root: v, this: []Value{v}}
	out, err = e.root.eval(c, c.this)
	if err != nil {
		return nil, fmt.Errorf("fhirpath: evaluate %q: %w", e.src, err)
	}
	if len(out) == 1 && (&out[0] == &trueColl[0] || &out[0] == &falseColl[0]) {
		out = []Value{out[0]} // shared constants must not escape to callers
	}
	return out, nil
}

// ctx is the state of one evaluation.
type ctx struct {
	root  Value   // %resource, %context
	this  []Value // $this: the focus that terms and function arguments see
	index int     // $index inside iterating functions
	total []Value // $total inside aggregate()
	depth int     // nesting of repeat()/descendants(), to bound work
}
