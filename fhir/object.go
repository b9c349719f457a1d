package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	jsoniter "github.com/json-iterator/go"
)

// Object is a resource decoded from JSON. Numbers stay json.Number so that
// decimals keep their exact text (FHIR decimals carry precision: 1.50 is not 1.5).
type Object map[string]any

// fastJSON decodes resources on the ingest hot path; json-iterator is
// already what google/fhir/go's jsonformat parses with, and is about twice
// as fast as encoding/json here.
var fastJSON = jsoniter.Config{UseNumber: true, ValidateJsonRawMessage: true}.Froze()

// Unmarshal decodes JSON into v with the fast decoder, falling back to
// encoding/json (whose error messages Kiln reports) when it fails.
func Unmarshal(data []byte, v any) error {
	if err := fastJSON.Unmarshal(data, v); err == nil {
		return nil
	}
	return json.Unmarshal(data, v)
}

// ParseObject decodes a JSON object. Errors are *Error (400) with the byte
// offset of a syntax error.
func ParseObject(body []byte) (Object, error) {
	var m map[string]any
	if err := fastJSON.Unmarshal(body, &m); err == nil && m != nil {
		return Object(m), nil
	}
	// The slow path explains what is wrong, with encoding/json's messages.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonSyntaxError(err)
	}
	if dec.More() {
		return nil, Errorf(http.StatusBadRequest, IssueStructure, "invalid JSON: unexpected data after the top-level value")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, Errorf(http.StatusBadRequest, IssueStructure, "invalid JSON: a resource must be a JSON object")
	}
	return Object(obj), nil
}

func jsonSyntaxError(err error) *Error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Errorf(http.StatusBadRequest, IssueStructure, "invalid JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return Errorf(http.StatusBadRequest, IssueStructure, "invalid JSON at byte %d", typ.Offset)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, IssueStructure, "invalid JSON: empty or truncated body")
	default:
		return Errorf(http.StatusBadRequest, IssueStructure, "invalid JSON: %s", err.Error())
	}
}

// Type returns resourceType, or "" when absent or not a string.
func (o Object) Type() string { s, _ := o["resourceType"].(string); return s }

// ID returns id, or "" when absent or not a string.
func (o Object) ID() string { s, _ := o["id"].(string); return s }

// SetID sets the logical id.
func (o Object) SetID(id string) { o["id"] = id }

// SetMeta sets meta.versionId and meta.lastUpdated, keeping the other meta
// elements the client sent (profile, security, tag, source).
func (o Object) SetMeta(version int64, lastUpdated time.Time) {
	meta, _ := o["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["versionId"] = fmt.Sprint(version)
	meta["lastUpdated"] = FormatInstant(lastUpdated)
	o["meta"] = meta
}

// Marshal encodes the resource with resourceType, id and meta first (as FHIR
// JSON conventionally reads) and without HTML escaping (narrative XHTML stays
// readable).
func (o Object) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	rank := func(k string) int {
		switch k {
		case "resourceType":
			return 0
		case "id":
			return 1
		case "meta":
			return 2
		}
		return 3
	}
	// resourceType, id, meta first; the rest by name so output is deterministic.
	slices.SortFunc(keys, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(k); err != nil {
			return nil, err
		}
		trimNewline(&buf)
		buf.WriteByte(':')
		if err := enc.Encode(o[k]); err != nil {
			return nil, fmt.Errorf("fhir: encode %q: %w", k, err)
		}
		trimNewline(&buf)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func trimNewline(buf *bytes.Buffer) {
	if b := buf.Bytes(); len(b) > 0 && b[len(b)-1] == '\n' {
		buf.Truncate(len(b) - 1)
	}
}

// RewriteReferences calls fn for every Reference.reference string anywhere
// in the resource (contained resources included) and replaces it with what
// fn returns. It stops at the first error.
func (o Object) RewriteReferences(fn func(ref string) (string, error)) error {
	return rewriteRefs(map[string]any(o), fn)
}

func rewriteRefs(v any, fn func(string) (string, error)) error {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if s, ok := child.(string); ok && k == "reference" {
				r, err := fn(s)
				if err != nil {
					return err
				}
				t[k] = r
				continue
			}
			if err := rewriteRefs(child, fn); err != nil {
				return err
			}
		}
	case []any:
		for _, child := range t {
			if err := rewriteRefs(child, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Identifier is one Resource.identifier (system and value).
type Identifier struct {
	System string
	Value  string
}

// Identifiers returns the resource's top-level identifier elements that have a value.
func (o Object) Identifiers() []Identifier {
	var ids []Identifier
	add := func(v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		val, _ := m["value"].(string)
		if val == "" {
			return
		}
		sys, _ := m["system"].(string)
		ids = append(ids, Identifier{System: sys, Value: val})
	}
	switch t := o["identifier"].(type) {
	case []any: // most resources: 0..*
		for _, v := range t {
			add(v)
		}
	case map[string]any: // a few (Bundle, QuestionnaireResponse...): 0..1
		add(t)
	}
	return ids
}

// FormatInstant formats t as a FHIR instant in UTC with milliseconds.
func FormatInstant(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}
