package profile_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/profile"
	"github.com/kiln-health/kiln/profiles"

	"github.com/kiln-health/kiln/internal/shared"
)

const chrURL = "https://kiln.health/fhir/StructureDefinition/kiln-chr"

func loadSet(t *testing.T) *profile.Set {
	t.Helper()
	s, err := profile.Load(profiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validCHR(t *testing.T) map[string]any {
	t.Helper()
	body, err := os.ReadFile("../../testdata/chr/composition-valid.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadKilnProfiles(t *testing.T) {
	s := loadSet(t)
	want := []string{
		"https://kiln.health/fhir/StructureDefinition/chr-confidence",
		"https://kiln.health/fhir/StructureDefinition/chr-redacted-narrative",
		"https://kiln.health/fhir/StructureDefinition/chr-source-range",
		"https://kiln.health/fhir/StructureDefinition/chr-statement",
		chrURL,
	}
	if got := s.Profiles(); !slices.Equal(got, want) {
		t.Fatalf("Profiles() = %v, want %v", got, want)
	}
	if p := s.Profile(chrURL); p == nil || p.Type != "Composition" || p.Version != "1.0.0" || p.Name != "KilnClientHealthReport" {
		t.Fatalf("Profile(%s) = %+v", chrURL, p)
	}
}

// The example must be valid base R4 as well as valid against the profile,
// or the profile tests would prove little.
func TestValidExample(t *testing.T) {
	s := loadSet(t)
	body := marshal(t, validCHR(t))
	v, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(body); err != nil {
		t.Fatalf("example is not valid R4: %v", err)
	}
	issues, err := s.Validate(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 0 {
		t.Fatalf("Validate: %+v", issues)
	}
	issues, err = s.ValidateAgainst(context.Background(), chrURL, body)
	if err != nil || len(issues) != 0 {
		t.Fatalf("ValidateAgainst: %+v, %v", issues, err)
	}
}

type wantIssue struct {
	code fhir.IssueType
	expr string // one of the issue's expressions
	diag string // part of the diagnostics
}

func sections(m map[string]any) []any { return m["section"].([]any) }
func section(m map[string]any, i int) map[string]any {
	return sections(m)[i].(map[string]any)
}

func TestViolations(t *testing.T) {
	s := loadSet(t)
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		want   []wantIssue
	}{
		{"missing subject", func(m map[string]any) { delete(m, "subject") },
			[]wantIssue{{fhir.IssueRequired, "Composition.subject", "minimum required = 1"}}},
		{"subject not a Patient", func(m map[string]any) { m["subject"] = map[string]any{"reference": "Group/g1"} },
			[]wantIssue{{fhir.IssueStructure, "Composition.subject", "must refer to Patient, not Group"}}},
		{"subject contained Group", func(m map[string]any) {
			m["contained"] = []any{map[string]any{"resourceType": "Group", "id": "g", "type": "person", "actual": true}}
			m["subject"] = map[string]any{"reference": "#g"}
		}, []wantIssue{{fhir.IssueStructure, "Composition.subject", "not Group"}}},
		{"wrong type code", func(m map[string]any) {
			m["type"] = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "11488-4"}}}
		}, []wantIssue{{fhir.IssueValue, "Composition.type", "60591-5"}}},
		{"missing category slice", func(m map[string]any) {
			m["category"] = []any{map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "LP173421-1"}}}}
		}, []wantIssue{{fhir.IssueRequired, "Composition.category", `slice "chr" requires at least 1, but found 0`}}},
		{"no category", func(m map[string]any) { delete(m, "category") },
			[]wantIssue{
				{fhir.IssueRequired, "Composition.category", "Composition.category: minimum required = 1"},
				{fhir.IssueRequired, "Composition.category", `slice "chr"`},
			}},
		{"missing section", func(m map[string]any) {
			m["section"] = slices.Delete(sections(m), 4, 5) // vitals
		}, []wantIssue{{fhir.IssueRequired, "Composition.section", `slice "vitals" requires at least 1, but found 0`}}},
		{"duplicate section", func(m map[string]any) {
			m["section"] = append(sections(m), sections(m)[0])
		}, []wantIssue{{fhir.IssueStructure, "Composition.section[11]", `slice "problems" allows at most 1, but found 2`}}},
		{"section of an unknown code", func(m map[string]any) {
			section(m, 1)["code"] = map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "10164-2"}}}
		}, []wantIssue{
			{fhir.IssueStructure, "Composition.section[1]", "matches none of the slices"},
			{fhir.IssueRequired, "Composition.section", `slice "medications"`},
		}},
		{"section without text", func(m map[string]any) { delete(section(m, 2), "text") },
			[]wantIssue{{fhir.IssueRequired, "Composition.section[2].text", "Composition.section:allergies.text: minimum required = 1"}}},
		{"section without title", func(m map[string]any) { delete(section(m, 10), "title") },
			[]wantIssue{{fhir.IssueRequired, "Composition.section[10].title", "Composition.section:coding.title"}}},
		{"section with neither entry nor emptyReason", func(m map[string]any) { delete(section(m, 0), "entry") },
			[]wantIssue{{profile.IssueInvariant, "Composition.section[0]", "chr-2"}}},
		{"final without legal attester", func(m map[string]any) {
			m["attester"].([]any)[0].(map[string]any)["mode"] = "professional"
		}, []wantIssue{{profile.IssueInvariant, "Composition", "chr-3"}}},
		{"final legal attester without time", func(m map[string]any) {
			delete(m["attester"].([]any)[0].(map[string]any), "time")
		}, []wantIssue{{profile.IssueInvariant, "Composition", "chr-3"}}},
		{"preliminary without attester", func(m map[string]any) {
			m["status"] = "preliminary"
			delete(m, "attester")
		}, nil},
		{"redacted narrative without REDACTED label", func(m map[string]any) { delete(m["meta"].(map[string]any), "security") },
			[]wantIssue{{profile.IssueInvariant, "Composition", "chr-1"}}},
		{"redacted narrative false needs no label", func(m map[string]any) {
			delete(m["meta"].(map[string]any), "security")
			m["extension"].([]any)[0].(map[string]any)["valueBoolean"] = false
		}, nil},
		{"redacted narrative extension of the wrong type", func(m map[string]any) {
			ext := m["extension"].([]any)[0].(map[string]any)
			delete(ext, "valueBoolean")
			ext["valueString"] = "yes"
		}, []wantIssue{{fhir.IssueStructure, "Composition.extension[0].value", "must be of type boolean, not string"}}},
		{"redacted narrative extension twice", func(m map[string]any) {
			m["extension"] = append(m["extension"].([]any), m["extension"].([]any)[0])
		}, []wantIssue{{fhir.IssueStructure, "Composition.extension[1]", `slice "redactedNarrative" allows at most 1`}}},
		{"wrong status", func(m map[string]any) { m["status"] = "draft" },
			[]wantIssue{{profile.IssueCodeInvalid, "Composition.status", `code "draft" is not in the required ValueSet`}}},
		{"other extensions and categories are allowed", func(m map[string]any) {
			m["extension"] = append(m["extension"].([]any), map[string]any{"url": "https://example.org/x", "valueString": "y"})
			m["category"] = append(m["category"].([]any), map[string]any{"text": "other"})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validCHR(t)
			tt.mutate(m)
			issues, err := s.Validate(context.Background(), marshal(t, m))
			if err != nil {
				t.Fatal(err)
			}
			checkIssues(t, issues, tt.want)
		})
	}
}

