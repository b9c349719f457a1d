package chr_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/chunk"
	"github.com/kiln-health/kiln/pipeline/coding"
	"github.com/kiln-health/kiln/pipeline/embed"
)

// A synthetic redacted note, as the document pipeline leaves it.
const redactedNote = `Progress note, [DATE_1]. Patient [NAME_1] was seen for follow-up of type 2 diabetes mellitus.
She denies chest pain or shortness of breath. Blood pressure remains elevated at today's visit; assessment: essential hypertension.
Her hemoglobin A1c was 8.1 percent, up from the last result. Plan: continue metformin 500 mg twice daily and start lisinopril 10 mg daily.
Return to clinic in three months for a follow-up visit with repeat labs.`

func TestDraftGroundedAndCoded(t *testing.T) {
	icd, err := coding.ICD10CM()
	if err != nil {
		t.Fatal(err)
	}
	emb, err := embed.NewOffline(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			g := chr.NewGrounding(st, emb, nil, chunk.Options{Target: 200})
			// A tenant table of made-up procedure codes (Kiln ships no CPT).
			r := newRig(t, st, chr.Options{Grounding: g, Coder: icd, TenantCoders: chr.TenantTables(coding.NewTenantTables(st))})
			if _, err := coding.SaveTable(context.Background(), st, "t", "urn:example:procedures", []byte("X1001\tFollow-up visit\nX1002\tKnee replacement\n")); err != nil {
				t.Fatal(err)
			}
			r.loadSynthea("Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json")
			doc := `{"resourceType":"DocumentReference","id":"redacted-n1","status":"current",
				"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue","code":"REDACTED"}]},
				"subject":{"reference":"Patient/` + r.patient + `"},
				"content":[{"attachment":{"contentType":"text/plain; charset=utf-8","data":"` + base64.StdEncoding.EncodeToString([]byte(redactedNote)) + `"}}]}`
			if _, err := r.eng.Do(r.sys, "t", engine.Interaction{Method: "PUT", Type: "DocumentReference", ID: "redacted-n1", Body: []byte(doc)}); err != nil {
				t.Fatal(err)
			}
			if err := g.Index(r.sys, "t", r.patient, "redacted-n1", redactedNote); err != nil {
				t.Fatal(err)
			}
			comp, err := r.drafter.DraftNow(r.sys, "t", r.patient)
			if err != nil {
				t.Fatal(err)
			}
			c := obj(t, comp.Body)
			if sec := c["meta"].(map[string]any)["security"]; sec == nil {
				t.Error("a draft from redacted documents lacks the REDACTED label")
			}
			note := []rune(redactedNote)
			cites, err := chr.Citations(comp.Body)
			if err != nil {
				t.Fatal(err)
			}
			docCites, statementsBySection := 0, map[string][]string{}
			seen := map[string]bool{}
			for _, c := range cites {
				if key := c.Section + "\x00" + c.Statement; !seen[key] {
					seen[key] = true
					statementsBySection[c.Section] = append(statementsBySection[c.Section], c.Statement)
				}
				if c.Reference != "DocumentReference/redacted-n1" {
					continue
				}
				docCites++
				if c.Start < 0 || c.End > len(note) || c.Start >= c.End {
					t.Fatalf("citation %d-%d outside the note", c.Start, c.End)
				}
				span := string(note[c.Start:c.End])
				// An extracted sentence cites exactly itself; a code
				// suggestion cites the words that support it.
				if !strings.Contains(c.Statement, span) && !strings.Contains(span, c.Statement) {
					t.Errorf("statement %q cites %q", c.Statement, span)
				}
			}
			if docCites < 3 {
				t.Errorf("%d citations of the note, want at least 3", docCites)
			}
			if len(statementsBySection["67781-5"]) == 0 {
				t.Error("the narrative summary is empty")
			}
			coded := strings.Join(statementsBySection["coding-suggestions"], "\n")
			t.Logf("narrative:\n%s\ncoding:\n%s", strings.Join(statementsBySection["67781-5"], "\n"), coded)
			for _, want := range []string{"E11.9", "I10", "X1001 Follow-up visit (urn:example:procedures)"} {
				if !strings.Contains(coded, want) {
					t.Errorf("coding suggestions lack %s:\n%s", want, coded)
				}
			}
			if strings.Contains(coded, "X1002") {
				t.Errorf("a procedure the note does not mention was suggested:\n%s", coded)
			}
			if strings.Contains(coded, "R07") {
				t.Errorf("a denied symptom was suggested:\n%s", coded)
			}

			// The clinician accepts one suggestion and rejects another: the
			// accepted code becomes a problem, neither is proposed again.
			sugs, err := r.eng.Search(r.sys, "t", engine.SearchRequest{Type: "Condition", Params: url.Values{
				"_tag": {chr.SuggestionTag + "|suggested"}, "verification-status": {"provisional"}}})
			if err != nil {
				t.Fatal(err)
			}
			decide := map[string]string{"I10": "confirmed", "E11.9": "refuted"}
			decided := 0
			for _, m := range sugs.Matches {
				for code, verdict := range decide {
					if !strings.Contains(string(m.Body), `"code":"`+code+`"`) {
						continue
					}
					patch := `[{"op":"replace","path":"/verificationStatus/coding/0/code","value":"` + verdict + `"}]`
					if _, err := r.eng.Do(r.clinician(), "t", engine.Interaction{Method: "PATCH", Type: "Condition", ID: m.ID, Body: []byte(patch)}); err != nil {
						t.Fatalf("%s %s: %v", verdict, code, err)
					}
					decided++
				}
			}
			if decided != 2 {
				t.Fatalf("decided %d suggestions, want 2", decided)
			}
			again, err := r.drafter.DraftNow(r.sys, "t", r.patient)
			if err != nil {
				t.Fatal(err)
			}
			cites2, _ := chr.Citations(again.Body)
			var problems, coding2 []string
			for _, c := range cites2 {
				switch c.Section {
				case "11450-4":
					problems = append(problems, c.Statement)
				case "coding-suggestions":
					coding2 = append(coding2, c.Statement)
				}
			}
			if p := strings.Join(problems, "\n"); !strings.Contains(p, "Essential (primary) hypertension") {
				t.Errorf("the accepted code is not a problem:\n%s", p)
			}
			if c := strings.Join(coding2, "\n"); strings.Contains(c, "I10") || strings.Contains(c, "E11.9") {
				t.Errorf("decided codes proposed again:\n%s", c)
			}
		})
	}
}
