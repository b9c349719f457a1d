package profile

import "github.com/kiln-health/kiln/fhir/fhirpath"

// containsPattern reports whether inst matches a pattern[x] value: every
// property of the pattern is present with a matching value, and every
// element of a pattern array matches some element of the instance array.
func containsPattern(inst, pattern any) bool {
	switch p := pattern.(type) {
	case map[string]any:
		m, ok := inst.(map[string]any)
		if !ok {
			return false
		}
		for k, pv := range p {
			if !containsPattern(m[k], pv) {
				return false
			}
		}
		return true
	case []any:
		arr, ok := inst.([]any)
		if !ok {
			return false
		}
		for _, pv := range p {
			found := false
			for _, iv := range arr {
				if containsPattern(iv, pv) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	default:
		return fhirpath.JSONEqual(inst, pattern)
	}
}
