package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/fhirpath"
	"github.com/kiln-health/kiln/fhir/model"
)

// Issue types of the FHIR issue-type value set that package fhir does not
// name.
const (
	IssueInvariant   fhir.IssueType = "invariant"
	IssueCodeInvalid fhir.IssueType = "code-invalid"
)

// Validate checks a resource (FHIR JSON) against every profile it claims
// in meta.profile that the Set knows; profiles it does not know are
// ignored, as a server that does not know a profile would. A claim with a
// version ("url|1.0.0") counts only if the version matches. It returns the
// issues found (nil when the resource conforms); the error is for input
// that is not a JSON resource or a cancelled ctx.
func (s *Set) Validate(ctx context.Context, body []byte) ([]fhir.Issue, error) {
	res, err := parseResource(body)
	if err != nil {
		return nil, err
	}
	var issues []fhir.Issue
	seen := map[*Profile]bool{}
	for _, claim := range claimedProfiles(res) {
		url, version, _ := strings.Cut(claim, "|")
		p := s.profiles[url]
		if p == nil || seen[p] || (version != "" && version != p.Version) {
			continue
		}
		seen[p] = true
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("profile: validate: %w", err)
		}
		issues = append(issues, p.validate(res)...)
	}
	return issues, nil
}

// ValidateAgainst checks a resource against the profile with canonical URL
// url, whatever its meta.profile says. An unknown url is an error.
func (s *Set) ValidateAgainst(ctx context.Context, url string, body []byte) ([]fhir.Issue, error) {
	p := s.profiles[url]
	if p == nil {
		return nil, fmt.Errorf("profile: %s is not in the set", url)
	}
	res, err := parseResource(body)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("profile: validate: %w", err)
	}
	return p.validate(res), nil
}

func parseResource(body []byte) (map[string]any, error) {
	var res map[string]any
	if err := decode(body, &res); err != nil {
		return nil, fmt.Errorf("profile: read resource: %w", err)
	}
	if rt, _ := res["resourceType"].(string); rt == "" {
		return nil, fmt.Errorf("profile: read resource: no resourceType")
	}
	return res, nil
}

