package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// base is the tenant's FHIR base URL, used in links and fullUrls.
func (s *Server) base(c *gin.Context) string {
	root := strings.TrimSuffix(s.cfg.BaseURL, "/")
	if root == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		root = scheme + "://" + c.Request.Host
	}
	return root + "/fhir/" + c.Param("tenant")
}

// dispatch routes /fhir/{tenant}/... by hand: FHIR paths mix fixed words
// (metadata, _history) with resource types and ids at the same positions,
// and every miss must answer with an OperationOutcome.
func (s *Server) dispatch(c *gin.Context) {
	path := strings.Trim(c.Param("path"), "/")
	var parts []string
	if path != "" {
		parts = strings.Split(path, "/")
	}
	m := c.Request.Method
	switch {
	case len(parts) == 0 && m == http.MethodPost:
		s.bundle(c)
	case len(parts) == 1 && parts[0] == "metadata" && (m == http.MethodGet || m == http.MethodHead):
		s.metadata(c)
	case len(parts) == 1 && parts[0] == "_history" && m == http.MethodGet:
		s.history(c, "", "")
	case len(parts) == 3 && strings.HasPrefix(parts[2], "$") && s.cfg.Operations[parts[2][1:]].defined() &&
		(m == http.MethodGet || m == http.MethodPost):
		s.operation(c, parts[0], parts[1], parts[2][1:])
	case len(parts) == 2 && strings.HasPrefix(parts[1], "$") && s.cfg.TypeOperations[parts[0]+"/"+parts[1][1:]].Run != nil &&
		(m == http.MethodGet || m == http.MethodPost):
		s.typeOperation(c, parts[0], parts[1][1:])
	case len(parts) == 1 && strings.HasPrefix(parts[0], "$"), len(parts) == 3 && strings.HasPrefix(parts[2], "$"),
		len(parts) == 2 && strings.HasPrefix(parts[1], "$"):
		s.fail(c, fhir.Errorf(http.StatusNotImplemented, fhir.IssueNotSupported, "operation %s is not supported", parts[len(parts)-1]))
	case len(parts) == 0 && (m == http.MethodGet || m == http.MethodHead),
		len(parts) == 1 && parts[0] == "_search" && m == http.MethodPost:
		s.search(c, "")
	case len(parts) == 1 && (m == http.MethodGet || m == http.MethodHead),
		len(parts) == 2 && parts[1] == "_search" && m == http.MethodPost:
		if err := checkTypes(parts); err != nil {
			s.fail(c, err)
			return
		}
		s.search(c, parts[0])
	case len(parts) == 1:
		s.typeLevel(c, parts[0])
	case len(parts) == 2 && parts[1] == "_history" && m == http.MethodGet:
		s.history(c, parts[0], "")
	case len(parts) == 2:
		s.instance(c, parts[0], parts[1])
	case len(parts) == 3 && parts[2] == "_history" && m == http.MethodGet:
		s.history(c, parts[0], parts[1])
	case len(parts) == 4 && parts[2] == "_history" && (m == http.MethodGet || m == http.MethodHead):
		s.vread(c, parts[0], parts[1], parts[3])
	default:
		if err := checkTypes(parts); err != nil {
			s.fail(c, err)
			return
		}
		s.fail(c, fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "%s %s is not a FHIR interaction this server supports", m, c.Request.URL.Path))
	}
}

// checkTypes returns a 400 if the first path segment names no resource type.
func checkTypes(parts []string) error {
	if len(parts) == 0 || strings.HasPrefix(parts[0], "_") {
		return nil
	}
	return engine.CheckType(parts[0])
}

// conditionQuery is the request's query without the parameters that shape
// the response (_format, _pretty), i.e. the search criteria.
func conditionQuery(c *gin.Context) url.Values {
	q := c.Request.URL.Query()
	q.Del("_format")
	q.Del("_pretty")
	if len(q) == 0 {
		return nil
	}
	return q
}

func (s *Server) readBody(c *gin.Context) ([]byte, bool) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	if len(body) == 0 {
		s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueRequired, "the request has no body"))
		return nil, false
	}
	return body, true
}

