package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kiln-health/kiln/fhir/fhirpath"
	"github.com/kiln-health/kiln/fhir/model"
)

// baseSD prefixes the canonical URL of every base R4 type.
const baseSD = "http://hl7.org/fhir/StructureDefinition/"

// Set is a loaded, read-only collection of profiles and the ValueSets their
// bindings use. It is safe for concurrent use.
type Set struct {
	profiles  map[string]*Profile // by canonical URL
	valueSets map[string]*valueSet
}

// Profile is one constraining StructureDefinition, compiled.
type Profile struct {
	URL     string
	Name    string
	Version string
	Type    string // the constrained type ("Composition", "Extension")
	root    *elem
}

// elem is one element of a profile's differential, placed in a tree that
// mirrors the instance: children by element name, slices under the element
// they slice.
type elem struct {
	id        string
	name      string // JSON name; a choice element's base name ("value")
	sliceName string
	typ       string         // model type of the instance values; "" for a choice
	modelEl   *model.Element // nil for the root

	min, max       int // max -1: unbounded
	hasMin, hasMax bool

	fixed, pattern       any
	fixedKey, patternKey string // "fixedUri", "patternCodeableConcept"

	choiceTypes []string // allowed types of a choice element, nil: any
	targets     []string // allowed reference targets (resource types), nil: any
	profileURL  string   // the type profile each value must conform to
	profile     *Profile // resolved profileURL
	binding     *valueSet

	constraints []constraint
	slicing     *slicing
	disc        any // a slice's discriminator value
	slices      []*elem
	children    []*elem
}

type constraint struct {
	key, human string
	warning    bool
	expr       *fhirpath.Expression
}

type slicing struct {
	discType string   // "pattern" or "value"
	discPath []string // child names from the sliced element; nil: $this
	closed   bool
}

type valueSet struct {
	url   string
	codes map[string]map[string]bool // system → code → true
}

// Load reads every *.json file at the root of fsys and compiles the
// StructureDefinitions (kind resource or complex-type, derivation
// constraint) and ValueSets among them; other resources are skipped. It
// fails, naming the file and element, on anything a profile uses that the
// validator cannot check.
func Load(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("profile: list files: %w", err)
	}
	sort.Strings(names)
	s := &Set{profiles: map[string]*Profile{}, valueSets: map[string]*valueSet{}}
	var sds []rawSD
	for _, name := range names {
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("profile: read %s: %w", name, err)
		}
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(body, &head); err != nil {
			return nil, fmt.Errorf("profile: %s: %w", name, err)
		}
		switch head.ResourceType {
		case "StructureDefinition":
			var sd rawSD
			if err := decode(body, &sd); err != nil {
				return nil, fmt.Errorf("profile: %s: %w", name, err)
			}
			sd.file = name
			sds = append(sds, sd)
		case "ValueSet":
			vs, err := parseValueSet(body)
			if err != nil {
				return nil, fmt.Errorf("profile: %s: %w", name, err)
			}
			if _, dup := s.valueSets[vs.url]; dup {
				return nil, fmt.Errorf("profile: %s: ValueSet %s defined twice", name, vs.url)
			}
			s.valueSets[vs.url] = vs
		}
	}
	// ValueSets first, then profiles, then the type profiles they name:
	// files may come in any order.
	for _, sd := range sds {
		p, err := s.compile(sd)
		if err != nil {
			return nil, fmt.Errorf("profile: %s: %w", sd.file, err)
		}
		if _, dup := s.profiles[p.URL]; dup {
			return nil, fmt.Errorf("profile: %s: StructureDefinition %s defined twice", sd.file, p.URL)
		}
		s.profiles[p.URL] = p
	}
	for _, p := range s.profiles {
		if err := s.link(p.root); err != nil {
			return nil, fmt.Errorf("profile: %s: %w", p.URL, err)
		}
	}
	return s, nil
}