func checkIssues(t *testing.T, got []fhir.Issue, want []wantIssue) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d issues, want %d: %+v", len(got), len(want), got)
	}
	for _, w := range want {
		found := slices.ContainsFunc(got, func(is fhir.Issue) bool {
			return is.Severity == fhir.SeverityError && is.Code == w.code &&
				slices.Contains(is.Expression, w.expr) && strings.Contains(is.Diagnostics, w.diag)
		})
		if !found {
			t.Errorf("no issue %+v in %+v", w, got)
		}
	}
}

func TestUnclaimedOrUnknownProfilesAreNotChecked(t *testing.T) {
	s := loadSet(t)
	m := validCHR(t)
	delete(m, "subject")
	for _, claim := range []any{nil, []any{}, []any{"https://example.org/StructureDefinition/other"}, []any{chrURL + "|0.9.0"}} {
		m["meta"].(map[string]any)["profile"] = claim
		issues, err := s.Validate(context.Background(), marshal(t, m))
		if err != nil || len(issues) != 0 {
			t.Errorf("claim %v: %+v, %v", claim, issues, err)
		}
	}
	m["meta"].(map[string]any)["profile"] = []any{chrURL + "|1.0.0"}
	issues, err := s.Validate(context.Background(), marshal(t, m))
	if err != nil || len(issues) != 1 {
		t.Errorf("versioned claim: %+v, %v", issues, err)
	}
}

