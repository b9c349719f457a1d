package phi

import "testing"

// TestDetectPHIRules122 covers the rules of 1.22.0: typist codes after a
// signing time, in brackets and in text all in capitals, a nickname
// quoted after a name, a name written again in lower case in a chat, day-first dates with spaced periods, dates with
// blanks for separators and the short month names of other languages,
// each beside a look-alike that must stay out. The rules are tested
// alone; the examples are written for this test.
func TestDetectPHIRules122(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	runSpanCases(t, b, Hints{}, []spanCase{
		{"typist codes after a signing time", "Leta Moss, RN    11/20/2026 15:10    lm/cw\ntranscribed 11/19/2026 08:05 KN/dlb   job 2611",
			[]want{{"lm", Name}, {"cw", Name}, {"KN", Name}, {"dlb", Name}}, nil},
		{"typist codes in a text all in capitals", "ELECTRONICALLY SIGNED C. B. OKAFOR, MD 11/22/2026 11:32    CBO/MS\nSIGNED 19:02   MJO/KS",
			[]want{{"CBO", Name}, {"MS", Name}, {"MJO", Name}, {"KS", Name}}, nil},
		{"a flowsheet's column and units are no typist codes", "08:00   HGB/HCT   9.8/29\n10:30 mg/dl   high\nHCG, QUANT (SERUM)     18,450     MIU/ML",
			nil, []string{"HGB", "HCT", "mg", "dl", "MIU", "ML"}},
		{"a typist code in brackets", "reply from Farrar (FJF/ah): stop aspirin. Registrar (NB/fk typed).",
			[]want{{"FJF", Name}, {"ah", Name}, {"NB", Name}, {"fk", Name}}, nil},
		{"units in brackets are no typist code", "dose 40 (IU/kg) daily", nil, []string{"IU", "kg"}},
		{"a nickname quoted after a name", "Patient: Clement E. Harmony (\"Dutch\")    DOB: 05/11/1944\nNAME: WASHINGTON, ALONZO TERRELL   \"TEE\"   MRN",
			[]want{{"Dutch", Name}, {"TEE", Name}}, nil},
		{"a gloss or a title in quotes is no nickname", "GRANDMOTHER ZORA (\"BABA\" = GRANDMOTHER); Ahmed Kuda (\"Doctor\") came.",
			nil, []string{"GRANDMOTHER", "Doctor"}},
		{"a sender's name in lower case in a chat line", "[24/11/2026, 19:25] Farax Nuur: i sent $300 to fadumo, ref 88.\n[24/11/2026, 19:26] Ubax Maxamed: mahadsanid farax that is the one and only farax i trust",
			[]want{{"Farax Nuur", Name}, {"farax", Name}}, nil},
		{"a label's value in lower case is no chat line", "Dr. Saro Immunoblast reviewed.\nLungs: interstitial edema with scattered immunoblast cells, hyaline membranes",
			nil, []string{"immunoblast cells"}},
		{"day-first dates with spaced periods", "delivered on 19. 11. 2026 but (born 14. 6. 1988) wants", []want{{"19. 11. 2026", Date}, {"14. 6. 1988", Date}}, nil},
		{"dates with blanks between their numbers", "dictated 11 17 2026 14 05\ntyped rcm slash jt 11 18 2026\nDATE OF CURRENT ILLNESS: 07 12 2025",
			[]want{{"11 17 2026 14 05", Date}, {"11 18 2026", Date}, {"07 12 2025", Date}}, nil},
		{"a run of counts is no date", "counts 3 4 2026 5 6 and 13 14 2026", nil, []string{"3 4 2026", "13 14 2026"}},
		{"short month names of other languages with their year", "Visita programada 2 dic. 2026; cita 14 okt 2025; 3 dez. 2026",
			[]want{{"2 dic. 2026", Date}, {"14 okt 2025", Date}, {"3 dez. 2026", Date}}, nil},
		{"short month names without a year are words or names", "1. Ene Saar-Pepper; 3 set of 2; sold out 2026; Gen 2026 model",
			[]want{{"Ene Saar-Pepper", Name}}, []string{"1", "3 set", "out 2026", "Gen 2026"}},
	})
}
