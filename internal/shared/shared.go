// Package shared is how tests treat the public sample data that lives
// beside the repository in ../shared (FHIR specification files, FHIRPath
// test suite, Synthea bundles, R4 examples): a developer without it gets a
// loud skip, CI (CI=true) a failure, because CI must never pass by skipping
// what the tests are there to check.
package shared

import (
	"os"
	"testing"
)

// Missing reports that the shared data a test needs is not there.
func Missing(tb testing.TB, what string, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("shared data missing (required when CI=true): %s: %v", what, err)
	}
	tb.Skipf("SKIPPED: shared data missing: %s: %v", what, err)
}