// Profiles lists the canonical URLs of the loaded profiles, sorted.
func (s *Set) Profiles() []string {
	out := make([]string, 0, len(s.profiles))
	for u := range s.profiles {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// Profile returns the profile with canonical URL url, or nil.
func (s *Set) Profile(url string) *Profile { return s.profiles[url] }

// link resolves the type profiles elements name.
func (s *Set) link(e *elem) error {
	if e.profileURL != "" {
		tp := s.profiles[e.profileURL]
		if tp == nil {
			return fmt.Errorf("element %s: type profile %s is not in the set", e.id, e.profileURL)
		}
		if e.typ != tp.Type {
			return fmt.Errorf("element %s: type profile %s constrains %s, not %s", e.id, e.profileURL, tp.Type, e.typ)
		}
		e.profile = tp
	}
	for _, c := range slices.Concat(e.children, e.slices) {
		if err := s.link(c); err != nil {
			return err
		}
	}
	return nil
}

type rawSD struct {
	file           string
	URL            string `json:"url"`
	Name           string `json:"name"`
	Version        string `json:"version"`
	Kind           string `json:"kind"`
	Abstract       bool   `json:"abstract"`
	Type           string `json:"type"`
	BaseDefinition string `json:"baseDefinition"`
	Derivation     string `json:"derivation"`
	Differential   *struct {
		Element []map[string]any `json:"element"`
	} `json:"differential"`
}

func decode(body []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	return d.Decode(v)
}

func (s *Set) compile(sd rawSD) (*Profile, error) {
	switch {
	case sd.URL == "":
		return nil, fmt.Errorf("StructureDefinition has no url")
	case sd.Derivation != "constraint":
		return nil, fmt.Errorf("%s: derivation %q is not supported (only constraint)", sd.URL, sd.Derivation)
	case sd.Kind != "resource" && sd.Kind != "complex-type":
		return nil, fmt.Errorf("%s: kind %q is not supported", sd.URL, sd.Kind)
	case model.Lookup(sd.Type) == nil:
		return nil, fmt.Errorf("%s: type %q is not an R4 type", sd.URL, sd.Type)
	case sd.BaseDefinition != baseSD+sd.Type:
		// A profile on a profile would need its base's constraints too.
		return nil, fmt.Errorf("%s: baseDefinition %q is not supported (only the base R4 %s)", sd.URL, sd.BaseDefinition, sd.Type)
	case sd.Differential == nil || len(sd.Differential.Element) == 0:
		return nil, fmt.Errorf("%s: no differential (snapshot-only profiles are not supported)", sd.URL)
	}
	p := &Profile{URL: sd.URL, Name: sd.Name, Version: sd.Version, Type: sd.Type,
		root: &elem{id: sd.Type, name: sd.Type, typ: sd.Type}}
	for i, raw := range sd.Differential.Element {
		if err := s.addElement(p, raw); err != nil {
			id, _ := raw["id"].(string)
			return nil, fmt.Errorf("%s: differential element %d (%s): %w", sd.URL, i, id, err)
		}
	}
	if err := p.root.finish(); err != nil {
		return nil, fmt.Errorf("%s: %w", sd.URL, err)
	}
	return p, nil
}

// finish computes, for every slice, the value its discriminator matches.
func (e *elem) finish() error {
	if e.slicing != nil {
		if len(e.slices) == 0 {
			return fmt.Errorf("%s declares slicing but no slices", e.id)
		}
		for _, sl := range e.slices {
			v, err := sl.discriminatorValue(e.slicing)
			if err != nil {
				return err
			}
			sl.disc = v
		}
	} else if len(e.slices) > 0 {
		return fmt.Errorf("%s has slices but no slicing", e.id)
	}
	for _, c := range slices.Concat(e.children, e.slices) {
		if err := c.finish(); err != nil {
			return err
		}
	}
	return nil
}

// discriminatorValue is the fixed or pattern value found at the
// discriminator's path in slice sl; for an extension slice discriminated by
// url, the extension's profile URL (the spec's rule for extensions).
func (sl *elem) discriminatorValue(d *slicing) (any, error) {
	e := sl
	for _, name := range d.discPath {
		var next *elem
		for _, c := range e.children {
			if c.name == name {
				next = c
			}
		}
		if next == nil {
			if name == "url" && e == sl && sl.typ == "Extension" && sl.profileURL != "" {
				return sl.profileURL, nil
			}
			return nil, fmt.Errorf("slice %s constrains nothing at its discriminator path %s", sl.id, strings.Join(d.discPath, "."))
		}
		e = next
	}
	switch {
	case e.fixed != nil:
		return e.fixed, nil
	case e.pattern != nil && d.discType == "pattern":
		return e.pattern, nil
	}
	return nil, fmt.Errorf("slice %s has no fixed[x]%s at its discriminator path", sl.id, map[bool]string{true: " or pattern[x]"}[d.discType == "pattern"])
}

// Keys of an ElementDefinition that only document: they constrain nothing,
// so ignoring them loses nothing.
var documentation = map[string]bool{
	"extension": true, "modifierExtension": true, "short": true, "definition": true,
	"comment": true, "requirements": true, "alias": true, "label": true, "code": true,
	"mustSupport": true, "isSummary": true, "isModifier": true, "isModifierReason": true,
	"mapping": true, "example": true, "base": true, "meaningWhenMissing": true,
	"orderMeaning": true, "condition": true, "representation": true,
}

// addElement places one differential element in the profile's tree.
func (s *Set) addElement(p *Profile, raw map[string]any) error {
	id, _ := raw["id"].(string)
	pth, _ := raw["path"].(string)
	if id == "" {
		id = pth // a differential without ids cannot slice, so the path is the id
	}
	if id == "" {
		return fmt.Errorf("element has neither id nor path")
	}
	segs := strings.Split(id, ".")
	if segs[0] != p.Type {
		return fmt.Errorf("id %q does not start with %s", id, p.Type)
	}
	e := p.root
	for _, seg := range segs[1:] {
		name, slice, _ := strings.Cut(seg, ":")
		if strings.Contains(slice, "/") || strings.Contains(slice, "@") {
			return fmt.Errorf("re-slicing and type slices (%s) are not supported", seg)
		}
		child, err := e.child(name)
		if err != nil {
			return err
		}
		e = child
		if slice != "" {
			if e.slicing == nil {
				return fmt.Errorf("slice %s of %s, which declares no slicing", slice, e.id)
			}
			e = e.slice(slice)
		}
	}
	if sn, _ := raw["sliceName"].(string); sn != e.sliceName {
		return fmt.Errorf("sliceName %q does not match id %q", sn, id)
	}
	for k, v := range raw {
		var err error
		switch {
		case k == "id" || k == "path" || k == "sliceName" || documentation[k]:
		case k == "min":
			e.min, err = intOf(v)
			e.hasMin = true
		case k == "max":
			e.max, err = maxOf(v)
			e.hasMax = true
		case strings.HasPrefix(k, "fixed"):
			e.fixed, e.fixedKey = v, k
		case strings.HasPrefix(k, "pattern"):
			e.pattern, e.patternKey = v, k
		case k == "type":
			err = e.setTypes(v)
		case k == "binding":
			err = s.setBinding(e, v)
		case k == "constraint":
			err = e.addConstraints(v)
		case k == "slicing":
			err = e.setSlicing(v)
		default:
			err = fmt.Errorf("%s is not supported", k)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// child returns e's child element name, creating it from the model.
func (e *elem) child(name string) (*elem, error) {
	for _, c := range e.children {
		if c.name == name || c.name+"[x]" == name {
			return c, nil
		}
	}
	if e.typ == "" {
		return nil, fmt.Errorf("%s is a choice element: paths into one type of it are not supported", e.id)
	}
	t := model.Lookup(e.typ)
	if t.Kind == model.KindPrimitive {
		// A primitive's id and extensions live in its "_name" companion,
		// which validation does not walk.
		return nil, fmt.Errorf("%s: constraints inside a primitive (%s) are not supported", e.id, name)
	}
	base := strings.TrimSuffix(name, "[x]")
	me := t.Element(base)
	if me == nil || me.Choice != strings.HasSuffix(name, "[x]") {
		return nil, fmt.Errorf("%s has no element %s in R4", e.typ, name)
	}
	c := &elem{id: e.id + "." + name, name: base, modelEl: me, max: -1}
	if !me.Choice {
		c.typ = me.Target
	}
	e.children = append(e.children, c)
	return c, nil
}

// slice returns e's slice called name, creating it.
func (e *elem) slice(name string) *elem {
	for _, s := range e.slices {
		if s.sliceName == name {
			return s
		}
	}
	s := &elem{id: e.id + ":" + name, name: e.name, sliceName: name, typ: e.typ, modelEl: e.modelEl, max: -1}
	e.slices = append(e.slices, s)
	return s
}

func intOf(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	i, err := strconv.Atoi(n.String())
	if err != nil || i < 0 {
		return 0, fmt.Errorf("not a non-negative integer")
	}
	return i, nil
}

func maxOf(v any) (int, error) {
	s, _ := v.(string)
	if s == "*" {
		return -1, nil
	}
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 {
		return 0, fmt.Errorf("%q is not a number or *", s)
	}
	return i, nil
}

func (e *elem) setTypes(v any) error {
	list, _ := v.([]any)
	if len(list) == 0 {
		return fmt.Errorf("empty")
	}
	var codes []string
	for _, item := range list {
		t, _ := item.(map[string]any)
		code, _ := t["code"].(string)
		if code == "" {
			return fmt.Errorf("type without code")
		}
		codes = append(codes, code)
		for k, v := range t {
			switch k {
			case "code", "extension":
			case "profile":
				ps, _ := v.([]any)
				if len(ps) != 1 || len(list) != 1 {
					return fmt.Errorf("only one type with one profile is supported")
				}
				e.profileURL, _ = ps[0].(string)
			case "targetProfile":
				if code != "Reference" {
					return fmt.Errorf("targetProfile on %s is not supported", code)
				}
				for _, tp := range v.([]any) {
					u, _ := tp.(string)
					rt, ok := strings.CutPrefix(u, baseSD)
					if !ok || !(model.IsResourceType(rt) || rt == "Resource") {
						return fmt.Errorf("targetProfile %q is not supported (only base R4 resource types)", u)
					}
					e.targets = append(e.targets, rt)
				}
			default:
				return fmt.Errorf("type.%s is not supported", k)
			}
		}
	}
	if e.modelEl == nil {
		if len(codes) != 1 || codes[0] != e.typ {
			return fmt.Errorf("root type %v is not %s", codes, e.typ)
		}
		return nil
	}
	if e.modelEl.Choice {
		for _, c := range codes {
			if !slices.Contains(e.modelEl.Types, c) {
				return fmt.Errorf("%s is not a type of %s in R4", c, e.id)
			}
		}
		e.choiceTypes = codes
		return nil
	}
	// A non-choice element keeps its base type; only its targets and
	// profile may narrow.
	if len(codes) != 1 || codes[0] != e.modelEl.Types[0] {
		return fmt.Errorf("type %v of %s: changing an element's type is not supported", codes, e.id)
	}
	return nil
}

func (s *Set) setBinding(e *elem, v any) error {
	b, _ := v.(map[string]any)
	strength, _ := b["strength"].(string)
	if strength != "required" {
		return nil // extensible, preferred and example bindings do not make an instance invalid
	}
	url, _ := b["valueSet"].(string)
	url, _, _ = strings.Cut(url, "|")
	vs := s.valueSets[url]
	if vs == nil {
		return fmt.Errorf("required ValueSet %q is not in the set", url)
	}
	if e.modelEl == nil || e.modelEl.Choice {
		return fmt.Errorf("binding on %s is not supported", e.id)
	}
	switch e.typ {
	case "code", "Coding", "CodeableConcept":
	default:
		return fmt.Errorf("binding on type %s is not supported", e.typ)
	}
	e.binding = vs
	return nil
}

func (e *elem) addConstraints(v any) error {
	list, _ := v.([]any)
	for _, item := range list {
		c, _ := item.(map[string]any)
		key, _ := c["key"].(string)
		src, _ := c["expression"].(string)
		sev, _ := c["severity"].(string)
		human, _ := c["human"].(string)
		if src == "" {
			return fmt.Errorf("constraint %s has no FHIRPath expression", key)
		}
		if sev != "error" && sev != "warning" {
			return fmt.Errorf("constraint %s: severity %q", key, sev)
		}
		expr, err := fhirpath.Compile(src)
		if err != nil {
			return fmt.Errorf("constraint %s: %w", key, err)
		}
		e.constraints = append(e.constraints, constraint{key: key, human: human, warning: sev == "warning", expr: expr})
	}
	return nil
}

func (e *elem) setSlicing(v any) error {
	sl, _ := v.(map[string]any)
	out := &slicing{}
	for k, v := range sl {
		switch k {
		case "description", "extension":
		case "ordered":
			if b, _ := v.(bool); b {
				return fmt.Errorf("ordered slicing is not supported")
			}
		case "rules":
			switch v {
			case "closed":
				out.closed = true
			case "open":
			default:
				return fmt.Errorf("rules %v is not supported", v)
			}
		case "discriminator":
			ds, _ := v.([]any)
			if len(ds) != 1 {
				return fmt.Errorf("exactly one discriminator is supported")
			}
			d, _ := ds[0].(map[string]any)
			out.discType, _ = d["type"].(string)
			if out.discType != "pattern" && out.discType != "value" {
				return fmt.Errorf("discriminator type %q is not supported", out.discType)
			}
			p, _ := d["path"].(string)
			if p != "$this" {
				for _, seg := range strings.Split(p, ".") {
					if seg == "" || !model.IsElementName(seg) {
						return fmt.Errorf("discriminator path %q is not supported (only element names or $this)", p)
					}
					out.discPath = append(out.discPath, seg)
				}
			}
		default:
			return fmt.Errorf("slicing.%s is not supported", k)
		}
	}
	if out.discType == "" {
		return fmt.Errorf("no discriminator")
	}
	if e.slicing != nil {
		return fmt.Errorf("slicing declared twice")
	}
	e.slicing = out
	return nil
}

func parseValueSet(body []byte) (*valueSet, error) {
	var raw struct {
		URL     string `json:"url"`
		Compose *struct {
			Include []map[string]any `json:"include"`
			Exclude []any            `json:"exclude"`
		} `json:"compose"`
	}
	if err := decode(body, &raw); err != nil {
		return nil, err
	}
	if raw.URL == "" || raw.Compose == nil || len(raw.Compose.Exclude) > 0 {
		return nil, fmt.Errorf("ValueSet %q: only a compose of enumerated includes is supported", raw.URL)
	}
	vs := &valueSet{url: raw.URL, codes: map[string]map[string]bool{}}
	for _, inc := range raw.Compose.Include {
		system, _ := inc["system"].(string)
		concepts, _ := inc["concept"].([]any)
		for k := range inc {
			if k != "system" && k != "concept" && k != "version" {
				return nil, fmt.Errorf("ValueSet %s: include.%s is not supported", raw.URL, k)
			}
		}
		if system == "" || len(concepts) == 0 {
			return nil, fmt.Errorf("ValueSet %s: an include must name a system and list its concepts", raw.URL)
		}
		if vs.codes[system] == nil {
			vs.codes[system] = map[string]bool{}
		}
		for _, c := range concepts {
			code, _ := c.(map[string]any)["code"].(string)
			vs.codes[system][code] = true
		}
	}
	return vs, nil
}

// contains reports whether the ValueSet holds code; system "" matches any
// system (a bare code element's system is implied by the binding).
func (vs *valueSet) contains(system, code string) bool {
	if system == "" {
		for _, codes := range vs.codes {
			if codes[code] {
				return true
			}
		}
		return false
	}
	return vs.codes[system][code]
}

// describe names the profile for diagnostics.
func (p *Profile) describe() string {
	if p.Name != "" {
		return p.Name
	}
	return path.Base(p.URL)
}
