package fhirpath

import (
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir/model"
)

// Type functions, FHIR-specific functions and utilities.
func init() {
	registerType("is", func(_ *ctx, in []Value, n *funcNode) ([]Value, error) {
		v, ok, err := single(in)
		if !ok || err != nil {
			return nil, err
		}
		return boolColl(n.typ.matches(v)), nil
	})
	registerType("as", func(_ *ctx, in []Value, n *funcNode) ([]Value, error) {
		return filterType(in, n.typ), nil
	})
	register("type", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		out := make([]Value, len(in))
		for i, v := range in {
			out[i] = typeInfo(v)
		}
		return out, nil
	})
	register("extension", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		url, ok, err := n.argString(c, 0)
		if !ok || err != nil {
			return nil, err
		}
		var out []Value
		for _, v := range in {
			for _, e := range children(nil, v, "extension") {
				if m, ok := e.Data.(map[string]any); ok && m["url"] == url {
					out = append(out, e)
				}
			}
		}
		return out, nil
	})
	register("hasValue", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		return boolColl(len(in) == 1 && primitive(in[0].Type) && in[0].Data != nil), nil
	})
	register("getValue", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		if len(in) != 1 || !primitive(in[0].Type) {
			return nil, nil
		}
		return []Value{systemValue(in[0])}, nil
	})
	register("resolve", 0, 0, fnResolve)
	register("trace", 1, 2, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		return in, nil // no log sink in an indexer; trace() is the identity
	})
	register("now", 0, 0, func(*ctx, []Value, *funcNode) ([]Value, error) {
		return []Value{{Type: SystemDateTime, Data: time.Now().Format("2006-01-02T15:04:05.000Z07:00")}}, nil
	})
	register("today", 0, 0, func(*ctx, []Value, *funcNode) ([]Value, error) {
		return []Value{{Type: SystemDate, Data: time.Now().Format("2006-01-02")}}, nil
	})
	register("timeOfDay", 0, 0, func(*ctx, []Value, *funcNode) ([]Value, error) {
		return []Value{{Type: SystemTime, Data: time.Now().Format("15:04:05.000")}}, nil
	})
}

// systemValue converts a FHIR primitive to the System value it carries.
func systemValue(v Value) Value {
	k := v.kind()
	switch k {
	case kInteger:
		if i, ok := v.integer(); ok {
			return intValue(i)
		}
	case kDecimal:
		if n, ok := v.number(); ok {
			return decValue(n)
		}
	case kNone:
		return v
	}
	return Value{Type: kindNames[k], Data: v.Data}
}

// fnResolve resolves references far enough for search indexing: each
// reference becomes an item typed by its target resource type, so that
// subject.where(resolve() is Patient) works. Contained references (#id)
// resolve to the contained resource; others to a stub holding only
// resourceType and id, since the evaluator has no access to a store.
func fnResolve(c *ctx, in []Value, _ *funcNode) ([]Value, error) {
	var out []Value
	for _, v := range in {
		var ref, typ string
		switch d := v.Data.(type) {
		case map[string]any: // Reference
			ref, _ = d["reference"].(string)
			typ, _ = d["type"].(string)
		case string: // canonical, uri, url
			ref = d
		}
		if strings.HasPrefix(ref, "#") {
			if r, ok := containedByID(c.root, ref[1:]); ok {
				out = append(out, r)
			}
			continue
		}
		refType, id := parseReference(ref)
		if refType != "" {
			typ = refType
		}
		if !model.IsResourceType(typ) {
			continue
		}
		stub := map[string]any{"resourceType": typ}
		if id != "" {
			stub["id"] = id
		}
		out = append(out, Value{Type: typ, Data: stub})
	}
	return out, nil
}

func containedByID(root Value, id string) (Value, bool) {
	m, ok := root.Data.(map[string]any)
	if !ok {
		return Value{}, false
	}
	list, _ := m["contained"].([]any)
	for _, x := range list {
		r, ok := x.(map[string]any)
		if !ok || r["id"] != id {
			continue
		}
		if rt, ok := r["resourceType"].(string); ok {
			return Value{Type: rt, Data: r}, true
		}
	}
	return Value{}, false
}

// parseReference finds Type/id in a relative or absolute reference
// ("Patient/1", "http://x/fhir/Patient/1/_history/2", a canonical URL).
func parseReference(ref string) (typ, id string) {
	if i := strings.IndexAny(ref, "?#|"); i >= 0 {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	if n := len(parts); n >= 4 && parts[n-2] == "_history" {
		parts = parts[:n-2]
	}
	for i := len(parts) - 2; i >= 0; i-- {
		if model.IsResourceType(parts[i]) {
			return parts[i], parts[i+1]
		}
	}
	return "", ""
}
