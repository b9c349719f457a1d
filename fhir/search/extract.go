package search

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kiln-health/kiln/fhir/fhirpath"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

// extractorVersion changes whenever what Extract writes for the same
// resource changes; with the registry's content it makes IndexVersion, which
// tells an operator that kiln reindex is due.
const extractorVersion = "3"

// maxStringIndex bounds an indexed string (bytes). Longer values are cut:
// starts-with still works on them; :exact compares the cut value.
const maxStringIndex = 512

// maxContent bounds the text kept for _content.
const maxContent = 64 << 10

// Extractor computes the search index of resources from the R4 search
// parameter registry, evaluating each parameter's FHIRPath expression. It
// is safe for concurrent use.
type Extractor struct {
	byType  map[string][]compiled
	version string
	// Skipped lists parameters that have no index rows: those served
	// without (_id, _lastUpdated, _text, _content) and those whose
	// expression cannot be compiled. Keyed "Type.code".
	skipped map[string]string
}

// compiled is one parameter with its expression compiled for one type.
type compiled struct {
	param      *searchparam.Param
	expr       *fhirpath.Expression
	components []component
}

type component struct {
	param *searchparam.Param
	expr  *fhirpath.Expression
}

// served are the parameters the stores answer from the resource itself or
// the full-text document, so they need no index rows.
var served = map[string]bool{"_id": true, "_lastUpdated": true, "_text": true, "_content": true}

// NewExtractor compiles the expressions of every search parameter of every
// resource type.
func NewExtractor() *Extractor {
	x := &Extractor{byType: map[string][]compiled{}, skipped: map[string]string{}}
	h := sha256.New()
	fmt.Fprintf(h, "extractor %s\n", extractorVersion)
	cache := map[string]*fhirpath.Expression{}
	compile := func(expr string) (*fhirpath.Expression, error) {
		if e, ok := cache[expr]; ok {
			return e, nil
		}
		e, err := fhirpath.Compile(expr)
		if err != nil {
			return nil, err
		}
		cache[expr] = e
		return e, nil
	}
	for _, typ := range searchparam.Types() {
		for _, p := range searchparam.ForType(typ) {
			key := typ + "." + p.Code
			fmt.Fprintf(h, "%s %s %s\n", key, p.Type, p.Expression)
			if served[p.Code] {
				continue
			}
			if p.Expression == "" {
				x.skipped[key] = "no expression"
				continue
			}
			if p.Type == searchparam.Special {
				x.skipped[key] = "special parameter (" + p.Code + ") is not supported"
				continue
			}
			e, err := compile(p.Expression)
			if err != nil {
				x.skipped[key] = err.Error()
				continue
			}
			c := compiled{param: p, expr: e}
			if p.Type == searchparam.Composite {
				ok := true
				for _, comp := range p.Components {
					cp, found := searchparam.ByURL(comp.Definition)
					ce, err := compile(comp.Expression)
					if !found || err != nil {
						x.skipped[key] = fmt.Sprintf("component %s: not usable (%v)", comp.Definition, err)
						ok = false
						break
					}
					c.components = append(c.components, component{param: cp, expr: ce})
				}
				if !ok {
					continue
				}
			}
			x.byType[typ] = append(x.byType[typ], c)
		}
	}
	x.version = hex.EncodeToString(h.Sum(nil))[:16]
	return x
}

// DefaultExtractor returns an extractor built once: compiling every
// expression of the registry takes a while, and the result is immutable.
var DefaultExtractor = sync.OnceValue(NewExtractor)

// Version identifies the registry and extraction rules; stores record it
// after a reindex.
func (x *Extractor) Version() string { return x.version }

// Skipped returns the parameters ("Type.code") Extract writes no rows for,
// with the reason.
func (x *Extractor) Skipped() map[string]string { return x.skipped }

// Supported lists the search parameters of typ a search can use: those
// Extract indexes and those the stores answer without index rows.
func (x *Extractor) Supported(typ string) []*searchparam.Param {
	var out []*searchparam.Param
	for _, p := range searchparam.ForType(typ) {
		if _, skipped := x.skipped[typ+"."+p.Code]; !skipped {
			out = append(out, p)
		}
	}
	return out
}

// Indexed counts the (type, parameter) pairs Extract indexes.
func (x *Extractor) Indexed() int {
	n := 0
	for _, cs := range x.byType {
		n += len(cs)
	}
	return n
}

