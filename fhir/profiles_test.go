package fhir_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kiln-health/kiln/fhir"
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
