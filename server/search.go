package server

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
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
	b, err := searchBundle(base, typ, res)
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

// searchBundle builds the searchset Bundle of one page, with links that
// repeat the parameters the server used.
func searchBundle(base, typ string, res engine.SearchResult) (*fhir.Bundle, error) {
	self := base
	if typ != "" {
		self += "/" + typ
	}
	used := res.Request.Used
	link := func(offset int) string {
		q := url.Values{}
		for k, v := range used {
			q[k] = v
		}
		q.Set("_count", strconv.Itoa(res.Count))
		if offset > 0 {
			q.Set("_offset", strconv.Itoa(offset))
		} else {
			q.Del("_offset")
		}
		return self + "?" + q.Encode()
	}
	b := &fhir.Bundle{ResourceType: "Bundle", Type: "searchset", Link: []fhir.BundleLink{
		{Relation: "self", URL: link(res.Offset)},
	}}
	if res.Total >= 0 {
		total := res.Total
		b.Total = &total
	}
	if res.Count > 0 {
		b.Link = append(b.Link, fhir.BundleLink{Relation: "first", URL: link(0)})
		if res.Offset > 0 {
			b.Link = append(b.Link, fhir.BundleLink{Relation: "previous", URL: link(max(0, res.Offset-res.Count))})
		}
		if res.HasNext {
			b.Link = append(b.Link, fhir.BundleLink{Relation: "next", URL: link(res.Offset + res.Count)})
		}
		if res.Total >= 0 && res.Total > 0 {
			last := (res.Total - 1) / res.Count * res.Count
			b.Link = append(b.Link, fhir.BundleLink{Relation: "last", URL: link(last)})
		}
	}
	shape := search.Shaper(res.Request.Summary, res.Request.Elements)
	for _, group := range []struct {
		mode      string
		resources []store.Resource
	}{{"match", res.Matches}, {"include", res.Included}} {
		for _, r := range group.resources {
			body, err := shape(r.Type, r.Body)
			if err != nil {
				return nil, err
			}
			b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: base + "/" + r.Type + "/" + r.ID, Resource: body, Search: &fhir.BundleSearch{Mode: group.mode}})
		}
	}
	if res.IncludesCut {
		oo := fhir.OperationOutcome{Issues: []fhir.Issue{{Severity: fhir.SeverityWarning, Code: fhir.IssueTooCostly,
			Diagnostics: "_include/_revinclude found more than " + strconv.Itoa(engine.MaxIncluded) + " resources; the rest are left out"}}}
		body, err := fhir.Marshal(oo)
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, fhir.BundleEntry{Resource: body, Search: &fhir.BundleSearch{Mode: "outcome"}})
	}
	return b, nil
}
