package fhir_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/profile"
)

// TestPublishedProfilesAreValid validates every conformance resource Kiln
// publishes in profiles/ as R4.
func TestPublishedProfilesAreValid(t *testing.T) {
	files, err := filepath.Glob("../profiles/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no profiles found: %v", err)
	}
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Validate(body); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

// TestPublishedStructureDefinitionsLoad checks that every StructureDefinition
// in profiles/ loads into a profile.Set: a profile the validator cannot
// check must not be published as if Kiln enforced it.
func TestPublishedStructureDefinitionsLoad(t *testing.T) {
	set, err := profile.Load(os.DirFS("../profiles"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../profiles/StructureDefinition-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no StructureDefinitions found: %v", err)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sd struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(body, &sd); err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if set.Profile(sd.URL) == nil {
			t.Errorf("%s: %s did not load", filepath.Base(f), sd.URL)
		}
	}
}

// TestCHRExtensionDefinitions checks the CHR extension definitions against
// extensions shaped as pipeline/chr writes them, and against broken ones.
// An extension is not a resource, so each is checked with a resourceType
// naming the type its definition constrains.
func TestCHRExtensionDefinitions(t *testing.T) {
	set, err := profile.Load(os.DirFS("../profiles"))
	if err != nil {
		t.Fatal(err)
	}
	const sd = "https://kiln.health/fhir/StructureDefinition/"
	ext := func(url string, parts ...any) map[string]any {
		return map[string]any{"resourceType": "Extension", "url": url, "extension": parts}
	}
	sub := func(url, key string, v any) map[string]any { return map[string]any{"url": url, key: v} }
	ref := func(r string) map[string]any { return map[string]any{"reference": r} }
	citation := func(parts ...any) map[string]any { return map[string]any{"url": "citation", "extension": parts} }
	tests := []struct {
		name, url string
		ext       map[string]any
		valid     bool
	}{
		{"statement citing a resource and a document", sd + "chr-statement", ext(sd+"chr-statement",
			sub("text", "valueString", "Hypertension, on lisinopril."),
			citation(sub("source", "valueReference", ref("Condition/c1"))),
			citation(sub("source", "valueReference", ref("DocumentReference/d1")), sub("start", "valueInteger", 10), sub("end", "valueInteger", 38))), true},
		{"statement without citation", sd + "chr-statement", ext(sd+"chr-statement", sub("text", "valueString", "x")), false},
		{"statement without text", sd + "chr-statement", ext(sd+"chr-statement", citation(sub("source", "valueReference", ref("Condition/c1")))), false},
		{"citation without source", sd + "chr-statement", ext(sd+"chr-statement", sub("text", "valueString", "x"),
			citation(sub("start", "valueInteger", 1), sub("end", "valueInteger", 2))), false},
		{"citation with start only", sd + "chr-statement", ext(sd+"chr-statement", sub("text", "valueString", "x"),
			citation(sub("source", "valueReference", ref("DocumentReference/d1")), sub("start", "valueInteger", 1))), false},
		{"citation with an empty range", sd + "chr-statement", ext(sd+"chr-statement", sub("text", "valueString", "x"),
			citation(sub("source", "valueReference", ref("DocumentReference/d1")), sub("start", "valueInteger", 5), sub("end", "valueInteger", 5))), false},
		{"statement with an unknown part", sd + "chr-statement", ext(sd+"chr-statement", sub("text", "valueString", "x"),
			citation(sub("source", "valueReference", ref("Condition/c1"))), sub("note", "valueString", "y")), false},
		{"source range", sd + "chr-source-range", ext(sd+"chr-source-range", sub("start", "valueInteger", 0), sub("end", "valueInteger", 12)), true},
		{"source range without end", sd + "chr-source-range", ext(sd+"chr-source-range", sub("start", "valueInteger", 0)), false},
		{"source range reversed", sd + "chr-source-range", ext(sd+"chr-source-range", sub("start", "valueInteger", 9), sub("end", "valueInteger", 3)), false},
		{"source range of strings", sd + "chr-source-range", ext(sd+"chr-source-range", sub("start", "valueString", "0"), sub("end", "valueInteger", 3)), false},
		{"confidence", sd + "chr-confidence", map[string]any{"resourceType": "Extension", "url": sd + "chr-confidence", "valueDecimal": 0.87}, true},
		{"confidence above 1", sd + "chr-confidence", map[string]any{"resourceType": "Extension", "url": sd + "chr-confidence", "valueDecimal": 1.5}, false},
		{"confidence without value", sd + "chr-confidence", map[string]any{"resourceType": "Extension", "url": sd + "chr-confidence"}, false},
	}
	for _, tc := range tests {
		body, err := json.Marshal(tc.ext)
		if err != nil {
			t.Fatal(err)
		}
		issues, err := set.ValidateAgainst(t.Context(), tc.url, body)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.valid && len(issues) > 0 {
			t.Errorf("%s: want valid, got %+v", tc.name, issues)
		}
		if !tc.valid && len(issues) == 0 {
			t.Errorf("%s: want issues, got none", tc.name)
		}
	}
}
