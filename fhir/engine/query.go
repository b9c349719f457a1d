package engine

import (
	"net/http"
	"net/url"

	"github.com/kiln-health/kiln/fhir"
)

// parseQuery parses the query part of a conditional URL ("identifier=a|b").
func parseQuery(q string) (url.Values, error) {
	v, err := url.ParseQuery(q)
	if err != nil {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "invalid search criteria %q: %v", q, err)
	}
	return v, nil
}
