package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
)

// BenchmarkReadAccess measures what access control costs a read: an
// unrestricted caller without and with its AuditEvent (durable before the
// answer), a caller restricted to one patient's compartment, whose read is
// also checked by a query, and 16 concurrent readers, whose AuditEvents
// share commits.
func BenchmarkReadAccess(b *testing.B) {
	for _, be := range testbackends.All() {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			ctx := context.Background()
			if err := st.CreateTenant(ctx, "bench"); err != nil {
				b.Fatal(err)
			}
			system := engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "bench", System: true}})
			setup := engine.New(st, newValidator(b), engine.Options{})
			pat, err := setup.Do(system, "bench", engine.Interaction{Method: "POST", Type: "Patient", Body: []byte(`{"resourceType":"Patient","name":[{"family":"Bench"}]}`)})
			if err != nil {
				b.Fatal(err)
			}
			obs, err := setup.Do(system, "bench", engine.Interaction{Method: "POST", Type: "Observation", Body: fmt.Appendf(nil,
				`{"resourceType":"Observation","status":"final","code":{"text":"hr"},"subject":{"reference":"Patient/%s"}}`, pat.Resource.ID)})
			if err != nil {
				b.Fatal(err)
			}
			patientOnly := compartment{patient: pat.Resource.ID}
			for _, c := range []struct {
				name   string
				audit  bool
				access engine.Access
			}{
				{"unrestricted", false, engine.Unrestricted},
				{"unrestricted+audit", true, engine.Unrestricted},
				{"compartment+audit", true, patientOnly},
			} {
				b.Run(c.name, func(b *testing.B) {
					eng := engine.New(st, newValidator(b), engine.Options{Audit: c.audit})
					cctx := engine.WithCaller(ctx, engine.Caller{Access: c.access, Agent: audit.Agent{Who: "bench"}})
					for b.Loop() {
						if _, err := eng.Read(cctx, "bench", "Observation", obs.Resource.ID); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
				})
			}
			// Concurrent readers share audit commits (group commit).
			b.Run("unrestricted+audit/16-clients", func(b *testing.B) {
				eng := engine.New(st, newValidator(b), engine.Options{Audit: true})
				cctx := engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "bench"}})
				b.SetParallelism(8) // 8 × GOMAXPROCS (2 here) = 16 readers
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := eng.Read(cctx, "bench", "Observation", obs.Resource.ID); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
			})
		})
	}
}

// compartment restricts Observations to one patient's, as a patient/
// scope does (the real rule lives in auth/scope; this keeps the benchmark
// about the engine's cost).
type compartment struct{ patient string }

func (c compartment) Restrict(typ string, _ engine.Action) (store.Filter, bool, error) {
	return store.ReferenceMatch{Param: "subject", Type: "Patient", ID: c.patient}, true, nil
}
