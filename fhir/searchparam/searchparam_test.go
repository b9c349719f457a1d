package searchparam

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir"
)

const sp = "http://hl7.org/fhir/SearchParameter/"

func TestCounts(t *testing.T) {
	all := All()
	if len(all) != 1375 {
		t.Fatalf("All() = %d params, want 1375 (R4 4.0.1 bundle)", len(all))
	}
	byType := map[Type]int{}
	entries := 0
	for _, p := range all {
		byType[p.Type]++
		entries += len(p.Base)
		if q, ok := ByURL(p.URL); !ok || q != p {
			t.Errorf("ByURL(%s) does not return the All() param", p.URL)
		}
	}
	want := map[Type]int{Token: 536, Reference: 472, String: 133, Date: 109, Composite: 46, URI: 45, Quantity: 27, Number: 6, Special: 1}
	for typ, n := range want {
		if byType[typ] != n {
			t.Errorf("%d %s params, want %d", byType[typ], typ, n)
		}
	}
	if entries != 1706 {
		t.Errorf("%d (base, code) entries, want 1706", entries)
	}
	t.Logf("%d params, %d (base, code) entries, %d resource types", len(all), entries, len(Types()))

	// Per-type totals: sanity bounds plus a few exact values.
	common := 9 // 8 Resource + _text
	exact := map[string]int{
		"Parameters": 8, "Binary": 8, // Resource only
		"Bundle":      8 + 5, // composition, identifier, message, timestamp, type
		"Observation": common + 38,
		"Patient":     common + 23,
	}
	var lines []string
	for _, typ := range Types() {
		n := len(ForType(typ))
		lines = append(lines, typ+"="+strconv.Itoa(n))
		if want, ok := exact[typ]; ok && n != want {
			t.Errorf("ForType(%s) has %d params, want %d", typ, n, want)
		}
		if n < 8 || n > 80 {
			t.Errorf("ForType(%s) has %d params, outside [8, 80]", typ, n)
		}
	}
	t.Logf("per type: %s", strings.Join(lines, " "))
}

