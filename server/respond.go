package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
)

func (s *Server) contentType(c *gin.Context) string {
	mt := c.GetString(mimeKey)
	if mt == "" {
		mt = mimeFHIRJSON
	}
	return mt + "; charset=utf-8"
}

// writeJSON encodes v (a Bundle, an OperationOutcome...) as the response.
func (s *Server) writeJSON(c *gin.Context, status int, v any) {
	body, err := fhir.Marshal(v)
	if err != nil {
		c.Set(errorKey, err)
		c.Data(http.StatusInternalServerError, s.contentType(c), []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception","diagnostics":"internal server error"}]}`))
		return
	}
	s.writeBody(c, status, body)
}

func (s *Server) writeBody(c *gin.Context, status int, body []byte) {
	if c.Request.Method == http.MethodHead {
		c.Header("Content-Type", s.contentType(c))
		c.Status(status)
		return
	}
	c.Data(status, s.contentType(c), body)
}

// versionHeaders sets ETag and Last-Modified of a resource version.
func versionHeaders(c *gin.Context, r store.Resource) {
	c.Header("ETag", engine.ETag(r.Version))
	c.Header("Last-Modified", r.LastUpdated.UTC().Format(http.TimeFormat))
}

// writeResource answers with a resource version.
func (s *Server) writeResource(c *gin.Context, status int, r store.Resource) {
	versionHeaders(c, r)
	s.writeBody(c, status, r.Body)
}

// preferReturn reads Prefer: return=minimal|representation|OperationOutcome.
func preferReturn(c *gin.Context) string {
	if v := prefer(c, "return"); v != "" {
		return v
	}
	return "representation"
}

// prefer returns the value of one preference of the Prefer headers
// (RFC 7240: preferences separated by "," or ";"), "" if absent.
func prefer(c *gin.Context, key string) string {
	v, _ := preference(c, key)
	return v
}

// preference returns one preference of the Prefer headers and whether it
// is there at all (respond-async has no value).
func preference(c *gin.Context, key string) (string, bool) {
	for _, v := range c.Request.Header.Values("Prefer") {
		for part := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ';' || r == ',' }) {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.EqualFold(k, key) {
				return strings.Trim(val, `"`), true
			}
		}
	}
	return "", false
}

// writeResult answers a write interaction, honouring Prefer.
func (s *Server) writeResult(c *gin.Context, res engine.Result) {
	r := res.Resource
	if r.Version > 0 {
		versionHeaders(c, r)
		if res.Status == http.StatusCreated || res.Status == http.StatusOK && c.Request.Method != http.MethodGet {
			c.Header("Location", s.base(c)+"/"+r.Type+"/"+r.ID+"/_history/"+itoa(r.Version))
		}
	}
	switch pref := preferReturn(c); {
	case pref == "minimal":
		c.Status(res.Status)
	case pref == "OperationOutcome" || r.Version == 0:
		msg := res.Message
		if msg == "" {
			msg = http.StatusText(res.Status) + ": " + r.Type + "/" + r.ID + " version " + itoa(r.Version)
		}
		s.writeJSON(c, res.Status, fhir.OperationOutcome{Issues: []fhir.Issue{{Severity: fhir.SeverityInformation, Code: fhir.IssueInformational, Diagnostics: msg}}})
	default:
		s.writeBody(c, res.Status, r.Body)
	}
}
