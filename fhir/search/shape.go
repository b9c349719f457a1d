package search

import (
	"fmt"
	"slices"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/model"
)

// subsetted is the tag the spec asks for on resources that _summary or
// _elements left incomplete.
var subsetted = map[string]any{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED", "display": "Resource encoded in summary mode"}

// Shaper returns the function that applies _summary and _elements to a
// search result's resources. With neither, it returns bodies unchanged.
func Shaper(summary string, elements []string) func(typ string, body []byte) ([]byte, error) {
	if (summary == "" || summary == "false" || summary == "count") && len(elements) == 0 {
		return func(_ string, body []byte) ([]byte, error) { return body, nil }
	}
	return func(typ string, body []byte) ([]byte, error) {
		obj, err := fhir.ParseObject(body)
		if err != nil {
			return nil, fmt.Errorf("search: shape %s: %w", typ, err)
		}
		keep := keeper(typ, summary, elements)
		removed := false
		for k := range obj {
			if !keep(k) {
				delete(obj, k)
				removed = true
			}
		}
		if removed {
			tagSubsetted(obj)
		}
		return obj.Marshal()
	}
}

// keeper decides which top-level keys of a resource of typ stay.
func keeper(typ, summary string, elements []string) func(key string) bool {
	always := func(k string) bool { return k == "resourceType" || k == "id" || k == "meta" }
	switch summary {
	case "true":
		return func(k string) bool { return always(k) || model.IsSummary(typ, k) }
	case "text":
		return func(k string) bool { return always(k) || k == "text" || model.IsMandatory(typ, k) }
	case "data":
		return func(k string) bool { return k != "text" }
	}
	// _elements: the named elements, plus the mandatory ones, as the spec
	// recommends, so the result stays valid. A choice element is named
	// without its type ("value" keeps "valueQuantity").
	t := model.Lookup(typ)
	return func(k string) bool {
		if always(k) || model.IsMandatory(typ, k) {
			return true
		}
		name := k
		if t != nil {
			if el := t.ElementByKey(k); el != nil {
				name = el.Name
			}
		}
		return slices.Contains(elements, name)
	}
}

// tagSubsetted adds the SUBSETTED tag to meta.
func tagSubsetted(obj fhir.Object) {
	meta, _ := obj["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["meta"] = meta
	}
	tags, _ := meta["tag"].([]any)
	meta["tag"] = append(tags, subsetted)
}
