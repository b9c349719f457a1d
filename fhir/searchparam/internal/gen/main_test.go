package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"slices"
	"testing"

	"github.com/kiln-health/kiln/internal/shared"
)

func TestSplitUnion(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Observation.code", []string{"Observation.code"}},
		{"A.x | B.y.where(resolve() is Patient)", []string{"A.x", "B.y.where(resolve() is Patient)"}},
		{"(A.v as CodeableConcept) | (B.v as Quantity)", []string{"(A.v as CodeableConcept)", "(B.v as Quantity)"}},
		{"A.x.where(a | b) | B.y", []string{"A.x.where(a | b)", "B.y"}},
		{"A.x.where(s = 'a|b') | B.y", []string{"A.x.where(s = 'a|b')", "B.y"}},
		{`A.x.where(s = 'it\'s|') | B.y`, []string{`A.x.where(s = 'it\'s|')`, "B.y"}},
		{"A.`odd|name` | B.y", []string{"A.`odd|name`", "B.y"}},
		{"A.x[0] | B.y", []string{"A.x[0]", "B.y"}},
		{"name | alias", []string{"name", "alias"}},
	}
	for _, tt := range tests {
		if got := splitUnion(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitUnion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripParensAndRoot(t *testing.T) {
	tests := []struct{ in, stripped, root string }{
		{"(ActivityDefinition.useContext.value as CodeableConcept)", "ActivityDefinition.useContext.value as CodeableConcept", "ActivityDefinition"},
		{"(A.x).y", "(A.x).y", "A"},
		{"(A.x) | (B.y)", "(A.x) | (B.y)", "A"},
		{"(A.x.where(')' = b))", "A.x.where(')' = b)", "A"},
		{"Observation.code", "Observation.code", "Observation"},
		{"name", "name", "name"},
	}
	for _, tt := range tests {
		if got := stripParens(tt.in); got != tt.stripped {
			t.Errorf("stripParens(%q) = %q, want %q", tt.in, got, tt.stripped)
		}
		if got := root(tt.in); got != tt.root {
			t.Errorf("root(%q) = %q, want %q", tt.in, got, tt.root)
		}
	}
}

func TestPerBase(t *testing.T) {
	tests := []struct {
		p           searchParameter
		want, orphs []string
	}{
		{
			searchParameter{Base: []string{"A", "B"}, Expression: "A.p | (B.q as X) | B.r | C.s"},
			[]string{"A.p", "B.q as X | B.r"}, []string{"C.s"},
		},
		{
			searchParameter{Base: []string{"InsurancePlan"}, Expression: "name | alias"},
			[]string{"InsurancePlan.name | InsurancePlan.alias"}, nil,
		},
		{
			searchParameter{Base: []string{"A", "D"}, Expression: "A.p"},
			[]string{"A.p", ""}, nil,
		},
		{searchParameter{Base: []string{"Resource"}}, []string{""}, nil},
	}
	for _, tt := range tests {
		got, orphs := perBase(tt.p)
		if !slices.Equal(got, tt.want) || !slices.Equal(orphs, tt.orphs) {
			t.Errorf("perBase(%v, %q) = %q, %q; want %q, %q", tt.p.Base, tt.p.Expression, got, orphs, tt.want, tt.orphs)
		}
	}
}

// TestGeneratedUpToDate regenerates registry_gen.go from the spec files (when
// present) and compares it with the committed one.
func TestGeneratedUpToDate(t *testing.T) {
	const dir = "../../../../../shared/fhir-spec/"
	params, err := readBundle(dir + "search-parameters.hl7-official-4.0.1.json")
	if errors.Is(err, fs.ErrNotExist) {
		shared.Missing(t, "R4 search parameters", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	comp, err := readCompartment(dir + "compartmentdefinition-patient.json")
	if err != nil {
		t.Fatal(err)
	}
	src, warnings, err := generate(params, comp)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %q", warnings)
	}
	committed, err := os.ReadFile("../../registry_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, committed) {
		t.Error("registry_gen.go is stale: run go generate ./fhir/searchparam")
	}
}
