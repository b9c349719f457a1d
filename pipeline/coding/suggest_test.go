package coding

import (
	"fmt"
	"strings"
	"testing"
)

// want is one expected suggestion: its code, the exact evidence, and the
// range its confidence must fall in.
type want struct {
	code     string
	evidence string
	lo, hi   float64
}

func TestSuggestText(t *testing.T) {
	tb := icd(t)
	cases := []struct {
		name string
		text string
		want []want
		not  []string // codes that must not be suggested
	}{
		// Positive mentions and the longest, most specific match.
		{"description", "Assessment: Type 2 diabetes mellitus without complications.",
			[]want{{"E11.9", "Type 2 diabetes mellitus without complications", 0.9, 1}}, nil},
		{"specific beats bare", "Type 2 diabetes mellitus with diabetic chronic kidney disease, followed by nephrology.",
			[]want{{"E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease", 0.9, 1}}, []string{"E11.9", "N18.9"}},
		{"variant wording", "type 2 diabetes with hyperglycemia",
			[]want{{"E11.65", "type 2 diabetes with hyperglycemia", 0.8, 0.9}}, []string{"E11.9"}},
		{"derived form", "Acute sinusitis treated with saline.",
			[]want{{"J01.90", "Acute sinusitis", 0.85, 0.95}}, nil},
		{"billable default over header", "history of type 2 diabetes mellitus",
			[]want{{"E11.9", "type 2 diabetes mellitus", 0.8, 0.95}}, []string{"E11"}},
		{"laterality", "Pain in left knee after a fall.",
			[]want{{"M25.562", "Pain in left knee", 0.9, 1}}, []string{"R52"}},
		{"injury initial encounter", "Sprain of anterior cruciate ligament of knee.",
			[]want{{"S83.519A", "Sprain of anterior cruciate ligament of knee", 0.7, 0.85}}, nil},
		{"ckd stage", "CKD stage 3a and CKD stage 4 in two relatives' charts; here chronic kidney disease stage 3.",
			[]want{{"N18.31", "CKD stage 3a", 0.7, 0.8}, {"N18.4", "CKD stage 4", 0.7, 0.8}, {"N18.30", "chronic kidney disease stage 3", 0.8, 0.9}}, nil},
		{"bmi", "Obesity with BMI 32.4 kg/m2; prior body mass index of 41.",
			[]want{{"E66.9", "Obesity", 0.8, 0.9}, {"Z68.32", "BMI 32.4", 0.85, 0.95}, {"Z68.41", "body mass index of 41", 0.85, 0.95}}, nil},
		{"bmi range is not a value", "Body mass index 30+ - obesity (finding)",
			[]want{{"E66.9", "obesity", 0.8, 0.9}}, []string{"Z68", "Z68.30"}},
		{"laterality unspecified", "Otitis media. Sciatica.",
			[]want{{"H66.90", "Otitis media", 0.85, 0.95}, {"M54.30", "Sciatica", 0.85, 0.95}}, []string{"H66.9", "M54.3"}},
		{"reworded combination", "Major depression, recurrent, moderate.",
			[]want{{"F33.1", "Major depression, recurrent, moderate", 0.8, 0.9}}, []string{"F32.9"}},
		{"not a stroke", "Heat stroke last summer.",
			[]want{{"T67.01XA", "Heat stroke", 0.8, 0.9}}, []string{"I63.9"}},
		{"osteoarthritis of knee", "Knee OA, worse on stairs. Also osteoarthritis of the knee on the left per ortho.",
			[]want{{"M17.9", "osteoarthritis of the knee", 0.8, 0.9}}, []string{"M19.90"}},

		// Abbreviations: found, at a lower confidence than full wording.
		{"abbreviations", "PMH: HTN, T2DM, HLD, CHF, COPD, AFib, GERD, OSA, MDD.",
			[]want{
				{"I10", "HTN", 0.7, 0.8}, {"E11.9", "T2DM", 0.7, 0.8}, {"E78.5", "HLD", 0.7, 0.8},
				{"I50.9", "CHF", 0.7, 0.8}, {"J44.9", "COPD", 0.7, 0.8}, {"I48.91", "AFib", 0.7, 0.8},
				{"K21.9", "GERD", 0.7, 0.8}, {"G47.33", "OSA", 0.7, 0.8}, {"F32.9", "MDD", 0.7, 0.8},
			}, nil},
		{"synonyms", "Problems: hypertension, hyperlipidemia, asthma, hypothyroidism, depression, anxiety, obesity, prediabetes.",
			[]want{
				{"I10", "hypertension", 0.8, 0.9}, {"E78.5", "hyperlipidemia", 0.8, 0.9}, {"J45.909", "asthma", 0.8, 0.9},
				{"E03.9", "hypothyroidism", 0.8, 0.9}, {"F32.A", "depression", 0.8, 0.9}, {"F41.9", "anxiety", 0.8, 0.9},
				{"E66.9", "obesity", 0.8, 0.9}, {"R73.03", "prediabetes", 0.8, 0.9},
			}, nil},
		{"case and possessive", "ALZHEIMER'S DISEASE, early onset unclear.",
			[]want{{"G30.9", "ALZHEIMER'S DISEASE", 0.85, 0.95}}, nil},

		// Negation.
		{"denies list", "Denies chest pain, shortness of breath, or fever. Reports cough.",
			[]want{{"R05.9", "cough", 0.8, 0.9}}, []string{"R07.9", "R06.02", "R50.9"}},
		{"no history of", "No history of diabetes or hypertension.", nil, []string{"E11.9", "I10"}},
		{"negative for", "Chest X-ray negative for pneumonia.", nil, []string{"J18.9"}},
		{"ruled out after", "Pneumonia was ruled out. DVT ruled out by ultrasound.", nil, []string{"J18.9", "I82.409"}},
		{"without", "Presents without fever.", nil, []string{"R50.9"}},
		{"scope ends at but", "No fever but has a cough and asthma.",
			[]want{{"R05.9", "cough", 0.8, 0.9}, {"J45.909", "asthma", 0.8, 0.9}}, []string{"R50.9"}},
		{"scope ends at sentence", "No fever. Asthma is stable.",
			[]want{{"J45.909", "Asthma", 0.8, 0.9}}, []string{"R50.9"}},
		{"pseudo negation", "No change in hypertension management.",
			[]want{{"I10", "hypertension", 0.8, 0.9}}, nil},
		{"negation far away", "No pets at home, lives with spouse and two adult children, works as a teacher, hypertension.",
			[]want{{"I10", "hypertension", 0.8, 0.9}}, nil},

		// Tests and vaccines are not conditions.
		{"vaccine and screening", "Pneumonia vaccine given. Screening for diabetes ordered.", nil, []string{"J18.9", "E11.9"}},

		// Family history.
		{"family history", "Family history of breast cancer. Mother had diabetes.",
			[]want{{"Z80.3", "Family history of breast cancer", 0.4, 0.6}, {"Z83.3", "Mother had diabetes", 0.4, 0.6}},
			[]string{"C50.919", "E11.9"}},
		{"family history code in table", "Family history of diabetes mellitus.",
			[]want{{"Z83.3", "Family history of diabetes mellitus", 0.9, 1}}, []string{"E11.9"}},
		{"family then patient", "Father had a stroke, but the patient has hypertension.",
			[]want{{"Z82.3", "Father had a stroke", 0.4, 0.6}, {"I10", "hypertension", 0.8, 0.9}}, []string{"I63.9", "Z82.49"}},
		{"someone else", "His wife has dementia; he is her caregiver.", nil, []string{"F03.90"}},
		{"no family history", "No family history of colon cancer.", nil, []string{"Z80.0", "C18.9"}},

		// Hedging lowers confidence.
		{"possible", "Possible pneumonia on the left.",
			[]want{{"J18.9", "Possible pneumonia", 0.45, 0.6}}, nil},
		{"suspected after", "Pneumonia is suspected.",
			[]want{{"J18.9", "Pneumonia is suspected", 0.45, 0.6}}, nil},
		{"rule out", "R/O DVT.", []want{{"I82.409", "R/O DVT", 0.4, 0.5}}, nil},
		{"probable", "Probable asthma.", []want{{"J45.909", "Probable asthma", 0.65, 0.75}}, nil},
		{"question mark", "Bronchitis? Will recheck.", []want{{"J40", "Bronchitis", 0.45, 0.55}}, nil},
		{"hedge then negation", "Possible asthma; no pneumonia.",
			[]want{{"J45.909", "Possible asthma", 0.45, 0.6}}, []string{"J18.9"}},

		// Redacted text: vault tokens never match or join a match.
		{"vault tokens", "[NAME_1] was seen on [DATE_3] for hypertension; [NAME_1] denies diabetes.",
			[]want{{"I10", "hypertension", 0.8, 0.9}}, []string{"E11.9"}},
		{"code points", "Zoë—café owner—has asthma 😷 and GERD.",
			[]want{{"J45.909", "asthma", 0.8, 0.9}, {"K21.9", "GERD", 0.7, 0.8}}, nil},
		{"one per code", "Hypertension. Hypertension, controlled. HTN.",
			[]want{{"I10", "Hypertension", 0.8, 0.9}}, nil},
		{"nothing", "Patient walked to clinic. Vitals unremarkable.", nil, nil},
		{"empty", "", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tb.SuggestText(c.text)
			checkSuggestions(t, tb, c.text, got, BasisText)
			byCode := map[string]Suggestion{}
			for _, s := range got {
				byCode[s.Code.Code] = s
			}
			for _, w := range c.want {
				s, ok := byCode[w.code]
				if !ok {
					t.Errorf("no %s (%q); got %s", w.code, w.evidence, describe(got))
					continue
				}
				if s.Evidence != w.evidence || s.Confidence < w.lo || s.Confidence > w.hi {
					t.Errorf("%s: evidence %q confidence %.2f, want %q in [%.2f, %.2f]", w.code, s.Evidence, s.Confidence, w.evidence, w.lo, w.hi)
				}
			}
			for _, n := range c.not {
				if s, ok := byCode[n]; ok {
					t.Errorf("unwanted %s from %q", n, s.Evidence)
				}
			}
			if len(c.want) == 0 && len(c.not) == 0 && len(got) > 0 {
				t.Errorf("want nothing, got %s", describe(got))
			}
		})
	}
}

