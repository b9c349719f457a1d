// Command gen generates fhir/searchparam/registry_gen.go from HL7's FHIR R4
// SearchParameter bundle (search-parameters.json) and, optionally, the Patient
// CompartmentDefinition.
//
// Usage (see the go:generate line in fhir/searchparam/doc.go):
//
//	go run ./internal/gen -in search-parameters.json [-compartment compartmentdefinition-patient.json] [-out registry_gen.go]
//
// Every SearchParameter in the bundle is emitted; nothing is hand-picked.
// For parameters shared by several base types, the union FHIRPath expression
// is split at top-level "|" and each base keeps the parts rooted at it (see
// splitUnion and perBase).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"
)

type bundle struct {
	ResourceType string `json:"resourceType"`
	Entry        []struct {
		Resource searchParameter `json:"resource"`
	} `json:"entry"`
}

type searchParameter struct {
	ResourceType string   `json:"resourceType"`
	URL          string   `json:"url"`
	Name         string   `json:"name"`
	Code         string   `json:"code"`
	Base         []string `json:"base"`
	Type         string   `json:"type"`
	Expression   string   `json:"expression"`
	XPathUsage   string   `json:"xpathUsage"`
	Target       []string `json:"target"`
	MultipleOr   *bool    `json:"multipleOr"`
	MultipleAnd  *bool    `json:"multipleAnd"`
	Comparator   []string `json:"comparator"`
	Modifier     []string `json:"modifier"`
	Component    []struct {
		Definition string `json:"definition"`
		Expression string `json:"expression"`
	} `json:"component"`
}

type compartmentDefinition struct {
	ResourceType string `json:"resourceType"`
	Code         string `json:"code"`
	Resource     []struct {
		Code  string   `json:"code"`
		Param []string `json:"param"`
	} `json:"resource"`
}

var typeConst = map[string]string{
	"number":    "Number",
	"date":      "Date",
	"string":    "String",
	"token":     "Token",
	"reference": "Reference",
	"composite": "Composite",
	"quantity":  "Quantity",
	"uri":       "URI",
	"special":   "Special",
}

