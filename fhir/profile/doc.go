// Package profile validates FHIR R4 resources against the profiles
// (constraining StructureDefinitions) Kiln knows, and answers violations as
// OperationOutcome issues.
//
// It complements fhir.Validator, which checks a resource against base R4:
// this package checks only what a profile's differential adds. It supports
// what Kiln's own profiles use, and refuses at Load any profile using
// something it cannot check, so that no constraint is ignored silently:
//
//   - min/max cardinality at any path, inside slices too;
//   - fixed[x] (exact) and pattern[x] (the instance contains the pattern);
//   - type restrictions of choice elements, reference targets
//     (targetProfile naming a base resource type), type profiles the Set
//     knows (an extension's own StructureDefinition);
//   - slicing with pattern or value discriminators on a simple child path
//     (or $this, or an extension's url), per-slice cardinality, rules
//     open or closed;
//   - required bindings to ValueSets (loaded from the same files) that
//     enumerate their codes;
//   - constraint invariants, evaluated with fhir/fhirpath with the
//     element as focus (severity error gives an error, warning a warning).
//
// The differential is read against the R4 type model (fhir/model); the
// snapshot, if any, is not used. Base R4 rules, including the base
// resource's own invariants, are fhir.Validator's job.
package profile