func TestTypes(t *testing.T) {
	types := Types()
	if !slices.Equal(types, fhir.ResourceTypes()) {
		t.Errorf("Types() differs from fhir.ResourceTypes()")
	}
	// Every base in the specification is a known resource type.
	for _, p := range All() {
		for _, b := range p.Base {
			if b != "Resource" && b != "DomainResource" && !fhir.IsResourceType(b) {
				t.Errorf("%s: unknown base %q", p.URL, b)
			}
		}
		for _, tg := range p.Target {
			if !fhir.IsResourceType(tg) {
				t.Errorf("%s: unknown target %q", p.URL, tg)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		typ, code  string
		url        string
		ptype      Type
		expr       string
		target     []string
		components []Component
	}{
		{"Observation", "code", sp + "clinical-code", Token, "Observation.code", nil, nil},
		{"Observation", "patient", sp + "clinical-patient", Reference, "Observation.subject.where(resolve() is Patient)", []string{"Patient"}, nil},
		{"Observation", "code-value-quantity", sp + "Observation-code-value-quantity", Composite, "Observation", nil, []Component{
			{sp + "clinical-code", "code"},
			{sp + "Observation-value-quantity", "value.as(Quantity)"},
		}},
		{"Observation", "value-quantity", sp + "Observation-value-quantity", Quantity, "Observation.value as Quantity | Observation.value as SampledData", nil, nil},
		{"Observation", "date", sp + "clinical-date", Date, "Observation.effective", nil, nil},
		{"AllergyIntolerance", "patient", sp + "clinical-patient", Reference, "AllergyIntolerance.patient", []string{"Patient", "Group"}, nil}, // spec target, not narrowable from the expression
		{"Patient", "name", sp + "Patient-name", String, "Patient.name", nil, nil},
		{"Patient", "birthdate", sp + "individual-birthdate", Date, "Patient.birthDate", nil, nil},
		{"Patient", "email", sp + "individual-email", Token, "Patient.telecom.where(system='email')", nil, nil},
		{"Patient", "_lastUpdated", sp + "Resource-lastUpdated", Date, "Patient.meta.lastUpdated", nil, nil},
		{"Patient", "_id", sp + "Resource-id", Token, "Patient.id", nil, nil},
		{"Patient", "_text", sp + "DomainResource-text", String, "", nil, nil},
		{"Bundle", "_id", sp + "Resource-id", Token, "Bundle.id", nil, nil},
		{"Bundle", "composition", sp + "Bundle-composition", Reference, "Bundle.entry[0].resource", []string{"Composition"}, nil},
		{"Encounter", "class", sp + "Encounter-class", Token, "Encounter.class", nil, nil},
		{"ActivityDefinition", "context", sp + "ActivityDefinition-context", Token, "ActivityDefinition.useContext.value as CodeableConcept", nil, nil},
		{"CodeSystem", "context-quantity", sp + "conformance-context-quantity", Quantity, "CodeSystem.useContext.value as Quantity | CodeSystem.useContext.value as Range", nil, nil},
		{"InsurancePlan", "name", sp + "InsurancePlan-name", String, "InsurancePlan.name | InsurancePlan.alias", nil, nil},
		{"Location", "near", sp + "Location-near", Special, "Location.position", nil, nil},
		{"Resource", "_tag", sp + "Resource-tag", Token, "Resource.meta.tag", nil, nil},
	}
	for _, tt := range tests {
		p, ok := Lookup(tt.typ, tt.code)
		if !ok {
			t.Errorf("Lookup(%s, %s) not found", tt.typ, tt.code)
			continue
		}
		if p.URL != tt.url || p.Code != tt.code || p.Type != tt.ptype || p.Expression != tt.expr {
			t.Errorf("Lookup(%s, %s) = %s %s %s %q; want %s %s %q", tt.typ, tt.code, p.URL, p.Code, p.Type, p.Expression, tt.url, tt.ptype, tt.expr)
		}
		if tt.target != nil && !slices.Equal(p.Target, tt.target) {
			t.Errorf("Lookup(%s, %s).Target = %v, want %v", tt.typ, tt.code, p.Target, tt.target)
		}
		if !slices.Equal(p.Components, tt.components) {
			t.Errorf("Lookup(%s, %s).Components = %v, want %v", tt.typ, tt.code, p.Components, tt.components)
		}
		if full, _ := ByURL(p.URL); full.FullExpression != p.FullExpression {
			t.Errorf("Lookup(%s, %s).FullExpression differs from ByURL", tt.typ, tt.code)
		}
	}

	p, _ := Lookup("Observation", "patient")
	if full, _ := ByURL(p.URL); !slices.Equal(full.Target, []string{"Patient", "Group"}) {
		t.Errorf("clinical-patient Target = %v, want the spec's [Patient Group]", full.Target)
	}
	if p, _ := Lookup("Group", "characteristic-value"); p == nil || p.Type != Composite {
		t.Errorf("Group characteristic-value missing")
	}
	if !strings.HasPrefix(p.FullExpression, "AllergyIntolerance.patient | CarePlan.subject.where(resolve() is Patient) | ") {
		t.Errorf("clinical-patient FullExpression = %q", p.FullExpression)
	}
	if p, _ := Lookup("Location", "near"); p.XPathUsage != "nearby" {
		t.Errorf("Location near XPathUsage = %q", p.XPathUsage)
	}
	if p, _ := Lookup("Observation", "code-value-quantity"); p.MultipleOr || !p.MultipleAnd {
		t.Errorf("code-value-quantity MultipleOr/And = %v/%v, want false/true", p.MultipleOr, p.MultipleAnd)
	}
	if p, _ := Lookup("Patient", "birthdate"); !slices.Contains(p.Comparators, "ge") {
		t.Errorf("birthdate comparators = %v", p.Comparators)
	}

	notFound := [][2]string{
		{"Bundle", "_text"}, {"Binary", "_text"}, {"Parameters", "_text"},
		{"Patient", "code"}, {"NoSuchType", "_id"}, {"Observation", "nope"},
	}
	for _, nf := range notFound {
		if _, ok := Lookup(nf[0], nf[1]); ok {
			t.Errorf("Lookup(%s, %s) found, want not found", nf[0], nf[1])
		}
	}
	if ps := ForType("NoSuchType"); ps != nil {
		t.Errorf("ForType(NoSuchType) = %v", ps)
	}
}

func TestResourceParamsEverywhere(t *testing.T) {
	resource := []string{"_content", "_id", "_lastUpdated", "_profile", "_query", "_security", "_source", "_tag"}
	for _, typ := range Types() {
		for _, code := range resource {
			if _, ok := Lookup(typ, code); !ok {
				t.Errorf("Lookup(%s, %s) not found", typ, code)
			}
		}
		_, ok := Lookup(typ, "_text")
		if want := !slices.Contains(domainResourceExceptions, typ); ok != want {
			t.Errorf("Lookup(%s, _text) found = %v, want %v", typ, ok, want)
		}
	}
}

func TestForTypeSortedAndConsistent(t *testing.T) {
	for _, typ := range Types() {
		ps := ForType(typ)
		if !slices.IsSortedFunc(ps, func(a, b *Param) int { return strings.Compare(a.Code, b.Code) }) {
			t.Errorf("ForType(%s) not sorted by code", typ)
		}
		for _, p := range ps {
			if q, ok := Lookup(typ, p.Code); !ok || q != p {
				t.Errorf("ForType(%s) %s differs from Lookup", typ, p.Code)
			}
		}
	}
}

// noExpression lists the parameters the specification defines without a
// FHIRPath expression; all others must have one for each of their bases.
var noExpression = []string{sp + "DomainResource-text", sp + "Resource-content", sp + "Resource-query"}

func TestPerBaseExpressions(t *testing.T) {
	var missing []string
	n := 0
	for _, typ := range Types() {
		for _, p := range ForType(typ) {
			n++
			if p.Expression != "" {
				for part := range strings.SplitSeq(p.Expression, " | ") {
					if r := strings.TrimLeft(part, "("); !strings.HasPrefix(r, typ+".") && r != typ {
						t.Errorf("%s %s: expression part %q not rooted at %s", typ, p.Code, part, typ)
					}
					if !strings.Contains(p.FullExpression, part) && p.Base[0] != "Resource" && p.Base[0] != "DomainResource" && p.URL != sp+"InsurancePlan-name" {
						t.Errorf("%s %s: part %q not in full expression", typ, p.Code, part)
					}
				}
				continue
			}
			if !slices.Contains(noExpression, p.URL) {
				missing = append(missing, typ+"."+p.Code)
			}
		}
	}
	// Per spec entry (not per concrete type) as well.
	for _, p := range All() {
		for _, b := range p.Base {
			q, ok := Lookup(b, p.Code)
			if !ok || q.URL != p.URL {
				t.Errorf("Lookup(%s, %s) does not return %s", b, p.Code, p.URL)
				continue
			}
			if q.Expression == "" && !slices.Contains(noExpression, p.URL) {
				missing = append(missing, b+"."+p.Code)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("no per-base expression for %d (type, code) pairs: %v", len(missing), missing)
	}
	t.Logf("%d (type, code) pairs over %d types; without expression only %d spec params by definition: %v", n, len(Types()), len(noExpression), noExpression)
}

func TestCompositeComponentsResolve(t *testing.T) {
	n := 0
	for _, p := range All() {
		if (p.Type == Composite) != (len(p.Components) > 0) {
			t.Errorf("%s: type %s with %d components", p.URL, p.Type, len(p.Components))
		}
		for _, c := range p.Components {
			n++
			q, ok := ByURL(c.Definition)
			if !ok {
				t.Errorf("%s: component %s does not resolve", p.URL, c.Definition)
				continue
			}
			if q.Type == Composite || c.Expression == "" {
				t.Errorf("%s: component %s: type %s, expression %q", p.URL, c.Definition, q.Type, c.Expression)
			}
		}
	}
	t.Logf("%d composite components resolved", n)
}

func TestPatientCompartment(t *testing.T) {
	tests := []struct {
		typ  string
		want []string
	}{
		{"Observation", []string{"subject", "performer"}},
		{"AllergyIntolerance", []string{"patient", "recorder", "asserter"}},
		{"Patient", []string{"link"}},
		{"Organization", nil},
		{"NoSuchType", nil},
	}
	for _, tt := range tests {
		if got := PatientCompartment(tt.typ); !slices.Equal(got, tt.want) {
			t.Errorf("PatientCompartment(%s) = %v, want %v", tt.typ, got, tt.want)
		}
	}
	n := 0
	for typ, codes := range patientCompartment {
		n++
		for _, code := range codes {
			p, ok := Lookup(typ, code)
			if !ok {
				t.Errorf("compartment param %s.%s is not a search parameter", typ, code)
				continue
			}
			if p.Type != Reference {
				t.Errorf("compartment param %s.%s has type %s", typ, code, p.Type)
			}
		}
	}
	t.Logf("%d resource types in the Patient compartment", n)
}

func TestImmutableCopies(t *testing.T) {
	ps := ForType("Patient")
	ps[0] = nil
	if ForType("Patient")[0] == nil {
		t.Error("ForType returns the shared slice")
	}
	ts := Types()
	ts[0] = "x"
	if Types()[0] == "x" {
		t.Error("Types returns the shared slice")
	}
}
