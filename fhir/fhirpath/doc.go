// Package fhirpath compiles and evaluates FHIRPath expressions over FHIR R4
// resources decoded from JSON (map[string]any, numbers as json.Number).
//
// It is built for search indexing: Compile parses once into an immutable
// tree that many goroutines may evaluate concurrently; evaluation walks the
// JSON directly, typing every item from the R4 model in package
// fhir/model, without reflection. Navigation follows the model: a choice
// element (Observation.value) is found under its typed keys
// (valueQuantity) and typed by the suffix, and a leading type name
// (Patient.name, Resource.id) matches the resource or a supertype.
//
// The FHIRPath function set is covered broadly (existence, filtering,
// subsetting, combining, conversion, string, math, type, tree navigation,
// aggregate, sort, date/time arithmetic with calendar durations). Known
// gaps, tracked test by test against the official suite in
// testdata/known_failures.txt:
//
//   - no static typing: a path name that is an element of no R4 type is a
//     Compile error, but a name valid elsewhere (Encounter.name on a
//     Patient) is simply empty;
//   - resolve() does not fetch: a reference yields a stub {resourceType,
//     id} typed by its target (enough for `where(resolve() is Patient)`),
//     except "#id" references, which resolve to the contained resource;
//   - quantities convert only between common mass, length, volume and time
//     units; no UCUM algebra;
//   - primitives that carry only extensions (a null in the value array)
//     are not items;
//   - lowBoundary(), highBoundary(), precision(), comparable(),
//     conformsTo() and terminology functions (memberOf) are not provided.
package fhirpath
