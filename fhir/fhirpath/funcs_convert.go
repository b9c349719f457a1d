package fhirpath

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Conversion functions: toX() returns empty when the item cannot be
// converted; convertsToX() reports whether it could.
func init() {
	conversions := map[string]func(Value) (Value, bool){
		"Boolean": toBoolean, "Integer": toInteger, "Decimal": toDecimal, "String": toStringValue,
		"Date": toDate, "DateTime": toDateTime, "Time": toTime, "Quantity": toQuantity,
	}
	for name, conv := range conversions {
		register("to"+name, 0, 1, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
			v, ok, err := single(in)
			if !ok || err != nil {
				return nil, err
			}
			if r, ok := conv(v); ok {
				return []Value{r}, nil
			}
			return nil, nil
		})
		register("convertsTo"+name, 0, 1, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
			v, ok, err := single(in)
			if !ok || err != nil {
				return nil, err
			}
			_, ok = conv(v)
			return boolColl(ok), nil
		})
	}
}

func toBoolean(v Value) (Value, bool) {
	var b, ok bool
	switch v.kind() {
	case kBoolean:
		b, ok = v.boolean()
	case kInteger:
		i, _ := v.integer()
		b, ok = i == 1, i == 0 || i == 1
	case kDecimal:
		n, _ := v.number()
		r, valid := parseRat(n)
		if valid && r.IsInt() {
			b, ok = r.Num().Int64() == 1, r.Sign() == 0 || r.Cmp(ratOne) == 0
		}
	case kString:
		s, _ := v.str()
		switch strings.ToLower(s) {
		case "true", "t", "yes", "y", "1", "1.0":
			b, ok = true, true
		case "false", "f", "no", "n", "0", "0.0":
			b, ok = false, true
		}
	}
	return Value{Type: SystemBoolean, Data: b}, ok
}

var (
	integerText  = regexp.MustCompile(`^[+-]?[0-9]+$`)
	decimalText  = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)
	quantityText = regexp.MustCompile(`^([+-]?[0-9]+(?:\.[0-9]+)?)\s*(?:'([^']+)'|([a-zA-Z]+))?$`)
)

func toInteger(v Value) (Value, bool) {
	switch v.kind() {
	case kInteger:
		i, ok := v.integer()
		return intValue(i), ok
	case kBoolean:
		b, _ := v.boolean()
		if b {
			return intValue(1), true
		}
		return intValue(0), true
	case kString:
		s, _ := v.str()
		if !integerText.MatchString(s) {
			return Value{}, false
		}
		i, err := strconv.ParseInt(s, 10, 64)
		return intValue(i), err == nil
	}
	return Value{}, false
}

func toDecimal(v Value) (Value, bool) {
	switch v.kind() {
	case kInteger, kDecimal:
		n, ok := v.number()
		return decValue(n), ok
	case kBoolean:
		b, _ := v.boolean()
		if b {
			return decValue("1.0"), true
		}
		return decValue("0.0"), true
	case kString:
		s, _ := v.str()
		if !decimalText.MatchString(s) {
			return Value{}, false
		}
		return decValue(json.Number(strings.TrimPrefix(s, "+"))), true
	}
	return Value{}, false
}

func toStringValue(v Value) (Value, bool) {
	s, ok := stringOf(v)
	return strValue(s), ok
}

// stringOf renders a primitive or quantity as FHIRPath's toString() does.
func stringOf(v Value) (string, bool) {
	switch v.kind() {
	case kString:
		return v.str()
	case kInteger, kDecimal:
		n, ok := v.number()
		return string(n), ok
	case kBoolean:
		b, ok := v.boolean()
		return strconv.FormatBool(b), ok
	case kDate, kDateTime, kTime:
		s, _, ok := v.temporal()
		return s, ok
	case kQuantity:
		q, ok := v.quantity()
		if !ok {
			return "", false
		}
		if calendarUnits[q.Unit] {
			return string(q.Value) + " " + q.Unit, true
		}
		return string(q.Value) + " '" + q.Unit + "'", true
	}
	return "", false
}

func toDate(v Value) (Value, bool) {
	s, ok := temporalText(v)
	if !ok {
		return Value{}, false
	}
	if t, ok := parseDateTime(s); ok {
		t.prec = min(t.prec, 3)
		return Value{Type: SystemDate, Data: t.format(kDate)}, true
	}
	return Value{}, false
}

func toDateTime(v Value) (Value, bool) {
	s, ok := temporalText(v)
	if !ok {
		return Value{}, false
	}
	if _, ok := parseDateTime(s); ok {
		return Value{Type: SystemDateTime, Data: s}, true
	}
	return Value{}, false
}

func toTime(v Value) (Value, bool) {
	var s string
	switch v.kind() {
	case kTime, kString:
		s, _ = v.Data.(string)
	default:
		return Value{}, false
	}
	if _, ok := parseTime(s); ok {
		return Value{Type: SystemTime, Data: s}, true
	}
	return Value{}, false
}

func temporalText(v Value) (string, bool) {
	switch v.kind() {
	case kDate, kDateTime, kString:
		s, ok := v.Data.(string)
		return s, ok
	}
	return "", false
}

func toQuantity(v Value) (Value, bool) {
	switch v.kind() {
	case kQuantity:
		q, ok := v.quantity()
		return Value{Type: SystemQuantity, Data: q}, ok
	case kInteger, kDecimal:
		n, ok := v.number()
		return Value{Type: SystemQuantity, Data: Quantity{Value: n, Unit: "1"}}, ok
	case kBoolean:
		b, _ := v.boolean()
		n := json.Number("0.0")
		if b {
			n = "1.0"
		}
		return Value{Type: SystemQuantity, Data: Quantity{Value: n, Unit: "1"}}, true
	case kString:
		s, _ := v.str()
		m := quantityText.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			return Value{}, false
		}
		unit := "1"
		switch {
		case m[2] != "":
			unit = m[2]
		case m[3] != "":
			if !calendarUnits[m[3]] {
				return Value{}, false // bare words must be calendar units
			}
			unit = m[3]
		}
		return Value{Type: SystemQuantity, Data: Quantity{Value: json.Number(strings.TrimPrefix(m[1], "+")), Unit: unit}}, true
	}
	return Value{}, false
}

// errNotSingle is returned by functions that need one input item.
var errNotSingle = fmt.Errorf("expected a single item")
