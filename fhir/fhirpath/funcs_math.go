package fhirpath

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

var ratOne = big.NewRat(1, 1)

// Math functions. Integer-valued results (ceiling, floor, truncate) are
// computed exactly; transcendental ones in float64.
func init() {
	register("abs", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		v, ok, err := single(in)
		if !ok || err != nil {
			return nil, err
		}
		switch v.kind() {
		case kInteger:
			i, _ := v.integer()
			if i < 0 {
				i = -i
			}
			return []Value{intValue(i)}, nil
		case kDecimal:
			n, _ := v.number()
			if n != "" && n[0] == '-' {
				n = n[1:]
			}
			return []Value{decValue(n)}, nil
		case kQuantity:
			q, _ := v.quantity()
			if q.Value != "" && q.Value[0] == '-' {
				q.Value = q.Value[1:]
			}
			return []Value{{Type: SystemQuantity, Data: q}}, nil
		}
		return nil, fmt.Errorf("expected a number, got %s", v.Type)
	})
	register("ceiling", 0, 0, integerRound(func(r *big.Rat) *big.Int {
		q := floorRat(r)
		if !r.IsInt() {
			q.Add(q, big.NewInt(1))
		}
		return q
	}))
	register("floor", 0, 0, integerRound(floorRat))
	register("truncate", 0, 0, integerRound(func(r *big.Rat) *big.Int { return new(big.Int).Quo(r.Num(), r.Denom()) }))
	register("round", 0, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		r, ok, err := singleRat(in)
		if !ok || err != nil {
			return nil, err
		}
		prec := int64(0)
		if len(n.args) > 0 {
			p, ok, err := n.argInt(c, 0)
			if err != nil || !ok {
				return nil, err
			}
			if p < 0 {
				return nil, fmt.Errorf("precision must be >= 0")
			}
			prec = p
		}
		return []Value{decValue(json.Number(r.FloatString(int(prec))))}, nil
	})
	register("sqrt", 0, 0, floatFunc(func(x float64) float64 { return math.Sqrt(x) }))
	register("exp", 0, 0, floatFunc(math.Exp))
	register("ln", 0, 0, floatFunc(math.Log))
	register("log", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		base, ok, err := n.argFloat(c, 0)
		if !ok || err != nil {
			return nil, err
		}
		return floatFunc(func(x float64) float64 { return math.Log(x) / math.Log(base) })(c, in, n)
	})
	register("power", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		v, ok, err := single(in)
		if !ok || err != nil {
			return nil, err
		}
		e, err := n.arg(c, 0)
		if err != nil || len(e) == 0 {
			return nil, err
		}
		if len(e) > 1 {
			return nil, errNotSingle
		}
		if b, ok := v.integer(); ok {
			if x, ok := e[0].integer(); ok && x >= 0 {
				r := new(big.Int).Exp(big.NewInt(b), big.NewInt(x), nil)
				if r.IsInt64() {
					return []Value{intValue(r.Int64())}, nil
				}
				return nil, fmt.Errorf("integer overflow")
			}
		}
		return floatFunc(func(x float64) float64 {
			f, _ := floatOf(e[0])
			return math.Pow(x, f)
		})(c, in, n)
	})
}

func floorRat(r *big.Rat) *big.Int {
	// Euclidean division floors when the divisor (a Rat's denominator) is positive.
	q, _ := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	return q
}

func singleRat(in []Value) (*big.Rat, bool, error) {
	v, ok, err := single(in)
	if !ok || err != nil {
		return nil, false, err
	}
	n, ok := v.number()
	if !ok {
		return nil, false, fmt.Errorf("expected a number, got %s", v.Type)
	}
	r, ok := parseRat(n)
	if !ok {
		return nil, false, fmt.Errorf("invalid number %s", n)
	}
	return r, true, nil
}

func integerRound(f func(*big.Rat) *big.Int) funcImpl {
	return func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		r, ok, err := singleRat(in)
		if !ok || err != nil {
			return nil, err
		}
		i := f(r)
		if !i.IsInt64() {
			return nil, fmt.Errorf("integer overflow")
		}
		return []Value{intValue(i.Int64())}, nil
	}
}

func floatOf(v Value) (float64, bool) {
	n, ok := v.number()
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func (n *funcNode) argFloat(c *ctx, i int) (float64, bool, error) {
	v, err := n.arg(c, i)
	if err != nil || len(v) == 0 {
		return 0, false, err
	}
	if len(v) > 1 {
		return 0, false, errNotSingle
	}
	f, ok := floatOf(v[0])
	if !ok {
		return 0, false, fmt.Errorf("argument %d: expected a number", i+1)
	}
	return f, true, nil
}

// floatFunc applies f to a single number; NaN and infinities are empty.
func floatFunc(f func(float64) float64) funcImpl {
	return func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		v, ok, err := single(in)
		if !ok || err != nil {
			return nil, err
		}
		x, ok := floatOf(v)
		if !ok {
			return nil, fmt.Errorf("expected a number, got %s", v.Type)
		}
		r := f(x)
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, nil
		}
		return []Value{decValue(json.Number(strconv.FormatFloat(r, 'f', -1, 64)))}, nil
	}
}