// Extract computes the index of a resource (decoded with json.Number
// numbers). An expression that fails at run time on this resource is an
// error: the index would be incomplete.
func (x *Extractor) Extract(resource map[string]any) (store.Index, error) {
	var idx store.Index
	typ, _ := resource["resourceType"].(string)
	group := 0
	for _, c := range x.byType[typ] {
		values, err := c.expr.Evaluate(resource)
		if err != nil {
			return store.Index{}, fmt.Errorf("search parameter %s.%s (%s): %w", typ, c.param.Code, c.param.Expression, err)
		}
		if c.param.XPathUsage == "phonetic" {
			for _, v := range values {
				for _, s := range stringsOf(v) {
					if code := Phonetic(s); code != "" {
						idx.Strings = append(idx.Strings, store.StringValue{Param: c.param.Code, Value: code, Exact: code})
					}
				}
			}
			continue
		}
		if c.param.Type != searchparam.Composite {
			for _, v := range values {
				x.add(&idx, c.param.Type, c.param.Code, 0, v)
			}
			continue
		}
		for _, item := range values {
			// An item is indexed only when every component has a value:
			// a composite search needs all of them, and half an item would
			// only cost rows.
			parts := make([][]fhirpath.Value, len(c.components))
			complete := true
			for i, comp := range c.components {
				vs, err := comp.expr.EvaluateValue(item)
				if err != nil {
					return store.Index{}, fmt.Errorf("search parameter %s.%s component %s: %w", typ, c.param.Code, comp.param.Code, err)
				}
				parts[i] = vs
				complete = complete && len(vs) > 0
			}
			if !complete {
				continue
			}
			group++
			for i, comp := range c.components {
				for _, v := range parts[i] {
					x.add(&idx, comp.param.Type, store.ComponentParam(c.param.Code, i), group, v)
				}
			}
		}
	}
	if typ != "Bundle" && typ != "Binary" && typ != "Parameters" {
		if text, ok := resource["text"].(map[string]any); ok {
			if div, ok := text["div"].(string); ok {
				idx.Narrative = strings.Join(unique(Words(htmlText(div))), " ")
			}
		}
	}
	idx.Content = content(resource)
	dedupe(&idx)
	return idx, nil
}

// dedupe drops repeated rows: several parameters' expressions overlap
// (Observation combo-code repeats code) and resources repeat values. A
// repeated row never changes a result, and every row costs index writes.
func dedupe(idx *store.Index) {
	idx.Strings = unique(idx.Strings)
	idx.Tokens = unique(idx.Tokens)
	idx.Dates = unique(idx.Dates)
	idx.Numbers = unique(idx.Numbers)
	idx.Quantities = unique(idx.Quantities)
	idx.References = unique(idx.References)
	idx.URIs = unique(idx.URIs)
}

