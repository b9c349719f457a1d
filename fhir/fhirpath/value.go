package fhirpath

import (
	"encoding/json"
	"strconv"
)

// System type names of FHIRPath literals and computed values.
const (
	SystemString   = "System.String"
	SystemInteger  = "System.Integer"
	SystemDecimal  = "System.Decimal"
	SystemBoolean  = "System.Boolean"
	SystemDate     = "System.Date"
	SystemDateTime = "System.DateTime"
	SystemTime     = "System.Time"
	SystemQuantity = "System.Quantity"
)

// Value is one item of a FHIRPath collection.
//
// Type is the FHIR type code of an item taken from the resource ("string",
// "code", "dateTime", "Quantity", "Patient", or a backbone element's path
// such as "Patient.contact"), or one of the System* names for values the
// expression computed. Data holds:
//
//   - items from the resource: the decoded JSON itself: map[string]any for
//     complex values and resources, string, json.Number or bool for
//     primitives;
//   - SystemString: string; SystemInteger: int64; SystemDecimal:
//     json.Number; SystemBoolean: bool;
//   - SystemDate, SystemDateTime, SystemTime: the ISO 8601 text without
//     FHIRPath's '@'/'@T' prefix ("2015-02", "2015-02-04T14:34:28Z", "14:34");
//   - SystemQuantity: Quantity.
type Value struct {
	Type string
	Data any

	// ext is the JSON object holding a primitive's id and extensions (the
	// "_birthDate" companion of "birthDate"), or nil.
	ext map[string]any
}

// Quantity is the Data of a SystemQuantity value.
type Quantity struct {
	Value json.Number
	Unit  string // UCUM code or calendar keyword ("mg", "day")
}

// kind is the FHIRPath system type an item behaves as in operators and
// functions.
type kind uint8

const (
	kNone kind = iota // complex values and resources
	kString
	kInteger
	kDecimal
	kBoolean
	kDate
	kDateTime
	kTime
	kQuantity
)

var kindNames = [...]string{"", SystemString, SystemInteger, SystemDecimal, SystemBoolean, SystemDate, SystemDateTime, SystemTime, SystemQuantity}

// kindOfType maps FHIR and System type names to the system kind they
// behave as.
var kindOfType = map[string]kind{
	SystemString: kString, SystemInteger: kInteger, SystemDecimal: kDecimal, SystemBoolean: kBoolean,
	SystemDate: kDate, SystemDateTime: kDateTime, SystemTime: kTime, SystemQuantity: kQuantity,

	"string": kString, "code": kString, "id": kString, "markdown": kString, "uri": kString,
	"url": kString, "canonical": kString, "oid": kString, "uuid": kString, "base64Binary": kString,
	"xhtml":   kString,
	"integer": kInteger, "positiveInt": kInteger, "unsignedInt": kInteger,
	"decimal": kDecimal, "boolean": kBoolean,
	"date": kDate, "dateTime": kDateTime, "instant": kDateTime, "time": kTime,
	"Quantity": kQuantity, "Age": kQuantity, "Duration": kQuantity, "Distance": kQuantity,
	"Count": kQuantity, "MoneyQuantity": kQuantity, "SimpleQuantity": kQuantity,
}

func (v Value) kind() kind { return kindOfType[v.Type] }

// str returns the item as a string if it behaves as one.
func (v Value) str() (string, bool) {
	if v.kind() != kString {
		return "", false
	}
	s, ok := v.Data.(string)
	return s, ok
}

// integer returns the item as an int64 if it is an integer.
func (v Value) integer() (int64, bool) {
	if v.kind() != kInteger {
		return 0, false
	}
	switch d := v.Data.(type) {
	case int64:
		return d, true
	case json.Number:
		i, err := strconv.ParseInt(string(d), 10, 64)
		return i, err == nil
	case float64: // tolerate JSON decoded without UseNumber
		return int64(d), d == float64(int64(d))
	}
	return 0, false
}

// number returns the decimal text of an integer or decimal item.
func (v Value) number() (json.Number, bool) {
	switch v.kind() {
	case kInteger, kDecimal:
	default:
		return "", false
	}
	switch d := v.Data.(type) {
	case json.Number:
		return d, true
	case int64:
		return json.Number(strconv.FormatInt(d, 10)), true
	case float64:
		return json.Number(strconv.FormatFloat(d, 'f', -1, 64)), true
	}
	return "", false
}

func (v Value) boolean() (bool, bool) {
	if v.kind() != kBoolean {
		return false, false
	}
	b, ok := v.Data.(bool)
	return b, ok
}

// temporal returns the text of a date, dateTime or time item.
func (v Value) temporal() (string, kind, bool) {
	k := v.kind()
	if k != kDate && k != kDateTime && k != kTime {
		return "", k, false
	}
	s, ok := v.Data.(string)
	return s, k, ok
}

// quantity returns a Quantity item (FHIR Quantity or System.Quantity).
func (v Value) quantity() (Quantity, bool) {
	if v.kind() != kQuantity {
		return Quantity{}, false
	}
	switch d := v.Data.(type) {
	case Quantity:
		return d, true
	case map[string]any:
		var q Quantity
		switch n := d["value"].(type) {
		case json.Number:
			q.Value = n
		case float64:
			q.Value = json.Number(strconv.FormatFloat(n, 'f', -1, 64))
		default:
			return Quantity{}, false
		}
		if c, ok := d["code"].(string); ok {
			q.Unit = c
		} else if u, ok := d["unit"].(string); ok {
			q.Unit = u
		}
		return q, true
	}
	return Quantity{}, false
}

func boolValue(b bool) []Value     { return []Value{{Type: SystemBoolean, Data: b}} }
func strValue(s string) Value      { return Value{Type: SystemString, Data: s} }
func intValue(i int64) Value       { return Value{Type: SystemInteger, Data: i} }
func decValue(n json.Number) Value { return Value{Type: SystemDecimal, Data: n} }

var (
	trueColl  = boolValue(true)
	falseColl = boolValue(false)
)

func boolColl(b bool) []Value {
	// Shared read-only collections: callers never modify results in place.
	if b {
		return trueColl
	}
	return falseColl
}
