package search_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/shared"
)

func decode(t *testing.T, body string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func ms(s string) int64 {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UnixMilli()
}

// TestExtractorCoverage: every R4 search parameter is indexed except the
// ones that cannot be (no expression, special) and the ones stores answer
// without rows.
func TestExtractorCoverage(t *testing.T) {
	x := search.DefaultExtractor()
	pairs := 0
	for _, typ := range searchparam.Types() {
		pairs += len(searchparam.ForType(typ))
	}
	served := 0
	for _, typ := range searchparam.Types() {
		for _, p := range searchparam.ForType(typ) {
			switch p.Code {
			case "_id", "_lastUpdated", "_text", "_content":
				served++
			}
		}
	}
	for key, why := range x.Skipped() {
		code := key[strings.Index(key, ".")+1:]
		if code != "_query" && code != "near" {
			t.Errorf("%s is not indexed: %s", key, why)
		}
	}
	t.Logf("(type, parameter) pairs: %d; indexed by FHIRPath: %d; served without rows: %d; not supported: %d",
		pairs, x.Indexed(), served, len(x.Skipped()))
	if x.Indexed()+served+len(x.Skipped()) != pairs {
		t.Errorf("indexed %d + served %d + skipped %d != %d pairs", x.Indexed(), served, len(x.Skipped()), pairs)
	}
}

// TestExtract checks the rows of hand-written resources.
func TestExtract(t *testing.T) {
	x := search.DefaultExtractor()
	patient := decode(t, `{"resourceType":"Patient","id":"p",
		"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Zoë <b>Müller</b></div>"},
		"identifier":[{"system":"urn:mrn","value":"42","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]}}],
		"name":[{"family":"Müller","given":["Zoë","Anne"]}],
		"gender":"female","birthDate":"1970-03",
		"generalPractitioner":[{"reference":"Practitioner/dr"},{"reference":"http://other.example/fhir/Practitioner/9"}],
		"managingOrganization":{"identifier":{"system":"urn:org","value":"o-1"}}}`)
	idx, err := x.Extract(patient)
	if err != nil {
		t.Fatal(err)
	}
	wantStrings := []store.StringValue{
		{Param: "family", Value: "muller", Exact: "Müller"},
		{Param: "given", Value: "zoe", Exact: "Zoë"},
		{Param: "given", Value: "anne", Exact: "Anne"},
		{Param: "name", Value: "muller", Exact: "Müller"},
	}
	for _, w := range wantStrings {
		if !slices.Contains(idx.Strings, w) {
			t.Errorf("no string row %+v in %+v", w, idx.Strings)
		}
	}
	wantTokens := []store.TokenValue{
		{Param: "identifier", System: "urn:mrn", Code: "42"},
		{Param: "identifier:of-type", System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "MR|42"},
		{Param: "gender", Code: "female"},
		{Param: "organization:identifier", System: "urn:org", Code: "o-1"},
	}
	for _, w := range wantTokens {
		if !slices.Contains(idx.Tokens, w) {
			t.Errorf("no token row %+v in %+v", w, idx.Tokens)
		}
	}
	if want := (store.DateValue{Param: "birthdate", Lo: ms("1970-03-01T00:00:00Z"), Hi: ms("1970-04-01T00:00:00Z") - 1}); !slices.Contains(idx.Dates, want) {
		t.Errorf("no date row %+v in %+v", want, idx.Dates)
	}
	for _, w := range []store.ReferenceValue{
		{Param: "general-practitioner", Type: "Practitioner", ID: "dr"},
		{Param: "general-practitioner", URL: "http://other.example/fhir/Practitioner/9"},
	} {
		if !slices.Contains(idx.References, w) {
			t.Errorf("no reference row %+v in %+v", w, idx.References)
		}
	}
	if idx.Narrative != "zoe muller" {
		t.Errorf("Narrative = %q, want %q", idx.Narrative, "zoe muller")
	}
	for _, w := range []string{"muller", "zoe", "anne", "female", "42"} {
		if !slices.Contains(strings.Fields(idx.Content), w) {
			t.Errorf("Content %q lacks %q", idx.Content, w)
		}
	}

	// A composite: each Observation.component item is one group; a
	// component without a value is not indexed at all.
	obs := decode(t, `{"resourceType":"Observation","id":"bp","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
		"effectivePeriod":{"start":"2024-01-02T10:00:00Z"},
		"component":[
			{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
			{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80.5,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
			{"code":{"coding":[{"system":"http://loinc.org","code":"9999-9"}]}}]}`)
	idx, err = x.Extract(obs)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int][]string{}
	for _, tok := range idx.Tokens {
		if tok.Param == store.ComponentParam("component-code-value-quantity", 0) {
			groups[tok.Group] = append(groups[tok.Group], tok.Code)
		}
	}
	for _, q := range idx.Quantities {
		if q.Param == store.ComponentParam("component-code-value-quantity", 1) {
			groups[q.Group] = append(groups[q.Group], strconv.FormatFloat(q.Value, 'f', -1, 64))
		}
	}
	if len(groups) != 2 {
		t.Errorf("component-code-value-quantity groups = %v, want two (the third component has no value)", groups)
	}
	for _, g := range groups {
		if !(slices.Equal(g, []string{"8480-6", "120"}) || slices.Equal(g, []string{"8462-4", "80.5"})) {
			t.Errorf("component group %v pairs the wrong code and value", g)
		}
	}
	if want := (store.DateValue{Param: "date", Lo: ms("2024-01-02T10:00:00Z"), Hi: store.MaxDate}); !slices.Contains(idx.Dates, want) {
		t.Errorf("open Period: no row %+v in %+v", want, idx.Dates)
	}
}

// TestExtractSamples indexes every shared sample without error: every
// parameter's expression runs on real resources.
func TestExtractSamples(t *testing.T) {
	x := search.DefaultExtractor()
	files, _ := filepath.Glob("../../../shared/fhir-samples/r4-examples/examples/*.json")
	if len(files) == 0 {
		shared.Missing(t, "R4 examples", os.ErrNotExist)
	}
	rows := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		idx, err := x.Extract(m)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		rows += idx.Rows()
	}
	t.Logf("%d R4 examples: %d index rows", len(files), rows)
}
