package chr

import (
	"context"
	"net/http"
	"slices"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
)

// draftTypes are the types a draft reads besides the Patient: the chart
// and the redacted documents.
func draftTypes() []string {
	var out []string
	for _, q := range chartQueries("") {
		if !slices.Contains(out, q.typ) {
			out = append(out, q.typ)
		}
	}
	return append(out, "DocumentReference")
}

// callerAccess checks that ctx's caller may read the patient and search
// every type a draft reads, answering 403 with the first it may not (a
// draft must not summarise for a caller what that caller may not see),
// and reports whether the caller may see only part of any of them (some
// labels, some compartments): such a caller's draft is read as the
// caller.
func (d *Drafter) callerAccess(ctx context.Context) (partial bool, err error) {
	if partial, err = d.engine.Restricted(ctx, "Patient", engine.ActionRead); err != nil {
		return false, err
	}
	for _, typ := range draftTypes() {
		p, err := d.engine.Restricted(ctx, typ, engine.ActionSearch)
		if err != nil {
			if fhir.AsError(err).Status == http.StatusForbidden {
				return false, fhir.Errorf(http.StatusForbidden, fhir.IssueForbidden,
					"drafting a CHR reads the patient's %s resources, which this caller may not search", typ)
			}
			return false, err
		}
		partial = partial || p
	}
	return partial, nil
}

// callerPayload is the job payload of a draft ctx's caller asks for: for
// a caller who may read the whole chart, the patient alone; for one who
// may read part of it, also that part, read now as the caller.
func (d *Drafter) callerPayload(ctx context.Context, tenant, patient string) (payload, error) {
	p := payload{Patient: patient}
	partial, err := d.callerAccess(ctx)
	if err != nil || !partial {
		return p, err
	}
	rec, err := d.gather(ctx, tenant, patient)
	if err != nil {
		return p, err
	}
	p.Scoped = true
	for typ, rs := range rec.resources {
		for _, r := range rs {
			p.Visible = append(p.Visible, typ+"/"+r.ID())
		}
	}
	_, docs, err := d.redactedDocuments(ctx, tenant, patient, nil)
	if err != nil {
		return p, err
	}
	for _, id := range docs {
		p.Visible = append(p.Visible, "DocumentReference/"+id)
	}
	slices.Sort(p.Visible)
	return p, nil
}
