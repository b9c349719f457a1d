package engine

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
)

// criteria turns the query of a conditional interaction (If-None-Exist,
// conditional update/delete/patch, conditional reference) into store
// criteria. Until full search lands, _id and identifier are supported;
// anything else is refused rather than silently ignored, because ignoring a
// criterion would widen a conditional delete or update.
func criteria(query url.Values) (store.Criteria, error) {
	var c store.Criteria
	if len(query) == 0 {
		return c, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "a conditional interaction needs search criteria")
	}
	for name, values := range query {
		for _, v := range values {
			if strings.Contains(v, ",") {
				return c, fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "conditional criteria: OR values (comma) in %q are not supported yet", name)
			}
			switch name {
			case "_id":
				if c.ID != "" && c.ID != v {
					// Two different ids can never match together.
					c.ID = "\x00"
					continue
				}
				c.ID = v
			case "identifier":
				c.Tokens = append(c.Tokens, tokenMatch("identifier", v))
			default:
				return c, fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported,
					"conditional criteria: search parameter %q is not supported yet (supported: _id, identifier)", name)
			}
		}
	}
	return c, nil
}

// tokenMatch parses a FHIR token search value: "system|code", "|code" (no
// system) or "code" (any system).
func tokenMatch(param, v string) store.TokenMatch {
	sys, code, found := strings.Cut(v, "|")
	if !found {
		return store.TokenMatch{Param: param, Code: v, AnySystem: true}
	}
	return store.TokenMatch{Param: param, System: sys, Code: code}
}

// parseQuery parses the query part of a conditional URL ("identifier=a|b").
func parseQuery(q string) (url.Values, error) {
	v, err := url.ParseQuery(q)
	if err != nil {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "invalid search criteria %q: %v", q, err)
	}
	return v, nil
}

// tokens are the index rows of a resource version.
func tokens(obj fhir.Object) []store.Token {
	ids := obj.Identifiers()
	if len(ids) == 0 {
		return nil
	}
	out := make([]store.Token, len(ids))
	for i, id := range ids {
		out[i] = store.Token{Param: "identifier", System: id.System, Code: id.Value}
	}
	return out
}
