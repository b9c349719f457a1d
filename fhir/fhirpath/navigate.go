package fhirpath

import (
	"encoding/json"

	"github.com/kiln-health/kiln/fhir/model"
)

// memberNode navigates to the child elements called name.
type memberNode struct {
	name string
	// term: the name starts a path, so it may instead name the type of
	// the focus (Patient.name evaluated on a Patient).
	term bool
}

func (n *memberNode) eval(_ *ctx, focus []Value) ([]Value, error) {
	var out []Value
	for _, it := range focus {
		if n.term && isTypeOf(it, n.name) {
			out = append(out, it)
			continue
		}
		out = children(out, it, n.name)
	}
	return out, nil
}

// isTypeOf reports whether a leading path name names the type of the item
// or one of its supertypes (Resource.id on any resource).
func isTypeOf(v Value, name string) bool {
	if name == "" || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	return model.IsSubtype(v.Type, name)
}

// isKnownName reports whether a path name can match anything: an element
// of some FHIR type, or a type name.
func isKnownName(name string) bool {
	return model.IsElementName(name) || model.Lookup(name) != nil ||
		// namespaces and system types, for type arguments: is(System.String)
		name == "FHIR" || name == "System" || systemTypeNames[name] ||
		// members of the TypeInfo that type() returns
		name == "namespace" || name == "baseType"
}

// children appends the items of it's child element name to out, typed by
// the model; choice elements are found by their typed keys (value →
// valueQuantity), never by guessing from key prefixes.
func children(out []Value, it Value, name string) []Value {
	m, ok := it.Data.(map[string]any)
	typeName := it.Type
	if !ok {
		// A primitive's id and extensions live in its "_name" companion.
		if it.ext == nil || (name != "extension" && name != "id") {
			return out
		}
		m, typeName = it.ext, "Element"
	}
	t := model.Lookup(typeName)
	if t == nil {
		return untypedChild(out, m, name)
	}
	el := t.Element(name)
	if el == nil {
		return out
	}
	if el.Choice {
		for j, key := range el.ChoiceKeys {
			if v, ok := m[key]; ok {
				out = appendJSON(out, v, el.Types[j], nil)
			}
		}
		return out
	}
	v, ok := m[name]
	var ext any
	if primitive(el.Target) {
		ext = m[el.ExtKey]
	}
	if !ok && ext == nil {
		return out
	}
	return appendJSON(out, v, el.Target, ext)
}

func primitive(typeName string) bool {
	t := model.Lookup(typeName)
	return t != nil && t.Kind == model.KindPrimitive
}

// appendJSON appends a JSON value (one item or an array) as items of type
// typ; ext is the matching "_name" companion of a primitive.
func appendJSON(out []Value, v any, typ string, ext any) []Value {
	if arr, ok := v.([]any); ok {
		exts, _ := ext.([]any)
		for i, x := range arr {
			var e any
			if i < len(exts) {
				e = exts[i]
			}
			out = appendItem(out, x, typ, e)
		}
		return out
	}
	return appendItem(out, v, typ, ext)
}

func appendItem(out []Value, x any, typ string, ext any) []Value {
	if x == nil {
		// A primitive with only extensions has no value; FHIRPath still
		// sees neither a value nor (here) an item: see package docs.
		return out
	}
	if m, ok := x.(map[string]any); ok && (typ == "Resource" || typ == "DomainResource") {
		if rt, ok := m["resourceType"].(string); ok {
			typ = rt
		}
	}
	e, _ := ext.(map[string]any)
	return append(out, Value{Type: typ, Data: x, ext: e})
}

// untypedChild navigates values the model does not describe (type()
// results, resolve() stubs): strings, numbers and booleans become System
// values.
func untypedChild(out []Value, m map[string]any, name string) []Value {
	v, ok := m[name]
	if !ok {
		return out
	}
	switch x := v.(type) {
	case string:
		return append(out, strValue(x))
	case bool:
		return append(out, Value{Type: SystemBoolean, Data: x})
	case json.Number:
		return append(out, decValue(x))
	case map[string]any:
		return append(out, Value{Type: "", Data: x})
	}
	return out
}

// allChildren appends every child item of v, in the model's element order
// (deterministic, unlike map iteration).
func allChildren(out []Value, v Value) []Value {
	if _, ok := v.Data.(map[string]any); !ok {
		return out
	}
	t := model.Lookup(v.Type)
	if t == nil {
		return out
	}
	for _, el := range t.Elements() {
		out = children(out, v, el.Name)
	}
	return out
}
