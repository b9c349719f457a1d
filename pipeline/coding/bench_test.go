package coding

import (
	"strings"
	"testing"
)

// benchNote is a synthetic redacted progress note (no real patient), about
// 1.6 KB, with the mix a note has: vault tokens, abbreviations, negations,
// family history, numbers and plain prose that matches nothing.
const benchNote = `[NAME_1] is a [AGE_1] year old seen on [DATE_3] for follow-up of HTN, T2DM and CKD stage 3a.
Interval history: reports intermittent headache and fatigue. Denies chest pain, shortness of breath, palpitations or fever.
No history of stroke or TIA. Possible sleep apnea; snores per spouse, STOP-BANG 5, sleep study ordered.
PMH: hyperlipidemia, GERD, osteoarthritis of the knee, obesity with BMI 34.2, major depressive disorder, well controlled on sertraline.
Family history: mother had breast cancer, father with coronary artery disease. Former smoker, quit 10 years ago, no alcohol use.
Exam: BP 148/92, HR 78, lungs clear, no edema, mild crepitus of the right knee with reduced range of motion.
Labs on [DATE_4]: A1c 7.9, creatinine 1.4, eGFR 52, LDL 131. Urinalysis negative for urinary tract infection.
Assessment and plan: type 2 diabetes mellitus with hyperglycemia, increase metformin; essential hypertension, start lisinopril;
chronic kidney disease stage 3 due to diabetes, refer to nephrology; pneumonia was ruled out on chest X-ray last month.
Return to clinic in three months or sooner if symptoms worsen. Counseled on diet, exercise and medication adherence.
`

func BenchmarkSuggestText(b *testing.B) {
	tb := icd(b)
	text := strings.Repeat(benchNote, 40) // ~64 KB: a long document
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if len(tb.SuggestText(text)) == 0 {
			b.Fatal("no suggestions")
		}
	}
	// MB per CPU second: with -cpu 1 this is the rate of one core whatever
	// else the machine runs (the ns/op and MB/s above are wall clock).
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)*float64(len(text))/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

func BenchmarkICD10CMBuild(b *testing.B) {
	for b.Loop() {
		if _, err := parseICD10CM(icd10cmGz); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchNoteSuggestions(t *testing.T) {
	tb := icd(t)
	got := tb.SuggestText(benchNote)
	checkSuggestions(t, tb, benchNote, got, BasisText)
	t.Logf("%s", describe(got))
}
