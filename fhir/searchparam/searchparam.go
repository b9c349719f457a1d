package searchparam

import (
	"slices"
	"strings"
	"sync"

	"github.com/kiln-health/kiln/fhir"
)

// Type is a search parameter type (SearchParameter.type).
type Type string

// The R4 search parameter types.
const (
	Number    Type = "number"
	Date      Type = "date"
	String    Type = "string"
	Token     Type = "token"
	Reference Type = "reference"
	Composite Type = "composite"
	Quantity  Type = "quantity"
	URI       Type = "uri"
	Special   Type = "special"
)

// Component is one part of a composite search parameter.
type Component struct {
	// Definition is the canonical URL of the component's own search
	// parameter; resolve it with ByURL.
	Definition string
	// Expression is the FHIRPath expression of the component, evaluated
	// on each item the composite's Expression selects.
	Expression string
}

// Param is a search parameter. Params returned by this package are shared:
// callers must not modify them or their slices.
type Param struct {
	URL  string // canonical URL, e.g. http://hl7.org/fhir/SearchParameter/Observation-code
	Name string // computer-friendly name (SearchParameter.name)
	Code string // the name used in search URLs, e.g. "code", "_lastUpdated"

	// Base lists the resource types the parameter is defined on, as in
	// the specification ("Resource" and "DomainResource" for the common
	// parameters).
	Base []string
	Type Type

	// Expression is the FHIRPath expression for the resource type the
	// Param was looked up for (Lookup, ForType): the parts of
	// FullExpression rooted at that type, joined with " | ". For the
	// Resource and DomainResource parameters the root is rewritten to the
	// resource type ("Patient.meta.lastUpdated"). From ByURL it is the
	// per-base expression when the parameter has a single base, else
	// FullExpression. Empty for parameters the specification defines
	// without an expression (_text, _content, _query).
	Expression string
	// FullExpression is the expression exactly as in the specification.
	FullExpression string

	// XPathUsage is "normal" or, for special matching, "phonetic" or
	// "nearby" (SearchParameter.xpathUsage).
	XPathUsage string
	// Target lists the resource types a reference parameter may point to:
	// SearchParameter.target, narrowed for the looked-up type when every
	// part of Expression ends with ".where(resolve() is T)" (so "patient"
	// on Observation targets only Patient, not Patient and Group).
	Target []string
	// Modifiers lists SearchParameter.modifier; the R4 core definitions
	// never set it, so it is nil for all of them.
	Modifiers []string
	// Comparators lists the allowed prefixes (eq, ne, gt, ...) where the
	// specification states them.
	Comparators []string
	// Components are the parts of a composite parameter.
	Components []Component
	// MultipleOr and MultipleAnd report whether several values may be
	// ORed (comma-separated) or ANDed (repeated parameter); the
	// specification's default, true, applies when it is silent.
	MultipleOr, MultipleAnd bool
}

// spec is one generated SearchParameter (see registry_gen.go).
type spec struct {
	url, name, code string
	base            []string
	typ             Type
	expr            string
	// exprs holds the expression per base (parallel to base) when it
	// differs from expr, i.e. for parameters with several bases.
	exprs                          []string
	target, modifiers, comparators []string
	components                     []Component
	xpathUsage                     string
	noMultipleOr, noMultipleAnd    bool
}

func (s *spec) param(i int) *Param {
	p := &Param{
		URL:            s.url,
		Name:           s.name,
		Code:           s.code,
		Base:           s.base,
		Type:           s.typ,
		Expression:     s.expr,
		FullExpression: s.expr,
		XPathUsage:     s.xpathUsage,
		Target:         s.target,
		Modifiers:      s.modifiers,
		Comparators:    s.comparators,
		Components:     s.components,
		MultipleOr:     !s.noMultipleOr,
		MultipleAnd:    !s.noMultipleAnd,
	}
	if p.XPathUsage == "" {
		p.XPathUsage = "normal"
	}
	if s.exprs != nil && i >= 0 {
		p.Expression = s.exprs[i]
	}
	p.Target = narrowTarget(p.Expression, p.Target)
	return p
}

// narrowTarget restricts target to the types named by the expression when
// every union part ends with ".where(resolve() is T)"; e.g. the shared
// "patient" parameter targets Patient and Group, but on Observation its
// expression "Observation.subject.where(resolve() is Patient)" only ever
// matches Patient references.
func narrowTarget(expr string, target []string) []string {
	if len(target) < 2 || expr == "" {
		return target
	}
	var types []string
	for part := range strings.SplitSeq(expr, " | ") {
		const prefix, suffix = ".where(resolve() is ", ")"
		i := strings.LastIndex(part, prefix)
		if i < 0 || !strings.HasSuffix(part, suffix) {
			return target
		}
		types = append(types, part[i+len(prefix):len(part)-len(suffix)])
	}
	var narrowed []string
	for _, t := range target {
		if slices.Contains(types, t) {
			narrowed = append(narrowed, t)
		}
	}
	if len(narrowed) == 0 {
		return target
	}
	return narrowed
}

