package profile

import (
	"encoding/json"
	"math/big"
)

// jsonEqual reports whether two decoded JSON values are equal; numbers
// compare by value (1.0 = 1), objects regardless of key order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		return ok && numbersEqual(x, y)
	default:
		return a == b
	}
}

// containsPattern reports whether inst matches a pattern[x] value: every
// property of the pattern is present with a matching value, and every
// element of a pattern array matches some element of the instance array.
func containsPattern(inst, pattern any) bool {
	switch p := pattern.(type) {
	case map[string]any:
		m, ok := inst.(map[string]any)
		if !ok {
			return false
		}
		for k, pv := range p {
			if !containsPattern(m[k], pv) {
				return false
			}
		}
		return true
	case []any:
		arr, ok := inst.([]any)
		if !ok {
			return false
		}
		for _, pv := range p {
			found := false
			for _, iv := range arr {
				if containsPattern(iv, pv) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	default:
		return jsonEqual(inst, pattern)
	}
}

func numbersEqual(a, b json.Number) bool {
	x, ok1 := new(big.Rat).SetString(a.String())
	y, ok2 := new(big.Rat).SetString(b.String())
	if !ok1 || !ok2 {
		return a == b
	}
	return x.Cmp(y) == 0
}
