package fhirpath

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// tri is a three-valued logic result: FHIRPath answers "unknown" (an
// empty collection) when, e.g., two dates have different precisions.
type tri int8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// equalItems implements = for single items.
func equalItems(a, b Value) tri {
	ka, kb := a.kind(), b.kind()
	switch {
	case ka == kString && kb == kString:
		sa, _ := a.Data.(string)
		sb, _ := b.Data.(string)
		return triOf(sa == sb)
	case isNumeric(ka) && isNumeric(kb):
		c, ok := compareNumbers(a, b)
		return triOf(ok && c == 0)
	case ka == kBoolean && kb == kBoolean:
		x, _ := a.boolean()
		y, _ := b.boolean()
		return triOf(x == y)
	case isTemporal(ka) && isTemporal(kb):
		if (ka == kTime) != (kb == kTime) {
			return triFalse
		}
		ta, okA := temporalOf(a)
		tb, okB := temporalOf(b)
		if !okA || !okB {
			return triFalse
		}
		c, ok := compareTemporal(ta, tb, ka == kTime)
		if !ok {
			return triUnknown
		}
		return triOf(c == 0)
	case ka == kQuantity && kb == kQuantity:
		c, ok := compareQuantities(a, b)
		if !ok {
			if calendarVsUCUM(a, b) {
				return triUnknown
			}
			return triFalse
		}
		return triOf(c == 0)
	case ka == kNone && kb == kNone:
		return triOf(jsonEqual(a.Data, b.Data))
	}
	return triFalse
}

// equivalentItems implements ~ for single items.
func equivalentItems(a, b Value) bool {
	ka, kb := a.kind(), b.kind()
	switch {
	case ka == kString && kb == kString:
		sa, _ := a.Data.(string)
		sb, _ := b.Data.(string)
		return normalizeSpace(sa) == normalizeSpace(sb)
	case isNumeric(ka) && isNumeric(kb):
		// Compare at the precision of the less precise operand.
		na, _ := a.number()
		nb, _ := b.number()
		s := min(scaleOf(na), scaleOf(nb))
		ra, ok1 := parseRat(na)
		rb, ok2 := parseRat(nb)
		return ok1 && ok2 && roundRat(ra, s).Cmp(roundRat(rb, s)) == 0
	case isTemporal(ka) && isTemporal(kb):
		return equalItems(a, b) == triTrue
	}
	return equalItems(a, b) == triTrue
}

func normalizeSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// compareItems implements < > <= >= ordering; ok=false means the result
// is unknown (empty); an error means the operands cannot be compared.
func compareItems(a, b Value) (c int, ok bool, err error) {
	ka, kb := a.kind(), b.kind()
	switch {
	case ka == kString && kb == kString:
		sa, _ := a.Data.(string)
		sb, _ := b.Data.(string)
		return strings.Compare(sa, sb), true, nil
	case isNumeric(ka) && isNumeric(kb):
		c, ok := compareNumbers(a, b)
		if !ok {
			return 0, false, fmt.Errorf("invalid number")
		}
		return c, true, nil
	case isTemporal(ka) && isTemporal(kb) && (ka == kTime) == (kb == kTime):
		ta, okA := temporalOf(a)
		tb, okB := temporalOf(b)
		if !okA || !okB {
			return 0, false, fmt.Errorf("invalid date/time")
		}
		c, ok := compareTemporal(ta, tb, ka == kTime)
		return c, ok, nil
	case ka == kQuantity && kb == kQuantity:
		c, ok := compareQuantities(a, b)
		if !ok {
			return 0, false, fmt.Errorf("cannot compare quantities with different units")
		}
		return c, true, nil
	}
	return 0, false, fmt.Errorf("cannot compare %s with %s", a.Type, b.Type)
}

func isNumeric(k kind) bool  { return k == kInteger || k == kDecimal }
func isTemporal(k kind) bool { return k == kDate || k == kDateTime || k == kTime }

func temporalOf(v Value) (temporalValue, bool) {
	s, k, ok := v.temporal()
	if !ok {
		return temporalValue{}, false
	}
	return parseTemporal(s, k)
}

