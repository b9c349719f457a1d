package fhirpath

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
)

type binaryFunc func(a, b []Value) ([]Value, error)

type binaryNode struct {
	op   string
	l, r node
	fn   binaryFunc
}

func (n *binaryNode) eval(c *ctx, focus []Value) ([]Value, error) {
	a, err := n.l.eval(c, focus)
	if err != nil {
		return nil, err
	}
	// Short-circuit the boolean operators when the left side decides.
	if n.op == "and" || n.op == "or" || n.op == "implies" {
		if t, err := toTri(a); err == nil {
			if n.op == "and" && t == triFalse || n.op == "or" && t == triTrue || n.op == "implies" && t == triFalse {
				return boolColl(n.op != "and"), nil
			}
		}
	}
	b, err := n.r.eval(c, focus)
	if err != nil {
		return nil, err
	}
	out, err := n.fn(a, b)
	if err != nil {
		return nil, fmt.Errorf("operator %s: %w", n.op, err)
	}
	return out, nil
}

var binaryOps = map[string]binaryFunc{
	"|":       func(a, b []Value) ([]Value, error) { return union(a, b), nil },
	"=":       opEqual(false),
	"!=":      opEqual(true),
	"~":       func(a, b []Value) ([]Value, error) { return boolColl(collectionsEquivalent(a, b)), nil },
	"!~":      func(a, b []Value) ([]Value, error) { return boolColl(!collectionsEquivalent(a, b)), nil },
	"<":       opCompare(func(c int) bool { return c < 0 }),
	">":       opCompare(func(c int) bool { return c > 0 }),
	"<=":      opCompare(func(c int) bool { return c <= 0 }),
	">=":      opCompare(func(c int) bool { return c >= 0 }),
	"and":     opLogic(logicAnd),
	"or":      opLogic(logicOr),
	"xor":     opLogic(logicXor),
	"implies": opLogic(logicImplies),
	"in":      func(a, b []Value) ([]Value, error) { return membership(a, b) },
	"contains": func(a, b []Value) ([]Value, error) {
		return membership(b, a)
	},
	"&": opConcat,
	"+": opArith("+"), "-": opArith("-"), "*": opArith("*"), "/": opArith("/"),
	"div": opArith("div"), "mod": opArith("mod"),
}

