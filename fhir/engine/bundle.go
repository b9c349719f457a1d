package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/kiln-health/kiln/fhir"
)

// bundleIn is the part of a batch or transaction Bundle the engine reads.
type bundleIn struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Entry        []struct {
		FullURL  string              `json:"fullUrl"`
		Resource json.RawMessage     `json:"resource"`
		Request  *fhir.BundleRequest `json:"request"`
	} `json:"entry"`
}

// BundleOptions shape a batch or transaction response.
type BundleOptions struct {
	// WithResources puts the resources written in the response entries
	// (Prefer: return=representation).
	WithResources bool
	// BaseURL is the tenant's FHIR base, for the fullUrls and links of
	// search results in GET entries.
	BaseURL string
}

// Bundle processes a batch or transaction Bundle and returns the
// batch-response or transaction-response. A transaction is all or nothing:
// if any entry fails, the error names it and nothing is written. Batch
// entries succeed or fail on their own. A GET entry with search parameters
// (or none, and no id) answers a searchset Bundle; in a transaction it
// sees the transaction's writes.
func (e *Engine) Bundle(ctx context.Context, tenant string, body []byte, opts BundleOptions) (*fhir.Bundle, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, err
	}
	kind := "transaction" // until the Bundle says otherwise
	out, err := e.bundle(ctx, tenant, c, body, opts, &kind)
	if err != nil && !errors.As(err, new(*auditedError)) {
		err = e.audited(ctx, tenant, c, kind, err, nil)
	}
	var ae *auditedError
	if errors.As(err, &ae) {
		err = ae.err
	}
	return out, err
}

// auditedError is an error whose AuditEvent is already recorded.
type auditedError struct{ err error }

func (e *auditedError) Error() string { return e.err.Error() }
func (e *auditedError) Unwrap() error { return e.err }

func (e *Engine) bundle(ctx context.Context, tenant string, c Caller, body []byte, opts BundleOptions, kind *string) (*fhir.Bundle, error) {
	var in bundleIn
	if err := fhir.Unmarshal(body, &in); err != nil {
		if _, perr := fhir.ParseObject(body); perr != nil {
			return nil, perr
		}
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueStructure, "the Bundle cannot be read: %v", err)
	}
	if in.ResourceType != "Bundle" {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "POST to the base URL takes a Bundle, not %q", in.ResourceType).WithExpression("resourceType")
	}
	if in.Type != "transaction" && in.Type != "batch" {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "Bundle.type must be transaction or batch, not %q", in.Type).WithExpression("Bundle.type")
	}
	*kind = in.Type
	if n := len(in.Entry); n > e.limits.MaxBundleEntries {
		return nil, fhir.Errorf(http.StatusRequestEntityTooLarge, fhir.IssueTooCostly,
			"the Bundle has %d entries; this server accepts at most %d per batch or transaction", n, e.limits.MaxBundleEntries)
	}

	ops := make([]*op, len(in.Entry))
	entryErrs := make([]error, len(in.Entry))
	for i, ent := range in.Entry {
		ops[i] = &op{index: i, Interaction: Interaction{FullURL: ent.FullURL, Body: ent.Resource}}
		entryErrs[i] = parseRequest(ops[i], ent.Request)
	}
	var toPrepare []*op
	for i, o := range ops {
		if entryErrs[i] == nil {
			toPrepare = append(toPrepare, o)
		}
	}
	for j, err := range e.prepareAll(toPrepare) {
		entryErrs[toPrepare[j].index] = err
	}

	if in.Type == "transaction" {
		for i, err := range entryErrs {
			if err != nil {
				return nil, fhir.AsError(err).InEntry(i)
			}
		}
		if err := e.transact(ctx, tenant, c, ops, "transaction"); err != nil {
			var oe *opError
			if errors.As(err, &oe) {
				return nil, &auditedError{fhir.AsError(oe.err).InEntry(oe.index)}
			}
			return nil, &auditedError{err}
		}
		return e.response("transaction-response", ops, entryErrs, opts)
	}

	// Batch: each entry in its own transaction, in the spec's processing order.
	ordered := slices.Clone(ops)
	slices.SortStableFunc(ordered, func(a, b *op) int { return methodOrder(a.Method) - methodOrder(b.Method) })
	for _, o := range ordered {
		if err := entryErrs[o.index]; err != nil {
			if err := e.record(ctx, tenant, c, opInteraction(o), err, opEntities(o)); err != nil {
				return nil, &auditedError{err}
			}
			continue
		}
		if err := e.transact(ctx, tenant, c, []*op{o}, ""); err != nil {
			var oe *opError
			if errors.As(err, &oe) {
				err = oe.err
			}
			if fe := fhir.AsError(err); fe.Status >= 500 {
				return nil, &auditedError{err} // the store failed: not an answer about this entry
			}
			entryErrs[o.index] = err
		}
	}
	return e.response("batch-response", ops, entryErrs, opts)
}