func main() {
	in := flag.String("in", "", "HL7 SearchParameter bundle (search-parameters.json)")
	comp := flag.String("compartment", "", "Patient CompartmentDefinition JSON (optional)")
	out := flag.String("out", "registry_gen.go", "output Go file")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("gen: ")
	if *in == "" {
		log.Fatal("-in is required")
	}
	params, err := readBundle(*in)
	if err != nil {
		log.Fatal(err)
	}
	var compartment *compartmentDefinition
	if *comp != "" {
		if compartment, err = readCompartment(*comp); err != nil {
			log.Fatal(err)
		}
	}
	src, warnings, err := generate(params, compartment)
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range warnings {
		log.Print("warning: ", w)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

func readBundle(path string) ([]searchParameter, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("%s: resourceType %q, want Bundle", path, b.ResourceType)
	}
	ps := make([]searchParameter, 0, len(b.Entry))
	for i, e := range b.Entry {
		p := e.Resource
		if p.ResourceType != "SearchParameter" {
			return nil, fmt.Errorf("%s: entry %d: resourceType %q, want SearchParameter", path, i, p.ResourceType)
		}
		if p.URL == "" || p.Code == "" || len(p.Base) == 0 {
			return nil, fmt.Errorf("%s: entry %d: missing url, code or base", path, i)
		}
		if _, ok := typeConst[p.Type]; !ok {
			return nil, fmt.Errorf("%s: %s: unknown type %q", path, p.URL, p.Type)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func readCompartment(path string) (*compartmentDefinition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c compartmentDefinition
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.ResourceType != "CompartmentDefinition" || c.Code != "Patient" {
		return nil, fmt.Errorf("%s: want a Patient CompartmentDefinition, got %s/%s", path, c.ResourceType, c.Code)
	}
	return &c, nil
}

// splitUnion splits a FHIRPath expression at its top-level "|" operators,
// i.e. those outside parentheses, brackets, braces, 'string literals',
// `delimited identifiers` and comments. Parts are trimmed of white space.
func splitUnion(expr string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case '\'', '`':
			i = skipQuoted(expr, i)
		case '/':
			if i+1 < len(expr) && expr[i+1] == '/' {
				if j := strings.IndexByte(expr[i:], '\n'); j >= 0 {
					i += j
				} else {
					i = len(expr)
				}
			} else if i+1 < len(expr) && expr[i+1] == '*' {
				if j := strings.Index(expr[i+2:], "*/"); j >= 0 {
					i += j + 3
				} else {
					i = len(expr)
				}
			}
		case '|':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(expr[start:i]))
				start = i + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(expr[start:]))
}

// skipQuoted returns the index of the quote closing the literal that opens at
// expr[i] (or len(expr)-1 if unterminated), honouring backslash escapes.
func skipQuoted(expr string, i int) int {
	q := expr[i]
	for j := i + 1; j < len(expr); j++ {
		switch expr[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return len(expr) - 1
}

// stripParens removes one pair of parentheses when it encloses the whole part,
// e.g. "(A.b as C)" -> "A.b as C" but not "(A.b) | (C.d)" or "(A).b".
func stripParens(part string) string {
	if len(part) < 2 || part[0] != '(' || part[len(part)-1] != ')' {
		return part
	}
	depth := 0
	for i := 0; i < len(part); i++ {
		switch part[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth == 0 && i != len(part)-1 {
				return part // the first "(" closes before the end
			}
		case '\'', '`':
			i = skipQuoted(part, i)
		}
	}
	return strings.TrimSpace(part[1 : len(part)-1])
}

// root returns the leading identifier of a FHIRPath part ("Observation" for
// "(Observation.value as Quantity)"), or "" if it does not start with one.
func root(part string) string {
	part = strings.TrimLeft(part, "( \t\r\n")
	if strings.HasPrefix(part, "`") {
		if j := strings.IndexByte(part[1:], '`'); j >= 0 {
			return part[1 : j+1]
		}
		return ""
	}
	end := 0
	for end < len(part) {
		c := part[end]
		if c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || end > 0 && '0' <= c && c <= '9' {
			end++
			continue
		}
		break
	}
	return part[:end]
}

// relative reports whether part is a path on the context resource rather
// than one rooted at a type name: it starts with a lower-case element name
// that is not a function call ("name", "alias.value").
func relative(part string) bool {
	r := root(part)
	if r == "" || r != part[:len(r)] || r[0] < 'a' || r[0] > 'z' {
		return false
	}
	return len(part) == len(r) || part[len(r)] == '.' || part[len(r)] == '['
}

// perBase returns the expression for each of p.Base (parallel slice): the
// top-level union parts rooted at that base, outer parentheses stripped,
// re-joined with " | "; relative parts (see relative) are rooted at the base. An empty string means no part matched (or the
// parameter has no expression). Parts rooted at none of the bases are
// reported in orphans.
func perBase(p searchParameter) (exprs, orphans []string) {
	exprs = make([]string, len(p.Base))
	if p.Expression == "" {
		return exprs, nil
	}
	parts := splitUnion(p.Expression)
	used := make([]bool, len(parts))
	for i, base := range p.Base {
		var kept []string
		for j, part := range parts {
			switch {
			case root(part) == base:
				kept = append(kept, stripParens(part))
				used[j] = true
			case relative(part):
				// A path without a type root ("name | alias" in
				// InsurancePlan-name) is evaluated on the resource
				// itself, so it applies to every base: root it there.
				kept = append(kept, base+"."+part)
				used[j] = true
			}
		}
		exprs[i] = strings.Join(kept, " | ")
	}
	for j, part := range parts {
		if !used[j] {
			orphans = append(orphans, part)
		}
	}
	return exprs, orphans
}

func generate(params []searchParameter, compartment *compartmentDefinition) ([]byte, []string, error) {
	var warnings []string
	seenURL := map[string]bool{}
	seenCode := map[string]string{}
	for _, p := range params {
		if seenURL[p.URL] {
			return nil, nil, fmt.Errorf("duplicate url %s", p.URL)
		}
		seenURL[p.URL] = true
		for _, b := range p.Base {
			k := b + "." + p.Code
			if u, dup := seenCode[k]; dup {
				return nil, nil, fmt.Errorf("%s: code %q on %s already defined by %s", p.URL, p.Code, b, u)
			}
			seenCode[k] = p.URL
		}
	}
	for _, p := range params {
		for _, c := range p.Component {
			if !seenURL[c.Definition] {
				warnings = append(warnings, fmt.Sprintf("%s: component %s is not in the bundle", p.URL, c.Definition))
			}
		}
	}

	// String slices used more than once (mostly target lists, e.g. the
	// 145-type "any resource" list) become shared variables.
	sliceUses := map[string]int{}
	for _, p := range params {
		for _, s := range [][]string{p.Base, p.Target, p.Comparator, p.Modifier} {
			if len(s) > 2 {
				sliceUses[strings.Join(s, ",")]++
			}
		}
	}
	var shared []string
	for k, n := range sliceUses {
		if n > 1 {
			shared = append(shared, k)
		}
	}
	slices.Sort(shared)
	sharedName := map[string]string{}
	for i, k := range shared {
		sharedName[k] = fmt.Sprintf("s%d", i)
	}
	strs := func(s []string) string {
		if name, ok := sharedName[strings.Join(s, ",")]; ok && len(s) > 2 {
			return name
		}
		return strSlice(s)
	}

	var buf bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&buf, format, a...) }
	w("// Code generated by go run ./internal/gen; DO NOT EDIT.\n\n")
	w("package searchparam\n\n")
	w("// specs holds every SearchParameter of the FHIR R4 (4.0.1) search-parameters.json, in bundle order.\n")
	w("var specs = [...]spec{\n")
	var nBase, nEmpty int
	for _, p := range params {
		exprs, orphans := perBase(p)
		for _, o := range orphans {
			warnings = append(warnings, fmt.Sprintf("%s: expression part %q is rooted at none of %v", p.URL, o, p.Base))
		}
		for i, e := range exprs {
			nBase++
			if e == "" {
				nEmpty++
				if p.Expression != "" {
					warnings = append(warnings, fmt.Sprintf("%s: no expression part for base %s", p.URL, p.Base[i]))
				}
			}
		}
		w("{url: %q, name: %q, code: %q, base: %s, typ: %s", p.URL, p.Name, p.Code, strs(p.Base), typeConst[p.Type])
		if p.Expression != "" {
			w(", expr: %q", p.Expression)
		}
		if len(p.Base) > 1 || exprs[0] != p.Expression {
			w(", exprs: %s", strSlice(exprs))
		}
		if len(p.Target) > 0 {
			w(", target: %s", strs(p.Target))
		}
		if len(p.Modifier) > 0 {
			w(", modifiers: %s", strs(p.Modifier))
		}
		if len(p.Comparator) > 0 {
			w(", comparators: %s", strs(p.Comparator))
		}
		if len(p.Component) > 0 {
			w(", components: []Component{")
			for i, c := range p.Component {
				if i > 0 {
					w(", ")
				}
				w("{%q, %q}", c.Definition, c.Expression)
			}
			w("}")
		}
		if p.XPathUsage != "" && p.XPathUsage != "normal" {
			w(", xpathUsage: %q", p.XPathUsage)
		}
		if p.MultipleOr != nil && !*p.MultipleOr {
			w(", noMultipleOr: true")
		}
		if p.MultipleAnd != nil && !*p.MultipleAnd {
			w(", noMultipleAnd: true")
		}
		w("},\n")
	}
	w("}\n\n")
	for i, k := range shared {
		w("var s%d = %s\n\n", i, strSlice(strings.Split(k, ",")))
	}

	if compartment != nil {
		w("// patientCompartment maps resource types to the search parameters that link\n")
		w("// them to a Patient (CompartmentDefinition/patient); types without any are omitted.\n")
		w("var patientCompartment = map[string][]string{\n")
		for _, r := range compartment.Resource {
			if len(r.Param) == 0 {
				continue
			}
			for _, code := range r.Param {
				if seenCode[r.Code+"."+code] == "" {
					warnings = append(warnings, fmt.Sprintf("compartment: %s.%s is not a search parameter", r.Code, code))
				}
			}
			w("%q: %s,\n", r.Code, strSlice(r.Param))
		}
		w("}\n")
	} else {
		w("var patientCompartment map[string][]string\n")
	}

	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("gofmt generated code: %w", err)
	}
	log.Printf("%d parameters, %d (base, code) entries, %d without per-base expression", len(params), nBase, nEmpty)
	return src, warnings, nil
}

func strSlice(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}
