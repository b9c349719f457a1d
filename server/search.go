package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
)

// maxSearchForm bounds the form body of POST _search.
const maxSearchForm = 1 << 20

// search answers GET [base]/[type]?..., POST [base]/[type]/_search and the
// system-level forms (typ "").
func (s *Server) search(c *gin.Context, typ string) {
	params, ok := s.searchParams(c)
	if !ok {
		return
	}
	base := s.base(c)
	res, err := s.engine.Search(c.Request.Context(), c.Param("tenant"), engine.SearchRequest{
		Type:    typ,
		Params:  params,
		Strict:  strings.EqualFold(prefer(c, "handling"), "strict"),
		BaseURL: base,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := res.Bundle(base, typ)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, b)
}

// searchParams reads the search parameters: the URL's query and, for POST
// _search, the form-encoded body (both count, as the spec says).
func (s *Server) searchParams(c *gin.Context) (url.Values, bool) {
	params := c.Request.URL.Query()
	if c.Request.Method == http.MethodPost {
		// negotiate has checked the Content-Type.
		body, err := io.ReadAll(io.LimitReader(c.Request.Body, maxSearchForm+1))
		if err != nil {
			s.fail(c, err)
			return nil, false
		}
		if len(body) > maxSearchForm {
			s.fail(c, fhir.Errorf(http.StatusRequestEntityTooLarge, fhir.IssueTooCostly, "the search form is larger than %d bytes", maxSearchForm))
			return nil, false
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "invalid search form: %v", err))
			return nil, false
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	return params, true
}
