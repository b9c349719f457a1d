package token

import (
	"math"
	"slices"
	"strings"
	"time"
)

// External issuers disagree on how to spell claims; these helpers read
// the common spellings from a token's decoded JSON payload.

// stringClaim returns a string claim, or "" when absent or not a string.
func stringClaim(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

// scopeClaim reads the granted scopes as one space-separated string from
// scope (RFC 8693/9068: a space-separated string) or scp (an array, as
// Okta and Azure AD send it).
func scopeClaim(claims map[string]any) string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Join(strings.Fields(s), " ")
	}
	if names := namesClaim(claims["scp"]); len(names) > 0 {
		return strings.Join(names, " ")
	}
	return ""
}

// namesClaim reads a list of names (roles, scopes) given as an array of
// strings, a space-separated string, or an object whose keys are the
// names (as Zitadel sends project roles). The result is sorted for
// objects, in the token's order otherwise.
func namesClaim(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case map[string]any:
		out := make([]string, 0, len(v))
		for k := range v {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// timeClaim reads a NumericDate claim; zero when absent. A claim that is
// there but not a number is refused rather than ignored.
func timeClaim(claims map[string]any, name string) (time.Time, error) {
	v, ok := claims[name]
	if !ok || v == nil {
		return time.Time{}, nil
	}
	f, ok := v.(float64)
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, invalid("%s is not a number", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
