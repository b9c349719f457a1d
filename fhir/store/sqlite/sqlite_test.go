package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), filepath.Join(t.TempDir(), "data", "kiln.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
