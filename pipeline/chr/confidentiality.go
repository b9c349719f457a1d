package chr

import (
	"context"
	"strings"

	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/fhir"
)

// A draft is as confidential as the most confidential record it draws on:
// a CHR that states a restricted (confidentiality R or V) Condition, or
// quotes a restricted document, carries that label itself, so that the
// access rules that keep the record from a reader keep the summary from
// them too. The same holds for a Condition suggested from a restricted
// document.

// confidentialityRank orders the confidentiality codes that restrict
// access (policy's restricted class); others rank 0.
var confidentialityRank = map[string]int{"R": 1, "V": 2}

// confidentialityOf returns obj's most restricting confidentiality code,
// or "".
func confidentialityOf(obj fhir.Object) string {
	best := ""
	for _, c := range list(obj, "meta", "security") {
		if str(c, "system") == policy.ConfidentialitySystem {
			best = higher(best, str(c, "code"))
		}
	}
	return best
}

// higher returns the more restricting of two confidentiality codes.
func higher(a, b string) string {
	if confidentialityRank[b] > confidentialityRank[a] {
		return b
	}
	return a
}

// confidentialityLabel is the meta.security coding of code.
func confidentialityLabel(code string) map[string]any {
	display := map[string]string{"R": "restricted", "V": "very restricted"}[code]
	return map[string]any{"system": policy.ConfidentialitySystem, "code": code, "display": display}
}

// noteConfidentiality records the confidentiality of a record the draft
// reads.
func (in *draftInputs) noteConfidentiality(ref string, obj fhir.Object) {
	if c := confidentialityOf(obj); c != "" {
		in.confidential[ref] = c
	}
}

// documentConfidentiality makes sure the confidentiality of
// DocumentReference/id is recorded, reading it when the draft has not.
func (d *Drafter) documentConfidentiality(ctx context.Context, tenant, id string, in *draftInputs) error {
	ref := "DocumentReference/" + id
	if in.checked[ref] {
		return nil
	}
	r, err := d.engine.Read(ctx, tenant, "DocumentReference", id)
	if err != nil {
		return err
	}
	obj, err := fhir.ParseObject(r.Body)
	if err != nil {
		return err
	}
	in.checked[ref] = true
	in.noteConfidentiality(ref, obj)
	return nil
}

// highWaterMark is the most restricting confidentiality of refs ("Type/id",
// with or without "/_history/n").
func (in *draftInputs) highWaterMark(refs []string) string {
	best := ""
	for _, r := range refs {
		best = higher(best, in.confidential[unversioned(r)])
	}
	return best
}

// unversioned drops "/_history/n" from a reference.
func unversioned(ref string) string {
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		return ref[:i]
	}
	return ref
}
