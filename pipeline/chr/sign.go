package chr

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
)

// Sign is $chr-sign: the caller, a person with a FHIR identity
// (fhirUser), signs the draft CHR r. The new version is final, with a
// legal attester (the caller, now); the engine rule adds its Provenance
// (activity attest) in the same transaction, and the write is audited as
// the caller's update. ifMatch, when given, must name the current version
// (the one the clinician reviewed); the operation itself checks the
// version it read, so a concurrent edit makes it fail with 412 rather than
// sign something unseen.
func (d *Drafter) Sign(ctx context.Context, tenant string, r store.Resource, ifMatch string) (store.Resource, error) {
	obj, err := fhir.ParseObject(r.Body)
	if err != nil {
		return store.Resource{}, err
	}
	if !isCHR(obj) {
		return store.Resource{}, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueBusinessRule, "Composition/%s is not a Client Health Report", r.ID)
	}
	if s := str(obj, "status"); s != "preliminary" {
		return store.Resource{}, fhir.Errorf(http.StatusConflict, fhir.IssueBusinessRule, "Composition/%s is %s, not a draft: only a preliminary CHR can be signed", r.ID, s)
	}
	agent, err := engine.CallerAgent(ctx)
	if err != nil {
		return store.Resource{}, err
	}
	if !signer(agent.FHIRUser) {
		return store.Resource{}, fhir.Errorf(http.StatusForbidden, fhir.IssueForbidden,
			"signing a Client Health Report needs a person's identity: a user whose token carries fhirUser (Practitioner, PractitionerRole or RelatedPerson), or an API key created with --fhir-user")
	}
	if ifMatch == "" {
		ifMatch = fmt.Sprintf(`W/"%d"`, r.Version)
	}
	now := fhir.FormatInstant(d.opts.Now().UTC())
	obj["status"] = "final"
	obj["title"] = strings.TrimSuffix(str(obj, "title"), " (draft)")
	obj["date"] = now
	obj["attester"] = []any{map[string]any{"mode": "legal", "time": now, "party": agentReference(agent)}}
	delete(obj, "meta") // the engine sets version and time; the profile and labels are kept below
	if meta, ok := get(fhir.Object(mustParse(r.Body)), "meta").(map[string]any); ok {
		kept := map[string]any{}
		for _, k := range []string{"profile", "security", "tag"} {
			if v, ok := meta[k]; ok {
				kept[k] = v
			}
		}
		obj["meta"] = kept
	}
	body, err := obj.Marshal()
	if err != nil {
		return store.Resource{}, err
	}
	res, err := d.engine.Do(withSigning(ctx), tenant, engine.Interaction{Method: http.MethodPut, Type: "Composition", ID: r.ID, Body: body, IfMatch: ifMatch})
	if err != nil {
		return store.Resource{}, err
	}
	return res.Resource, nil
}

func mustParse(b []byte) map[string]any {
	o, _ := fhir.ParseObject(b)
	return o
}

// signer reports whether a fhirUser names a person who can attest.
func signer(fhirUser string) bool {
	i := strings.LastIndex(fhirUser, "/")
	if i <= 0 {
		return false
	}
	typ := fhirUser[:i]
	if j := strings.LastIndex(typ, "/"); j >= 0 {
		typ = typ[j+1:]
	}
	switch typ {
	case "Practitioner", "PractitionerRole", "RelatedPerson":
		return true
	}
	return false
}