func TestValidateErrors(t *testing.T) {
	s := loadSet(t)
	ctx := context.Background()
	if _, err := s.ValidateAgainst(ctx, "https://example.org/none", []byte(`{"resourceType":"Composition"}`)); err == nil {
		t.Error("unknown profile: no error")
	}
	if _, err := s.Validate(ctx, []byte(`[1]`)); err == nil {
		t.Error("not a resource: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Validate(cancelled, marshal(t, validCHR(t))); err == nil {
		t.Error("cancelled: no error")
	}
	issues, err := s.ValidateAgainst(ctx, chrURL, []byte(`{"resourceType":"Patient"}`))
	if err != nil || len(issues) != 1 || issues[0].Code != fhir.IssueStructure {
		t.Errorf("Patient against CHR: %+v, %v", issues, err)
	}
}

// The official R4 Composition examples are no CHRs: against the profile
// they fail for the right reasons, and unclaimed they pass.
func TestOfficialExamples(t *testing.T) {
	s := loadSet(t)
	dir := "../../../shared/fhir-samples/r4-examples/examples"
	files, err := filepath.Glob(filepath.Join(dir, "Composition-*.json"))
	if len(files) == 0 {
		shared.Missing(t, dir, err)
		return
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			issues, err := s.Validate(context.Background(), body)
			if err != nil || len(issues) != 0 {
				t.Fatalf("unclaimed: %+v, %v", issues, err)
			}
			issues, err = s.ValidateAgainst(context.Background(), chrURL, body)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []wantIssue{
				{fhir.IssueValue, "Composition.type", "60591-5"},
				{fhir.IssueRequired, "Composition.category", `slice "chr"`},
				{fhir.IssueRequired, "Composition.section", `slice "problems"`},
				{fhir.IssueRequired, "Composition.section", `slice "coding"`},
			} {
				if !slices.ContainsFunc(issues, func(is fhir.Issue) bool {
					return is.Code == w.code && slices.Contains(is.Expression, w.expr) && strings.Contains(is.Diagnostics, w.diag)
				}) {
					t.Errorf("no issue %+v", w)
				}
			}
			for _, is := range issues {
				t.Logf("%s %s %v: %s", is.Severity, is.Code, is.Expression, is.Diagnostics)
			}
		})
	}
}

// sd is a minimal profile on Observation with extra differential elements.
func sd(elements ...string) string {
	return `{"resourceType":"StructureDefinition","url":"https://example.org/sd","name":"T","status":"draft",
	"kind":"resource","abstract":false,"type":"Observation","baseDefinition":"http://hl7.org/fhir/StructureDefinition/Observation",
	"derivation":"constraint","differential":{"element":[{"id":"Observation","path":"Observation"}` +
		func() string {
			var b strings.Builder
			for _, e := range elements {
				b.WriteString("," + e)
			}
			return b.String()
		}() + `]}}`
}

