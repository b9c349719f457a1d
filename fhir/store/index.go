package store

import "strconv"

// Index is the search index of one resource version: the rows a store
// writes to its index tables in the same transaction as the version. The
// engine extracts it (fhir/search); stores only keep and query it.
//
// Every row names the search parameter it belongs to (Param, the
// parameter's code) and a Group. Group is 0 for ordinary rows; the rows of
// one item of a composite parameter share a Group > 0 and carry
// ComponentParam(composite code, component index) as Param, so a composite
// search can demand that all its components match the same item, each in
// its own role (two token components stay apart).
//
// Two modifiers are served by Token rows under a derived key: identifier
// ":of-type" reads rows of "<code>:of-type" (System and Code of the
// identifier type, Code "<type code>|<value>"), reference ":identifier"
// rows of "<code>:identifier".
type Index struct {
	Strings    []StringValue
	Tokens     []TokenValue
	Dates      []DateValue
	Numbers    []NumberValue
	Quantities []QuantityValue
	References []ReferenceValue
	URIs       []URIValue
	// Narrative is the resource's text.div as plain, normalised text (_text).
	Narrative string
	// Content is all the resource's text, normalised (_content).
	Content string
}

// ComponentParam is the Param of the index rows of component i of a
// composite parameter ("code-value-quantity$1").
func ComponentParam(composite string, i int) string {
	return composite + "$" + strconv.Itoa(i)
}

// Rows counts the index rows (not counting the full-text document).
func (x *Index) Rows() int {
	return len(x.Strings) + len(x.Tokens) + len(x.Dates) + len(x.Numbers) +
		len(x.Quantities) + len(x.References) + len(x.URIs)
}

// StringValue indexes a string parameter.
type StringValue struct {
	Param string
	Group int
	// Value is normalised (lower case, accents removed: search.Normalize)
	// for the default starts-with and :contains searches.
	Value string
	// Exact is the value as written, for :exact.
	Exact string
}

// TokenValue indexes a token parameter. System is "" when the value has
// none. Text is the normalised display (Coding.display) or text
// (CodeableConcept.text) that :text searches; a CodeableConcept's text
// without a coding of that text is a row of its own with no code.
type TokenValue struct {
	Param  string
	Group  int
	System string
	Code   string
	Text   string
}

// DateValue indexes a date parameter as the range of instants it covers,
// in Unix milliseconds, both ends inclusive. An open end is MinDate or
// MaxDate.
type DateValue struct {
	Param  string
	Group  int
	Lo, Hi int64
}

// Bounds of an open date range.
const (
	MinDate int64 = -62135596800000 // 0001-01-01T00:00:00Z
	MaxDate int64 = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// NumberValue indexes a number parameter.
type NumberValue struct {
	Param string
	Group int
	Value float64
}

// QuantityValue indexes a quantity parameter. Code is the coded unit, or
// the unit text when there is no code.
type QuantityValue struct {
	Param  string
	Group  int
	System string
	Code   string
	Value  float64
}

// ReferenceValue indexes a reference parameter. A reference to a resource
// on this server has Type and ID; any other (absolute URL, canonical) has
// URL.
type ReferenceValue struct {
	Param    string
	Group    int
	Type, ID string
	URL      string
}

// URIValue indexes a uri parameter.
type URIValue struct {
	Param string
	Group int
	Value string
}