// unique removes repeated values, keeping the first of each.
func unique[T comparable](rows []T) []T {
	if len(rows) < 2 {
		return rows
	}
	seen := make(map[T]bool, len(rows))
	out := rows[:0]
	for _, r := range rows {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// add appends the rows of one value of a parameter of type t.
func (x *Extractor) add(idx *store.Index, t searchparam.Type, code string, group int, v fhirpath.Value) {
	switch t {
	case searchparam.String:
		for _, s := range stringsOf(v) {
			addString(idx, code, group, s)
		}
	case searchparam.Token:
		x.addToken(idx, code, group, v)
	case searchparam.Date:
		for _, r := range dateRanges(v) {
			idx.Dates = append(idx.Dates, store.DateValue{Param: code, Group: group, Lo: r[0], Hi: r[1]})
		}
	case searchparam.Number:
		if f, ok := number(v.Data); ok {
			idx.Numbers = append(idx.Numbers, store.NumberValue{Param: code, Group: group, Value: f})
		}
	case searchparam.Quantity:
		x.addQuantity(idx, code, group, v)
	case searchparam.Reference:
		x.addReference(idx, code, group, v)
	case searchparam.URI:
		if s, ok := v.Data.(string); ok && s != "" {
			idx.URIs = append(idx.URIs, store.URIValue{Param: code, Group: group, Value: s})
		}
	}
}

func addString(idx *store.Index, code string, group int, s string) {
	if s == "" {
		return
	}
	exact := truncate(s, maxStringIndex)
	idx.Strings = append(idx.Strings, store.StringValue{Param: code, Group: group, Value: truncate(Normalize(s), maxStringIndex), Exact: exact})
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// stringsOf returns the strings a string parameter indexes for a value:
// the value itself for primitives, the parts of HumanName and Address.
func stringsOf(v fhirpath.Value) []string {
	switch d := v.Data.(type) {
	case string:
		return []string{d}
	case map[string]any:
		var keys []string
		switch v.Type {
		case "HumanName":
			keys = []string{"family", "given", "prefix", "suffix", "text"}
		case "Address":
			keys = []string{"line", "city", "district", "state", "postalCode", "country", "text"}
		default:
			return nil
		}
		var out []string
		for _, k := range keys {
			switch f := d[k].(type) {
			case string:
				out = append(out, f)
			case []any:
				for _, e := range f {
					if s, ok := e.(string); ok {
						out = append(out, s)
					}
				}
			}
		}
		return out
	}
	return nil
}

func (x *Extractor) addToken(idx *store.Index, code string, group int, v fhirpath.Value) {
	tok := func(system, c, display string) {
		if c != "" {
			idx.Tokens = append(idx.Tokens, store.TokenValue{Param: code, Group: group, System: system, Code: c, Text: textOf(display, group)})
		}
	}
	switch d := v.Data.(type) {
	case string:
		tok("", d, "")
	case bool:
		tok("", strconv.FormatBool(d), "")
	case json.Number:
		tok("", d.String(), "")
	case map[string]any:
		switch v.Type {
		case "Coding":
			tok(str(d, "system"), str(d, "code"), str(d, "display"))
		case "CodeableConcept":
			text := textOf(str(d, "text"), group)
			seen := false
			for _, c := range objects(d["coding"]) {
				display := textOf(str(c, "display"), group)
				seen = seen || display == text
				tok(str(c, "system"), str(c, "code"), str(c, "display"))
			}
			if text != "" && !seen {
				// The concept's text on a row of its own, without a code.
				idx.Tokens = append(idx.Tokens, store.TokenValue{Param: code, Group: group, Text: text})
			}
		case "Identifier":
			value := str(d, "value")
			tok(str(d, "system"), value, "")
			if t, ok := d["type"].(map[string]any); ok && value != "" && group == 0 {
				for _, c := range objects(t["coding"]) {
					if cc := str(c, "code"); cc != "" {
						idx.Tokens = append(idx.Tokens, store.TokenValue{Param: code + ":of-type", System: str(c, "system"), Code: cc + "|" + value})
					}
				}
			}
		case "ContactPoint":
			tok(str(d, "system"), str(d, "value"), "")
		case "Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity":
			tok(str(d, "system"), str(d, "code"), "")
		case "Reference":
			if id, ok := d["identifier"].(map[string]any); ok {
				tok(str(id, "system"), str(id, "value"), "")
			}
		}
	}
}

// textOf is the :text value of a display or text: normalised and cut to
// the indexed length; composite components do not carry it.
func textOf(s string, group int) string {
	if group != 0 {
		return ""
	}
	return truncate(Normalize(s), maxStringIndex)
}

func (x *Extractor) addQuantity(idx *store.Index, code string, group int, v fhirpath.Value) {
	d, ok := v.Data.(map[string]any)
	if !ok {
		return
	}
	f, ok := number(d["value"])
	if !ok {
		return
	}
	unit := str(d, "code")
	if unit == "" {
		unit = str(d, "unit")
	}
	system := str(d, "system")
	if v.Type == "Money" {
		unit, system = str(d, "currency"), "urn:iso:std:iso:4217"
	}
	idx.Quantities = append(idx.Quantities, store.QuantityValue{Param: code, Group: group, System: system, Code: unit, Value: f})
}

func (x *Extractor) addReference(idx *store.Index, code string, group int, v fhirpath.Value) {
	switch d := v.Data.(type) {
	case string: // canonical, uri
		if d != "" {
			url, _, _ := strings.Cut(d, "|")
			idx.References = append(idx.References, store.ReferenceValue{Param: code, Group: group, URL: url})
		}
	case map[string]any:
		if id, ok := d["identifier"].(map[string]any); ok && group == 0 {
			if value := str(id, "value"); value != "" {
				idx.Tokens = append(idx.Tokens, store.TokenValue{Param: code + ":identifier", System: str(id, "system"), Code: value})
			}
		}
		ref := str(d, "reference")
		if ref == "" || strings.HasPrefix(ref, "#") {
			return
		}
		if typ, id, ok := localReference(ref); ok {
			idx.References = append(idx.References, store.ReferenceValue{Param: code, Group: group, Type: typ, ID: id})
			return
		}
		idx.References = append(idx.References, store.ReferenceValue{Param: code, Group: group, URL: ref})
	}
}

// localReference splits a relative reference ("Patient/1",
// "Patient/1/_history/2") into type and id. Absolute URLs, even to this
// server, are indexed as URLs: the index is the same for every tenant's
// base URL.
func localReference(ref string) (typ, id string, ok bool) {
	parts := strings.Split(ref, "/")
	if len(parts) != 2 && !(len(parts) == 4 && parts[2] == "_history") {
		return "", "", false
	}
	if !isTypeName(parts[0]) || parts[1] == "" {
		return "", "", false
	}
	return parts[0], parts[1], true
}

func isTypeName(s string) bool {
	return s != "" && s[0] >= 'A' && s[0] <= 'Z' && !strings.ContainsAny(s, ":.?#")
}

// dateRanges returns the ranges a date parameter indexes for a value.
func dateRanges(v fhirpath.Value) [][2]int64 {
	switch d := v.Data.(type) {
	case string:
		lo, hi, err := DateRange(d)
		if err != nil {
			return nil
		}
		return [][2]int64{{lo, hi}}
	case map[string]any:
		switch v.Type {
		case "Period":
			lo, hi := store.MinDate, store.MaxDate
			if s, ok := d["start"].(string); ok {
				if l, _, err := DateRange(s); err == nil {
					lo = l
				}
			}
			if s, ok := d["end"].(string); ok {
				if _, h, err := DateRange(s); err == nil {
					hi = h
				}
			}
			if lo == store.MinDate && hi == store.MaxDate {
				return nil
			}
			return [][2]int64{{lo, hi}}
		case "Timing":
			var out [][2]int64
			if events, ok := d["event"].([]any); ok {
				for _, e := range events {
					if s, ok := e.(string); ok {
						if lo, hi, err := DateRange(s); err == nil {
							out = append(out, [2]int64{lo, hi})
						}
					}
				}
			}
			if rep, ok := d["repeat"].(map[string]any); ok {
				if b, ok := rep["boundsPeriod"].(map[string]any); ok {
					out = append(out, dateRanges(fhirpath.Value{Type: "Period", Data: b})...)
				}
			}
			return out
		}
	}
	return nil
}

// number reads a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// str reads a string at a path of object keys.
func str(m map[string]any, path ...string) string {
	for i, k := range path {
		if i == len(path)-1 {
			s, _ := m[k].(string)
			return s
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			return ""
		}
		m = next
	}
	return ""
}

// objects returns the objects of a JSON array (or a single object).
func objects(v any) []map[string]any {
	switch v := v.(type) {
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	case map[string]any:
		return []map[string]any{v}
	}
	return nil
}

// htmlText strips tags and decodes the common entities of XHTML narrative.
func htmlText(div string) string {
	var b strings.Builder
	in := false
	for _, r := range div {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ").Replace(b.String())
}

// content gathers the distinct words of every string in the resource
// (narrative included, base64 data and ids of structure excluded), for
// _content.
func content(resource map[string]any) string {
	var words []string
	seen := map[string]bool{}
	size := 0
	var walk func(key string, v any)
	walk = func(key string, v any) {
		if size > maxContent {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(k, v[k])
			}
		case []any:
			for _, e := range v {
				walk(key, e)
			}
		case string:
			switch key {
			case "data", "resourceType", "id", "reference", "system", "url", "fullUrl", "versionId", "lastUpdated":
				return
			case "div":
				v = htmlText(v)
			}
			for _, w := range Words(v) {
				// Each word once: the searches match words, not phrases or
				// frequencies, and every repeat costs full-text index work.
				if !seen[w] {
					seen[w] = true
					words = append(words, w)
					size += len(w) + 1
				}
			}
		}
	}
	walk("", resource)
	return strings.Join(words, " ")
}
