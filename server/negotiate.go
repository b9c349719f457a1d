package server

import (
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
)

// Kiln speaks FHIR JSON only. Responses use application/fhir+json unless the
// client asked for plain application/json.
const (
	mimeFHIRJSON  = "application/fhir+json"
	mimeJSON      = "application/json"
	mimeJSONPatch = "application/json-patch+json"
	mimeKey       = "kiln.mime"
	mimeHTML      = "text/html"
)

// formatMIME maps _format values to the JSON media type to answer with;
// ok is false for formats Kiln does not produce.
func formatMIME(f string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(f)) {
	case "json", mimeFHIRJSON, "application/json+fhir":
		return mimeFHIRJSON, true
	case mimeJSON:
		return mimeJSON, true
	}
	return "", false
}

// negotiate picks the response media type from _format or Accept (406 when
// none is JSON) and checks the request body's Content-Type (415).
func (s *Server) negotiate(c *gin.Context) {
	out, ok := mimeFHIRJSON, true
	html := s.htmlOperation(c.Request.URL.Path)
	if f := c.Query("_format"); f != "" {
		out, ok = formatMIME(f)
		if ff := strings.ToLower(strings.TrimSpace(f)); html && (ff == "html" || ff == mimeHTML) {
			out, ok = mimeHTML, true
		}
		if !ok {
			s.refuse(c, fhir.Errorf(http.StatusNotAcceptable, fhir.IssueNotSupported, "_format %q is not supported; this server produces application/fhir+json", f))
			return
		}
	} else if accept := c.GetHeader("Accept"); html && strings.Contains(accept, mimeHTML) {
		out = mimeHTML // a browser
	} else if accept != "" {
		out, ok = acceptable(accept)
		if !ok {
			s.refuse(c, fhir.Errorf(http.StatusNotAcceptable, fhir.IssueNotSupported, "Accept %q is not supported; this server produces application/fhir+json", accept))
			return
		}
	}
	c.Set(mimeKey, out)

	if hasBody(c.Request) && !emptyOperationCall(c.Request) {
		ct := c.GetHeader("Content-Type")
		mt, _, err := mime.ParseMediaType(ct)
		want := "application/fhir+json or application/json"
		okType := err == nil && (mt == mimeFHIRJSON || mt == mimeJSON || mt == "application/json+fhir")
		switch {
		case c.Request.Method == http.MethodPatch:
			want = mimeJSONPatch
			okType = err == nil && mt == mimeJSONPatch
		case strings.HasSuffix(c.Request.URL.Path, "/_search"):
			// POST _search carries search parameters as a form; an empty
			// body may come without a Content-Type.
			want = mimeForm
			okType = err == nil && mt == mimeForm || ct == "" && c.Request.ContentLength <= 0
		}
		if !okType {
			s.refuse(c, fhir.Errorf(http.StatusUnsupportedMediaType, fhir.IssueNotSupported, "Content-Type %q is not supported here; send %s", ct, want))
			return
		}
	}
	c.Next()
}

// htmlOperation reports whether path calls an operation that can answer
// text/html.
func (s *Server) htmlOperation(path string) bool {
	i := strings.LastIndex(path, "/$")
	return i >= 0 && s.cfg.Operations[path[i+2:]].HTML
}

func (s *Server) refuse(c *gin.Context, err *fhir.Error) {
	c.Set(mimeKey, mimeFHIRJSON)
	s.fail(c, err)
	c.Abort()
}

// mimeForm is the body type of POST _search.
const mimeForm = "application/x-www-form-urlencoded"

// emptyOperationCall reports a POST to an operation ($name) without a
// body: operations that take no parameters are called that way, and an
// empty body has no media type to check.
func emptyOperationCall(r *http.Request) bool {
	return r.ContentLength == 0 && strings.Contains(r.URL.Path, "/$")
}

func hasBody(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return true
	}
	return false
}

// acceptable returns the JSON type an Accept header admits, preferring
// application/fhir+json; ok is false if it admits neither.
func acceptable(accept string) (string, bool) {
	plainJSON := false
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q := params["q"]; q == "0" || q == "0.0" || q == "0.00" || q == "0.000" {
			continue
		}
		switch mt {
		case mimeFHIRJSON, "application/json+fhir", "*/*", "application/*":
			return mimeFHIRJSON, true
		case mimeJSON:
			plainJSON = true
		}
	}
	if plainJSON {
		return mimeJSON, true
	}
	return "", false
}