// checkSuggestions checks what holds for every suggestion: the code is in
// the table, the offsets are code points into the input and cut out the
// evidence, one suggestion per code, in text order.
func checkSuggestions(t *testing.T, tb *Table, text string, got []Suggestion, basis string) {
	t.Helper()
	runes := []rune(text)
	seen := map[string]bool{}
	for i, s := range got {
		if c, ok := tb.Lookup(s.Code.Code); !ok || c != s.Code {
			t.Errorf("%s not in the table as suggested (%+v)", s.Code.Code, s.Code)
		}
		if s.Start < 0 || s.End > len(runes) || s.Start >= s.End {
			t.Errorf("%s: span [%d, %d) outside %d code points", s.Code.Code, s.Start, s.End, len(runes))
			continue
		}
		if basis == BasisText && string(runes[s.Start:s.End]) != s.Evidence {
			t.Errorf("%s: runes[%d:%d] = %q, evidence %q", s.Code.Code, s.Start, s.End, string(runes[s.Start:s.End]), s.Evidence)
		}
		if s.Confidence <= 0 || s.Confidence > 1 || s.Basis != basis {
			t.Errorf("%s: confidence %v basis %q", s.Code.Code, s.Confidence, s.Basis)
		}
		if seen[s.Code.Code] {
			t.Errorf("%s suggested twice", s.Code.Code)
		}
		seen[s.Code.Code] = true
		if i > 0 && got[i-1].Start > s.Start {
			t.Errorf("suggestions out of text order")
		}
	}
}

