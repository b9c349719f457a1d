package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/internal/pgtest"
)

func TestZZRate(t *testing.T) {
	ctx := t.Context()
	s, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.CreateTenant(ctx, "t")
	pad := strings.Repeat("x", 1700)
	body := func(id string, v int64) []byte {
		return fmt.Appendf(nil, `{"resourceType":"Patient","id":%q,"meta":{"versionId":"%d","lastUpdated":"2025-01-01T00:00:00.000Z"},"identifier":[{"system":"urn:mrn","value":%q},{"system":"urn:ssn","value":"s-%s"}],"name":[{"family":"Doe","given":["John","Q"]}],"gender":"male","birthDate":"1970-01-01","text":{"status":"generated","div":"<div>%s</div>"}}`, id, v, id, id, pad)
	}
	fmt.Println("body bytes", len(body("p-000000-000", 1)))
	const batch, rounds = 500, 20
	run := func(version int64) {
		var total time.Duration
		for r := range rounds {
			ws := make([]store.Write, batch)
			for i := range ws {
				id := fmt.Sprintf("p-%06d-%03d", r, i)
				ws[i] = store.Write{Type: "Patient", ID: id, Version: version, LastUpdated: time.Now(), Method: store.MethodPut, Body: body(id, version),
					Tokens: []store.Token{{Param: "identifier", System: "urn:mrn", Code: id}, {Param: "identifier", System: "urn:ssn", Code: "s-" + id}}}
			}
			start := time.Now()
			err := s.Update(ctx, "t", func(tx store.Tx) error { return tx.Write(ctx, ws) })
			total += time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
		}
		fmt.Printf("version %d: %d x %d writes: %.0f resources/s (%.1f ms per Update)\n", version, rounds, batch,
			float64(batch*rounds)/total.Seconds(), float64(total.Milliseconds())/rounds)
	}
	run(1)
	run(2)
	run(3)
}

func TestZZSingle(t *testing.T) {
	ctx := t.Context()
	s, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.CreateTenant(ctx, "t")
	const n = 1000
	start := time.Now()
	for i := range n {
		id := fmt.Sprintf("p-%d", i)
		w := store.Write{Type: "Patient", ID: id, Version: 1, LastUpdated: time.Now(), Method: store.MethodPost, Body: []byte(`{"resourceType":"Patient"}`),
			Tokens: []store.Token{{Param: "identifier", System: "urn:mrn", Code: id}}}
		if err := s.Update(ctx, "t", func(tx store.Tx) error {
			if _, err := tx.Current(ctx, "Patient", id); err == nil {
				t.Fatal("exists")
			}
			return tx.Write(ctx, []store.Write{w})
		}); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Printf("single: %.0f µs per Update\n", float64(time.Since(start).Microseconds())/n)
}
