package phi

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// newTestBuiltin returns a built-in detector or fails the test.
func newTestBuiltin(t testing.TB) *Builtin {
	t.Helper()
	b, err := NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// want is a span a test expects: its exact text and category.
type want struct {
	text string
	cat  Category
}

// checkSpans asserts that every wanted text is exactly one span of its
// category and that no span overlaps any of the not-PHI texts.
func checkSpans(t *testing.T, text string, spans []Span, wants []want, notPHI []string) {
	t.Helper()
	for _, w := range wants {
		found := false
		for _, s := range spans {
			if text[s.Start:s.End] == w.text && s.Category == w.cat {
				found = true
			}
		}
		if !found {
			t.Errorf("want %s %q in %q; got %s", w.cat, w.text, text, describe(text, spans))
		}
	}
	for _, n := range notPHI {
		i := strings.Index(text, n)
		if i < 0 {
			t.Fatalf("test bug: %q not in %q", n, text)
		}
		for _, s := range spans {
			if s.Start < i+len(n) && s.End > i {
				t.Errorf("%q is not PHI, but %s %q covers it (%s)", n, s.Category, text[s.Start:s.End], s.Detector)
			}
		}
	}
}

// spanCase is one detector input and what it must and must not find.
type spanCase struct {
	name   string
	text   string
	wants  []want
	notPHI []string
}

// runSpanCases runs b over each case (with hints) as a subtest and checks
// it with checkSpans.
func runSpanCases(t *testing.T, b *Builtin, hints Hints, cases []spanCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spans, err := b.Detect(context.Background(), tc.text, hints)
			if err != nil {
				t.Fatal(err)
			}
			checkSpans(t, tc.text, spans, tc.wants, tc.notPHI)
		})
	}
}

