package model

import (
	"slices"
	"testing"
)

func TestElements(t *testing.T) {
	tests := []struct {
		typ, elem string
		choice    bool
		types     []string
		target    string
		min       int
		max       string
		summary   bool
	}{
		{"Observation", "value", true, []string{"Quantity", "CodeableConcept", "string", "boolean", "integer", "Range", "Ratio", "SampledData", "time", "dateTime", "Period"}, "", 0, "1", true},
		{"Observation", "status", false, []string{"code"}, "code", 1, "1", true},
		{"Observation", "referenceRange", false, []string{"BackboneElement"}, "Observation.referenceRange", 0, "*", false},
		{"Observation.component", "referenceRange", false, []string{"BackboneElement"}, "Observation.referenceRange", 0, "*", false},
		{"Observation.referenceRange", "low", false, []string{"Quantity"}, "Quantity", 0, "1", false}, // SimpleQuantity profile → Quantity
		{"Questionnaire.item", "item", false, []string{"BackboneElement"}, "Questionnaire.item", 0, "*", false},
		{"Bundle.entry", "request", false, []string{"BackboneElement"}, "Bundle.entry.request", 0, "1", true},
		{"Patient", "id", false, []string{"string"}, "string", 0, "1", true}, // inherited from Resource
		{"Patient", "extension", false, []string{"Extension"}, "Extension", 0, "*", false},
		{"Patient.contact", "modifierExtension", false, []string{"Extension"}, "Extension", 0, "*", true},
		{"Age", "value", false, []string{"decimal"}, "decimal", 0, "1", true},
		{"Timing", "repeat", false, []string{"Element"}, "Timing.repeat", 0, "1", true},
		{"Encounter", "class", false, []string{"Coding"}, "Coding", 1, "1", true},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"."+tt.elem, func(t *testing.T) {
			typ := Lookup(tt.typ)
			if typ == nil {
				t.Fatalf("Lookup(%q) = nil", tt.typ)
			}
			e := typ.Element(tt.elem)
			if e == nil {
				t.Fatalf("no element %q", tt.elem)
			}
			if e.Choice != tt.choice || !slices.Equal(e.Types, tt.types) || e.Target != tt.target ||
				e.Min != tt.min || e.Max != tt.max || e.Summary != tt.summary {
				t.Errorf("got %+v", *e)
			}
		})
	}
}

func TestHierarchy(t *testing.T) {
	tests := []struct {
		typ, base string
		want      bool
	}{
		{"Patient", "DomainResource", true},
		{"Patient", "Resource", true},
		{"Bundle", "DomainResource", false},
		{"Age", "Quantity", true},
		{"Quantity", "Age", false},
		{"code", "string", true},
		{"positiveInt", "integer", true},
		{"Observation.component", "BackboneElement", true},
		{"Timing.repeat", "BackboneElement", false},
		{"Nope", "Resource", false},
	}
	for _, tt := range tests {
		if got := IsSubtype(tt.typ, tt.base); got != tt.want {
			t.Errorf("IsSubtype(%q, %q) = %v", tt.typ, tt.base, got)
		}
	}
	if k := Lookup("Patient.contact").Kind; k != KindBackbone {
		t.Errorf("Patient.contact kind = %v", k)
	}
}

func TestResourceTypes(t *testing.T) {
	rts := ResourceTypes()
	if len(rts) != 146 {
		t.Errorf("got %d resource types, want 146", len(rts))
	}
	for _, n := range []string{"Patient", "Bundle", "Parameters", "Binary"} {
		if !IsResourceType(n) {
			t.Errorf("IsResourceType(%q) = false", n)
		}
	}
	for _, n := range []string{"Resource", "DomainResource", "Quantity", "MetadataResource", "patient"} {
		if IsResourceType(n) {
			t.Errorf("IsResourceType(%q) = true", n)
		}
	}
}

func TestSummaryAndMandatory(t *testing.T) {
	tests := []struct {
		typ, key           string
		summary, mandatory bool
	}{
		{"Patient", "resourceType", true, true},
		{"Patient", "id", true, false},
		{"Patient", "meta", true, false},
		{"Patient", "deceasedBoolean", true, false},
		{"Patient", "deceased", false, false}, // not a JSON key
		{"Patient", "birthDate", true, false},
		{"Patient", "_birthDate", true, false},
		{"Patient", "text", false, false},
		{"Patient", "contact", false, false},
		{"Observation", "valueQuantity", true, false},
		{"Observation", "status", true, true},
		{"Observation", "code", true, true},
		{"Observation", "note", false, false},
		{"Encounter", "classHistory", false, false},
		{"Nope", "id", false, false},
	}
	for _, tt := range tests {
		if got := IsSummary(tt.typ, tt.key); got != tt.summary {
			t.Errorf("IsSummary(%q, %q) = %v", tt.typ, tt.key, got)
		}
		if got := IsMandatory(tt.typ, tt.key); got != tt.mandatory {
			t.Errorf("IsMandatory(%q, %q) = %v", tt.typ, tt.key, got)
		}
	}
}