type registry struct {
	byURL   map[string]*Param
	byType  map[string]map[string]*Param // resource type -> code -> param
	forType map[string][]*Param          // sorted by code
	types   []string
}

// domainResourceExceptions derive directly from Resource.
var domainResourceExceptions = []string{"Binary", "Bundle", "Parameters"}

var reg = sync.OnceValue(func() *registry {
	r := &registry{
		byURL:   make(map[string]*Param, len(specs)),
		byType:  map[string]map[string]*Param{},
		forType: map[string][]*Param{},
		types:   fhir.ResourceTypes(),
	}
	add := func(typ string, p *Param) {
		m := r.byType[typ]
		if m == nil {
			m = map[string]*Param{}
			r.byType[typ] = m
		}
		m[p.Code] = p
	}
	var common []*Param // Resource and DomainResource parameters
	for i := range specs {
		s := &specs[i]
		if len(s.base) == 1 {
			r.byURL[s.url] = s.param(0)
		} else {
			r.byURL[s.url] = s.param(-1)
		}
		for j, base := range s.base {
			var p *Param
			if len(s.base) == 1 {
				p = r.byURL[s.url]
			} else {
				p = s.param(j)
			}
			add(base, p)
			if base == "Resource" || base == "DomainResource" {
				common = append(common, p)
			}
		}
	}
	for _, p := range common {
		if p.Base[0] == "Resource" {
			add("DomainResource", p)
		}
	}
	for _, typ := range r.types {
		for _, p := range common {
			base := p.Base[0]
			if base == "DomainResource" && slices.Contains(domainResourceExceptions, typ) {
				continue
			}
			q := *p
			q.Expression = reroot(p.Expression, base, typ)
			add(typ, &q)
		}
	}
	for typ, m := range r.byType {
		ps := make([]*Param, 0, len(m))
		for _, p := range m {
			ps = append(ps, p)
		}
		slices.SortFunc(ps, func(a, b *Param) int { return strings.Compare(a.Code, b.Code) })
		r.forType[typ] = ps
	}
	return r
})

// reroot rewrites a simple path expression "Resource.meta.tag" rooted at
// from to "Patient.meta.tag"; anything else is returned unchanged.
func reroot(expr, from, to string) string {
	if rest, ok := strings.CutPrefix(expr, from+"."); ok && !strings.ContainsAny(rest, "|(") {
		return to + "." + rest
	}
	return expr
}

// Lookup finds the search parameter code that applies to resourceType,
// including the parameters defined on Resource (_id, _lastUpdated, _tag,
// _profile, _security, _source, _content, _query) and DomainResource
// (_text). The returned Param's Expression is specific to resourceType.
// resourceType may also be "Resource" or "DomainResource".
func Lookup(resourceType, code string) (*Param, bool) {
	p, ok := reg().byType[resourceType][code]
	return p, ok
}

// ForType lists every search parameter applicable to resourceType
// (including the Resource and DomainResource ones), sorted by code; nil for
// an unknown type.
func ForType(resourceType string) []*Param {
	return slices.Clone(reg().forType[resourceType])
}

// ByURL finds a search parameter by canonical URL, e.g. to resolve a
// Component.Definition.
func ByURL(url string) (*Param, bool) {
	p, ok := reg().byURL[url]
	return p, ok
}

// Types lists, sorted, the resource types that have search parameters:
// every R4 resource type (each has at least the Resource parameters).
func Types() []string {
	return slices.Clone(reg().types)
}

// All lists every search parameter of the specification in bundle order,
// as ByURL returns them.
func All() []*Param {
	r := reg()
	ps := make([]*Param, len(specs))
	for i := range specs {
		ps[i] = r.byURL[specs[i].url]
	}
	return ps
}

// PatientCompartment returns the codes of the search parameters that link a
// resource of type resourceType to a Patient (from the Patient
// CompartmentDefinition), e.g. ["subject", "performer"] for Observation; a
// resource is in a Patient's compartment if any of them references that
// Patient. It returns nil for types that are never in a Patient compartment.
// Patient itself lists "link"; the Patient resource is also in its own
// compartment by id.
func PatientCompartment(resourceType string) []string {
	return slices.Clone(patientCompartment[resourceType])
}