func describe(text string, spans []Span) string {
	var parts []string
	for _, s := range spans {
		parts = append(parts, string(s.Category)+" "+`"`+text[s.Start:s.End]+`"`)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestDetectPHICategories(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		{"name with title", "Seen by Dr. Priya Raman today.", []want{{"Priya Raman", Name}}, []string{"Dr.", "today"}},
		{"name from dictionary", "Jennifer Walsh came with her son.", []want{{"Jennifer Walsh", Name}}, []string{"son"}},
		{"will the name and will the verb", "Will continue to monitor. Will Barker was seen.", []want{{"Will Barker", Name}}, []string{"Will continue"}},
		{"name that is a word needs support", "Hope is that she improves. His wife Hope agreed.", []want{{"Hope", Name}}, []string{"Hope is"}},
		{"LAST, First", "PATIENT: GARCIA, MARIA L\nMRN: 12345678", []want{{"GARCIA, MARIA L", Name}, {"12345678", MRN}}, nil},
		{"initial and family name", "Results called to J. Patterson, RN at 08:10.", []want{{"J. Patterson", Name}}, []string{"RN", "08:10"}},
		{"credential after name", "Kofi Mensah, CRNA, gave anesthesia.", []want{{"Kofi Mensah", Name}}, []string{"CRNA", "anesthesia"}},
		{"eponyms are not people", "History of Parkinson's disease; a Foley catheter was placed; Murphy's sign negative; Bell's palsy.", nil,
			[]string{"Parkinson", "Foley", "Murphy", "Bell"}},
		{"possessive", "Mr. Okonkwo's daughter called.", []want{{"Okonkwo", Name}}, []string{"'s daughter"}},
		{"patient without a colon", "Patient Zebulon Quartermaine, phone (617) 555-0142. Patient Education given.", []want{{"Zebulon Quartermaine", Name}}, []string{"Education"}},
		{"propagated mention", "Client: Jordan Ellsworth\nJordan reports better sleep.", []want{{"Jordan Ellsworth", Name}, {"Jordan", Name}}, []string{"reports"}},

		{"numeric dates", "Seen 03/14/2021, 3/14/21, 2021-03-14 and 14.03.2021.", []want{{"03/14/2021", Date}, {"3/14/21", Date}, {"2021-03-14", Date}, {"14.03.2021", Date}}, nil},
		{"spelled dates", "On March 14, 2021, 14 Mar 2021, the 4th of June and Aug. 14th.", []want{{"March 14, 2021", Date}, {"14 Mar 2021", Date}, {"4th of June", Date}, {"Aug. 14th", Date}}, nil},
		{"May the month and may the verb", "Seen in May 2019; she may return. May need PT in May.", []want{{"May 2019", Date}, {"May", Date}}, []string{"may return", "May need"}},
		{"date with time", "Arrival: 2024-02-11 23:48 by EMS.", []want{{"2024-02-11 23:48", Date}}, []string{"EMS"}},
		{"short date needs a cue", "Pain 3/10. Restarted on 3/6.", []want{{"3/6", Date}}, []string{"3/10"}},
		{"year and weekday are not dates", "Discectomy in 2011. Seen on Tuesday.", nil, []string{"2011", "Tuesday"}},
		{"invalid dates", "Values 13/32/2020 and 2021-02-30 are not dates.", nil, []string{"13/32/2020"}},
		{"holiday", "An episode on Christmas Eve 2023.", []want{{"Christmas Eve 2023", Date}}, nil},

		{"ages over 89", "A 92-year-old woman; aged 95; she is ninety-one.", []want{{"92", Age}, {"95", Age}, {"ninety-one", Age}}, nil},
		{"ages up to 89 are not PHI", "An 85-year-old man; 34 y/o; aged 67.", nil, []string{"85", "34", "67"}},

		{"street, city, state, ZIP over two lines", "Lives at 41 Quarry Hill Road, Apt 3\nShrewsbury, MA 01545 with family.",
			[]want{{"41 Quarry Hill Road, Apt 3", Location}, {"Shrewsbury", Location}, {"01545", Location}}, []string{"MA", "family"}},
		{"PO box", "Remit to PO Box 4471, Hartford, CT 06101-4471.", []want{{"PO Box 4471", Location}, {"Hartford", Location}, {"06101-4471", Location}}, []string{"CT"}},
		{"continental street", "Office: Rue de Piétrain 371\nNoorderwijk", []want{{"Rue de Piétrain 371", Location}, {"Noorderwijk", Location}}, nil},
		{"address after a cue", "Please send it to 5 Długa, Kraków.", []want{{"5 Długa, Kraków", Location}}, nil},
		{"military unit and box", "Return the kit to Unit 4719 Box 7394, DPO AP 70942.", []want{{"Unit 4719 Box 7394", Location}, {"DPO AP 70942", Location}}, nil},
		{"building number, street, house number", "Her address: 233 Kossuth tér 19.\nSuite 282\nTiszafüred", []want{{"233 Kossuth tér 19", Location}, {"Suite 282", Location}, {"Tiszafüred", Location}}, nil},
		{"a dose is not an address", "Give 5 Lisinopril 10 mg daily.", nil, []string{"5 Lisinopril 10"}},
		{"address block ends with its sentence", "Send it to 14 Crown Street\nLeeds\nLS1 4DY? Thanks.", []want{{"14 Crown Street", Location}, {"LS1 4DY", Location}}, []string{"Thanks"}},
		{"family names from the census and international lists", "Reviewed with Kowalczyk and Lindqvist today.", []want{{"Kowalczyk", Name}, {"Lindqvist", Name}}, nil},
		{"town from GeoNames", "She flew in from Knivsta on Monday.", []want{{"Knivsta", Location}}, nil},
		{"organisation field is not a name", "Primary insurance: Harvard Pilgrim", nil, []string{"Harvard Pilgrim"}},
		{"GeoNames town heading an organisation", "The Northgate Regional Laboratory called.", nil, []string{"Northgate"}},
		{"city after a cue, country is not PHI", "She moved here from Dorchester; born in Portugal.", []want{{"Dorchester", Location}}, []string{"Portugal"}},
		{"UK postcode", "Flat 3, 12 Kingsley Gardens\nCambridge\nCB2 8PQ", []want{{"Flat 3, 12 Kingsley Gardens", Location}, {"CB2 8PQ", Location}}, nil},
		{"facility is not a place", "She lives at Heartwood Assisted Living, 88 Orchard Lane.", []want{{"88 Orchard Lane", Location}}, []string{"Heartwood"}}, // (a real town inside a facility's name is labelled, as the guidelines say)

		{"phones", "Call (617) 555-0142, 617.555.0182, +1 978 555 0133 or 1-800-555-0126 ext. 4.",
			[]want{{"(617) 555-0142", Phone}, {"617.555.0182", Phone}, {"+1 978 555 0133", Phone}, {"1-800-555-0126 ext. 4", Phone}}, nil},
		{"fax by nearest cue", "Tel 617-555-0110 | Fax 617-555-0111", []want{{"617-555-0110", Phone}, {"617-555-0111", Fax}}, nil},
		{"fax after the number", "082 490 1693-Office, +41 (0)69 979 80 58-Fax", []want{{"082 490 1693", Phone}, {"+41 (0)69 979 80 58", Fax}}, nil},
		{"phone label before the next field", "Phone: (508) 555-0147   Fax: (508) 555-0148", []want{{"(508) 555-0147", Phone}, {"(508) 555-0148", Fax}}, nil},
		{"digit groups need a phone word", "Left her number 774 555 0109. Dose 500 250 125 mg.", []want{{"774 555 0109", Phone}}, []string{"500 250 125"}},

		{"email", "Write to rohare@example.net.", []want{{"rohare@example.net", Email}}, nil},
		{"SSN valid and masked", "SSN 431-27-9085; on file ***-**-4921.", []want{{"431-27-9085", SSN}, {"4921", SSN}}, nil},
		{"SSN area 666 is not an SSN", "Code 666-12-3456.", nil, nil},
		{"MRN keyed", "MRN: 00483921; Medical Record #: M7730114; MR# 7730-114", []want{{"00483921", MRN}, {"M7730114", MRN}, {"7730-114", MRN}}, nil},
		{"health plan", "Member ID: XKB443920117, group 0047821, Medicare number 1EG4-TE5-MK72.",
			[]want{{"XKB443920117", HealthPlan}, {"0047821", HealthPlan}, {"1EG4-TE5-MK72", HealthPlan}}, nil},
		{"account and card", "Account number: 1029384756. Card 4111 1111 1111 1111. IBAN GB82WEST12345698765432.",
			[]want{{"1029384756", Account}, {"4111 1111 1111 1111", Account}, {"GB82WEST12345698765432", Account}}, nil},
		{"licences", "Driver's license: MA S12345678. DEA# BB4417823.", []want{{"S12345678", License}, {"BB4417823", License}}, []string{"MA "}},
		{"vehicle", "VIN 1HGCM82633A004352, plate 7KLM302.", []want{{"1HGCM82633A004352", Vehicle}, {"7KLM302", Vehicle}}, nil},
		{"device", "Insulin pump serial number PJN412078S; UDI (01)00889024419513(17)270430(10)2291847.",
			[]want{{"PJN412078S", Device}, {"(01)00889024419513(17)270430(10)2291847", Device}}, nil},
		{"URLs", "Visit https://results.northgatelab.com/portal. or www.hvpay-billing.com today", []want{{"https://results.northgatelab.com/portal", URL}, {"www.hvpay-billing.com", URL}}, nil},
		{"IP addresses", "From 203.0.113.77 and 2001:db8:85a3::8a2e:370:7334; software 9.2.1.4.",
			[]want{{"203.0.113.77", IP}, {"2001:db8:85a3::8a2e:370:7334", IP}}, []string{"9.2.1.4"}},
		{"other ids", "NPI 1497758544; Accession: SP-24-004417.", []want{{"1497758544", ID}, {"SP-24-004417", ID}}, nil},
		{"quantities are not ids", "WBC 14.2, 100,000 CFU/mL, BP 142/88.", nil, []string{"14.2", "100,000", "142/88"}},
	}
	runSpanCases(t, b, Hints{}, tests)
}

const testPatient = `{
  "resourceType": "Patient",
  "identifier": [
    {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}, "value": "KH-5530917"},
    {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "431-27-9085"}
  ],
  "name": [{"family": "Przybylski", "given": ["Zbigniew", "Will"]}],
  "telecom": [{"system": "phone", "value": "(617) 555-0135"}, {"system": "email", "value": "zp@example.org"}],
  "birthDate": "1949-12-03",
  "address": [{"line": ["903 Hancock Street", "Apt 2"], "city": "Quincy", "state": "MA", "postalCode": "02170"}],
  "contact": [{"name": {"family": "Nowacka", "given": ["Irena"]}}]
}`

const testPractitioner = `{"resourceType": "Practitioner", "name": [{"family": "Oyelaran", "given": ["Tunde"]}],
  "telecom": [{"system": "fax", "value": "617-555-0125"}],
  "qualification": [{"identifier": [{"value": "MD-229187"}]}]}`

func TestPatientAwarePHI(t *testing.T) {
	b := newTestBuiltin(t)
	hints, err := HintsFromResources([]byte(testPatient), []byte(testPractitioner))
	if err != nil {
		t.Fatal(err)
	}
	tests := []spanCase{
		{"last, first in lower case", "Patient: przybylski, zbigniew", []want{{"przybylski, zbigniew", Name}}, nil},
		{"upper case and initial", "PRZYBYLSKI Z. was admitted; Z. Przybylski agreed.", []want{{"PRZYBYLSKI Z.", Name}, {"Z. Przybylski", Name}}, nil},
		{"possessive and typo", "Mr. Przybylski's wife called. Przybilski again.", []want{{"Przybylski", Name}, {"Przybilski", Name}}, []string{"'s wife"}},
		{"nickname prefix", "Zbig says hello.", []want{{"Zbig", Name}}, nil},
		{"given name that is a word", "Will was here; we will see him. will przybylski", []want{{"Will", Name}, {"will przybylski", Name}}, []string{"will see"}},
		{"contact and practitioner", "Daughter irena nowacka; Dr. Oyelaran (fax 617 555 0125).", []want{{"irena nowacka", Name}, {"Oyelaran", Name}, {"617 555 0125", Fax}}, nil},
		{"identifiers with other separators", "ID KH5530917; SSN 431279085.", []want{{"KH5530917", MRN}, {"431279085", SSN}}, nil},
		{"birth date in other forms", "DOB 12/3/1949, 3 December 1949, Dec 3 1949, 1949-12-03.",
			[]want{{"12/3/1949", Date}, {"3 December 1949", Date}, {"Dec 3 1949", Date}, {"1949-12-03", Date}}, nil},
		{"address across lines and abbreviated", "Home:\n903 Hancock\nSt, Apt 2\nquincy 02170", []want{{"903 Hancock\nSt", Location}, {"Apt 2", Location}, {"quincy", Location}, {"02170", Location}}, nil},
		{"telecom any punctuation", "Call 617.555.0135 or ZP@EXAMPLE.ORG.", []want{{"617.555.0135", Phone}, {"ZP@EXAMPLE.ORG", Email}}, nil},
		{"licence from qualification", "License MD-229187 on file.", []want{{"MD-229187", License}}, nil},
	}
	runSpanCases(t, b, hints, tests)
}

func TestHintsFromResourcesPHI(t *testing.T) {
	h, err := HintsFromResources([]byte(testPatient), []byte(testPractitioner))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Names) != 3 || h.Names[0].Family != "Przybylski" || h.Names[1].Family != "Nowacka" || h.Names[2].Family != "Oyelaran" {
		t.Errorf("names = %+v", h.Names)
	}
	wantIDs := []Identifier{{"KH-5530917", MRN}, {"431-27-9085", SSN}, {"MD-229187", License}}
	if len(h.Identifiers) != len(wantIDs) {
		t.Fatalf("identifiers = %+v", h.Identifiers)
	}
	for i, w := range wantIDs {
		if h.Identifiers[i] != w {
			t.Errorf("identifier %d = %+v, want %+v", i, h.Identifiers[i], w)
		}
	}
	if len(h.BirthDates) != 1 || len(h.Addresses) != 1 || h.Addresses[0].City != "Quincy" || len(h.Telecoms) != 3 {
		t.Errorf("hints = %+v", h)
	}
	if h, err := HintsFromResources(nil); err != nil || !h.IsZero() {
		t.Errorf("no resources: %+v, %v", h, err)
	}
	for _, bad := range []struct{ patient, related, want string }{
		{`{"resourceType": "Observation"}`, "", "resourceType"},
		{`{"name": []}`, "", "no resourceType"},
		{`{not json`, "", "parse"},
		{testPatient, `{"resourceType": "Organization"}`, "related resource 0"},
	} {
		var related [][]byte
		if bad.related != "" {
			related = append(related, []byte(bad.related))
		}
		if _, err := HintsFromResources([]byte(bad.patient), related...); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("HintsFromResources(%s, %s) = %v, want error containing %q", bad.patient, bad.related, err, bad.want)
		}
	}
}

func TestDetectPHIStopsWhenCancelled(t *testing.T) {
	b := newTestBuiltin(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Detect(ctx, "Jane Doe", Hints{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestCombinePHIDetectors(t *testing.T) {
	b := newTestBuiltin(t)
	extra := fixedDetector{{Start: 0, End: 4, Category: Name, Confidence: 0.5, Detector: "fixed"}}
	d := Combine("both", b, extra)
	text := "Jane Doe, 617-555-0142"
	spans, err := d.Detect(context.Background(), text, Hints{})
	if err != nil {
		t.Fatal(err)
	}
	checkSpans(t, text, spans, []want{{"Jane Doe", Name}, {"617-555-0142", Phone}}, nil)
	if d.Name() != "both" || !strings.Contains(d.Version(), "kiln-builtin/"+BuiltinVersion) {
		t.Errorf("name %q version %q", d.Name(), d.Version())
	}
}

// fixedDetector returns the same spans for every text.
type fixedDetector []Span

func (f fixedDetector) Name() string    { return "fixed" }
func (f fixedDetector) Version() string { return "0" }
func (f fixedDetector) Detect(context.Context, string, Hints) ([]Span, error) {
	return append([]Span(nil), f...), nil
}
