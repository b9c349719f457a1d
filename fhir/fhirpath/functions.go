package fhirpath

import (
	"fmt"
	"regexp"
)

var regexpWrappers = map[string]func(string) string{
	"matches": wrapMatches, "matchesFull": wrapMatchesFull, "replaceMatches": wrapReplaceMatches,
}

// funcImpl evaluates a function call on its input collection; arguments
// are passed unevaluated so that functions like where() can evaluate them
// once per item.
type funcImpl func(c *ctx, in []Value, n *funcNode) ([]Value, error)

type funcDef struct {
	minArgs, maxArgs int
	impl             funcImpl
	// typeArg: the single argument is a type specifier (is, as, ofType).
	typeArg bool
}

// functions is filled by init functions in the funcs_*.go files.
var functions = map[string]funcDef{}

func register(name string, minArgs, maxArgs int, impl funcImpl) {
	functions[name] = funcDef{minArgs: minArgs, maxArgs: maxArgs, impl: impl}
}

type funcNode struct {
	name string
	def  funcDef
	args []node
	typ  typeSpec // for typeArg functions

	// re is the pattern of matches()/replaceMatches() compiled at Compile
	// time when it is a literal; rePattern is its source.
	re        *regexp.Regexp
	rePattern string
}

func newFunc(name string, args []node) (node, error) {
	def, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %s()", name)
	}
	if len(args) < def.minArgs || len(args) > def.maxArgs {
		return nil, fmt.Errorf("%s() takes %d to %d arguments, got %d", name, def.minArgs, def.maxArgs, len(args))
	}
	n := &funcNode{name: name, def: def, args: args}
	if def.typeArg {
		ts, err := typeArgOf(args[0])
		if err != nil {
			return nil, fmt.Errorf("%s(): %w", name, err)
		}
		n.typ = ts
	}
	if wrap := regexpWrappers[name]; wrap != nil {
		if lit, ok := args[0].(*literalNode); ok && len(lit.vals) == 1 {
			if p, ok := lit.vals[0].Data.(string); ok {
				re, err := regexp.Compile(wrap(p))
				if err != nil {
					return nil, fmt.Errorf("%s(): invalid regular expression: %w", name, err)
				}
				n.re, n.rePattern = re, p
			}
		}
	}
	return n, nil
}

// typeArgOf reads a type specifier that the parser saw as a path
// (Patient, FHIR.Patient, System.String).
func typeArgOf(arg node) (typeSpec, error) {
	switch a := arg.(type) {
	case *memberNode:
		return newTypeSpec(a.name)
	case *pathNode:
		l, ok1 := a.left.(*memberNode)
		r, ok2 := a.right.(*memberNode)
		if ok1 && ok2 {
			return newTypeSpec(l.name + "." + r.name)
		}
	}
	return typeSpec{}, fmt.Errorf("argument must be a type name")
}

func (n *funcNode) eval(c *ctx, in []Value) ([]Value, error) {
	out, err := n.def.impl(c, in, n)
	if err != nil {
		return nil, fmt.Errorf("%s(): %w", n.name, err)
	}
	return out, nil
}

// arg evaluates argument i against the current $this (not the function's
// input), as FHIRPath specifies for non-iterating arguments.
func (n *funcNode) arg(c *ctx, i int) ([]Value, error) {
	if i >= len(n.args) {
		return nil, nil
	}
	return n.args[i].eval(c, c.this)
}

// eachItem evaluates argument i once per input item with $this and
// $index set, calling f with each result.
func (n *funcNode) eachItem(c *ctx, in []Value, i int, f func(idx int, item Value, res []Value) error) error {
	saved, savedIdx := c.this, c.index
	defer func() { c.this, c.index = saved, savedIdx }()
	for idx := range in {
		c.this, c.index = in[idx:idx+1:idx+1], idx
		res, err := n.args[i].eval(c, c.this)
		if err != nil {
			return err
		}
		if err := f(idx, in[idx], res); err != nil {
			return err
		}
	}
	return nil
}

// argString evaluates a single-string argument; ok=false when empty.
func (n *funcNode) argString(c *ctx, i int) (string, bool, error) {
	v, err := n.arg(c, i)
	if err != nil || len(v) == 0 {
		return "", false, err
	}
	if len(v) > 1 {
		return "", false, fmt.Errorf("argument %d: expected a single string", i+1)
	}
	s, ok := v[0].str()
	if !ok {
		return "", false, fmt.Errorf("argument %d: expected a string, got %s", i+1, v[0].Type)
	}
	return s, true, nil
}

// argInt evaluates a single-integer argument; ok=false when empty.
func (n *funcNode) argInt(c *ctx, i int) (int64, bool, error) {
	v, err := n.arg(c, i)
	if err != nil || len(v) == 0 {
		return 0, false, err
	}
	x, ok := singleInteger(v)
	if !ok {
		return 0, false, fmt.Errorf("argument %d: expected a single integer", i+1)
	}
	return x, true, nil
}

// single returns the only input item; ok=false for an empty input; more
// than one item is an error.
func single(in []Value) (Value, bool, error) {
	switch len(in) {
	case 0:
		return Value{}, false, nil
	case 1:
		return in[0], true, nil
	}
	return Value{}, false, fmt.Errorf("expected a single item, got %d", len(in))
}

// inputString returns the single string input; ok=false when empty.
func inputString(in []Value) (string, bool, error) {
	v, ok, err := single(in)
	if !ok || err != nil {
		return "", false, err
	}
	s, ok := v.str()
	if !ok {
		return "", false, fmt.Errorf("expected a string, got %s", v.Type)
	}
	return s, true, nil
}
