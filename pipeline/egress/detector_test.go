package egress_test

import (
	"context"
	"testing"

	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/pipeline/phi"
)

// A detector that sends text out of Kiln runs only for tenants whose policy
// lets its processor receive PHI; every call, and every refusal, is
// audited. Kiln's own detector stands in for the outside one here: what is
// under test is the gate around it.
func TestGuardedDetector(t *testing.T) {
	inner, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	const text = "Seen Zebulon Quartermaine today; call (617) 555-0142."
	onBackends(t, func(t *testing.T, st store.Store, eng *engine.Engine) {
		ctx := context.Background()
		d := egress.NewGate(st, eng).Detector("aws-comprehend-medical", inner)

		// No tenant on the context: nothing is sent, nothing found.
		if spans, err := d.Detect(ctx, text, phi.Hints{}); err != nil || spans != nil {
			t.Fatalf("without a tenant: %v, %v", spans, err)
		}
		// Not allowed (only redacted data is): refused and audited, no spans.
		if err := egress.Allow(ctx, st, "t", "aws-comprehend-medical", egress.Redacted); err != nil {
			t.Fatal(err)
		}
		if spans, err := d.Detect(egress.WithTenant(ctx, "t"), text, phi.Hints{}); err != nil || spans != nil {
			t.Fatalf("refused: %v, %v", spans, err)
		}
		// Allowed to receive PHI: the call runs and is recorded with its size.
		if err := egress.Allow(ctx, st, "t", "aws-comprehend-medical", egress.PHI); err != nil {
			t.Fatal(err)
		}
		spans, err := d.Detect(egress.WithTenant(ctx, "t"), text, phi.Hints{})
		if err != nil || len(spans) < 2 {
			t.Fatalf("allowed: %v, %v", spans, err)
		}
		evs := events(t, st, "t")
		if len(evs) != 2 {
			t.Fatalf("%d egress events, want a refusal and a call: %+v", len(evs), evs)
		}
		if evs[0].Outcome == evs[1].Outcome {
			t.Errorf("outcomes %q and %q, want one refusal and one success", evs[0].Outcome, evs[1].Outcome)
		}
		for _, ev := range evs {
			if ev.Processor != "aws-comprehend-medical" || ev.Class != egress.PHI || ev.Bytes != len(text) || ev.Purpose != "phi-detection" {
				t.Errorf("event %+v", ev.Record)
			}
		}
		// Another tenant's policy is its own.
		if spans, _ := d.Detect(egress.WithTenant(ctx, "u"), text, phi.Hints{}); spans != nil {
			t.Errorf("tenant u without a grant got spans")
		}
	})
}
