package chr

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
)

// Validator validates a resource against the profiles it claims.
type Validator interface {
	Validate(ctx context.Context, body []byte) ([]fhir.Issue, error)
}

type writeKindKey struct{}

// writeKind says which of the package's own writes a context carries.
type writeKind int

const (
	otherWrite writeKind = iota
	draftWrite           // the drafter's: it writes its own, richer Provenance
	signWrite            // $chr-sign's: the rule derives the attestation's Provenance
)

func withOwnWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, writeKindKey{}, draftWrite)
}

func withSigning(ctx context.Context) context.Context {
	return context.WithValue(ctx, writeKindKey{}, signWrite)
}

func kindOf(ctx context.Context) writeKind { k, _ := ctx.Value(writeKindKey{}).(writeKind); return k }

// isCHR reports whether a Composition is a CHR: it claims the profile or
// the CHR category.
func isCHR(o fhir.Object) bool {
	for _, p := range list(o, "meta", "profile") {
		if p == ProfileURL {
			return true
		}
	}
	for _, c := range list(o, "category") {
		for _, cd := range list(c, "coding") {
			if str(cd, "system") == CategorySystem && str(cd, "code") == "chr" {
				return true
			}
		}
	}
	return false
}

func signed(status string) bool { return status == "final" || status == "amended" }

// Rule is the engine rule for Compositions. For every version of a CHR
// written by anyone:
//   - it must validate against the CHR profile (violations are a 422
//     with the profile's issues), and a CHR stays a CHR;
//   - an update or patch must carry If-Match (428 without), so an edit is
//     always made against the version the editor saw;
//   - only $chr-sign makes a draft final; a signed CHR cannot be deleted,
//     and changes only into a new version with status amended (or
//     entered-in-error);
//   - an edit may not drop or lower its confidentiality label (R, V);
//   - every edit, amendment or client-written CHR gets a Provenance (its
//     author, the version it revises) in the same transaction.
func Rule(v Validator) engine.Rule {
	return func(ctx context.Context, c engine.Change) ([]engine.Derived, error) {
		var prev, next fhir.Object
		if c.Previous != nil {
			p, err := fhir.ParseObject(c.Previous.Body)
			if err != nil {
				return nil, fmt.Errorf("chr: previous Composition/%s: %w", c.ID, err)
			}
			prev = p
		}
		if c.Body != nil {
			n, err := fhir.ParseObject(c.Body)
			if err != nil {
				return nil, fmt.Errorf("chr: Composition/%s: %w", c.ID, err)
			}
			next = n
		}
		wasCHR := prev != nil && isCHR(prev)
		if !wasCHR && (next == nil || !isCHR(next)) {
			return nil, nil
		}
		prevStatus := str(prev, "status")
		if next == nil { // delete
			if signed(prevStatus) {
				return nil, fhir.Errorf(http.StatusConflict, fhir.IssueBusinessRule,
					"Composition/%s is a signed Client Health Report: it cannot be deleted; amend it, or set its status to entered-in-error", c.ID)
			}
			return nil, nil
		}
		if wasCHR && !isCHR(next) {
			return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueBusinessRule,
				"Composition/%s is a Client Health Report and must keep its profile (%s) and category", c.ID, ProfileURL)
		}
		if !slices.Contains(list(next, "meta", "profile"), any(ProfileURL)) {
			return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueBusinessRule,
				"a Client Health Report must claim its profile in meta.profile (%s)", ProfileURL).WithExpression("Composition.meta.profile")
		}
		if v != nil {
			issues, err := v.Validate(ctx, c.Body)
			if err != nil {
				return nil, fmt.Errorf("chr: validate Composition/%s: %w", c.ID, err)
			}
			var errs []fhir.Issue
			for _, is := range issues {
				if is.Severity == fhir.SeverityError || is.Severity == fhir.SeverityFatal {
					errs = append(errs, is)
				}
			}
			if len(errs) > 0 {
				return nil, fhir.NewError(http.StatusUnprocessableEntity, errs...)
			}
		}
		nextStatus := str(next, "status")
		switch kindOf(ctx) {
		case draftWrite:
			return nil, nil
		case signWrite:
			return attestation(c, next)
		}
		activity, text := "CREATE", "create"
		if prev != nil {
			if !c.IfMatch {
				return nil, fhir.Errorf(http.StatusPreconditionRequired, fhir.IssueBusinessRule,
					"editing a Client Health Report needs If-Match with the version you reviewed (ETag of Composition/%s)", c.ID)
			}
			activity, text = "UPDATE", "edit"
			// An edit may not declassify: the label says what the report
			// draws on, and dropping it would hand restricted content to
			// readers the record itself is kept from.
			if was := confidentialityOf(prev); confidentialityRank[was] > confidentialityRank[confidentialityOf(next)] {
				return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueBusinessRule,
					"Composition/%s is labelled confidentiality %s (it draws on restricted records): an edit must keep that label in meta.security", c.ID, was).WithExpression("Composition.meta.security")
			}
			switch {
			case signed(prevStatus) && nextStatus == "amended":
				text = "amend"
			case signed(prevStatus) && nextStatus == "entered-in-error":
				text = "entered in error"
			case signed(prevStatus):
				return nil, fhir.Errorf(http.StatusConflict, fhir.IssueBusinessRule,
					"Composition/%s is signed (%s): it changes only as a new version with status amended", c.ID, prevStatus).WithExpression("Composition.status")
			case nextStatus == "final" || nextStatus == "amended":
				return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueBusinessRule,
					"a draft Client Health Report is made final by signing it: POST Composition/%s/$chr-sign", c.ID).WithExpression("Composition.status")
			}
		} else if nextStatus != "preliminary" {
			return nil, fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueBusinessRule,
				"a new Client Health Report starts as preliminary; sign it with $chr-sign").WithExpression("Composition.status")
		}
		return changeProvenance(c, next, map[string]any{"coding": []any{map[string]any{"system": dataOperation, "code": activity}}, "text": text}, "author")
	}
}

