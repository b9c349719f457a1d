// Package fhir holds what every part of Kiln needs to speak FHIR R4 JSON:
// resource type names, validation with github.com/google/fhir/go
// (jsonformat), OperationOutcome errors, Bundle shapes, and helpers that
// read and edit resource JSON without losing what the client sent.
package fhir