func describe(ss []Suggestion) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "[%s %.2f %q] ", s.Code.Code, s.Confidence, s.Evidence)
	}
	if b.Len() == 0 {
		return "nothing"
	}
	return b.String()
}

// Every curated synonym, alone, must come back as its own code: nothing in
// the table's forms or the context cues may shadow it.
func TestSynonymsSuggestTheirCode(t *testing.T) {
	tb := icd(t)
	for _, s := range icd10cmSynonyms {
		got := tb.SuggestText(s.phrase)
		want, _ := tb.Lookup(s.code)
		if len(got) != 1 || got[0].Code != want || got[0].Evidence != s.phrase {
			t.Errorf("%q → %s, want only %s", s.phrase, describe(got), s.code)
		}
	}
}

func TestFamilyHistoryCodesExist(t *testing.T) {
	tb := icd(t)
	for _, c := range tb.codes {
		if !c.Billable || c.Code[0] == 'Z' {
			continue
		}
		if fh := familyHistoryCode(c.Code); fh != "" {
			if z, ok := tb.Lookup(fh); !ok || !z.Billable || !strings.HasPrefix(z.Display, "Family history") {
				t.Fatalf("%s → %s: %+v, %v", c.Code, fh, z, ok)
			}
		}
	}
	for _, c := range bmiCodes {
		if z, ok := tb.Lookup(c); !ok || !z.Billable || !strings.HasPrefix(z.Display, "Body mass index") {
			t.Errorf("BMI code %s: %+v", c, z)
		}
	}
}

