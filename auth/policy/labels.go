package policy

import (
	"strings"

	"github.com/kiln-health/kiln/fhir/store"
)

// Labels is a set of label classes: what Decide allows, or (one bit) the
// class of a resource. The zero value allows nothing.
type Labels uint8

// The label classes. A resource is in exactly one: Restricted if its
// meta.security has confidentiality R or V, else Redacted if it has the
// observation value REDACTED, ANONYED or PSEUDED, else Normal.
const (
	Normal Labels = 1 << iota
	Redacted
	Restricted
)

// AllLabels is every class: access that needs no label restriction.
const AllLabels = Normal | Redacted | Restricted

// Code systems of the security labels that decide a resource's class.
const (
	ConfidentialitySystem  = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
	ObservationValueSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
)

// Label names of rules.
const (
	LabelNormal     = "normal"
	LabelRedacted   = "redacted"
	LabelRestricted = "restricted"
)

// classes lists each class with its policy name, in bit order.
var classes = []struct {
	bit  Labels
	name string
}{
	{Normal, LabelNormal},
	{Redacted, LabelRedacted},
	{Restricted, LabelRestricted},
}

// restrictedCodes and redactedCodes are the security codes of each class.
var (
	restrictedCodes = []string{"R", "V"}
	redactedCodes   = []string{"REDACTED", "ANONYED", "PSEUDED"}
)

// Has reports whether l contains every class of c.
func (l Labels) Has(c Labels) bool { return l&c == c }

// String lists the classes, "normal|redacted", or "none".
func (l Labels) String() string {
	var names []string
	for _, c := range classes {
		if l.Has(c.bit) {
			names = append(names, c.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Coding is one meta.security coding of a resource.
type Coding struct{ System, Code string }

// Class gives the class (one bit) of a resource with these meta.security
// codings, for checking a single resource body the way Filter checks
// stored ones.
func Class(security []Coding) Labels {
	redacted := false
	for _, c := range security {
		switch c.System {
		case ConfidentialitySystem:
			for _, code := range restrictedCodes {
				if c.Code == code {
					return Restricted
				}
			}
		case ObservationValueSystem:
			for _, code := range redactedCodes {
				if c.Code == code {
					redacted = true
				}
			}
		}
	}
	if redacted {
		return Redacted
	}
	return Normal
}

// Filter is the store restriction that keeps the resources whose class is
// in l, through their _security index rows. It is nil for AllLabels (no
// restriction). Callers treat zero Labels as denied before searching, but
// its filter still matches nothing, so a caller that forgets cannot widen
// access.
func (l Labels) Filter() store.Filter {
	restricted := anyCode(ConfidentialitySystem, restrictedCodes)
	redacted := anyCode(ObservationValueSystem, redactedCodes)
	switch l & AllLabels {
	case AllLabels:
		return nil
	case Normal | Redacted:
		return store.Not{Filter: restricted}
	case Normal | Restricted:
		return store.AnyOf{restricted, store.Not{Filter: redacted}}
	case Redacted | Restricted:
		return store.AnyOf{restricted, redacted}
	case Normal:
		return store.AllOf{store.Not{Filter: restricted}, store.Not{Filter: redacted}}
	case Redacted:
		return store.AllOf{redacted, store.Not{Filter: restricted}}
	case Restricted:
		return restricted
	default: // none: a contradiction
		return store.AllOf{restricted, store.Not{Filter: restricted}}
	}
}

// anyCode matches a _security coding of system with any of codes.
func anyCode(system string, codes []string) store.AnyOf {
	f := make(store.AnyOf, len(codes))
	for i, code := range codes {
		f[i] = store.TokenMatch{Param: "_security", System: system, Code: code}
	}
	return f
}
