package fhirpath

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/kiln-health/kiln/fhir/model"
)

// The official FHIRPath suite mostly uses XML inputs. xmlToJSON converts a
// FHIR XML resource to the JSON shape Evaluate takes, using the type model
// to tell arrays, choice types and primitive kinds apart (XML carries none
// of that). It covers what the suite's inputs use: primitives with value
// attributes, ids and extensions on primitives (_name), contained
// resources and XHTML narrative.

type xmlNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []xmlNode  `xml:",any"`
	Inner    []byte     `xml:",innerxml"`
}

func (n *xmlNode) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func xmlToJSON(data []byte) (map[string]any, error) {
	var root xmlNode
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		return nil, fmt.Errorf("parse XML: %w", err)
	}
	return convertResource(&root)
}

func convertResource(n *xmlNode) (map[string]any, error) {
	rt := n.XMLName.Local
	t := model.Lookup(rt)
	if t == nil || t.Kind != model.KindResource {
		return nil, fmt.Errorf("unknown resource type %q", rt)
	}
	m, err := convertComplex(n, t)
	if err != nil {
		return nil, err
	}
	m["resourceType"] = rt
	return m, nil
}

func convertComplex(n *xmlNode, t *model.Type) (map[string]any, error) {
	m := map[string]any{}
	for _, a := range n.Attrs {
		switch a.Name.Local {
		case "id", "url": // Element.id and Extension.url are attributes
			m[a.Name.Local] = a.Value
		}
	}
	for i := range n.Children {
		c := &n.Children[i]
		key := c.XMLName.Local
		el := t.ElementByKey(key)
		if el == nil {
			return nil, fmt.Errorf("%s has no element %q", t.Name, key)
		}
		typ := el.Target
		if el.Choice {
			for j, k := range el.ChoiceKeys {
				if k == key {
					typ = el.Types[j]
				}
			}
		}
		val, ext, err := convertValue(c, typ)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name, key, err)
		}
		put(m, key, val, el.Many())
		if ext != nil || el.Many() && model.Lookup(typ).Kind == model.KindPrimitive {
			putExt(m, key, ext, el.Many())
		}
	}
	// Drop _name arrays that hold only nulls.
	for k, v := range m {
		if arr, ok := v.([]any); ok && strings.HasPrefix(k, "_") {
			empty := true
			for _, x := range arr {
				empty = empty && x == nil
			}
			if empty {
				delete(m, k)
			}
		}
	}
	return m, nil
}

func put(m map[string]any, key string, v any, many bool) {
	if !many {
		m[key] = v
		return
	}
	arr, _ := m[key].([]any)
	m[key] = append(arr, v)
}

func putExt(m map[string]any, key string, ext map[string]any, many bool) {
	var v any
	if ext != nil {
		v = ext
	}
	put(m, "_"+key, v, many)
}

// convertValue converts one XML element of FHIR type typ. For primitives
// it returns the JSON value and the _name companion (id, extensions).
func convertValue(n *xmlNode, typ string) (any, map[string]any, error) {
	if typ == "Resource" {
		if len(n.Children) != 1 {
			return nil, nil, fmt.Errorf("resource wrapper with %d children", len(n.Children))
		}
		r, err := convertResource(&n.Children[0])
		return r, nil, err
	}
	if typ == "xhtml" {
		return fmt.Sprintf(`<div xmlns="http://www.w3.org/1999/xhtml">%s</div>`, n.Inner), nil, nil
	}
	t := model.Lookup(typ)
	if t == nil {
		return nil, nil, fmt.Errorf("unknown type %q", typ)
	}
	if t.Kind != model.KindPrimitive {
		m, err := convertComplex(n, t)
		return m, nil, err
	}
	var val any
	if s, ok := n.attr("value"); ok {
		switch kindOfType[typ] {
		case kBoolean:
			val = s == "true"
		case kInteger, kDecimal:
			val = json.Number(s)
		default:
			val = s
		}
	}
	var ext map[string]any
	if id, ok := n.attr("id"); ok {
		ext = map[string]any{"id": id}
	}
	for i := range n.Children {
		c := &n.Children[i]
		if c.XMLName.Local != "extension" {
			return nil, nil, fmt.Errorf("primitive %s has child %q", typ, c.XMLName.Local)
		}
		e, err := convertComplex(c, model.Lookup("Extension"))
		if err != nil {
			return nil, nil, err
		}
		if ext == nil {
			ext = map[string]any{}
		}
		put(ext, "extension", e, true)
	}
	return val, ext, nil
}