// parseRequest reads Bundle.entry.request into o.
func parseRequest(o *op, req *fhir.BundleRequest) error {
	if req == nil || req.Method == "" || req.URL == "" {
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueRequired, "the entry needs request.method and request.url")
	}
	o.Method = strings.ToUpper(req.Method)
	o.IfMatch, o.IfNoneMatch, o.IfNoneExist = req.IfMatch, req.IfNoneMatch, req.IfNoneExist
	if o.Method == http.MethodPatch && len(o.Body) > 0 {
		// FHIR carries a JSON Patch in a transaction as a Binary resource.
		patch, err := binaryPatch(o.Body)
		if err != nil {
			return err
		}
		o.Body = patch
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.IsAbs() || strings.HasPrefix(req.URL, "/") {
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "request.url %q must be relative to the base, like Patient/123 or Patient?identifier=x", req.URL)
	}
	parts := strings.Split(u.Path, "/")
	o.Type = parts[0]
	switch {
	case len(parts) == 1:
	case len(parts) == 2:
		o.ID = parts[1]
	case len(parts) == 4 && parts[2] == "_history" && o.Method == http.MethodGet:
		o.ID, o.Version = parts[1], parts[3]
	default:
		return fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "request.url %q is not a supported interaction URL", req.URL)
	}
	if u.RawQuery != "" {
		if o.ID != "" || o.Method == http.MethodPost {
			return fhir.Errorf(http.StatusBadRequest, fhir.IssueNotSupported, "request.url %q: search criteria belong to GET (search) and conditional PUT, PATCH and DELETE", req.URL)
		}
		q, err := parseQuery(u.RawQuery)
		if err != nil {
			return err
		}
		o.Query = q
	}
	return nil
}

// binaryPatch extracts the JSON Patch from a Binary entry resource.
func binaryPatch(body []byte) ([]byte, error) {
	var bin struct {
		ResourceType string `json:"resourceType"`
		ContentType  string `json:"contentType"`
		Data         []byte `json:"data"` // base64
	}
	if err := json.Unmarshal(body, &bin); err != nil || bin.ResourceType != "Binary" {
		return nil, fhir.Errorf(http.StatusBadRequest, fhir.IssueInvalid, "a PATCH entry's resource must be a Binary holding a JSON Patch")
	}
	if !strings.HasPrefix(bin.ContentType, "application/json-patch+json") {
		return nil, fhir.Errorf(http.StatusUnsupportedMediaType, fhir.IssueNotSupported, "PATCH supports application/json-patch+json, not %q", bin.ContentType)
	}
	return bin.Data, nil
}

func (e *Engine) response(typ string, ops []*op, errs []error, opts BundleOptions) (*fhir.Bundle, error) {
	out := &fhir.Bundle{ResourceType: "Bundle", ID: uuid.NewString(), Type: typ,
		Timestamp: fhir.FormatInstant(e.now()), Entry: make([]fhir.BundleEntry, len(ops))}
	for i, o := range ops {
		if err := errs[i]; err != nil {
			fe := fhir.AsError(err)
			oo, merr := fhir.Marshal(fe.Outcome())
			if merr != nil {
				return nil, merr
			}
			out.Entry[i].Response = &fhir.BundleResponse{Status: statusLine(fe.Status), Outcome: oo}
			continue
		}
		r := o.result
		resp := &fhir.BundleResponse{Status: statusLine(r.Status)}
		if o.found != nil {
			b, err := o.found.Bundle(opts.BaseURL, o.Type)
			if err != nil {
				return nil, err
			}
			if out.Entry[i].Resource, err = fhir.Marshal(b); err != nil {
				return nil, err
			}
		}
		if r.Resource.Version > 0 {
			resp.Etag = ETag(r.Resource.Version)
			resp.LastModified = fhir.FormatInstant(r.Resource.LastUpdated)
			resp.Location = fmt.Sprintf("%s/%s/_history/%d", r.Resource.Type, r.Resource.ID, r.Resource.Version)
			if opts.WithResources || o.Method == http.MethodGet {
				out.Entry[i].Resource = r.Resource.Body
			}
		}
		if r.Message != "" {
			oo, err := fhir.Marshal(fhir.OperationOutcome{Issues: []fhir.Issue{{Severity: fhir.SeverityInformation, Code: fhir.IssueInformational, Diagnostics: r.Message}}})
			if err != nil {
				return nil, err
			}
			resp.Outcome = oo
		}
		out.Entry[i].Response = resp
	}
	return out, nil
}

func statusLine(code int) string { return strconv.Itoa(code) + " " + http.StatusText(code) }