func claimedProfiles(res map[string]any) []string {
	meta, _ := res["meta"].(map[string]any)
	list, _ := meta["profile"].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// run is one validation of one resource against one profile.
type run struct {
	p      *Profile
	root   map[string]any
	issues []fhir.Issue
}

func (p *Profile) validate(res map[string]any) []fhir.Issue {
	r := &run{p: p, root: res}
	if rt := res["resourceType"].(string); rt != p.Type {
		r.add(fhir.SeverityError, fhir.IssueStructure, rt, "profile %s constrains %s, not %s", p.describe(), p.Type, rt)
		return r.issues
	}
	r.item(p.Type, p.Type, res, p.root)
	return r.issues
}

func (r *run) add(sev fhir.Severity, code fhir.IssueType, loc string, format string, args ...any) {
	r.addAt(sev, code, []string{loc}, format, args...)
}

func (r *run) addAt(sev fhir.Severity, code fhir.IssueType, locs []string, format string, args ...any) {
	r.issues = append(r.issues, fhir.Issue{
		Severity:    sev,
		Code:        code,
		Diagnostics: fmt.Sprintf(format, args...) + " (profile " + r.p.describe() + ")",
		Expression:  locs,
	})
}

// value is one instance item of an element.
type value struct {
	loc  string // FHIRPath location: Composition.section[2]
	typ  string // model type: "CodeableConcept", "Composition.section", "boolean"
	data any    // decoded JSON; nil for a primitive that has only extensions
}

// item applies e's rules to one instance value, then its children's.
func (r *run) item(loc, typ string, data any, e *elem) {
	if e.fixed != nil && !fhirpath.JSONEqual(data, e.fixed) {
		r.add(fhir.SeverityError, fhir.IssueValue, loc, "%s must be exactly %s %s", e.id, e.fixedKey, compact(e.fixed))
	}
	if e.pattern != nil && !containsPattern(data, e.pattern) {
		r.add(fhir.SeverityError, fhir.IssueValue, loc, "%s must match %s %s", e.id, e.patternKey, compact(e.pattern))
	}
	if e.choiceTypes != nil && !slices.Contains(e.choiceTypes, typ) {
		r.add(fhir.SeverityError, fhir.IssueStructure, loc, "%s must be of type %s, not %s", e.id, strings.Join(e.choiceTypes, " or "), typ)
	}
	if e.targets != nil {
		r.reference(loc, data, e)
	}
	if e.binding != nil {
		r.binding(loc, typ, data, e)
	}
	if e.profile != nil && e.profile != r.p {
		// A type profile (an extension's definition) is checked in place.
		sub := &run{p: e.profile, root: r.root}
		sub.item(loc, typ, data, e.profile.root)
		r.issues = append(r.issues, sub.issues...)
	}
	for _, c := range e.constraints {
		r.constraint(loc, typ, data, e, c)
	}
	for _, c := range e.children {
		r.element(loc, childValues(loc, data, c), c)
	}
}

// element applies e's cardinality and slicing to the values found for it
// under one parent, and its rules to each value.
func (r *run) element(parentLoc string, vals []value, e *elem) {
	at := parentLoc + "." + e.name
	if e.hasMin && len(vals) < e.min {
		r.add(fhir.SeverityError, fhir.IssueRequired, at, "%s: minimum required = %d, but found %d", e.id, e.min, len(vals))
	}
	if e.hasMax && e.max >= 0 && len(vals) > e.max {
		r.addAt(fhir.SeverityError, fhir.IssueStructure, locs(vals[e.max:]), "%s: maximum allowed = %d, but found %d", e.id, e.max, len(vals))
	}
	for _, v := range vals {
		r.item(v.loc, v.typ, v.data, e)
	}
	if e.slicing != nil {
		r.slices(at, vals, e)
	}
}

// slices assigns each value to the first slice whose discriminator it
// matches, then checks each slice's cardinality and rules.
func (r *run) slices(at string, vals []value, e *elem) {
	matched := make([][]value, len(e.slices))
	for _, v := range vals {
		found := false
		for i, sl := range e.slices {
			if matchesSlice(v.data, sl.disc, e.slicing) {
				matched[i] = append(matched[i], v)
				found = true
				break
			}
		}
		if !found && e.slicing.closed {
			names := make([]string, len(e.slices))
			for i, sl := range e.slices {
				names[i] = sl.sliceName
			}
			r.add(fhir.SeverityError, fhir.IssueStructure, v.loc, "%s: matches none of the slices (%s) and the slicing is closed", e.id, strings.Join(names, ", "))
		}
	}
	for i, sl := range e.slices {
		n := len(matched[i])
		if sl.hasMin && n < sl.min {
			r.add(fhir.SeverityError, fhir.IssueRequired, at, "%s: slice %q requires at least %d, but found %d (%s)", e.id, sl.sliceName, sl.min, n, compact(sl.disc))
		}
		if sl.hasMax && sl.max >= 0 && n > sl.max {
			r.addAt(fhir.SeverityError, fhir.IssueStructure, locs(matched[i]), "%s: slice %q allows at most %d, but found %d", e.id, sl.sliceName, sl.max, n)
		}
		for _, v := range matched[i] {
			r.item(v.loc, v.typ, v.data, sl)
		}
	}
}

func locs(vals []value) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v.loc
	}
	return out
}

// childValues returns the values of child element e in data, each with its
// location and model type.
func childValues(parentLoc string, data any, e *elem) []value {
	m, ok := data.(map[string]any)
	if !ok {
		return nil
	}
	me := e.modelEl
	loc := parentLoc + "." + e.name
	if me.Choice {
		var out []value
		for i, k := range me.ChoiceKeys {
			v, has := m[k]
			_, hasExt := m["_"+k]
			if has || hasExt {
				out = append(out, value{loc: loc, typ: me.Types[i], data: v})
			}
		}
		return out
	}
	raw, has := m[e.name]
	ext, hasExt := m[me.ExtKey]
	if !has && !hasExt {
		return nil
	}
	if !me.Many() {
		return []value{{loc: loc, typ: e.typ, data: raw}}
	}
	arr, _ := raw.([]any)
	extArr, _ := ext.([]any)
	n := max(len(arr), len(extArr))
	out := make([]value, n)
	for i := range n {
		var d any
		if i < len(arr) {
			d = arr[i]
		}
		out[i] = value{loc: fmt.Sprintf("%s[%d]", loc, i), typ: e.typ, data: d}
	}
	return out
}

