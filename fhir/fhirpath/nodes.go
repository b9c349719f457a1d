package fhirpath

import (
	"fmt"
)

// node is one element of a compiled expression. eval receives the focus:
// for terms the current $this, for the right side of a '.' the result of
// the left side.
type node interface {
	eval(c *ctx, focus []Value) ([]Value, error)
}

type literalNode struct{ vals []Value }

func (n *literalNode) eval(*ctx, []Value) ([]Value, error) { return n.vals, nil }

type thisNode struct{}

func (thisNode) eval(c *ctx, _ []Value) ([]Value, error) { return c.this, nil }

type indexVarNode struct{}

func (indexVarNode) eval(c *ctx, _ []Value) ([]Value, error) {
	return []Value{intValue(int64(c.index))}, nil
}

type totalNode struct{}

func (totalNode) eval(c *ctx, _ []Value) ([]Value, error) { return c.total, nil }

// varNode is an environment variable (%resource, %ucum, ...).
type varNode struct{ name string }

func (n *varNode) eval(c *ctx, _ []Value) ([]Value, error) {
	switch n.name {
	case "resource", "context", "rootResource":
		return []Value{c.root}, nil
	}
	if s, ok := constantVar(n.name); ok {
		return []Value{strValue(s)}, nil
	}
	return nil, fmt.Errorf("unknown variable %%%s", n.name)
}

// constantVar resolves the constant environment variables of FHIR's
// FHIRPath profile.
func constantVar(name string) (string, bool) {
	switch name {
	case "ucum":
		return "http://unitsofmeasure.org", true
	case "sct":
		return "http://snomed.info/sct", true
	case "loinc":
		return "http://loinc.org", true
	}
	if len(name) > 4 && name[:4] == "ext-" {
		return "http://hl7.org/fhir/StructureDefinition/" + name[4:], true
	}
	if len(name) > 3 && name[:3] == "vs-" {
		return "http://hl7.org/fhir/ValueSet/" + name[3:], true
	}
	return "", false
}

type pathNode struct{ left, right node }

func (n *pathNode) eval(c *ctx, focus []Value) ([]Value, error) {
	l, err := n.left.eval(c, focus)
	if err != nil {
		return nil, err
	}
	return n.right.eval(c, l)
}

type indexerNode struct{ x, index node }

func (n *indexerNode) eval(c *ctx, focus []Value) ([]Value, error) {
	coll, err := n.x.eval(c, focus)
	if err != nil {
		return nil, err
	}
	idx, err := n.index.eval(c, c.this)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, nil
	}
	i, ok := singleInteger(idx)
	if !ok {
		return nil, fmt.Errorf("indexer: index must be a single integer")
	}
	if i < 0 || i >= int64(len(coll)) {
		return nil, nil
	}
	return coll[i : i+1 : i+1], nil
}

// typeOpNode is the `is` and `as` operators.
type typeOpNode struct {
	op  string
	x   node
	typ typeSpec
}

func (n *typeOpNode) eval(c *ctx, focus []Value) ([]Value, error) {
	coll, err := n.x.eval(c, focus)
	if err != nil {
		return nil, err
	}
	if n.op == "as" {
		// Strictly `as` wants one item; filtering like ofType() keeps
		// search expressions such as (Observation.component.value as
		// Quantity) usable on repeating elements, as other engines do.
		return filterType(coll, n.typ), nil
	}
	switch len(coll) {
	case 0:
		return nil, nil
	case 1:
		return boolColl(n.typ.matches(coll[0])), nil
	}
	return nil, fmt.Errorf("'is' needs a single item, got %d", len(coll))
}

func filterType(coll []Value, ts typeSpec) []Value {
	var out []Value
	for _, v := range coll {
		if ts.matches(v) {
			out = append(out, v)
		}
	}
	return out
}

func singleInteger(coll []Value) (int64, bool) {
	if len(coll) != 1 {
		return 0, false
	}
	return coll[0].integer()
}
