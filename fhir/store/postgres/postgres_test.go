package postgres_test

import (
	"testing"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/storetest"
	"github.com/kiln-health/kiln/internal/pgtest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
