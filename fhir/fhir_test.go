package fhir

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestObjectKeepsWhatTheClientSent(t *testing.T) {
	in := `{"valueQuantity":{"value":1.50,"unit":"mmol/L"},"resourceType":"Observation","text":{"div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">a &amp; b</div>"},"big":12345678901234567890.000001}`
	obj, err := ParseObject([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	obj.SetID("o1")
	obj.SetMeta(3, time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC))
	out, err := obj.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"resourceType":"Observation","id":"o1","meta":{"lastUpdated":"2026-01-02T03:04:05.006Z","versionId":"3"},`,
		`"value":1.50`,                // decimal precision kept
		`12345678901234567890.000001`, // no float rounding
		`<div xmlns=`,                 // no HTML escaping of narrative
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestRewriteReferencesReachesNestedElements(t *testing.T) {
	obj, err := ParseObject([]byte(`{"resourceType":"Observation","subject":{"reference":"urn:uuid:1"},"contained":[{"resourceType":"Patient","link":[{"other":{"reference":"urn:uuid:1"}}]}],"note":[{"text":"urn:uuid:1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := obj.RewriteReferences(func(ref string) (string, error) {
		n++
		return strings.Replace(ref, "urn:uuid:1", "Patient/p", 1), nil
	}); err != nil {
		t.Fatal(err)
	}
	out, _ := obj.Marshal()
	if n != 2 || strings.Count(string(out), "Patient/p") != 2 || !strings.Contains(string(out), `"text":"urn:uuid:1"`) {
		t.Fatalf("rewrote %d references: %s", n, out)
	}
}

func TestValidateReportsEachProblemWithItsLocation(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body string
		status     int
		code       IssueType
		expr       string
	}{
		{"valid", `{"resourceType":"Patient","gender":"female"}`, 0, "", ""},
		{"syntax", `{"resourceType":`, http.StatusBadRequest, IssueStructure, ""},
		{"bad enum", `{"resourceType":"Patient","gender":"f"}`, http.StatusBadRequest, IssueStructure, "Patient.gender"},
		{"unknown type", `{"resourceType":"Nope"}`, http.StatusBadRequest, IssueNotSupported, "Nope"},
		{"required", `{"resourceType":"Observation","code":{"text":"x"}}`, http.StatusUnprocessableEntity, IssueRequired, "Observation"},
		{"reference target", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Medication/m"}}`, http.StatusUnprocessableEntity, IssueValue, "Observation.subject"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Validate([]byte(tc.body))
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("valid resource refused: %v", err)
				}
				return
			}
			fe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if fe.Status != tc.status || fe.Issues[0].Code != tc.code {
				t.Fatalf("got %d %s, want %d %s: %v", fe.Status, fe.Issues[0].Code, tc.status, tc.code, fe)
			}
			if tc.expr != "" && (len(fe.Issues[0].Expression) == 0 || !strings.HasPrefix(fe.Issues[0].Expression[0], tc.expr)) {
				t.Fatalf("expression %v, want %s", fe.Issues[0].Expression, tc.expr)
			}
		})
	}
}

func TestResourceTypes(t *testing.T) {
	types := ResourceTypes()
	if len(types) < 140 || !IsResourceType("Patient") || !IsResourceType("DocumentReference") || IsResourceType("patient") || IsResourceType("Unicorn") {
		t.Fatalf("%d types; Patient known: %v", len(types), IsResourceType("Patient"))
	}
}

func TestParseObjectRefusesWhatIsNotOneObject(t *testing.T) {
	for _, body := range []string{`{"a":1} {"b":2}`, `{"a":1} x`, `[1]`, `null`, `"s"`, ``, `{"a":}`, `{"a":1`} {
		if _, err := ParseObject([]byte(body)); err == nil {
			t.Errorf("ParseObject(%q) succeeded", body)
		} else if fe, ok := err.(*Error); !ok || fe.Status != http.StatusBadRequest {
			t.Errorf("ParseObject(%q): %v, want a 400 *Error", body, err)
		}
	}
}
