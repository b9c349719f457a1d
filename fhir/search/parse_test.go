package search

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/store"
)

var (
	tNow  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tOpts = Options{
		BaseURL:      "http://localhost:8080/fhir/default/",
		Now:          tNow,
		DefaultCount: 20,
		MaxCount:     100,
	}
	tPatient = []string{"Patient"}
	tObs     = []string{"Observation"}
	// tApprox compares the floats of number ranges, which carry rounding.
	tApprox = cmpopts.EquateApprox(0, 1e-9)
)

// tQuery parses a raw query string as the HTTP layer would.
func tQuery(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", s, err)
	}
	return v
}

// ms is an RFC 3339 instant in Unix milliseconds.
func tMillis(s string) int64 {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return tm.UnixMilli()
}

// dm is a DateMatch of the instants [from, until).
func dm(param string, pre store.Prefix, from, until string) store.DateMatch {
	return store.DateMatch{Param: param, Prefix: pre, Lo: tMillis(from), Hi: tMillis(until) - 1}
}

func nm(param string, pre store.Prefix, v, lo, hi float64) store.NumberMatch {
	return store.NumberMatch{Param: param, Prefix: pre, Value: v, Lo: lo, Hi: hi}
}

func tm(param, system, code string) store.TokenMatch {
	return store.TokenMatch{Param: param, System: system, Code: code}
}

func atm(param, code string) store.TokenMatch {
	return store.TokenMatch{Param: param, Code: code, AnySystem: true}
}

func sm(param, v string) store.StringMatch { return store.StringMatch{Param: param, Value: v} }

func rm(param, typ, id string) store.ReferenceMatch {
	return store.ReferenceMatch{Param: param, Type: typ, ID: id}
}

type filterCase struct {
	name  string
	types []string
	query string
	want  []store.Filter
}

func runFilterCases(t *testing.T, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, strict := range []bool{false, true} {
				opt := tOpts
				opt.Strict = strict
				req, err := Parse(tc.types, tQuery(t, tc.query), opt)
				if err != nil {
					t.Fatalf("Parse(%q, strict %v): %v", tc.query, strict, err)
				}
				if diff := cmp.Diff(tc.want, req.Query.Filters, tApprox); diff != "" {
					t.Errorf("Parse(%q, strict %v) filters (-want +got):\n%s", tc.query, strict, diff)
				}
			}
		})
	}
}

