package engine_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

// TestConcurrentReadsEachLeaveAnAuditEvent reads from many goroutines at
// once, so AuditEvents share group commits, and checks that every read
// left exactly its own AuditEvent, on both backends.
func TestConcurrentReadsEachLeaveAnAuditEvent(t *testing.T) {
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			ctx := context.Background()
			if err := st.CreateTenant(ctx, "t"); err != nil {
				t.Fatal(err)
			}
			eng := engine.New(st, v, engine.Options{Audit: true})
			sys := engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
			res, err := eng.Do(sys, "t", engine.Interaction{Method: "POST", Type: "Patient", Body: []byte(`{"resourceType":"Patient"}`)})
			if err != nil {
				t.Fatal(err)
			}
			const readers, reads = 12, 10
			var wg sync.WaitGroup
			for i := range readers {
				wg.Go(func() {
					reader := engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "reader-" + string(rune('a'+i))}})
					for range reads {
						if _, err := eng.Read(reader, "t", "Patient", res.Resource.ID); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			var events []store.Resource
			err = st.View(ctx, "t", func(tx store.Tx) error {
				events, _, err = tx.Search(ctx, store.Query{Types: []string{"AuditEvent"}, Limit: 1000})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			perReader := map[string]int{}
			for _, e := range events {
				obj, err := fhir.ParseObject(e.Body)
				if err != nil {
					t.Fatal(err)
				}
				agent := obj["agent"].([]any)[0].(map[string]any)
				who := agent["who"].(map[string]any)["display"].(string)
				perReader[who]++
			}
			if perReader["test"] != 1 {
				t.Errorf("the create left %d AuditEvents, want 1", perReader["test"])
			}
			for i := range readers {
				who := "reader-" + string(rune('a'+i))
				if perReader[who] != reads {
					t.Errorf("%s: %d AuditEvents, want %d", who, perReader[who], reads)
				}
			}
			if len(events) != 1+readers*reads {
				t.Errorf("%d AuditEvents, want %d", len(events), 1+readers*reads)
			}
		})
	}
}