func (r *run) reference(loc string, data any, e *elem) {
	ref, _ := data.(map[string]any)
	if ref == nil {
		return
	}
	var types []string
	if t, _ := ref["type"].(string); t != "" {
		types = append(types, t)
	}
	if s, _ := ref["reference"].(string); s != "" {
		if t := referenceType(s, r.root); t != "" {
			types = append(types, t)
		}
	}
	// A reference by identifier or to a urn:uuid that only a transaction
	// resolves names no type: nothing to check here.
	for _, t := range types {
		ok := false
		for _, target := range e.targets {
			if target == "Resource" || model.IsSubtype(t, target) {
				ok = true
			}
		}
		if !ok {
			r.add(fhir.SeverityError, fhir.IssueStructure, loc, "%s must refer to %s, not %s", e.id, strings.Join(e.targets, " or "), t)
		}
	}
}

// referenceType returns the resource type a literal reference names:
// "Patient/1", "https://x/fhir/Patient/1/_history/2", or "#p1" (the
// contained resource of that id); "" when it names none.
func referenceType(ref string, root map[string]any) string {
	if id, ok := strings.CutPrefix(ref, "#"); ok {
		contained, _ := root["contained"].([]any)
		for _, c := range contained {
			m, _ := c.(map[string]any)
			if m["id"] == id {
				t, _ := m["resourceType"].(string)
				return t
			}
		}
		return ""
	}
	if strings.HasPrefix(ref, "urn:") {
		return ""
	}
	ref, _, _ = strings.Cut(ref, "?")
	segs := strings.Split(ref, "/")
	if n := len(segs); n >= 4 && segs[n-2] == "_history" {
		segs = segs[:n-2]
	}
	if n := len(segs); n >= 2 && model.IsResourceType(segs[n-2]) {
		return segs[n-2]
	}
	return ""
}

func (r *run) binding(loc, typ string, data any, e *elem) {
	vs := e.binding
	switch typ {
	case "code":
		s, ok := data.(string)
		if ok && !vs.contains("", s) {
			// Codes of a required binding carry no patient data.
			r.add(fhir.SeverityError, IssueCodeInvalid, loc, "%s: code %q is not in the required ValueSet %s", e.id, s, vs.url)
		}
	case "Coding":
		if !codingIn(data, vs) {
			r.add(fhir.SeverityError, IssueCodeInvalid, loc, "%s: the coding is not in the required ValueSet %s", e.id, vs.url)
		}
	case "CodeableConcept":
		cc, _ := data.(map[string]any)
		codings, _ := cc["coding"].([]any)
		if !slices.ContainsFunc(codings, func(c any) bool { return codingIn(c, vs) }) {
			r.add(fhir.SeverityError, IssueCodeInvalid, loc, "%s: no coding is in the required ValueSet %s", e.id, vs.url)
		}
	}
}

func codingIn(data any, vs *valueSet) bool {
	c, _ := data.(map[string]any)
	system, _ := c["system"].(string)
	code, _ := c["code"].(string)
	return system != "" && code != "" && vs.contains(system, code)
}

func (r *run) constraint(loc, typ string, data any, e *elem, c constraint) {
	sev := fhir.SeverityError
	if c.warning {
		sev = fhir.SeverityWarning
	}
	if data == nil {
		return // a primitive with only extensions: nothing to evaluate on
	}
	out, err := c.expr.EvaluateValue(fhirpath.Value{Type: typ, Data: data})
	if err != nil {
		r.add(sev, fhir.IssueProcessing, loc, "%s: constraint %s could not be evaluated: %v", e.id, c.key, err)
		return
	}
	// As the HL7 validator does, anything but a single true fails: an
	// invariant must evaluate to true.
	if len(out) == 1 && out[0].Data == true {
		return
	}
	r.add(sev, IssueInvariant, loc, "%s: constraint %s failed: %s", e.id, c.key, c.human)
}

// matchesSlice reports whether an instance value belongs to the slice
// whose discriminator value is disc.
func matchesSlice(data, disc any, s *slicing) bool {
	for _, v := range atPath(data, s.discPath) {
		if s.discType == "pattern" && containsPattern(v, disc) || s.discType == "value" && fhirpath.JSONEqual(v, disc) {
			return true
		}
	}
	return false
}

// atPath returns the JSON values at a path of element names, arrays
// flattened.
func atPath(data any, path []string) []any {
	cur := []any{data}
	for _, name := range path {
		var next []any
		for _, c := range cur {
			m, _ := c.(map[string]any)
			switch v := m[name].(type) {
			case nil:
			case []any:
				next = append(next, v...)
			default:
				next = append(next, v)
			}
		}
		cur = next
	}
	return cur
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