func compareNumbers(a, b Value) (int, bool) {
	if x, ok := a.integer(); ok {
		if y, ok := b.integer(); ok {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	}
	na, ok1 := a.number()
	nb, ok2 := b.number()
	if !ok1 || !ok2 {
		return 0, false
	}
	if na == nb {
		return 0, true
	}
	ra, ok1 := parseRat(na)
	rb, ok2 := parseRat(nb)
	if !ok1 || !ok2 {
		return 0, false
	}
	return ra.Cmp(rb), true
}

// calendarToUCUM maps calendar duration keywords to the UCUM units they
// equal; year and month have no exact UCUM equal.
var calendarToUCUM = map[string]string{
	"week": "wk", "weeks": "wk", "day": "d", "days": "d", "hour": "h", "hours": "h",
	"minute": "min", "minutes": "min", "second": "s", "seconds": "s",
	"millisecond": "ms", "milliseconds": "ms", "year": "year", "years": "year", "month": "month", "months": "month",
}

// calendarVsUCUM reports whether one quantity is in calendar years or
// months and the other in UCUM 'a' or 'mo': related but not equal units, so
// equality is unknown.
func calendarVsUCUM(a, b Value) bool {
	qa, _ := a.quantity()
	qb, _ := b.quantity()
	ua, ub := normUnit(qa.Unit), normUnit(qb.Unit)
	return ua == "year" && ub == "a" || ua == "a" && ub == "year" || ua == "month" && ub == "mo" || ua == "mo" && ub == "month"
}

func normUnit(u string) string {
	if c, ok := calendarToUCUM[u]; ok {
		return c
	}
	return u
}

func compareQuantities(a, b Value) (int, bool) {
	qa, ok1 := a.quantity()
	qb, ok2 := b.quantity()
	if !ok1 || !ok2 {
		return 0, false
	}
	ra, ok1 := parseRat(qa.Value)
	rb, ok2 := parseRat(qb.Value)
	if !ok1 || !ok2 {
		return 0, false
	}
	ua, ub := normUnit(qa.Unit), normUnit(qb.Unit)
	if ua != ub {
		// Convert both to a common base unit when the small table knows them.
		ca, okA := unitScale[ua]
		cb, okB := unitScale[ub]
		if !okA || !okB || ca.base != cb.base {
			return 0, false
		}
		ra.Mul(ra, ca.factor)
		rb.Mul(rb, cb.factor)
	}
	return ra.Cmp(rb), true
}

// unitScale converts common UCUM units to a base unit so that 4 'g' =
// 4000 'mg' and 7 days = 1 week. It is deliberately small: full UCUM
// conversion is out of scope.
var unitScale = func() map[string]struct {
	base   string
	factor *big.Rat
} {
	m := map[string]struct {
		base   string
		factor *big.Rat
	}{}
	add := func(base string, units map[string]string) {
		for u, f := range units {
			r, _ := new(big.Rat).SetString(f)
			m[u] = struct {
				base   string
				factor *big.Rat
			}{base, r}
		}
	}
	add("g", map[string]string{"kg": "1000", "g": "1", "mg": "1/1000", "ug": "1/1000000", "ng": "1/1000000000"})
	add("m", map[string]string{"km": "1000", "m": "1", "cm": "1/100", "mm": "1/1000", "um": "1/1000000"})
	add("L", map[string]string{"L": "1", "dL": "1/10", "mL": "1/1000", "uL": "1/1000000"})
	add("s", map[string]string{"wk": "604800", "d": "86400", "h": "3600", "min": "60", "s": "1", "ms": "1/1000"})
	return m
}()

// JSONEqual reports whether two decoded JSON values are equal: numbers
// (json.Number) by value, so 1.0 = 1; objects regardless of key order.
// FHIRPath equality of complex values and profile fixed[x] values both
// mean this.
func JSONEqual(a, b any) bool { return jsonEqual(a, b) }

// jsonEqual compares decoded JSON values; numbers compare by value.
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
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		rx, ok1 := parseRat(x)
		ry, ok2 := parseRat(y)
		return ok1 && ok2 && rx.Cmp(ry) == 0
	case string, bool, float64, nil:
		return a == b
	}
	return false
}

// collectionsEqual implements = on whole collections (nil means empty result).
func collectionsEqual(a, b []Value) tri {
	if len(a) != len(b) {
		return triFalse
	}
	res := triTrue
	for i := range a {
		switch equalItems(a[i], b[i]) {
		case triFalse:
			return triFalse
		case triUnknown:
			res = triUnknown
		}
	}
	return res
}

// collectionsEquivalent implements ~: same items in any order.
func collectionsEquivalent(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && equivalentItems(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func parseRat(n json.Number) (*big.Rat, bool) {
	return new(big.Rat).SetString(string(n))
}

// scaleOf returns the number of digits after the decimal point.
func scaleOf(n json.Number) int {
	s := string(n)
	if strings.ContainsAny(s, "eE") {
		return 0
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// roundRat rounds r half away from zero to scale decimal places.
func roundRat(r *big.Rat, scale int) *big.Rat {
	out, _ := new(big.Rat).SetString(r.FloatString(scale))
	return out
}