func TestParseString(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"default starts-with normalised", tPatient, "name=M%C3%BCller", []store.Filter{sm("name", "muller")}},
		{"exact keeps case and accents", tPatient, "name:exact=M%C3%BCller", []store.Filter{
			store.StringMatch{Param: "name", Mode: store.StringExact, Value: "Müller"}}},
		{"contains", tPatient, "family:contains=ULL", []store.Filter{
			store.StringMatch{Param: "family", Mode: store.StringContains, Value: "ull"}}},
		{"comma is OR", tPatient, "name=Ann,Bob", []store.Filter{store.AnyOf{sm("name", "ann"), sm("name", "bob")}}},
		{"repeat is AND", tPatient, "name=Ann&name=Bob", []store.Filter{sm("name", "ann"), sm("name", "bob")}},
		{"escaped comma", tPatient, `name=a\,b`, []store.Filter{sm("name", "a,b")}},
		{"escaped backslash then comma", tPatient, `name=a\\,b`, []store.Filter{store.AnyOf{sm("name", `a\`), sm("name", "b")}}},
		{"empty value ignored", tPatient, "name=", nil},
		{"empty OR items dropped", tPatient, "name=,Ann,", []store.Filter{sm("name", "ann")}},
	})
}

func TestParseToken(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"system and code", tPatient, "identifier=http://sys|123", []store.Filter{tm("identifier", "http://sys", "123")}},
		{"no system", tPatient, "identifier=|123", []store.Filter{tm("identifier", "", "123")}},
		{"any code", tPatient, "identifier=http://sys|", []store.Filter{
			store.TokenMatch{Param: "identifier", System: "http://sys", AnyCode: true}}},
		{"code only", tPatient, "gender=male", []store.Filter{atm("gender", "male")}},
		{"boolean is a code", tPatient, "active=true", []store.Filter{atm("active", "true")}},
		{"escaped pipe", tPatient, `identifier=a\|b`, []store.Filter{atm("identifier", "a|b")}},
		{"not", tPatient, "gender:not=male", []store.Filter{store.Not{Filter: atm("gender", "male")}}},
		{"not of several", tPatient, "gender:not=male,female", []store.Filter{
			store.Not{Filter: store.AnyOf{atm("gender", "male"), atm("gender", "female")}}}},
		{"text", tObs, "code:text=Blood%20PRESSURE", []store.Filter{store.TokenTextMatch{Param: "code", Value: "blood pressure"}}},
		{"of-type", tPatient, "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|446053", []store.Filter{
			tm("identifier:of-type", "http://terminology.hl7.org/CodeSystem/v2-0203", "MR|446053")}},
		{"tag", tPatient, "_tag=http://sys|vip", []store.Filter{tm("_tag", "http://sys", "vip")}},
		{"security", tPatient, "_security=http://sys|R", []store.Filter{tm("_security", "http://sys", "R")}},
		{"id", tPatient, "_id=a,b-2", []store.Filter{store.IDMatch{IDs: []string{"a", "b-2"}}}},
	})
}

func TestParseDate(t *testing.T) {
	// ap widens by a tenth of the distance from now (2026-01-01), at
	// least a day.
	far := dm("birthdate", store.Ap, "2016-01-01T00:00:00Z", "2016-01-02T00:00:00Z")
	w := (tMillis("2026-01-01T00:00:00Z") - far.Hi) / 10
	far.Lo, far.Hi = far.Lo-w, far.Hi+w
	near := dm("birthdate", store.Ap, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
	near.Lo, near.Hi = near.Lo-dayMillis, near.Hi+dayMillis

	runFilterCases(t, []filterCase{
		{"year", tPatient, "birthdate=2020", []store.Filter{
			dm("birthdate", store.Eq, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")}},
		{"month (leap)", tPatient, "birthdate=2020-02", []store.Filter{
			dm("birthdate", store.Eq, "2020-02-01T00:00:00Z", "2020-03-01T00:00:00Z")}},
		{"day with prefix", tPatient, "birthdate=ge2020-02-03", []store.Filter{
			dm("birthdate", store.Ge, "2020-02-03T00:00:00Z", "2020-02-04T00:00:00Z")}},
		{"minute", tObs, "date=lt2020-02-03T10:15Z", []store.Filter{
			dm("date", store.Lt, "2020-02-03T10:15:00Z", "2020-02-03T10:16:00Z")}},
		{"second with zone", tObs, "date=2020-02-03T10:15:30%2B01:00", []store.Filter{
			dm("date", store.Eq, "2020-02-03T09:15:30Z", "2020-02-03T09:15:31Z")}},
		{"unencoded plus of zone", tObs, "date=2020-02-03T10:15:30+01:00", []store.Filter{
			dm("date", store.Eq, "2020-02-03T09:15:30Z", "2020-02-03T09:15:31Z")}},
		{"fraction", tObs, "date=sa2020-02-03T10:15:30.250Z", []store.Filter{
			dm("date", store.Sa, "2020-02-03T10:15:30.250Z", "2020-02-03T10:15:30.251Z")}},
		{"ne", tPatient, "birthdate=ne2020", []store.Filter{dm("birthdate", store.Ne, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")}},
		{"repeated bounds are one range", tPatient, "birthdate=ge2020&birthdate=lt2021-06", []store.Filter{store.SameValue{Filters: []store.Filter{
			dm("birthdate", store.Ge, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
			dm("birthdate", store.Lt, "2021-06-01T00:00:00Z", "2021-07-01T00:00:00Z"),
		}}}},
		{"eq is not a bound", tPatient, "birthdate=ge2020&birthdate=2021", []store.Filter{
			dm("birthdate", store.Eq, "2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z"),
			dm("birthdate", store.Ge, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
		}},
		{"ap far from now", tPatient, "birthdate=ap2016-01-01", []store.Filter{far}},
		{"ap near now", tPatient, "birthdate=ap2026-01-01", []store.Filter{near}},
		{"eb and le", tPatient, "birthdate=eb2020,le2019", []store.Filter{store.AnyOf{
			dm("birthdate", store.Eb, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
			dm("birthdate", store.Le, "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z")}}},
		{"lastUpdated", tPatient, "_lastUpdated=gt2020-01-01T00:00:00Z", []store.Filter{
			dm("_lastUpdated", store.Gt, "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z")}},
	})
}

func TestParseNumberQuantity(t *testing.T) {
	ra := []string{"RiskAssessment"}
	const p = "probability"
	const ucum = "http://unitsofmeasure.org"
	q := func(pre store.Prefix, v, lo, hi float64, system, code string) store.QuantityMatch {
		return store.QuantityMatch{NumberMatch: nm("value-quantity", pre, v, lo, hi), System: system, Code: code}
	}
	runFilterCases(t, []filterCase{
		{"integer precision", ra, "probability=100", []store.Filter{nm(p, store.Eq, 100, 99.5, 100.5)}},
		{"decimal precision", ra, "probability=100.00", []store.Filter{nm(p, store.Eq, 100, 99.995, 100.005)}},
		{"exponent: one significant digit", ra, "probability=1e2", []store.Filter{nm(p, store.Eq, 100, 50, 150)}},
		{"exponent with decimals", ra, "probability=1.50E-1", []store.Filter{nm(p, store.Eq, 0.15, 0.1495, 0.1505)}},
		{"negative", ra, "probability=-1.5", []store.Filter{nm(p, store.Eq, -1.5, -1.55, -1.45)}},
		{"gt", ra, "probability=gt0.8", []store.Filter{nm(p, store.Gt, 0.8, 0.75, 0.85)}},
		{"ne", ra, "probability=ne100", []store.Filter{nm(p, store.Ne, 100, 99.5, 100.5)}},
		{"ap is 10%", ra, "probability=ap100", []store.Filter{nm(p, store.Ap, 100, 90, 110)}},
		{"ap of zero keeps precision", ra, "probability=ap0.0", []store.Filter{nm(p, store.Ap, 0, -0.05, 0.05)}},
		{"quantity with system and code", tObs, "value-quantity=5.4|http://unitsofmeasure.org|mg", []store.Filter{
			q(store.Eq, 5.4, 5.35, 5.45, ucum, "mg")}},
		{"quantity code in any system", tObs, "value-quantity=gt5.4||mg", []store.Filter{
			q(store.Gt, 5.4, 5.35, 5.45, "", "mg")}},
		{"quantity value only", tObs, "value-quantity=le5", []store.Filter{q(store.Le, 5, 4.5, 5.5, "", "")}},
		{"quantity ne", tObs, "value-quantity=ne5||mg", []store.Filter{q(store.Ne, 5, 4.5, 5.5, "", "mg")}},
	})
}

func TestParseReferenceURI(t *testing.T) {
	qr := []string{"QuestionnaireResponse"}
	vs := []string{"ValueSet"}
	runFilterCases(t, []filterCase{
		{"type and id", tObs, "subject=Patient/123", []store.Filter{rm("subject", "Patient", "123")}},
		{"id with several targets", tObs, "subject=123", []store.Filter{rm("subject", "", "123")}},
		{"id with one target", tObs, "patient=123", []store.Filter{rm("patient", "Patient", "123")}},
		{"type modifier", tObs, "subject:Patient=123", []store.Filter{rm("subject", "Patient", "123")}},
		{"history ignored", tObs, "subject=Patient/123/_history/2", []store.Filter{rm("subject", "Patient", "123")}},
		{"absolute local", tObs, "subject=http://localhost:8080/fhir/default/Patient/123", []store.Filter{rm("subject", "Patient", "123")}},
		{"absolute elsewhere", tObs, "subject=http://other.org/fhir/Patient/123", []store.Filter{
			store.ReferenceMatch{Param: "subject", URL: "http://other.org/fhir/Patient/123"}}},
		{"canonical version stripped", qr, "questionnaire=http://x.org/Questionnaire/q|1.0", []store.Filter{
			store.ReferenceMatch{Param: "questionnaire", URL: "http://x.org/Questionnaire/q"}}},
		{"identifier", tObs, "subject:identifier=http://sys|abc", []store.Filter{tm("subject:identifier", "http://sys", "abc")}},
		{"OR of references", tObs, "subject=Patient/1,Group/2", []store.Filter{store.AnyOf{rm("subject", "Patient", "1"), rm("subject", "Group", "2")}}},
		{"uri equal", vs, "url=http://x.org/vs", []store.Filter{store.URIMatch{Param: "url", Value: "http://x.org/vs"}}},
		{"uri below", vs, "url:below=http://x.org/", []store.Filter{store.URIMatch{Param: "url", Mode: store.URIBelow, Value: "http://x.org/"}}},
		{"uri above", vs, "url:above=http://x.org/a/b", []store.Filter{store.URIMatch{Param: "url", Mode: store.URIAbove, Value: "http://x.org/a/b"}}},
		{"profile", tPatient, "_profile=http://x.org/p", []store.Filter{store.URIMatch{Param: "_profile", Value: "http://x.org/p"}}},
	})
}

func TestParseChainHasComposite(t *testing.T) {
	const ucum = "http://unitsofmeasure.org"
	runFilterCases(t, []filterCase{
		{"chain with type", tObs, "subject:Patient.name=peter", []store.Filter{
			store.Chain{Param: "subject", Types: []string{"Patient"}, Where: sm("name", "peter")}}},
		{"chain over the targets having the parameter", tObs, "subject.name=peter", []store.Filter{
			store.Chain{Param: "subject", Types: []string{"Patient", "Location"}, Where: sm("name", "peter")}}},
		{"chain two levels", tObs, "subject:Patient.organization.name:exact=Acme", []store.Filter{
			store.Chain{Param: "subject", Types: []string{"Patient"}, Where: store.Chain{
				Param: "organization", Types: []string{"Organization"},
				Where: store.StringMatch{Param: "name", Mode: store.StringExact, Value: "Acme"}}}}},
		{"chain to a reference", tObs, "patient.general-practitioner=Practitioner/7", []store.Filter{
			store.Chain{Param: "patient", Types: []string{"Patient"}, Where: rm("general-practitioner", "Practitioner", "7")}}},
		{"chain four levels", tPatient, "organization.partof.partof.partof.name=x", []store.Filter{
			store.Chain{Param: "organization", Types: []string{"Organization"}, Where: store.Chain{
				Param: "partof", Types: []string{"Organization"}, Where: store.Chain{
					Param: "partof", Types: []string{"Organization"}, Where: store.Chain{
						Param: "partof", Types: []string{"Organization"}, Where: sm("name", "x")}}}}}},
		{"has", tPatient, "_has:Observation:patient:code=1234-5", []store.Filter{
			store.Has{Type: "Observation", Param: "patient", Where: atm("code", "1234-5")}}},
		{"nested has", tPatient, "_has:Observation:patient:_has:AuditEvent:entity:agent=Practitioner/1", []store.Filter{
			store.Has{Type: "Observation", Param: "patient", Where: store.Has{
				Type: "AuditEvent", Param: "entity", Where: rm("agent", "Practitioner", "1")}}}},
		{"has with a chain", tPatient, "_has:Observation:subject:performer:Practitioner.name=x", []store.Filter{
			store.Has{Type: "Observation", Param: "subject", Where: store.Chain{
				Param: "performer", Types: []string{"Practitioner"}, Where: sm("name", "x")}}}},
		{"composite", tObs, "code-value-quantity=http://loinc.org|8480-6$gt150|http://unitsofmeasure.org|mm[Hg]", []store.Filter{
			store.Composite{Param: "code-value-quantity", Parts: []store.Filter{
				tm("code-value-quantity$0", "http://loinc.org", "8480-6"),
				store.QuantityMatch{NumberMatch: nm("code-value-quantity$1", store.Gt, 150, 149.5, 150.5), System: ucum, Code: "mm[Hg]"},
			}}}},
		{"composite escaped dollar and OR", tObs, `code-value-string=a\$b$x,c$y`, []store.Filter{store.AnyOf{
			store.Composite{Param: "code-value-string", Parts: []store.Filter{atm("code-value-string$0", "a$b"), sm("code-value-string$1", "x")}},
			store.Composite{Param: "code-value-string", Parts: []store.Filter{atm("code-value-string$0", "c"), sm("code-value-string$1", "y")}},
		}}},
	})
}

// A chain whose parameter means different things on the reference's
// targets becomes one Chain per meaning.
func TestParseChainPerMeaning(t *testing.T) {
	req, err := Parse([]string{"Composition"}, tQuery(t, "subject.subject=123"), tOpts)
	if err != nil {
		t.Fatal(err)
	}
	alts, ok := req.Query.Filters[0].(store.AnyOf)
	if !ok || len(req.Query.Filters) != 1 {
		t.Fatalf("Filters = %v, want one AnyOf", req.Query.Filters)
	}
	wheres := map[store.ReferenceMatch][]string{}
	for _, f := range alts {
		c := f.(store.Chain)
		if c.Param != "subject" {
			t.Errorf("chain on %q", c.Param)
		}
		wheres[c.Where.(store.ReferenceMatch)] = c.Types
	}
	if got := wheres[rm("subject", "Patient", "123")]; !cmp.Equal(got, []string{"EnrollmentRequest"}) {
		t.Errorf("Patient-only chain types %v, want [EnrollmentRequest]", got)
	}
	if got := wheres[rm("subject", "", "123")]; !slices.Contains(got, "Observation") || slices.Contains(got, "EnrollmentRequest") {
		t.Errorf("any-type chain types %v", got)
	}
}

func TestParseMissingAndText(t *testing.T) {
	m := func(param string, table store.Table, missing bool) store.Missing {
		return store.Missing{Param: param, Table: table, Missing: missing}
	}
	runFilterCases(t, []filterCase{
		{"date", tPatient, "birthdate:missing=true", []store.Filter{m("birthdate", store.DateTable, true)}},
		{"string", tPatient, "name:missing=false", []store.Filter{m("name", store.StringTable, false)}},
		{"token", tPatient, "identifier:missing=true", []store.Filter{m("identifier", store.TokenTable, true)}},
		{"reference", tObs, "subject:missing=true", []store.Filter{m("subject", store.ReferenceTable, true)}},
		{"quantity", tObs, "value-quantity:missing=true", []store.Filter{m("value-quantity", store.QuantityTable, true)}},
		{"number", []string{"RiskAssessment"}, "probability:missing=true", []store.Filter{m("probability", store.NumberTable, true)}},
		{"uri", []string{"ValueSet"}, "url:missing=true", []store.Filter{m("url", store.URITable, true)}},
		{"composite: first component", tObs, "code-value-quantity:missing=true", []store.Filter{m("code-value-quantity$0", store.TokenTable, true)}},
		{"in a chain", tObs, "subject:Patient.birthdate:missing=true", []store.Filter{
			store.Chain{Param: "subject", Types: []string{"Patient"}, Where: m("birthdate", store.DateTable, true)}}},
		{"content", tPatient, "_content=Hello%20World", []store.Filter{store.TextMatch{Content: true, Terms: []string{"hello", "world"}}}},
		{"text OR", tPatient, "_text=a,b", []store.Filter{store.AnyOf{
			store.TextMatch{Terms: []string{"a"}}, store.TextMatch{Terms: []string{"b"}}}}},
	})
}

func TestParseSystemSearch(t *testing.T) {
	runFilterCases(t, []filterCase{
		{"common parameters", nil, "_id=1&_lastUpdated=ge2020&_tag=x", []store.Filter{
			store.IDMatch{IDs: []string{"1"}},
			dm("_lastUpdated", store.Ge, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"),
			atm("_tag", "x")}},
		{"_type with a shared parameter", nil, "_type=Patient,Practitioner&name=x", []store.Filter{sm("name", "x")}},
		{"_type with a reference meaning the same", nil, "_type=Observation,EnrollmentRequest&subject=Patient/1", []store.Filter{
			rm("subject", "Patient", "1")}},
		{"narrative", nil, "_text=fever", []store.Filter{store.TextMatch{Terms: []string{"fever"}}}},
	})
	req, err := Parse(nil, tQuery(t, "_type=Patient,Practitioner,Patient"), tOpts)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Patient", "Practitioner"}; !cmp.Equal(req.Query.Types, want) {
		t.Errorf("Types = %v, want %v", req.Query.Types, want)
	}
	req, err = Parse(nil, tQuery(t, "_id=1"), tOpts)
	if err != nil || req.Query.Types != nil {
		t.Errorf("system search without _type: Types %v, err %v; want nil, nil", req.Query.Types, err)
	}
}

func TestParseResultParams(t *testing.T) {
	cases := []struct {
		name  string
		types []string
		query string
		check func(t *testing.T, r *Request)
	}{
		{"defaults", tPatient, "", func(t *testing.T, r *Request) {
			want := store.Query{Types: tPatient, Limit: 20}
			if diff := cmp.Diff(want, r.Query); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{"sort", tPatient, "_sort=name,-birthdate,_id,-_lastUpdated", func(t *testing.T, r *Request) {
			want := []store.Sort{{Param: "name", Table: store.StringTable}, {Param: "birthdate", Table: store.DateTable, Desc: true},
				{Param: "_id"}, {Param: "_lastUpdated", Desc: true}}
			if diff := cmp.Diff(want, r.Query.Sort); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{"count capped", tPatient, "_count=500&_offset=40", func(t *testing.T, r *Request) {
			if r.Query.Limit != 100 || r.Query.Offset != 40 || r.Query.Total {
				t.Errorf("Limit %d Offset %d Total %v, want 100 40 false", r.Query.Limit, r.Query.Offset, r.Query.Total)
			}
		}},
		{"count 0 counts", tPatient, "_count=0", func(t *testing.T, r *Request) {
			if r.Query.Limit != 0 || !r.Query.Total {
				t.Errorf("Limit %d Total %v, want 0 true", r.Query.Limit, r.Query.Total)
			}
		}},
		{"count 0 without total", tPatient, "_count=0&_total=none", func(t *testing.T, r *Request) {
			if r.Query.Limit != 0 || r.Query.Total || r.TotalMode != "none" {
				t.Errorf("Limit %d Total %v mode %q, want 0 false none", r.Query.Limit, r.Query.Total, r.TotalMode)
			}
		}},
		{"total accurate", tPatient, "_total=accurate", func(t *testing.T, r *Request) {
			if !r.Query.Total || r.TotalMode != "accurate" || r.Query.Limit != 20 {
				t.Errorf("Total %v mode %q Limit %d", r.Query.Total, r.TotalMode, r.Query.Limit)
			}
		}},
		{"summary count", tPatient, "_summary=count", func(t *testing.T, r *Request) {
			if r.Summary != "count" || r.Query.Limit != 0 || !r.Query.Total {
				t.Errorf("Summary %q Limit %d Total %v", r.Summary, r.Query.Limit, r.Query.Total)
			}
		}},
		{"elements", tPatient, "_elements=name,birthDate&_elements=name", func(t *testing.T, r *Request) {
			if want := []string{"name", "birthDate"}; !cmp.Equal(r.Elements, want) {
				t.Errorf("Elements %v, want %v", r.Elements, want)
			}
		}},
		{"includes", tObs, "_include=Observation:subject&_include=Observation:subject:Patient&_include:iterate=Patient:organization" +
			"&_revinclude=Provenance:target&_include=*&_revinclude:iterate=Observation:*", func(t *testing.T, r *Request) {
			want := []Include{
				{Source: "Observation", Param: "subject"},
				{Source: "Observation", Param: "subject", Target: "Patient"},
				{Source: "*", Param: "*"},
				{Source: "Patient", Param: "organization", Iterate: true},
				{Reverse: true, Source: "Provenance", Param: "target"},
				{Reverse: true, Source: "Observation", Param: "*", Iterate: true},
			}
			if diff := cmp.Diff(want, r.Includes); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{"lenient drops what it does not know", tPatient, "foo=1&_sort=foo,-name&_include=Observation:subject" +
			"&_include=Patient:nope&_list=1&_format=json&_pretty=true&name=x", func(t *testing.T, r *Request) {
			want := url.Values{"_sort": {"-name"}, "name": {"x"}}
			if diff := cmp.Diff(want, r.Used); diff != "" {
				t.Errorf("Used (-want +got):\n%s", diff)
			}
			if len(r.Includes) != 0 || len(r.Query.Filters) != 1 || len(r.Query.Sort) != 1 {
				t.Errorf("Includes %v Filters %v Sort %v", r.Includes, r.Query.Filters, r.Query.Sort)
			}
		}},
		{"used", tObs, "code=a,b&code=c&_count=500&_offset=10&_sort=date&_summary=data&_total=accurate&_elements=code" +
			"&_include=Observation:subject&subject:Patient.name=x", func(t *testing.T, r *Request) {
			want := url.Values{
				"code": {"a,b", "c"}, "_count": {"100"}, "_sort": {"date"}, "_summary": {"data"}, "_total": {"accurate"},
				"_elements": {"code"}, "_include": {"Observation:subject"}, "subject:Patient.name": {"x"},
			}
			if diff := cmp.Diff(want, r.Used); diff != "" {
				t.Errorf("Used (-want +got):\n%s", diff)
			}
		}},
		{"used with _type", nil, "_type=Patient&_id=1", func(t *testing.T, r *Request) {
			want := url.Values{"_type": {"Patient"}, "_id": {"1"}}
			if diff := cmp.Diff(want, r.Used); diff != "" {
				t.Errorf("Used (-want +got):\n%s", diff)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := Parse(tc.types, tQuery(t, tc.query), tOpts)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.query, err)
			}
			tc.check(t, req)
		})
	}
}

func TestParseDefaultsFromPackage(t *testing.T) {
	req, err := Parse(tPatient, tQuery(t, "_count=5000"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if req.Query.Limit != DefaultMaxCount {
		t.Errorf("Limit %d, want %d", req.Query.Limit, DefaultMaxCount)
	}
	req, err = Parse(tPatient, nil, Options{})
	if err != nil || req.Query.Limit != DefaultCount {
		t.Errorf("Limit %d err %v, want %d", req.Query.Limit, err, DefaultCount)
	}
}

// errorCase expects a 400 whose message mentions want; lenientOK marks
// the unknown parameters lenient mode ignores.
type errorCase struct {
	types     []string
	query     string
	want      string
	lenientOK bool
}

func TestParseErrors(t *testing.T) {
	many := strings.Repeat("a,", MaxOrValues) + "a"
	cases := []errorCase{
		// Unknown parameters and modifiers: strict only.
		{tPatient, "foo=1", `unknown search parameter "foo" for Patient`, true},
		{tPatient, "name:nope=x", `"name"`, false},
		{nil, "name=x", `"name"`, true},
		{nil, "_type=Patient,Observation&name=x", `"name" for Observation`, true},
		{tObs, "subject.nope=1", `"nope"`, true},
		{tObs, "subject:Patient.nope=1", `"nope"`, true},
		{tPatient, "_has:Observation:nope:code=1", `"nope"`, true},
		{tPatient, "_has:Nope:patient:code=1", `"Nope"`, true},
		{tPatient, "_sort=nope", `"nope"`, true},
		{tPatient, "_sort=_text", `"_text"`, true},
		{tPatient, "_include=Patient:nope", `"nope"`, true},
		{tPatient, "_include=Observation:subject", `Observation`, true},
		{tPatient, "_include:nope=Patient:organization", `"_include:nope"`, true},
		{tPatient, "_list=1", `"_list"`, true},
		{tPatient, "_type=Patient", `"_type"`, true},
		{[]string{"Location"}, "near=1|2|3|km", `"near"`, true},
		{tPatient, "_query=x", `"_query"`, true},
		// Modifiers that must never be ignored.
		{tObs, "code:in=http://vs", `"code:in"`, false},
		{tObs, "code:below=http://snomed|123", `"code:below"`, false},
		{tObs, "code:not-in=http://vs", `"code:not-in"`, false},
		{tObs, "subject:above=Patient/1", `"subject:above"`, false},
		{tPatient, "birthdate:exact=2020", `"birthdate:exact"`, false},
		{tPatient, "name:not=x", `"name:not"`, false},
		{tPatient, "gender:of-type=a|b|c", `"gender:of-type"`, false},
		{tObs, "subject:Medication=1", `"subject:Medication"`, false},
		{tPatient, "_lastUpdated:missing=true", `"_lastUpdated:missing"`, false},
		// Malformed values.
		{tPatient, "birthdate=2020-13", `"birthdate"`, false},
		{tPatient, "birthdate=xx2020", `"birthdate"`, false},
		{tPatient, "birthdate=2020-02-30", `"birthdate"`, false},
		{[]string{"RiskAssessment"}, "probability=abc", `"probability"`, false},
		{[]string{"RiskAssessment"}, "probability=1e999", `"probability"`, false},
		{tObs, "value-quantity=5|mg", `"value-quantity"`, false},
		{tPatient, "identifier=a|b|c", `"identifier"`, false},
		{tPatient, "identifier=|", `"identifier"`, false},
		{tPatient, "identifier:of-type=a|b", `"identifier:of-type"`, false},
		{tObs, "subject=Medication/1", `"subject"`, false},
		{tObs, "subject=a/b/c", `"subject"`, false},
		{tObs, "subject=http://localhost:8080/fhir/default/123", `"subject"`, false},
		{tObs, "subject=Patient/bad%20id", `"subject"`, false},
		{tPatient, "_id=bad%20id", `"_id"`, false},
		{tPatient, "birthdate:missing=yes", `"birthdate:missing"`, false},
		{tPatient, "_content=%21%21", `"_content"`, false},
		{tObs, "code-value-quantity=a", `"code-value-quantity"`, false},
		{tPatient, "name=" + many, `"name"`, false},
		{tPatient, "organization.partof.partof.partof.partof.name=x", `"organization.partof.partof.partof.partof.name"`, false},
		{tPatient, "_has:Observation:patient", `"_has:Observation:patient"`, false},
		{tPatient, "_has:Encounter:practitioner:status=x", `"_has:Encounter:practitioner:status"`, false},
		{tPatient, "name.family=x", `"name.family"`, false},
		{tPatient, "_count=-1", `"_count"`, false},
		{tPatient, "_count=abc", `"_count"`, false},
		{tPatient, "_count=1&_count=2", `"_count"`, false},
		{tPatient, "_offset=x", `"_offset"`, false},
		{tPatient, "_total=some", `"_total"`, false},
		{tPatient, "_summary=bogus", `"_summary"`, false},
		{tPatient, "_elements=a.b", `"_elements"`, false},
		{tPatient, "_include=Patient", `"_include"`, false},
		{tObs, "_include=Observation:code", `"_include"`, false},
		{tObs, "_include=Observation:subject:Medication", `"_include"`, false},
		{nil, "_type=Nope", `"_type"`, false},
		// subject=1 is any type for Observation, a Patient for EnrollmentRequest.
		{nil, "_type=Observation,EnrollmentRequest&subject=1", `"subject"`, false},
		{[]string{"Nope"}, "", `"Nope"`, false},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			for _, strict := range []bool{true, false} {
				opt := tOpts
				opt.Strict = strict
				_, err := Parse(tc.types, tQuery(t, tc.query), opt)
				if !strict && tc.lenientOK {
					if err != nil {
						t.Errorf("lenient Parse(%q): %v, want the parameter ignored", tc.query, err)
					}
					continue
				}
				var fe *fhir.Error
				if !errors.As(err, &fe) {
					t.Fatalf("Parse(%q, strict %v) = %v, want a *fhir.Error", tc.query, strict, err)
				}
				if fe.Status != 400 || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Parse(%q, strict %v) = %v, want 400 mentioning %s", tc.query, strict, err, tc.want)
				}
			}
		})
	}
}
