package store

// Query selects current, non-deleted resources by their index rows. It is
// the parsed and checked form of a FHIR search (fhir/search builds it):
// every value is typed and normalised, so stores only translate it into
// their query language, always with values as bound parameters.
type Query struct {
	// Types are the resource types searched: one for a type-level search,
	// any number for a system-level search (none means every type).
	Types []string
	// Filters must all match.
	Filters []Filter
	// Sort orders the results; ties (and a query without Sort) fall back to
	// type and id, so paging is deterministic.
	Sort []Sort
	// Offset skips that many matches; Limit returns at most that many
	// (0 returns none: a count-only search).
	Offset, Limit int
	// Total asks for the number of matches in all.
	Total bool
	// After, with no Sort, starts the page after this resource in (type,
	// id) order: keyset paging, which neither skips nor repeats resources
	// when others are created or deleted between pages (search _cursor,
	// kiln reindex). Total still counts every match.
	After *Ref
}

// Filter is one condition on a resource. The concrete types are the
// *Match, Missing, AnyOf, AllOf, Not, Chain, Has and Composite types of
// this package.
type Filter interface{ filter() }

// AnyOf matches when any of its filters does (FHIR's comma: OR).
type AnyOf []Filter

// AllOf matches when every filter does (repeated parameters: AND).
type AllOf []Filter

// Not matches resources the filter does not match (token :not, date ne).
type Not struct{ Filter Filter }

// Table names the index a parameter's rows live in.
type Table string

// Index tables.
const (
	StringTable    Table = "string"
	TokenTable     Table = "token"
	DateTable      Table = "date"
	NumberTable    Table = "number"
	QuantityTable  Table = "quantity"
	ReferenceTable Table = "reference"
	URITable       Table = "uri"
)

// Missing matches resources with no (Missing true) or some (false) index
// row of Param in Table.
type Missing struct {
	Param   string
	Table   Table
	Missing bool
}

// StringMode is how a string search compares.
type StringMode int

// String search modes.
const (
	StringStartsWith StringMode = iota // normalised prefix (the default)
	StringExact                        // exact, case- and accent-sensitive (:exact)
	StringContains                     // normalised substring (:contains)
)

// StringMatch matches string rows. Value is normalised unless Mode is
// StringExact.
type StringMatch struct {
	Param string
	Mode  StringMode
	Value string
}

// TokenMatch matches token rows. System is compared unless AnySystem;
// Code unless AnyCode ("system|"). System "" means "no system" ("|code").
type TokenMatch struct {
	Param     string
	System    string
	Code      string
	AnySystem bool
	AnyCode   bool
}

// TokenTextMatch matches token rows whose Text starts with Value (both
// normalised): token :text.
type TokenTextMatch struct {
	Param string
	Value string
}

// Prefix is a FHIR comparison prefix.
type Prefix string

// Comparison prefixes.
const (
	Eq Prefix = "eq"
	Ne Prefix = "ne"
	Gt Prefix = "gt"
	Lt Prefix = "lt"
	Ge Prefix = "ge"
	Le Prefix = "le"
	Sa Prefix = "sa"
	Eb Prefix = "eb"
	Ap Prefix = "ap"
)

// DateMatch matches date rows against the search range [Lo, Hi] (Unix
// milliseconds, inclusive) with the prefix semantics of the FHIR spec; Ap
// matches rows overlapping the range (the parser widens it). The parameter
// "_lastUpdated" is served by the resources' own timestamps. Ne matches a
// resource with a value outside the range; one without any value does not
// match (as in HAPI FHIR), unlike Not of Eq.
type DateMatch struct {
	Param  string
	Prefix Prefix
	Lo, Hi int64
}

// NumberMatch matches number rows; [Lo, Hi) is the range the search value's
// precision implies, used by Eq (and Ap, widened by the parser); Value is
// the value itself, used by the other prefixes. Ne matches a value outside
// [Lo, Hi).
type NumberMatch struct {
	Param  string
	Prefix Prefix
	Value  float64
	Lo, Hi float64
}

// QuantityMatch matches quantity rows like NumberMatch and, when set, by
// unit: System and Code must equal when System is set; Code alone matches
// the row's Code.
type QuantityMatch struct {
	NumberMatch
	System, Code string
}

// ReferenceMatch matches reference rows: by Type (if set) and ID, or by URL.
type ReferenceMatch struct {
	Param    string
	Type, ID string
	URL      string
}

// URIMode is how a uri search compares.
type URIMode int

// URI search modes.
const (
	URIEqual URIMode = iota
	URIBelow         // the row starts with Value (:below)
	URIAbove         // Value starts with the row (:above)
)

// URIMatch matches uri rows.
type URIMatch struct {
	Param string
	Mode  URIMode
	Value string
}

// IDMatch matches resources by id (_id).
type IDMatch struct{ IDs []string }

// TypeMatch matches resources of any of Types. Access control uses it to
// give each type of a system-level search its own restriction.
type TypeMatch struct{ Types []string }

// TextMatch matches the full-text document of a resource: its narrative
// (_text) or all its text (_content). Terms are normalised words, all of
// which must occur.
type TextMatch struct {
	Content bool
	Terms   []string
}

// Chain matches resources whose reference Param points at a resource of
// one of Types (any type if empty) that matches Where (chained search:
// subject:Patient.name=x).
type Chain struct {
	Param string
	Types []string
	Where Filter
}

// Has matches resources referred to by a resource of Type through its
// reference Param, where that resource matches Where (_has).
type Has struct {
	Type  string
	Param string
	Where Filter
}

// Composite matches resources with one item of composite parameter Param
// whose components all match. Part i is a *Match of the component's table
// with Param ComponentParam(Param, i).
type Composite struct {
	Param string
	Parts []Filter
}

// SameValue matches resources with one index row that satisfies every
// filter, all value matches of one parameter and table: "date=ge2020&
// date=lt2021" as one range a single date must fall in, as HAPI FHIR reads
// repeated bounds on a date parameter (two independent conditions would
// also match a resource with one date before 2020 and another after 2021).
type SameValue struct {
	Filters []Filter
}

// Sort is one sort key. Param "_id" and "_lastUpdated" sort by the
// resource's own id and timestamp; any other sorts by the smallest (largest
// when Desc) index value of Param in Table.
type Sort struct {
	Param string
	Table Table
	Desc  bool
}

// Ref names one resource.
type Ref struct{ Type, ID string }

// RelatedQuery follows references from (or, Reverse, to) Refs.
//
// Forward (_include=Source:param:Target): the resources that Refs of
// SourceType point at through Param ("*": any reference parameter), of
// TargetType if set. Reverse (_revinclude=Source:param): the resources of
// SourceType whose reference Param ("*": any) points at one of Refs.
type RelatedQuery struct {
	Refs       []Ref
	Reverse    bool
	SourceType string
	Param      string
	TargetType string
	Limit      int
}

func (AnyOf) filter()          {}
func (AllOf) filter()          {}
func (Not) filter()            {}
func (Missing) filter()        {}
func (StringMatch) filter()    {}
func (TokenMatch) filter()     {}
func (TokenTextMatch) filter() {}
func (DateMatch) filter()      {}
func (NumberMatch) filter()    {}
func (QuantityMatch) filter()  {}
func (ReferenceMatch) filter() {}
func (URIMatch) filter()       {}
func (IDMatch) filter()        {}
func (TypeMatch) filter()      {}
func (TextMatch) filter()      {}
func (Chain) filter()          {}
func (Has) filter()            {}
func (Composite) filter()      {}
func (SameValue) filter()      {}
