package fhirpath

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustDecode(t testing.TB, s string) map[string]any {
	t.Helper()
	return decodeJSON(t, []byte(s))
}

const testObservation = `{
  "resourceType": "Observation", "id": "o1", "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
  "subject": {"reference": "Patient/p1"},
  "performer": [{"reference": "http://example.org/fhir/Practitioner/d1/_history/2"}, {"reference": "#org"}],
  "contained": [{"resourceType": "Organization", "id": "org", "name": "Acme"}],
  "valueQuantity": {"value": 185, "unit": "lbs", "code": "[lb_av]"},
  "component": [{"code": {"text": "a"}, "valueString": "x"}, {"code": {"text": "b"}, "valueQuantity": {"value": 1.50, "unit": "kg"}}],
  "extension": [{"url": "http://e/age", "valueAge": {"value": 40, "code": "a"}}]
}`

const testEncounter = `{"resourceType": "Encounter", "id": "e1", "status": "finished",
  "class": {"code": "AMB"}, "classHistory": [{"class": {"code": "IMP"}, "period": {"start": "2020"}}]}`

func TestEvaluate(t *testing.T) {
	obs := mustDecode(t, testObservation)
	enc := mustDecode(t, testEncounter)
	tests := []struct {
		name     string
		resource map[string]any
		expr     string
		want     string // rendered result
	}{
		{"choice by type suffix", obs, "Observation.value", "[Quantity:185 '[lb_av]']"},
		{"choice child", obs, "Observation.value.unit", "[string:lbs]"},
		{"choice in backbone", obs, "Observation.component.value", "[string:x, Quantity:1.50 'kg']"},
		{"as operator", obs, "(Observation.value as Quantity).value", "[decimal:185]"},
		{"as filters repeats", obs, "Observation.component.value as Quantity", "[Quantity:1.50 'kg']"},
		{"ofType", obs, "Observation.component.value.ofType(string)", "[string:x]"},
		{"is with inheritance", obs, "Observation.extension('http://e/age').value is Quantity", "[System.Boolean:true]"},
		{"resource supertype", obs, "Resource.id", "[string:o1]"},
		{"DomainResource", obs, "DomainResource.contained.ofType(Resource).id", "[string:org]"},
		{"contained typed", obs, "Observation.contained.name", "[string:Acme]"},
		{"resolve relative", obs, "Observation.subject.where(resolve() is Patient)", "[Reference:<Reference>]"},
		{"resolve absolute", obs, "Observation.performer.resolve().first() is Practitioner", "[System.Boolean:true]"},
		{"resolve contained", obs, "Observation.performer.resolve().last().name", "[string:Acme]"},
		{"other resource type is empty", obs, "Patient.name", "[]"},
		{"class is not classHistory", enc, "Encounter.class.code", "[code:AMB]"},
		{"classHistory", enc, "Encounter.classHistory.class.code", "[code:IMP]"},
		{"where and indexer", obs, "Observation.component.where(code.text = 'b').value.value", "[decimal:1.50]"},
		{"indexer", obs, "Observation.component[1].code.text", "[string:b]"},
		{"union distinct", obs, "Observation.status | Observation.status | 'x'", "[code:final, System.String:x]"},
		{"exists and not", obs, "Observation.value.exists() and Observation.issued.exists().not()", "[System.Boolean:true]"},
		{"resource variable", obs, "%resource.id", "[string:o1]"},
		{"arithmetic", obs, "(Observation.value.value + 15) / 2", "[System.Decimal:100.0]"},
		{"date comparison", obs, "@2020-01-01 < @2020-02", "[System.Boolean:true]"},
		{"date precision unknown", obs, "@2020-01 = @2020-01-01", "[]"},
		{"string functions", obs, "'Hello'.substring(1, 3).upper() + 'x'.length().toString()", "[System.String:ELL1]"},
		{"iif", obs, "iif(Observation.value.exists(), 'yes', 'no')", "[System.String:yes]"},
		{"descendants count", enc, "Encounter.classHistory.descendants().count()", "[System.Integer:4]"},
		{"date arithmetic", obs, "@2020-01-31 + 1 month", "[System.Date:2020-03-02]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(tt.resource)
			if err != nil {
				t.Fatal(err)
			}
			if r := render(got); r != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, r, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "unexpected end"},
		{"Patient.", "expected a name"},
		{"Patient.name.given1", "neither an element nor a type"},
		{"name.where(", "unexpected end"},
		{"foo()", "unknown function"},
		{"first(1)", "takes 0 to 0 arguments"},
		{"id is Nope", "unknown type"},
		{"'abc", "unterminated"},
		{"1 +", "unexpected end"},
		{"/* open", "unterminated comment"},
		{"@2020-13", "invalid date"},
		{"name.matches('[')", "invalid regular expression"},
		{"a ? b", "unexpected character"},
		{strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000), "nested more than"},
		{strings.Repeat("-", 100000) + "1", "nested more than"},
	}
	for _, tt := range tests {
		_, err := Compile(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q) error = %v, want it to contain %q", tt.expr, err, tt.want)
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	obs := mustDecode(t, testObservation)
	for _, expr := range []string{
		"Observation.component.code.text < 'b'", // more than one item
		"Observation.status + 1",                // string + integer
		"Observation.component.value.substring(0)",
		"Observation.component.code is CodeableConcept",
	} {
		e, err := Compile(expr)
		if err != nil {
			t.Errorf("Compile(%q): %v", expr, err)
			continue
		}
		if _, err := e.Evaluate(obs); err == nil {
			t.Errorf("Evaluate(%q): no error", expr)
		}
	}
	if _, err := MustCompile("id").Evaluate(map[string]any{"id": "x"}); err == nil {
		t.Error("Evaluate without resourceType: no error")
	}
}

// TestResultNotShared checks that callers may modify results freely.
func TestResultNotShared(t *testing.T) {
	obs := mustDecode(t, testObservation)
	e := MustCompile("Observation.value.exists()")
	r1, _ := e.Evaluate(obs)
	r1[0].Data = false
	r2, _ := e.Evaluate(obs)
	if r2[0].Data != true {
		t.Errorf("second evaluation sees the first caller's edit: %v", r2)
	}
}

// FuzzEvaluate checks that no expression makes Compile or Evaluate panic
// (the recover in EvaluateValue must not be what saves it).
func FuzzEvaluate(f *testing.F) {
	for _, s := range []string{
		"Observation.value.as(Quantity).value * 2", "component.select(value).repeat(code)",
		"descendants().ofType(string).matches('a')", "aggregate($this + $total, 0)",
		"(1|2|3).sort(-$this)", "extension.value.toQuantity() = 1 'kg'", "%resource.contained.resolve()",
		"'a'.substring(-1, 99)", "@2020-01-01T10:00:00+01:00 > now()", "1 div 0", "9223372036854775807 + 1",
	} {
		f.Add(s)
	}
	var obs map[string]any
	d := json.NewDecoder(strings.NewReader(testObservation))
	d.UseNumber()
	if err := d.Decode(&obs); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := Compile(expr)
		if err != nil {
			return
		}
		_, err = e.Evaluate(obs)
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("%q: %v", expr, err)
		}
	})
}