func TestLoadRefusesWhatItCannotCheck(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"maxLength", sd(`{"id":"Observation.status","path":"Observation.status","maxLength":3}`), "maxLength is not supported"},
		{"type discriminator", sd(`{"id":"Observation.component","path":"Observation.component","slicing":{"discriminator":[{"type":"type","path":"value"}],"rules":"open"}}`), `discriminator type "type"`},
		{"resolve discriminator", sd(`{"id":"Observation.component","path":"Observation.component","slicing":{"discriminator":[{"type":"pattern","path":"resolve()"}],"rules":"open"}}`), "discriminator path"},
		{"ordered slicing", sd(`{"id":"Observation.component","path":"Observation.component","slicing":{"discriminator":[{"type":"pattern","path":"code"}],"ordered":true,"rules":"open"}}`), "ordered slicing"},
		{"openAtEnd", sd(`{"id":"Observation.component","path":"Observation.component","slicing":{"discriminator":[{"type":"pattern","path":"code"}],"rules":"openAtEnd"}}`), "openAtEnd"},
		{"slice without slicing", sd(`{"id":"Observation.component:a","path":"Observation.component","sliceName":"a"}`), "declares no slicing"},
		{"slice without discriminator value", sd(
			`{"id":"Observation.component","path":"Observation.component","slicing":{"discriminator":[{"type":"pattern","path":"code"}],"rules":"open"}}`,
			`{"id":"Observation.component:a","path":"Observation.component","sliceName":"a","min":1}`), "constrains nothing at its discriminator path"},
		{"profiled target", sd(`{"id":"Observation.subject","path":"Observation.subject","type":[{"code":"Reference","targetProfile":["https://example.org/StructureDefinition/my-patient"]}]}`), "targetProfile"},
		{"unknown type profile", sd(`{"id":"Observation.extension:x","path":"Observation.extension","sliceName":"x"}`), "declares no slicing"},
		{"type profile not in set", sd(
			`{"id":"Observation.extension","path":"Observation.extension","slicing":{"discriminator":[{"type":"value","path":"url"}],"rules":"open"}}`,
			`{"id":"Observation.extension:x","path":"Observation.extension","sliceName":"x","type":[{"code":"Extension","profile":["https://example.org/ext"]}]}`), "is not in the set"},
		{"required binding to unknown ValueSet", sd(`{"id":"Observation.status","path":"Observation.status","binding":{"strength":"required","valueSet":"https://example.org/vs"}}`), "is not in the set"},
		{"bad FHIRPath", sd(`{"id":"Observation","path":"Observation","constraint":[{"key":"x-1","severity":"error","human":"h","expression":"status = "}]}`), "x-1"},
		{"not an element", sd(`{"id":"Observation.colour","path":"Observation.colour","min":1}`), "no element colour"},
		{"inside a primitive", sd(`{"id":"Observation.status.extension","path":"Observation.status.extension","max":"0"}`), "inside a primitive"},
		{"type change", sd(`{"id":"Observation.status","path":"Observation.status","type":[{"code":"string"}]}`), "changing an element's type"},
		{"profile on a profile", strings.Replace(sd(), "http://hl7.org/fhir/StructureDefinition/Observation", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-lab", 1), "baseDefinition"},
		{"specialization", strings.Replace(sd(), `"constraint"`, `"specialization"`, 1), "derivation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := profile.Load(fstest.MapFS{"StructureDefinition-t.json": {Data: []byte(tt.file)}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// The base of these cases loads, so each failure above is the element's.
	if _, err := profile.Load(fstest.MapFS{"StructureDefinition-t.json": {Data: []byte(sd())}}); err != nil {
		t.Fatalf("minimal profile: %v", err)
	}
}

func BenchmarkValidateCHR(b *testing.B) {
	s, err := profile.Load(profiles.FS)
	if err != nil {
		b.Fatal(err)
	}
	body, err := os.ReadFile("../../testdata/chr/composition-valid.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for b.Loop() {
		issues, err := s.Validate(context.Background(), body)
		if err != nil || len(issues) != 0 {
			b.Fatal(issues, err)
		}
	}
}
