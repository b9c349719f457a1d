package egress

import (
	"context"
	"errors"

	"github.com/kiln-health/kiln/pipeline/phi"
)

type tenantKey struct{}

// WithTenant returns ctx carrying the tenant whose data the work on ctx
// handles, for components whose interface has no tenant (a phi.Detector).
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, tenantKey{}, tenant)
}

// TenantFrom returns the tenant WithTenant put in ctx.
func TenantFrom(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(tenantKey{}).(string)
	return t, ok && t != ""
}

// Detector guards a PHI detector that sends the raw text outside Kiln
// (AWS Comprehend Medical): each call needs the tenant's policy to let
// processor receive PHI, and is recorded. Where the policy refuses, the
// detector finds nothing and the call is audited as refused, so a
// combined detector (phi.Combine) goes on with Kiln's own. The tenant
// comes from the context (WithTenant); without one, nothing is sent.
func (g *Gate) Detector(processor string, d phi.Detector) phi.Detector {
	return guardedDetector{gate: g, processor: processor, inner: d}
}

type guardedDetector struct {
	gate      *Gate
	processor string
	inner     phi.Detector
}

func (d guardedDetector) Name() string    { return d.inner.Name() }
func (d guardedDetector) Version() string { return d.inner.Version() }

func (d guardedDetector) Detect(ctx context.Context, text string, hints phi.Hints) ([]phi.Span, error) {
	tenant, ok := TenantFrom(ctx)
	if !ok {
		return nil, nil
	}
	var spans []phi.Span
	err := d.gate.Send(ctx, tenant, Call{Processor: d.processor, Purpose: "phi-detection", Class: PHI, Bytes: len(text)},
		func(ctx context.Context) error {
			var err error
			spans, err = d.inner.Detect(ctx, text, hints)
			return err
		})
	if errors.Is(err, ErrDenied) {
		return nil, nil
	}
	return spans, err
}
