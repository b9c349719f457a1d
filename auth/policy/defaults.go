package policy

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/kiln-health/kiln/fhir/store"
)

// Type groups of the default rules.
const (
	GroupClinical  = "clinical"
	GroupAdminData = "admin-data"
	GroupAudit     = "audit"
)

// defaultTypeGroups puts every R4 type of the Patient compartment in a
// group (the tests hold it to that), so no type with patient data falls
// outside the role rules; types in none (conformance resources, for
// example) are only reachable through "*" rules.
var defaultTypeGroups = map[string][]string{
	// Patient-level data, financial records included: all of it carries
	// the same protected health information.
	GroupClinical: {
		"Account", "AdverseEvent", "AllergyIntolerance", "Appointment", "AppointmentResponse",
		"Basic", "Binary", "BodyStructure", "CarePlan", "CareTeam", "ChargeItem", "Claim",
		"ClaimResponse", "ClinicalImpression", "Communication", "CommunicationRequest",
		"Composition", "Condition", "Consent", "Coverage", "CoverageEligibilityRequest",
		"CoverageEligibilityResponse", "DetectedIssue", "DeviceRequest", "DeviceUseStatement",
		"DiagnosticReport", "DocumentManifest", "DocumentReference", "Encounter",
		"EnrollmentRequest", "EpisodeOfCare", "ExplanationOfBenefit", "FamilyMemberHistory",
		"Flag", "Goal", "GuidanceResponse", "ImagingStudy", "Immunization",
		"ImmunizationEvaluation", "ImmunizationRecommendation", "Invoice", "List",
		"MeasureReport", "Media", "MedicationAdministration", "MedicationDispense",
		"MedicationRequest", "MedicationStatement", "MolecularSequence", "NutritionOrder",
		"Observation", "Patient", "Person", "Procedure", "Provenance", "QuestionnaireResponse",
		"RelatedPerson", "RequestGroup", "ResearchSubject", "RiskAssessment", "ServiceRequest",
		"Specimen", "SupplyDelivery", "SupplyRequest", "Task", "VisionPrescription",
	},
	// The directory (who and where), catalogues, and the definitions
	// clinical data refers to.
	GroupAdminData: {
		"ActivityDefinition", "CodeSystem", "ConceptMap", "Device", "DeviceDefinition",
		"DeviceMetric", "Endpoint", "Group", "HealthcareService", "InsurancePlan", "Library",
		"Location", "Measure", "Medication", "MedicationKnowledge", "NamingSystem",
		"Organization", "OrganizationAffiliation", "PlanDefinition", "Practitioner",
		"PractitionerRole", "Questionnaire", "Schedule", "Slot", "Substance", "ValueSet",
	},
	GroupAudit: {"AuditEvent"},
}

// DefaultTypeGroups returns the built-in type groups: group name to
// resource types.
func DefaultTypeGroups() map[string][]string {
	out := make(map[string][]string, len(defaultTypeGroups))
	for g, types := range defaultTypeGroups {
		out[g] = slices.Clone(types)
	}
	return out
}

// Default roles.
const (
	RoleAdmin       = "admin"
	RoleClinician   = "clinician"
	RoleAnalyst     = "analyst"
	RoleIntegration = "integration"
	RoleAuditor     = "auditor"
)

// DefaultRules returns the built-in rules (all for tenant "*"); the
// package documentation tabulates them.
func DefaultRules() []Rule {
	var rules []Rule
	grant := func(role, label string, types, acts []string) {
		for _, t := range types {
			for _, a := range acts {
				rules = append(rules, Rule{Subject: role, Tenant: Any, Type: t, Action: a, Label: label, Effect: EffectAllow})
			}
		}
	}
	clinicalAndAdmin := []string{GroupClinical, GroupAdminData}
	readSearch := []string{ActionRead, ActionSearch}

	grant(RoleAdmin, Any, []string{Any}, []string{Any})
	grant(RoleAdmin, LabelRestricted, []string{Any}, []string{Any})
	grant(RoleClinician, Any, []string{GroupClinical}, []string{ActionRead, ActionSearch, ActionCreate, ActionUpdate})
	grant(RoleClinician, Any, []string{GroupAdminData}, readSearch)
	grant(RoleAnalyst, LabelRedacted, clinicalAndAdmin, readSearch)
	grant(RoleIntegration, Any, clinicalAndAdmin, []string{ActionCreate, ActionUpdate, ActionRead, ActionSearch})
	grant(RoleAuditor, Any, []string{GroupAudit, "Provenance"}, readSearch)
	return rules
}

// SeedDefaults stores the default rules and type groups if no rule was
// ever stored: neither a rule nor a generation record exists. Removing
// every rule is a deliberate lockdown that a restart must not undo, which
// is why an emptied store is not seeded again.
//
// The defaults are written in one transaction, so a crash leaves all or
// none. Two processes seeding at once write the same rules; a rule added
// by someone else between the check and the write would be lost, which
// only a change racing the first start of a new database can hit.
func (e *Engine) SeedDefaults(ctx context.Context) error {
	existing, err := e.adapter.records.ListRecords(ctx, "", ruleKind)
	if err != nil {
		return fmt.Errorf("policy: seed defaults: %w", err)
	}
	gen, err := e.adapter.generation(ctx)
	if err != nil {
		return err
	}
	if len(existing) > 0 || gen != "" {
		return nil
	}
	var recs []store.Record
	for _, r := range DefaultRules() {
		rec, err := ruleRecord("p", r.values())
		if err != nil {
			return fmt.Errorf("policy: seed defaults: %w", err)
		}
		recs = append(recs, rec)
	}
	for _, g := range slices.Sorted(maps.Keys(defaultTypeGroups)) {
		for _, t := range defaultTypeGroups[g] {
			rec, err := ruleRecord("g2", []string{t, g})
			if err != nil {
				return fmt.Errorf("policy: seed defaults: %w", err)
			}
			recs = append(recs, rec)
		}
	}
	if err := e.adapter.records.ReplaceRecords(ctx, "", ruleKind, recs); err != nil {
		return fmt.Errorf("policy: seed defaults: %w", err)
	}
	if err := e.adapter.bump(ctx); err != nil {
		return err
	}
	return e.reloadAfter(ctx, "seeded the defaults")
}
