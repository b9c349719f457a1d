package phi

import "testing"

// TestDetectPHIRules123 covers the rules of 1.23.0: the phone words of
// other languages, international numbers with a long subscriber group, a
// second number joined to a first, clock times of other languages after
// a date, the months of other calendars with their year or day, "son of"
// and "daughter of" inside names, dictated punctuation after a name,
// bilingual table headers and their cells, and plates after a state's code
// or "vehicle", each beside a look-alike that must stay out. The rules
// are tested alone; the examples are written for this test.
func TestDetectPHIRules123(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	table := "| Nr. | Emri Mbiemri / Name | HH | Telefoni | Kodi postar / ZIP | Ora |\n|---|---|---|---|---|---|\n" +
		"| 1 | Brisilda Hoxhaj | 5 | 718-555-0190 | 10302 | 10:00 |\n| 2 | Mimoza (first name only) | 2 | none | 10303 | 10:30 |\n"
	runSpanCases(t, b, Hints{}, []spanCase{
		{"phone words of other languages", "Tél. 034 55 512 07 / 032 55 581 40 ; joignable au 033 55 529 16. Handy: 0171 5550 4417",
			[]want{{"034 55 512 07", Phone}, {"032 55 581 40", Phone}, {"033 55 529 16", Phone}, {"0171 5550 4417", Phone}}, nil},
		{"an international number with one long subscriber group", "Faroe: +298 555123; Mary: +993 65 555121",
			[]want{{"+298 555123", Phone}, {"+993 65 555121", Phone}}, nil},
		{"a plus sign before a short number is no phone", "potassium +12 over 3 days, score +4 2026", nil, []string{"+12", "+4"}},
		{"clock times of other languages after a date", "admis le 24/11/2026 10h05; evaluado 20 de noviembre 16h40; dirujuk 24/11/2026 19.30",
			[]want{{"24/11/2026 10h05", Date}, {"20 de noviembre 16h40", Date}, {"24/11/2026 19.30", Date}}, nil},
		{"an amount or a dose after a date is no time", "payé 23/11/2026 20.00 EUR; 23/11/2026 12.50 mg; le 23/11/2026, 10h15",
			[]want{{"23/11/2026", Date}}, []string{"20.00", "12.50", "10h15"}},
		{"months of other calendars with their year or a day", "Month: Aban 1405 (second half); missed 28 Aban - her mother; since 20 Aqrab, she; born Hamal 1403; Kislev 5787",
			[]want{{"Aban 1405", Date}, {"28 Aban", Date}, {"20 Aqrab", Date}, {"Hamal 1403", Date}, {"Kislev 5787", Date}}, nil},
		{"a zodiac month that is a name stays a name", "bed 12 Asad Khan; in Asad we met", []want{{"Asad Khan", Name}}, []string{"bed 12"}},
		{"son of and daughter of inside a name", "her father Mbarek ould Salem arrived; his wife Fatimetou mint Oumar said; Siti binti Ahmad",
			[]want{{"Mbarek ould Salem", Name}, {"Fatimetou mint Oumar", Name}, {"Siti binti Ahmad", Name}}, nil},
		{"mint as a word is no link", "add mint Tea to the list", nil, []string{"mint"}},
		{"dictated punctuation ends a name", "comma goes by sheba period date of birth", []want{{"sheba", Name}}, []string{"period"}},
		{"a bilingual header names its columns, and its words are no PHI", table,
			[]want{{"Brisilda Hoxhaj", Name}, {"10302", Location}, {"Mimoza", Name}, {"10303", Location}},
			[]string{"Emri Mbiemri", "Telefoni", "Kodi", "Ora", "first name only"}},
		{"a header's dates stay dates", "| name | dob | 11/20/2026 | 11/21/2026 |\n|---|---|---|---|\n| Ana Ruiz | 04/11/1988 | 120 | 118 |\n",
			[]want{{"11/20/2026", Date}, {"11/21/2026", Date}, {"Ana Ruiz", Name}, {"04/11/1988", Date}}, nil},
		{"a city column without its state", "| posted | merchant | city / state | amount |\n|---|---|---|---|\n| 11/03 | SQ *GADGETS 4411 | Dalhart TX | $612.40 |\n",
			[]want{{"Dalhart", Location}}, []string{"TX"}},
		{"plates after a state's code or after vehicle", "helper: pickup, OR 221 MNF; tractor #7, OR YKD 418; ambulance from the station, vehicle 5523 A, left",
			[]want{{"221 MNF", Vehicle}, {"YKD 418", Vehicle}, {"5523 A", Vehicle}}, nil},
		{"words, units and model years after vehicle are no plate", "REMAINDER TO VEHICLE 1 AND 2. RV INVOLVEMENT, NS 500 ML BOLUS. TOW VEHICLE: 2015 GMC SIERRA",
			nil, []string{"1 AND 2", "500", "2015 GMC"}},
	})
}