// typeLevel: create (POST), conditional update (PUT), conditional patch, conditional delete.
func (s *Server) typeLevel(c *gin.Context, typ string) {
	in := engine.Interaction{Method: c.Request.Method, Type: typ, IfMatch: c.GetHeader("If-Match")}
	switch c.Request.Method {
	case http.MethodPost:
		in.IfNoneExist = c.GetHeader("If-None-Exist")
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		if in.Query = conditionQuery(c); in.Query == nil {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "conditional %s on %s needs search criteria in the URL", c.Request.Method, typ))
			return
		}
	default:
		s.fail(c, fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "%s is not supported on %s", c.Request.Method, typ))
		return
	}
	s.do(c, in)
}

func (s *Server) do(c *gin.Context, in engine.Interaction) {
	if hasBody(c.Request) {
		body, ok := s.readBody(c)
		if !ok {
			return
		}
		in.Body = body
	}
	res, err := s.engine.Do(c.Request.Context(), c.Param("tenant"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeResult(c, res)
}

// instance: read, update, patch, delete of Type/id.
func (s *Server) instance(c *gin.Context, typ, id string) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		r, err := s.engine.Read(c.Request.Context(), c.Param("tenant"), typ, id)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.writeRead(c, r)
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		s.do(c, engine.Interaction{Method: c.Request.Method, Type: typ, ID: id,
			IfMatch: c.GetHeader("If-Match"), IfNoneMatch: c.GetHeader("If-None-Match")})
	default:
		s.fail(c, fhir.Errorf(http.StatusMethodNotAllowed, fhir.IssueNotSupported, "%s is not supported on %s/%s", c.Request.Method, typ, id))
	}
}

func (s *Server) vread(c *gin.Context, typ, id, version string) {
	r, err := s.engine.VRead(c.Request.Context(), c.Param("tenant"), typ, id, version)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.writeRead(c, r)
}

// writeRead answers a read, with 304 when If-None-Match names this version.
func (s *Server) writeRead(c *gin.Context, r store.Resource) {
	if inm := c.GetHeader("If-None-Match"); inm != "" {
		for tag := range strings.SplitSeq(inm, ",") {
			if tag = strings.TrimSpace(tag); tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(engine.ETag(r.Version), "W/") {
				versionHeaders(c, r)
				c.Status(http.StatusNotModified)
				return
			}
		}
	}
	s.writeResource(c, http.StatusOK, r)
}

func (s *Server) bundle(c *gin.Context) {
	body, ok := s.readBody(c)
	if !ok {
		return
	}
	out, err := s.engine.Bundle(c.Request.Context(), c.Param("tenant"), body, engine.BundleOptions{
		WithResources: preferReturn(c) == "representation" && c.GetHeader("Prefer") != "",
		BaseURL:       s.base(c),
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	base := s.base(c)
	for i := range out.Entry {
		if loc := out.Entry[i].Response.Location; loc != "" {
			typ, rest, _ := strings.Cut(loc, "/")
			id, _, _ := strings.Cut(rest, "/")
			out.Entry[i].FullURL = base + "/" + typ + "/" + id
		}
	}
	s.writeJSON(c, http.StatusOK, out)
}

// history serves _history at instance, type and tenant level.
func (s *Server) history(c *gin.Context, typ, id string) {
	req := engine.HistoryRequest{Type: typ, ID: id}
	used := url.Values{}
	if v := c.Query("_count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "_count must be a non-negative integer, not %q", v))
			return
		}
		req.Count = n
	}
	if v := c.Query("_since"); v != "" {
		t, err := parseInstant(v)
		if err != nil {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "_since must be an instant like 2024-01-31T10:00:00Z, not %q", v))
			return
		}
		req.Since = t
		used.Set("_since", v)
	}
	if v := c.Query("_cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.fail(c, fhir.Errorf(http.StatusBadRequest, fhir.IssueValue, "invalid paging cursor %q", v))
			return
		}
		req.BeforeSeq = n
	}
	page, err := s.engine.History(c.Request.Context(), c.Param("tenant"), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	base := s.base(c)
	self := base
	for _, p := range []string{typ, id, "_history"} {
		if p != "" {
			self += "/" + p
		}
	}
	used.Set("_count", strconv.Itoa(page.Count))
	link := func(cursor int64) string {
		q := url.Values{}
		for k, v := range used {
			q[k] = v
		}
		if cursor > 0 {
			q.Set("_cursor", itoa(cursor))
		}
		return self + "?" + q.Encode()
	}
	b := &fhir.Bundle{ResourceType: "Bundle", Type: "history", Link: []fhir.BundleLink{
		{Relation: "self", URL: link(req.BeforeSeq)},
		{Relation: "first", URL: link(0)},
	}}
	if page.NextCursor > 0 {
		b.Link = append(b.Link, fhir.BundleLink{Relation: "next", URL: link(page.NextCursor)})
	}
	for _, v := range page.Versions {
		e := fhir.BundleEntry{
			FullURL:  base + "/" + v.Type + "/" + v.ID,
			Resource: v.Body,
			Request:  &fhir.BundleRequest{Method: string(v.Method), URL: v.Type + "/" + v.ID},
			Response: &fhir.BundleResponse{Status: "200 OK", Etag: engine.ETag(v.Version), LastModified: fhir.FormatInstant(v.LastUpdated)},
		}
		switch {
		case v.Method == store.MethodPost:
			e.Request.URL = v.Type
			e.Response.Status = "201 Created"
		case v.Deleted:
			e.Response.Status = "204 No Content"
		case v.Version == 1:
			e.Response.Status = "201 Created"
		}
		b.Entry = append(b.Entry, e)
	}
	s.writeJSON(c, http.StatusOK, b)
}

