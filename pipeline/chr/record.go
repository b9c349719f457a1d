package chr

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
)

// record is what Kiln read of one patient's chart for a draft.
type record struct {
	patient   fhir.Object
	resources map[string][]fhir.Object // by type
}

// query is one search over the patient's chart.
type query struct {
	typ    string
	params url.Values
}

// chartQueries are the searches a draft reads. Each is one page: a CHR
// summarises what is current and recent, it does not reprint the chart.
func chartQueries(patient string) []query {
	p := func(kv ...string) url.Values {
		v := url.Values{"patient": {"Patient/" + patient}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	return []query{
		{"Condition", p("_count", "200")},
		{"MedicationRequest", p("_count", "200")},
		{"MedicationStatement", p("_count", "200")},
		{"AllergyIntolerance", p("_count", "100")},
		{"Observation", p("category", "laboratory", "_sort", "-date", "_count", "200")},
		{"Observation", p("category", "vital-signs", "_sort", "-date", "_count", "200")},
		{"DiagnosticReport", p("_sort", "-date", "_count", "50")},
		{"Immunization", p("_sort", "-date", "_count", "100")},
		{"Procedure", p("_sort", "-date", "_count", "100")},
		{"Encounter", p("_sort", "-date", "_count", "20")},
		{"CarePlan", p("_count", "50")},
	}
}

// gather reads the patient and the chart queries as the drafter.
func (d *Drafter) gather(ctx context.Context, tenant, patient string) (*record, error) {
	pr, err := d.engine.Read(ctx, tenant, "Patient", patient)
	if err != nil {
		return nil, fmt.Errorf("chr: read Patient/%s: %w", patient, err)
	}
	pobj, err := fhir.ParseObject(pr.Body)
	if err != nil {
		return nil, fmt.Errorf("chr: Patient/%s: %w", patient, err)
	}
	rec := &record{patient: pobj, resources: map[string][]fhir.Object{}}
	for _, q := range chartQueries(patient) {
		res, err := d.engine.Search(ctx, tenant, engine.SearchRequest{Type: q.typ, Params: q.params, Strict: true})
		if err != nil {
			return nil, fmt.Errorf("chr: search %s: %w", q.typ, err)
		}
		for _, m := range res.Matches {
			obj, err := fhir.ParseObject(m.Body)
			if err != nil {
				return nil, fmt.Errorf("chr: %s/%s: %w", m.Type, m.ID, err)
			}
			rec.resources[q.typ] = append(rec.resources[q.typ], obj)
		}
	}
	return rec, nil
}

// JSON navigation over fhir.Object (decoded JSON).

func get(v any, path ...string) any {
	for _, k := range path {
		switch m := v.(type) {
		case fhir.Object:
			v = m[k]
		case map[string]any:
			v = m[k]
		default:
			return nil
		}
	}
	return v
}

func str(v any, path ...string) string { s, _ := get(v, path...).(string); return s }

func list(v any, path ...string) []any { s, _ := get(v, path...).([]any); return s }

// conceptText is a CodeableConcept's text, else its first coding's display, else code.
func conceptText(cc any) string {
	if t := str(cc, "text"); t != "" {
		return t
	}
	for _, c := range list(cc, "coding") {
		if d := str(c, "display"); d != "" {
			return d
		}
	}
	for _, c := range list(cc, "coding") {
		if code := str(c, "code"); code != "" {
			return code
		}
	}
	return ""
}

// firstCode is a CodeableConcept's first code.
func firstCode(cc any) string {
	for _, c := range list(cc, "coding") {
		if code := str(c, "code"); code != "" {
			return code
		}
	}
	return ""
}

// dateOf is the clinically relevant date of a resource (as stored, any precision).
func dateOf(o fhir.Object) string {
	for _, p := range [][]string{
		{"effectiveDateTime"}, {"effectivePeriod", "start"}, {"issued"},
		{"onsetDateTime"}, {"onsetPeriod", "start"}, {"recordedDate"},
		{"occurrenceDateTime"}, {"performedDateTime"}, {"performedPeriod", "start"},
		{"authoredOn"}, {"dateAsserted"}, {"effectiveDateTime"},
		{"period", "start"}, {"created"},
	} {
		if s := str(o, p...); s != "" {
			return s
		}
	}
	return ""
}

// day is a date's first 10 characters (YYYY-MM-DD) and year its first 4.
func day(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

func year(s string) string {
	if len(s) >= 4 {
		return s[:4]
	}
	return s
}

// newestFirst sorts by dateOf, newest first; ties by id for stable drafts.
func newestFirst(os []fhir.Object) {
	slices.SortStableFunc(os, func(a, b fhir.Object) int {
		if c := cmp.Compare(dateOf(b), dateOf(a)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID(), b.ID())
	})
}

// latestPerCode keeps the newest resource of each code (of codeOf).
func latestPerCode(os []fhir.Object, codeOf func(fhir.Object) string) []fhir.Object {
	newestFirst(os)
	seen := map[string]bool{}
	var out []fhir.Object
	for _, o := range os {
		k := codeOf(o)
		if k == "" {
			k = o.ID()
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, o)
	}
	return out
}

// quantity formats a Quantity for reading: simulated and instrument values
// carry more digits than a summary should show, so values of 1 and more
// keep two decimals and smaller ones three significant digits.
func quantity(q any) string {
	raw := get(q, "value")
	if raw == nil {
		return ""
	}
	v, err := strconv.ParseFloat(fmt.Sprint(raw), 64)
	if err != nil {
		return strings.TrimSpace(fmt.Sprint(raw) + " " + unit(q))
	}
	var s string
	if math.Abs(v) >= 1 || v == 0 {
		s = strings.TrimRight(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".")
	} else {
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strings.TrimSpace(s + " " + unit(q))
}

func unit(q any) string {
	if u := str(q, "unit"); u != "" {
		return u
	}
	return str(q, "code")
}

// observationValue formats an Observation's (or component's) value.
func observationValue(o any) string {
	switch {
	case get(o, "valueQuantity") != nil:
		return quantity(get(o, "valueQuantity"))
	case get(o, "valueCodeableConcept") != nil:
		return conceptText(get(o, "valueCodeableConcept"))
	case get(o, "valueString") != nil:
		return str(o, "valueString")
	case get(o, "valueBoolean") != nil:
		return fmt.Sprint(get(o, "valueBoolean"))
	case get(o, "valueInteger") != nil:
		return fmt.Sprint(get(o, "valueInteger"))
	}
	var parts []string
	for _, c := range list(o, "component") {
		if v := observationValue(c); v != "" {
			parts = append(parts, conceptText(get(c, "code"))+" "+v)
		}
	}
	return strings.Join(parts, ", ")
}