// attestation is the Provenance of a signature: the signer attests the
// version that $chr-sign writes.
func attestation(c engine.Change, next fhir.Object) ([]engine.Derived, error) {
	return changeProvenance(c, next, map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "LA", "display": "legal authenticator"}}, "text": "attest"}, "attester")
}

// changeProvenance is the Provenance of a person's change to a CHR: the
// new version is its target, the agent whoever made the change, and the
// version it revises its entity.
func changeProvenance(c engine.Change, next fhir.Object, activity map[string]any, agentType string) ([]engine.Derived, error) {
	prov := provenance(fmt.Sprintf("prov-%s-%d", c.ID, c.Version), fmt.Sprintf("Composition/%s/_history/%d", c.ID, c.Version),
		str(next, "meta", "lastUpdated"), activity, agentType, agentReference(c.Agent))
	if c.Previous != nil {
		prov["entity"] = []any{map[string]any{"role": "revision", "what": map[string]any{
			"reference": fmt.Sprintf("Composition/%s/_history/%d", c.ID, c.Previous.Version)}}}
	}
	body, err := prov.Marshal()
	if err != nil {
		return nil, err
	}
	return []engine.Derived{{Type: "Provenance", ID: prov.ID(), Body: body}}, nil
}

// agentReference is who acted, as a Reference: the user's FHIR resource
// when known, else a display of the principal.
func agentReference(a audit.Agent) map[string]any {
	if a.FHIRUser != "" && !strings.HasPrefix(a.FHIRUser, "http") {
		return map[string]any{"reference": a.FHIRUser}
	}
	d := a.Display
	if d == "" {
		d = a.Who
	}
	if a.FHIRUser != "" {
		return map[string]any{"reference": a.FHIRUser, "display": d}
	}
	return map[string]any{"display": d}
}