// parseInstant reads _since: a FHIR instant, or a dateTime/date taken as UTC.
func parseInstant(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, strconv.ErrSyntax
}

func hasPreference(c *gin.Context, key string) bool { _, ok := preference(c, key); return ok }

// operation invokes an instance-level operation registered in Config.Operations.
func (s *Server) operation(c *gin.Context, typ, id, name string) {
	if err := engine.CheckType(typ); err != nil {
		s.fail(c, err)
		return
	}
	op := s.cfg.Operations[name]
	if !slices.Contains(op.Types, typ) {
		s.fail(c, fhir.Errorf(http.StatusNotImplemented, fhir.IssueNotSupported, "operation $%s is not supported on %s", name, typ))
		return
	}
	run := op.Run
	var resp OperationResponse
	if op.Call != nil {
		req := OperationRequest{Method: c.Request.Method, Params: c.Request.URL.Query(), IfMatch: c.GetHeader("If-Match"),
			Async: hasPreference(c, "respond-async"),
			HTML:  c.GetString(mimeKey) == mimeHTML, Base: s.base(c) + "/" + c.Param("tenant")}
		if hasBody(c.Request) && !emptyOperationCall(c.Request) {
			var ok bool
			if req.Body, ok = s.readBody(c); !ok {
				return
			}
		}
		run = func(ctx context.Context, tenant string, r store.Resource) ([]byte, error) {
			var err error
			resp, err = op.Call(ctx, tenant, r, req)
			return resp.Body, err
		}
	}
	body, err := s.engine.Invoke(c.Request.Context(), c.Param("tenant"), typ, id, name, op.Action, run)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	status := http.StatusOK
	if resp.Status != 0 {
		status = resp.Status
	}
	if resp.Location != "" {
		c.Header("Content-Location", resp.Location)
	}
	if resp.Version != nil {
		versionHeaders(c, *resp.Version)
	}
	if resp.ContentType != "" {
		if resp.ContentType == mimeHTML {
			// Rendered narrative: nothing may run or load.
			c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			c.Header("X-Content-Type-Options", "nosniff")
		}
		c.Data(status, resp.ContentType+"; charset=utf-8", body)
		return
	}
	s.writeBody(c, status, body)
}

// typeOperation invokes a type-level operation registered in Config.TypeOperations.
func (s *Server) typeOperation(c *gin.Context, typ, name string) {
	op := s.cfg.TypeOperations[typ+"/"+name]
	var body []byte
	if hasBody(c.Request) {
		var ok bool
		if body, ok = s.readBody(c); !ok {
			return
		}
	}
	out, err := s.engine.InvokeType(c.Request.Context(), c.Param("tenant"), typ, name, op.Action, body, op.Run)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	s.writeBody(c, http.StatusOK, out)
}
