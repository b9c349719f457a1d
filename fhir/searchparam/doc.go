// Package searchparam is the registry of FHIR R4 (4.0.1) search parameters,
// generated from HL7's official search-parameters.json bundle: every
// SearchParameter of the specification for every resource type, with its
// type, FHIRPath expression, targets, comparators and composite components.
//
// Parameters shared by several base types carry one union expression in the
// specification (e.g. code "patient": "AllergyIntolerance.patient |
// CarePlan.subject.where(resolve() is Patient) | ..."). Lookup and ForType
// return a Param whose Expression holds only the parts that apply to the
// requested resource type; FullExpression keeps the original.
//
// The parameters defined on Resource (_id, _lastUpdated, _tag, _profile,
// _security, _source, _content, _query) apply to every resource type, and
// the one defined on DomainResource (_text) to every type except Bundle,
// Binary and Parameters.
//
// PatientCompartment exposes the Patient CompartmentDefinition: which search
// parameters link a resource to a Patient.
//
// All returned *Param values (and their slices) point into tables shared by
// every caller: they must not be modified.
package searchparam

//go:generate go run ./internal/gen -in ../../../shared/fhir-spec/search-parameters.hl7-official-4.0.1.json -compartment ../../../shared/fhir-spec/compartmentdefinition-patient.json -out registry_gen.go
