package phi

import "testing"

// TestDetectPHIRules121 covers the rules of 1.21.0: dates (ranges of days,
// day-first short dates, months with their year in numbers, holidays of
// more communities, a lone month's name, more words after an ordinal day),
// ages over 89 by their place in the sentence and written again, aligned
// table columns, places (a ZIP code read out, roads in lower case and
// read out, coordinates) and a forum's senders, each beside a look-alike
// that must stay out. The rules are tested alone; the examples are
// written for this test.
func TestDetectPHIRules121(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a range of days before their month", "Notes copied 23-24/11/2026; nights 20-23/12. Holter (12.-14.11.2026, recorder",
			[]want{{"23", Date}, {"24/11/2026", Date}, {"20", Date}, {"23/12", Date}, {"12", Date}}, nil},
		{"a range of scores or doses is none", "pain 2-3/10, doses 1-2/4, BP 120-130/80.", nil, []string{"2-3/10", "1-2/4", "120-130/80"}},
		{"the first day of a range in other languages", "del 14 al 16 de diciembre; du 27 au 29 novembre; marejada del 2 y 3 de noviembre",
			[]want{{"14", Date}, {"27", Date}, {"2", Date}}, nil},
		{"a numeric date's month is no day of a range", "call 1 - 11/21 18:42\ncall 2 - 11/21 20:10", nil, []string{"call 1", "call 2"}},
		{"day-first short dates by a heading, a time or a weekday", "ECG 19/11: FA lenta. Traslado el lunes 23/11 a las 8:00; eta nukulaelae 21/11 am.",
			[]want{{"19/11", Date}, {"23/11", Date}, {"21/11", Date}}, nil},
		{"half a tablet in the morning is no date", "take 1/2 am and 1/2 pm", nil, []string{"1/2 am", "1/2 pm"}},
		{"a day and month with dots after a cue", "weight 81.4 (it was 78.9 on 10.11.). Road closed by a rockfall on 15.11.",
			[]want{{"10.11", Date}, {"15.11", Date}}, []string{"81.4", "78.9"}},
		{"a month with its year in numbers", "knee replacement (2019-03), previous (03.2025), File: leave_2026-11.pdf",
			[]want{{"2019-03", Date}, {"03.2025", Date}, {"2026-11", Date}}, nil},
		{"decimals that hold a year and a month are none", "pH 7.2026 and ratio 3.2026-11 today; see section 12.2026-11.",
			nil, []string{"7.2026", "3.2026-11", "12.2026-11"}},
		{"holidays with their year", "Confirmed Palm Sunday 1941; off thanksgiving twenty twenty six; born on the Feast of the\nAssumption, 1932; Pesach 2027.",
			[]want{{"Palm Sunday 1941", Date}, {"Feast of the\nAssumption, 1932", Date}, {"Pesach 2027", Date}}, nil},
		{"a holiday without its year is every year's", "We close for Pesach and Palm Sunday.", nil, []string{"Pesach", "Palm Sunday"}},
		{"a month's name alone", "staying until at least December: then home. The December\ndraft is refunded; not September.",
			[]want{{"December", Date}, {"September", Date}}, nil},
		{"a month's name in a name is none", "the November Project and Club October met.", nil, []string{"November", "October"}},
		{"an ordinal day before more words", "the assessment is on the 19th with someone; Hgb on the 22nd not drawn.",
			[]want{{"19th", Date}, {"22nd", Date}}, nil},
		{"an ordinal before a noun is none", "on the 2nd floor, for the 3rd time.", nil, []string{"2nd", "3rd"}},
		{"ages by their place in the sentence", "At 91, with eGFR 41, glipizide is a poor fit. At 95 she still cut the dough. Harlan passed in August at\n   96. Client 92, lives alone. \"homebound, 93, granddaughter\"; elder - 91 - teaches",
			[]want{{"91", Age}, {"95", Age}, {"96", Age}, {"92", Age}, {"93", Age}}, nil},
		{"'at' a measure is no age", "Titrated to 95 at 3 pm; sats at 94, on 2L; heart rate at 92 bpm; at 100 mg daily.",
			nil, []string{"95", "94", "92", "100"}},
		{"an adverb between the cue and the age", "he's actually 90 since oct 2", []want{{"90", Age}}, nil},
		{"an age written again", "mama is ninety seven yall. being confused at 4am at 97 is allowed. she is 92 and i wrote 92.",
			[]want{{"97", Age}, {"92", Age}}, nil},
		{"a repeated number is no age after a measure's word", "She is 94. HR 94, sats 94%, room 94.", []want{{"94", Age}}, []string{"HR 94", "sats 94", "room 94"}},
		{"an aligned table's age column", "LINE  NAME                  RELATION   DOB          AGE  INCOME SOURCE\n1     FRANK, LILLIAN M     SELF       03/14/1934   92   SSA\n2     FRANK, DELBERT J     SON        07/02/1961   65   WAGES",
			[]want{{"92", Age}, {"03/14/1934", Date}}, []string{"65"}},
		{"a ZIP code read out after its town", "Northeast Glisan, Portland, nine seven two one three period", []want{{"nine seven two one three", Location}}, nil},
		{"roads in lower case and read out", "the road on highway 96 closed; fell on hwy 169; we drove out route 1; on highway thirty one period",
			[]want{{"highway 96", Location}, {"hwy 169", Location}, {"route 1", Location}, {"highway thirty one", Location}}, nil},
		{"interstates after a word of driving", "crash off I-475 southbound; snow on US-54 near town", []want{{"I-475", Location}, {"US-54", Location}}, nil},
		{"a bus route, an arrival record and an isotope are no roads", "the bus driver on route 61 knows; DOB as on I-94; treated with I-131.",
			nil, []string{"route 61", "I-94", "I-131"}},
		{"coordinates", "fix at 38.4162, -79.8297, 30 m from house. GPS 17.6298 N, 61.8127 W.",
			[]want{{"38.4162, -79.8297", Location}, {"17.6298 N, 61.8127 W", Location}}, nil},
		{"two lab values are no coordinates", "SG 1.0150, 1.0200 on repeat.", nil, []string{"1.0150, 1.0200"}},
		{"a forum's senders after a date", "[14 Nov 2026] hanoi_huong: how long does it take?\n[15 Nov 2026] tanaka.f: My father moved",
			[]want{{"hanoi_huong", Name}, {"tanaka.f", Name}}, nil},
	})
}