func TestBMIBands(t *testing.T) {
	tb := icd(t)
	cases := map[float64]string{5: "", 15.2: "Z68.1", 19.99: "Z68.1", 20: "Z68.20", 24.9: "Z68.24", 32.4: "Z68.32",
		39.9: "Z68.39", 40: "Z68.41", 47: "Z68.42", 55: "Z68.43", 65: "Z68.44", 70: "Z68.45", 90: "Z68.45", 200: ""}
	for v, want := range cases {
		got := ""
		if b := bmiBand(v); b >= 0 {
			got = bmiCodes[b]
		}
		if got != want {
			t.Errorf("BMI %v → %q, want %q", v, got, want)
			continue
		}
		if want != "" {
			z, _ := tb.Lookup(want)
			if !strings.Contains(z.Display, "adult") {
				t.Errorf("%s is %q", want, z.Display)
			}
		}
	}
}

func TestMentionForms(t *testing.T) {
	cases := []struct {
		desc string
		want []string // forms, exact first
	}{
		{"Essential (primary) hypertension", []string{"essential primary hypertension", "essential hypertension"}},
		{"Type 2 diabetes mellitus without complications", []string{"type 2 diabetes mellitus without complications", "type 2 diabetes mellitus", "type 2 diabetes"}},
		{"Migraine, unspecified, not intractable, without status migrainosus", []string{"migraine unspecified not intractable without status migrainosus", "migraine"}},
		{"Abrasion, unspecified hip, initial encounter", []string{"abrasion unspecified hip initial encounter", "abrasion unspecified hip"}},
		{"Benign prostatic hyperplasia without lower urinary tract symptoms", []string{"benign prostatic hyperplasia without lower urinary tract symptoms", "benign prostatic hyperplasia"}},
		{"Chronic kidney disease, stage 3 unspecified", []string{"chronic kidney disease stage 3 unspecified", "chronic kidney disease stage 3", "ckd stage 3"}},
		{"Displaced fracture of shaft of right clavicle, subsequent encounter for fracture with routine healing", nil},
		{"Other specified disorders of bone", nil},
		{"Alzheimer's disease in early onset", []string{"alzheimer disease in early onset"}},
	}
	for _, c := range cases {
		var got []string
		for _, f := range mentionForms(c.desc, true) {
			got = append(got, f.form)
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("mentionForms(%q) = %q, want %q", c.desc, got, c.want)
		}
	}
}

func TestTokenize(t *testing.T) {
	text := "Zoë's BMI 30+; [NAME_1] ?pneumonia 32.5.\nE. coli"
	var got []string
	for _, tk := range tokenize(text) {
		s := fmt.Sprintf("%s@%d-%d/s%d", tk.norm, tk.start, tk.end, tk.sent)
		if tk.placeholder {
			s = "PH" + s
		}
		if tk.plus {
			s += "+"
		}
		if tk.questionBefore {
			s = "?" + s
		}
		got = append(got, s)
	}
	want := "zoë@0-5/s0 bmi@6-9/s0 30@10-12/s0+ PH@15-23/s1 ?pneumonia@25-34/s2 32.5@35-39/s2 e@41-42/s4 coli@44-48/s5"
	if strings.Join(got, " ") != want {
		t.Errorf("tokenize:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// The shared table is used from many goroutines at once (run with -race).
func TestConcurrentSuggest(t *testing.T) {
	tb := icd(t)
	want := describe(tb.SuggestText(benchNote))
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			got := ""
			for range 20 {
				got = describe(tb.SuggestText(benchNote))
			}
			errs <- got
		}()
	}
	for range 8 {
		if got := <-errs; got != want {
			t.Errorf("concurrent result differs:\n%s\n%s", got, want)
		}
	}
}