func newBinary(op string, l, r node) (node, error) {
	fn, ok := binaryOps[op]
	if !ok {
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	return &binaryNode{op: op, l: l, r: r, fn: fn}, nil
}

// negNode is unary minus.
type negNode struct{ x node }

func negate(x node) node {
	// Fold negative literals so -1 is a literal, not an operation.
	if l, ok := x.(*literalNode); ok && len(l.vals) == 1 {
		if v, err := negateValue(l.vals[0]); err == nil {
			return &literalNode{vals: []Value{v}}
		}
	}
	return &negNode{x: x}
}

func (n *negNode) eval(c *ctx, focus []Value) ([]Value, error) {
	coll, err := n.x.eval(c, focus)
	if err != nil || len(coll) == 0 {
		return nil, err
	}
	if len(coll) > 1 {
		return nil, fmt.Errorf("unary minus needs a single item")
	}
	v, err := negateValue(coll[0])
	if err != nil {
		return nil, err
	}
	return []Value{v}, nil
}

func negateValue(v Value) (Value, error) {
	if i, ok := v.integer(); ok {
		return intValue(-i), nil
	}
	if n, ok := v.number(); ok {
		return decValue(negText(n)), nil
	}
	if q, ok := v.quantity(); ok {
		return Value{Type: SystemQuantity, Data: Quantity{Value: negText(q.Value), Unit: q.Unit}}, nil
	}
	return Value{}, fmt.Errorf("cannot negate %s", v.Type)
}

func negText(n json.Number) json.Number {
	if s, ok := strings.CutPrefix(string(n), "-"); ok {
		return json.Number(s)
	}
	return "-" + n
}

func union(a, b []Value) []Value {
	out := make([]Value, 0, len(a)+len(b))
	for _, src := range [][]Value{a, b} {
		for _, v := range src {
			if !containsItem(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func containsItem(coll []Value, v Value) bool {
	for _, x := range coll {
		if equalItems(x, v) == triTrue {
			return true
		}
	}
	return false
}

func opEqual(negate bool) binaryFunc {
	return func(a, b []Value) ([]Value, error) {
		if len(a) == 0 || len(b) == 0 {
			return nil, nil
		}
		switch collectionsEqual(a, b) {
		case triTrue:
			return boolColl(!negate), nil
		case triFalse:
			return boolColl(negate), nil
		}
		return nil, nil
	}
}

func opCompare(test func(int) bool) binaryFunc {
	return func(a, b []Value) ([]Value, error) {
		if len(a) == 0 || len(b) == 0 {
			return nil, nil
		}
		if len(a) > 1 || len(b) > 1 {
			return nil, fmt.Errorf("comparison needs single items")
		}
		c, ok, err := compareItems(a[0], b[0])
		if err != nil || !ok {
			return nil, err
		}
		return boolColl(test(c)), nil
	}
}

// toTri converts a collection to a boolean by FHIRPath's singleton rules.
func toTri(coll []Value) (tri, error) {
	switch len(coll) {
	case 0:
		return triUnknown, nil
	case 1:
		if b, ok := coll[0].boolean(); ok {
			return triOf(b), nil
		}
		return triTrue, nil // a single non-boolean item counts as true
	}
	return triUnknown, fmt.Errorf("expected a single boolean, got %d items", len(coll))
}

func triColl(t tri) []Value {
	if t == triUnknown {
		return nil
	}
	return boolColl(t == triTrue)
}

func logicAnd(a, b tri) tri {
	switch {
	case a == triFalse || b == triFalse:
		return triFalse
	case a == triTrue && b == triTrue:
		return triTrue
	}
	return triUnknown
}

func logicOr(a, b tri) tri {
	switch {
	case a == triTrue || b == triTrue:
		return triTrue
	case a == triFalse && b == triFalse:
		return triFalse
	}
	return triUnknown
}

func logicXor(a, b tri) tri {
	if a == triUnknown || b == triUnknown {
		return triUnknown
	}
	return triOf(a != b)
}

func logicImplies(a, b tri) tri {
	switch {
	case a == triFalse || b == triTrue:
		return triTrue
	case a == triTrue:
		return b
	}
	return triUnknown
}

func opLogic(f func(a, b tri) tri) binaryFunc {
	return func(a, b []Value) ([]Value, error) {
		ta, err := toTri(a)
		if err != nil {
			return nil, err
		}
		tb, err := toTri(b)
		if err != nil {
			return nil, err
		}
		return triColl(f(ta, tb)), nil
	}
}

func membership(item, coll []Value) ([]Value, error) {
	switch len(item) {
	case 0:
		return nil, nil
	case 1:
		return boolColl(containsItem(coll, item[0])), nil
	}
	return nil, fmt.Errorf("membership needs a single item, got %d", len(item))
}

func opConcat(a, b []Value) ([]Value, error) {
	sa, err := optString(a)
	if err != nil {
		return nil, err
	}
	sb, err := optString(b)
	if err != nil {
		return nil, err
	}
	return []Value{strValue(sa + sb)}, nil
}

// optString reads an optional single string (” when empty).
func optString(coll []Value) (string, error) {
	switch len(coll) {
	case 0:
		return "", nil
	case 1:
		if s, ok := coll[0].str(); ok {
			return s, nil
		}
		return "", fmt.Errorf("expected a string, got %s", coll[0].Type)
	}
	return "", fmt.Errorf("expected a single string, got %d items", len(coll))
}

func opArith(op string) binaryFunc {
	return func(a, b []Value) ([]Value, error) {
		if len(a) == 0 || len(b) == 0 {
			return nil, nil
		}
		if len(a) > 1 || len(b) > 1 {
			return nil, fmt.Errorf("arithmetic needs single items")
		}
		return arith(op, a[0], b[0])
	}
}

func arith(op string, x, y Value) ([]Value, error) {
	kx, ky := x.kind(), y.kind()
	switch {
	case kx == kInteger && ky == kInteger && op != "/":
		i, _ := x.integer()
		j, _ := y.integer()
		return intArith(op, i, j)
	case isNumeric(kx) && isNumeric(ky):
		nx, _ := x.number()
		ny, _ := y.number()
		return decArith(op, nx, ny)
	case kx == kString && ky == kString && op == "+":
		s, _ := x.str()
		t, _ := y.str()
		return []Value{strValue(s + t)}, nil
	case isTemporal(kx) && ky == kQuantity && (op == "+" || op == "-"):
		return dateArith(op, x, y)
	case kx == kQuantity && ky == kQuantity && (op == "+" || op == "-"):
		qx, _ := x.quantity()
		qy, _ := y.quantity()
		if normUnit(qx.Unit) != normUnit(qy.Unit) {
			return nil, fmt.Errorf("cannot add quantities in %q and %q", qx.Unit, qy.Unit)
		}
		r, err := decArith(op, qx.Value, qy.Value)
		if err != nil || len(r) == 0 {
			return r, err
		}
		return []Value{{Type: SystemQuantity, Data: Quantity{Value: r[0].Data.(json.Number), Unit: qx.Unit}}}, nil
	case kx == kQuantity && isNumeric(ky) && (op == "*" || op == "/"):
		qx, _ := x.quantity()
		ny, _ := y.number()
		r, err := decArith(op, qx.Value, ny)
		if err != nil || len(r) == 0 {
			return r, err
		}
		return []Value{{Type: SystemQuantity, Data: Quantity{Value: r[0].Data.(json.Number), Unit: qx.Unit}}}, nil
	}
	return nil, fmt.Errorf("cannot apply %s to %s and %s", op, x.Type, y.Type)
}

func intArith(op string, i, j int64) ([]Value, error) {
	var r int64
	switch op {
	case "+":
		r = i + j
		if (r > i) != (j > 0) {
			return nil, fmt.Errorf("integer overflow")
		}
	case "-":
		r = i - j
		if (r < i) != (j > 0) {
			return nil, fmt.Errorf("integer overflow")
		}
	case "*":
		if i != 0 && j != 0 && (i*j/j != i || i == math.MinInt64 || j == math.MinInt64) {
			return nil, fmt.Errorf("integer overflow")
		}
		r = i * j
	case "div", "mod":
		if j == 0 {
			return nil, nil // division by zero is empty
		}
		if op == "div" {
			r = i / j
		} else {
			r = i % j
		}
	}
	return []Value{intValue(r)}, nil
}

// divScale is the number of decimal places kept by inexact division.
const divScale = 8

func decArith(op string, a, b json.Number) ([]Value, error) {
	ra, ok1 := parseRat(a)
	rb, ok2 := parseRat(b)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("invalid decimal")
	}
	sa, sb := scaleOf(a), scaleOf(b)
	r := new(big.Rat)
	scale := max(sa, sb)
	switch op {
	case "+":
		r.Add(ra, rb)
	case "-":
		r.Sub(ra, rb)
	case "*":
		r.Mul(ra, rb)
		scale = sa + sb
	case "/", "div", "mod":
		if rb.Sign() == 0 {
			return nil, nil
		}
		r.Quo(ra, rb)
		switch op {
		case "div":
			q := new(big.Int).Quo(r.Num(), r.Denom())
			return []Value{intValue(q.Int64())}, nil
		case "mod":
			q := new(big.Int).Quo(r.Num(), r.Denom())
			r.Sub(ra, new(big.Rat).Mul(rb, new(big.Rat).SetInt(q)))
		default:
			return []Value{decValue(formatRat(r, divScale))}, nil
		}
	}
	return []Value{decValue(json.Number(r.FloatString(scale)))}, nil
}

// formatRat prints r with at most maxScale decimals and no trailing zeros
// beyond one decimal place.
func formatRat(r *big.Rat, maxScale int) json.Number {
	s := r.FloatString(maxScale)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
	}
	return json.Number(s)
}

// dateArith adds or subtracts a time-valued quantity to a date, dateTime
// or time, keeping the precision of the temporal value.
func dateArith(op string, d, q Value) ([]Value, error) {
	t, ok := temporalOf(d)
	if !ok {
		return nil, fmt.Errorf("invalid %s", d.Type)
	}
	qq, _ := q.quantity()
	amount, err := qq.Value.Int64()
	if err != nil {
		f, err := qq.Value.Float64()
		if err != nil {
			return nil, fmt.Errorf("invalid quantity")
		}
		amount = int64(f) // partial units are dropped
	}
	if op == "-" {
		amount = -amount
	}
	k := d.kind()
	off := 0
	if k == kTime {
		off = 3
	}
	var c [7]int
	copy(c[off:], t.c[:7-off])
	tm := time.Date(c[0], time.Month(max(c[1], 1)), max(c[2], 1), c[3], c[4], c[5], c[6]*int(time.Millisecond), time.UTC)
	n := int(amount)
	switch normUnit(qq.Unit) {
	// UCUM 'a' and 'mo' are not calendar units: adding them is an error.
	case "year":
		tm = tm.AddDate(n, 0, 0)
	case "month":
		tm = tm.AddDate(0, n, 0)
	case "wk":
		tm = tm.AddDate(0, 0, 7*n)
	case "d":
		tm = tm.AddDate(0, 0, n)
	case "h":
		tm = tm.Add(time.Duration(n) * time.Hour)
	case "min":
		tm = tm.Add(time.Duration(n) * time.Minute)
	case "s":
		tm = tm.Add(time.Duration(n) * time.Second)
	case "ms":
		tm = tm.Add(time.Duration(n) * time.Millisecond)
	default:
		return nil, fmt.Errorf("cannot add %q to a %s", qq.Unit, d.Type)
	}
	c = [7]int{tm.Year(), int(tm.Month()), tm.Day(), tm.Hour(), tm.Minute(), tm.Second(), tm.Nanosecond() / int(time.Millisecond)}
	copy(t.c[:7-off], c[off:])
	typ := kindNames[k]
	return []Value{{Type: typ, Data: t.format(k)}}, nil
}
