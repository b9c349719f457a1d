package model

import (
	"slices"
	"strings"
)

// Kind classifies a type.
type Kind uint8

const (
	KindPrimitive Kind = iota + 1 // boolean, string, code, dateTime, ...
	KindComplex                   // datatypes: Quantity, CodeableConcept, Extension, ...
	KindBackbone                  // an element defined inline in a type, named by its path ("Patient.contact")
	KindResource                  // Resource, DomainResource, Patient, ...
)

// Type is a FHIR type or backbone element.
type Type struct {
	Name     string // "Patient", "Quantity", "code", or a backbone path "Bundle.entry.request"
	Kind     Kind
	Base     string // the type this one specializes; "" for the roots Element and Resource
	Abstract bool

	base     *Type
	elements []*Element          // inherited first, then own, in definition order
	byName   map[string]*Element // by Element.Name
	byKey    map[string]*Element // by every JSON key, choices expanded ("valueQuantity")
}

// Element is one child element of a type.
type Element struct {
	Name    string   // JSON name; a choice element's base name ("value" for value[x])
	Choice  bool     // a value[x] element: the JSON key carries the type ("valueQuantity")
	Types   []string // allowed type codes ("Quantity", "string", ...; "BackboneElement" for backbones)
	Target  string   // the type to navigate into when not a choice: Types[0], or a backbone path
	Min     int
	Max     string // "1" or "*"
	Summary bool   // part of the _summary view

	// ChoiceKeys[i] is the JSON key holding a value of type Types[i]
	// ("valueQuantity"); nil unless Choice.
	ChoiceKeys []string
	// ExtKey is the JSON key holding a primitive's id and extensions ("_birthDate").
	ExtKey string
}

// Many reports whether the element repeats (JSON array).
func (e *Element) Many() bool { return e.Max != "1" }

// Table row types used by model_gen.go.
type (
	typeDef struct {
		name     string
		kind     Kind
		base     string
		abstract bool
		elems    []elemDef
	}
	elemDef struct {
		name, types, target string
		min                 int
		flags               uint8
	}
)

const (
	fMany uint8 = 1 << iota
	fSummary
	fChoice
)

var (
	types         map[string]*Type
	elementNames  = map[string]bool{}
	resourceTypes []string // concrete resource types, sorted
)

func init() {
	types = make(map[string]*Type, len(table))
	for i := range table {
		d := &table[i]
		types[d.name] = &Type{Name: d.name, Kind: d.kind, Base: d.base, Abstract: d.abstract}
	}
	for _, t := range types {
		t.base = types[t.Base]
	}
	done := map[*Type]bool{}
	var build func(t *Type)
	build = func(t *Type) {
		if done[t] {
			return
		}
		done[t] = true
		if t.base != nil {
			build(t.base)
			t.elements = slices.Clone(t.base.elements)
		}
		t.elements = append(t.elements, ownElements(t.Name)...)
		t.byName = make(map[string]*Element, len(t.elements))
		t.byKey = make(map[string]*Element, len(t.elements))
		for _, e := range t.elements {
			elementNames[e.Name] = true
			t.byName[e.Name] = e
			if e.Choice {
				for _, k := range e.ChoiceKeys {
					t.byKey[k] = e
				}
			} else {
				t.byKey[e.Name] = e
			}
			t.byKey[e.ExtKey] = e
		}
	}
	for _, t := range types {
		build(t)
		if t.Kind == KindResource && !t.Abstract {
			resourceTypes = append(resourceTypes, t.Name)
		}
	}
	slices.Sort(resourceTypes)
}

var tableIndex = func() map[string]int {
	m := make(map[string]int, len(table))
	for i := range table {
		m[table[i].name] = i
	}
	return m
}()

func ownElements(typeName string) []*Element {
	d := &table[tableIndex[typeName]]
	out := make([]*Element, len(d.elems))
	for i, ed := range d.elems {
		e := &Element{
			Name:    ed.name,
			Choice:  ed.flags&fChoice != 0,
			Types:   strings.Fields(ed.types),
			Target:  ed.target,
			Min:     ed.min,
			Max:     "1",
			Summary: ed.flags&fSummary != 0,
			ExtKey:  "_" + ed.name,
		}
		if ed.flags&fMany != 0 {
			e.Max = "*"
		}
		if e.Target == "" && !e.Choice {
			e.Target = e.Types[0]
		}
		if e.Choice {
			e.ChoiceKeys = make([]string, len(e.Types))
			for j, t := range e.Types {
				e.ChoiceKeys[j] = e.Name + strings.ToUpper(t[:1]) + t[1:]
			}
		}
		out[i] = e
	}
	return out
}

// Lookup returns the type named name (a type code such as "Patient" or
// "dateTime", or a backbone path such as "Patient.contact"), or nil.
func Lookup(name string) *Type { return types[name] }

// BaseType returns the type t specializes, or nil for a root.
func (t *Type) BaseType() *Type { return t.base }

// Elements returns every element of t, inherited ones first. The slice is
// shared: do not modify it.
func (t *Type) Elements() []*Element { return t.elements }

// Element returns the child element called name (a choice by its base
// name, "value"), or nil.
func (t *Type) Element(name string) *Element { return t.byName[name] }

// ElementByKey returns the element a JSON property of an instance of t
// belongs to: "valueQuantity" → value[x], "_birthDate" → birthDate.
func (t *Type) ElementByKey(key string) *Element { return t.byKey[key] }

// IsA reports whether t is the type named name or derives from it.
func (t *Type) IsA(name string) bool {
	for ; t != nil; t = t.base {
		if t.Name == name {
			return true
		}
	}
	return false
}

// IsSubtype reports whether the type named typ is base or derives from it
// (IsSubtype("Age", "Quantity"), IsSubtype("Patient", "Resource")).
func IsSubtype(typ, base string) bool { return types[typ].IsA(base) }

// IsElementName reports whether any type defines an element called name
// (a choice element by its base name: "value", not "valueQuantity"), so
// that a path compiler can reject names no instance can have.
func IsElementName(name string) bool { return elementNames[name] }

// IsResourceType reports whether name is a concrete R4 resource type
// (not Resource or DomainResource).
func IsResourceType(name string) bool {
	t := types[name]
	return t != nil && t.Kind == KindResource && !t.Abstract
}

// ResourceTypes lists every concrete R4 resource type, sorted.
func ResourceTypes() []string { return slices.Clone(resourceTypes) }

// IsSummary reports whether the top-level JSON property key of a resource
// of type resourceType is part of the _summary=true view. "resourceType"
// is; unknown keys are not.
func IsSummary(resourceType, key string) bool {
	if key == "resourceType" {
		return true
	}
	e := elementByKey(resourceType, key)
	return e != nil && e.Summary
}

// IsMandatory reports whether the top-level JSON property key of a
// resource of type resourceType is required (min ≥ 1); _summary=text keeps
// those. "resourceType" is mandatory.
func IsMandatory(resourceType, key string) bool {
	if key == "resourceType" {
		return true
	}
	e := elementByKey(resourceType, key)
	return e != nil && e.Min >= 1
}

func elementByKey(typeName, key string) *Element {
	t := types[typeName]
	if t == nil {
		return nil
	}
	return t.byKey[key]
}
