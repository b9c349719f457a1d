package fhirpath

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir/model"
	"github.com/kiln-health/kiln/internal/shared"
)

const (
	searchParamsFile = "../../../shared/fhir-spec/search-parameters.hl7-official-4.0.1.json"
	examplesDir      = "../../../shared/fhir-samples/r4-examples/examples"
	syntheaDir       = "../../../shared/fhir-samples/synthea"
)

type searchParam struct {
	ID         string   `json:"id"`
	Code       string   `json:"code"`
	Base       []string `json:"base"`
	Expression string   `json:"expression"`
}

func loadSearchParams(t testing.TB) []searchParam {
	t.Helper()
	data, err := os.ReadFile(searchParamsFile)
	if err != nil {
		shared.Missing(t, "R4 search parameters", err)
	}
	var b struct {
		Entry []struct {
			Resource searchParam `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	out := make([]searchParam, len(b.Entry))
	for i, e := range b.Entry {
		out[i] = e.Resource
	}
	return out
}

func decodeJSON(t testing.TB, data []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// loadSamples returns the R4 examples and the resources inside the
// Synthea bundles, by resource type.
func loadSamples(t testing.TB) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	add := func(r map[string]any) {
		rt, _ := r["resourceType"].(string)
		out[rt] = append(out[rt], r)
	}
	for _, dir := range []string{examplesDir, syntheaDir} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r := decodeJSON(t, data)
			add(r)
			if dir == syntheaDir {
				for _, e := range r["entry"].([]any) {
					add(e.(map[string]any)["resource"].(map[string]any))
				}
			}
		}
	}
	return out
}

// synthesize builds a resource of type typ with every element filled
// (choices with their first type) down to a few levels, so that every
// search expression has data to walk even without an example.
func synthesize(typ string) map[string]any {
	m := fill(model.Lookup(typ), 0)
	m["resourceType"] = typ
	return m
}

func fill(t *model.Type, depth int) map[string]any {
	m := map[string]any{}
	for _, el := range t.Elements() {
		typ, key := el.Target, el.Name
		if el.Choice {
			typ, key = el.Types[0], el.ChoiceKeys[0]
		}
		v := sampleValue(typ, depth)
		if v == nil {
			continue
		}
		if el.Many() {
			v = []any{v}
		}
		m[key] = v
	}
	return m
}

func sampleValue(typ string, depth int) any {
	switch typ {
	case "Reference":
		return map[string]any{"reference": "Patient/p1", "display": "x"}
	case "Resource", "Extension", "Narrative", "xhtml":
		return nil
	}
	t := model.Lookup(typ)
	if t == nil {
		return nil
	}
	if t.Kind == model.KindPrimitive {
		switch kindOfType[typ] {
		case kBoolean:
			return true
		case kInteger:
			return json.Number("1")
		case kDecimal:
			return json.Number("1.5")
		case kDate:
			return "2020-01-02"
		case kDateTime:
			return "2020-01-02T03:04:05Z"
		case kTime:
			return "03:04:05"
		}
		return "text"
	}
	if depth >= 4 {
		return nil
	}
	return fill(t, depth+1)
}

// TestSearchParameterExpressions compiles every R4 search parameter
// expression and evaluates it against every sample resource of its base
// types plus a synthesized one.
func TestSearchParameterExpressions(t *testing.T) {
	params := loadSearchParams(t)
	samples := loadSamples(t)
	var total, compiled, evaluated, withResults, evals int
	for _, p := range params {
		if p.Expression == "" {
			continue // _text, _content, _query: no expression in R4
		}
		total++
		e, err := Compile(p.Expression)
		if err != nil {
			t.Errorf("%s: %v", p.ID, err)
			continue
		}
		compiled++
		ok, found := true, false
		for _, base := range p.Base {
			var inputs []map[string]any
			if model.IsResourceType(base) {
				inputs = append(samples[base], synthesize(base))
			} else { // Resource, DomainResource
				inputs = []map[string]any{synthesize("Patient"), synthesize("Observation")}
			}
			for _, r := range inputs {
				evals++
				res, err := e.Evaluate(r)
				if err != nil {
					t.Errorf("%s on %s/%v: %v", p.ID, base, r["id"], err)
					ok = false
					break
				}
				found = found || len(res) > 0
			}
		}
		if ok {
			evaluated++
		}
		if found {
			withResults++
		} else {
			t.Logf("no values: %s (%s)", p.ID, strings.TrimSpace(p.Expression))
		}
	}
	t.Logf("search parameter expressions: %d; compiled %d; evaluated without error %d (%d evaluations); with values on some sample %d",
		total, compiled, evaluated, evals, withResults)
}
