package phi

import "testing"

// TestDetectPHIDates119 covers the dates of 1.19.0: months of other
// languages and calendars, dates in other scripts, and English forms the
// rules missed, each beside a look-alike that must stay out. Dates are the
// rules' alone (the tagger reports none), so the rules are tested alone.
// The examples are written for this test.
func TestDetectPHIDates119(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a day and a declined month", "Дата: 15 ноября 2026 г. Родился 3 марта 1930 года.",
			[]want{{"15 ноября 2026", Date}, {"3 марта 1930", Date}}, nil},
		{"Central European and Baltic months", "Datum 15. listopadu 2026, kuupäev 7. jaanuar 2027, data 6 noiembrie 2026, päivä 15. marraskuuta 2026.",
			[]want{{"15. listopadu 2026", Date}, {"7. jaanuar 2027", Date}, {"6 noiembrie 2026", Date}, {"15. marraskuuta 2026", Date}}, nil},
		{"Turkish and Greek months", "Tarih: 15 Kasım 2026. Ημερομηνία 15 Νοεμβρίου 2026.",
			[]want{{"15 Kasım 2026", Date}, {"15 Νοεμβρίου 2026", Date}}, nil},
		{"the year first, Latvian and Lithuanian", "Rīga, 2026. gada 24. novembrī. Vilnius, 2026 m. lapkričio 15 d.",
			[]want{{"2026. gada 24. novembrī", Date}, {"2026 m. lapkričio 15 d.", Date}}, nil},
		{"a month and a year", "Desde marzo de 2025 vive sola. Depuis août 2026. Sie wohnt seit März 2025 allein.",
			[]want{{"marzo de 2025", Date}, {"août 2026", Date}, {"März 2025", Date}}, nil},
		{"a month alone after a word of time in its language", "En enero se mudó. Elle est partie depuis janvier. W marcu wróciła.",
			[]want{{"enero", Date}, {"janvier", Date}, {"marcu", Date}}, nil},
		{"a month that is a name stays a name", "Julio came in with Abril Ortega.", []want{{"Julio", Name}, {"Abril Ortega", Name}}, nil},
		{"a day and a month with no year", "born 14 tevet, at home; hanukkah kislev 16 this year; intake agosto 8.",
			[]want{{"14 tevet", Date}, {"kislev 16", Date}, {"agosto 8", Date}}, nil},
		{"a number before a word that is also a month", "Bought 3 mars bars and 2 mai tais.", nil, []string{"3 mars", "2 mai"}},
		{"Roman numeral months", "Data przyjęcia 15.XI.2026, wypis 3 XII 2026.", []want{{"15.XI.2026", Date}, {"3 XII 2026", Date}}, nil},
		{"CJK and Vietnamese dates", "入院 2026年11月15日。 내원 2026년 11월 15일. Ngày 15 tháng 11 năm 2026.",
			[]want{{"2026年11月15日", Date}, {"2026년 11월 15일", Date}, {"15 tháng 11 năm 2026", Date}}, nil},
		{"a duration in months is no date", "治疗3个月后复查。", nil, []string{"3个月"}},
		{"an apostrophe year", "Last period Mar '24. Seen Nov 15, '26 in clinic.", []want{{"Mar '24", Date}, {"Nov 15, '26", Date}}, nil},
		{"a day and an abbreviated month", "Arrived 4-Sept from Manila.", []want{{"4-Sept", Date}}, nil},
		{"airline dates", "Departs 02NOV26 1940Z, returns 22NOV.", []want{{"02NOV26 1940Z", Date}, {"22NOV", Date}}, nil},
		{"months in a range", "Travelled Jan-Feb 2024. Invoices for Oct/Nov claims. LIVED IN HOME JAN-JUN ONLY.",
			[]want{{"Jan-Feb 2024", Date}, {"Oct/Nov", Date}, {"JAN-JUN", Date}}, nil},
		{"a day or a month joined to a date", "Seen on December 2 and 16. Published NOVEMBER 19 AND 26, 2026. Away in August and September.",
			[]want{{"December 2", Date}, {"16", Date}, {"NOVEMBER 19", Date}, {"26, 2026", Date}, {"August", Date}, {"September", Date}}, nil},
		{"an hour after a date is no day", "Call Nov 20, 4:52 PM or Oct 18 and 10 am.", []want{{"Nov 20", Date}, {"Oct 18", Date}}, []string{"4:52", "10 am"}},
		{"more cues for a month alone", "Repeat VL in 3 months (February). Is owed January rent. MAR for October. The December draft is refunded.",
			[]want{{"February", Date}, {"January", Date}, {"October", Date}, {"December", Date}}, nil},
		{"a month that is a name after a weak cue", "Paid June for the cleaning; thanks for April.", nil, []string{"June", "April"}},
		{"a lower-case march after a word of time", "pantoprazole 40 mg daily since march - no indication. we march on to the clinic.",
			[]want{{"march", Date}}, []string{"march on"}},
		{"ordinals without the", "the employer pays thursday 19th, ok. Pain-free since 17th morning.",
			[]want{{"19th", Date}, {"17th", Date}}, nil},
		{"ordinals that are ranks or floors", "Moved to the 2nd floor on the 3rd attempt. Went from 1st to 5th grade. On fifth try.", nil,
			[]string{"2nd", "3rd", "1st", "fifth"}},
		{"a second ordinal and a month before", "With Delphine on the 20th and 24th. Back in June, the 3rd and 4th.",
			[]want{{"20th", Date}, {"24th", Date}, {"3rd", Date}, {"4th", Date}}, nil},
		{"an ordinal of last month and of a morning", "X-rays done on the 24th of last month; found on the morning of the 3rd after a fall.",
			[]want{{"24th", Date}, {"3rd", Date}}, nil},
		{"a capitalised spelled ordinal is a holiday", "He turned 95 on the Fourth and we owe him a pin.", nil, []string{"Fourth"}},
		{"spoken dates", "DOB six eleven nineteen fifty-eight. Amputation in march twenty twenty four. Born march third\nnineteen ninety one.",
			[]want{{"six eleven nineteen fifty-eight", Date}, {"march twenty twenty four", Date}, {"march third\nnineteen ninety one", Date}}, nil},
		{"lower-case months before a day in chat", "I said appt is dec 4 at 1:30, pickup is may 21. I may 2 more.",
			[]want{{"dec 4", Date}, {"may 21", Date}}, []string{"may 2 more"}},
		{"more time zones and times", "Logged 11/22/2026 08:44 AST. Appt on 27 Nov 9.40am, clinic B.",
			[]want{{"11/22/2026 08:44 AST", Date}, {"27 Nov 9.40am", Date}}, nil},
		{"a short range that ends in a dated day", "shift 11/21-11/22/26 (protocols)", []want{{"11/21", Date}, {"11/22/26", Date}}, nil},
		{"spaced slashes on a form", "DOB: 09 / 14 / 1985    Pt ID", []want{{"09 / 14 / 1985", Date}}, nil},
	})
}

// TestDetectPHIAges119 covers the ages over 89 of 1.19.0: number words of
// other languages where a cue, a word for years or an age in digits
// before them confirms them, the sex glued to "yo", more words for
// years, an ordinal birthday, an age in brackets after a birth date or a
// name, and a second age after "not". The examples are written for this
// test.
func TestDetectPHIAges119(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	runSpanCases(t, b, Hints{}, []spanCase{
		{"Romance number words", "Tiene noventa y dos años. Sa sœur, qui a quatre-vingt-treize ans, vit à côté. Ramon, noranta-un anys.",
			[]want{{"noventa y dos", Age}, {"quatre-vingt-treize", Age}, {"noranta-un", Age}}, nil},
		{"Germanic and Nordic number words", "Zij is drieënnegentig. She is \"nege-en-negentig\" now. Mr. Sjöblom is nittiotre år.",
			[]want{{"drieënnegentig", Age}, {"nege-en-negentig", Age}, {"nittiotre", Age}}, nil},
		{"words that gloss an age in digits", "She is 93 (девяносто три) by the record. Age: 92 / nëntëdhjetë e dy. He said 91 (\"doksan bir\").",
			[]want{{"девяносто три", Age}, {"nëntëdhjetë e dy", Age}, {"doksan bir", Age}}, nil},
		{"number words that count no years", "It costs noventa y dos pesos; noventa personas came.", nil, []string{"noventa y dos", "noventa personas"}},
		{"the sex glued to yo", "Narrative: 95 YOF found by neighbour. HPI: 90 YOM was helping.", []want{{"95", Age}, {"90", Age}}, nil},
		{"more words for years", "Nenek 95 tahun. Hem i 92 yia. 93세 할머니.", []want{{"95", Age}, {"92", Age}, {"93", Age}}, nil},
		{"an ordinal birthday", "We honor Mother Pruitt on her 100th birthday.", []want{{"100th", Age}}, nil},
		{"an age in brackets after a birth date", "Patient: WEINHOLD, ELFRIEDE   DOB: 01/06/1932 (94)   Pt #: EP-003318", []want{{"94", Age}}, nil},
		{"an age in a bracket that goes on", "Her sister Ova Mullins (96, in Leburn) called. For his mother Lesieli Vake, 93) paid.",
			[]want{{"96", Age}, {"93", Age}}, nil},
		{"a second age after not", "lola is 93 not 92, they wrote it wrong.", []want{{"93", Age}, {"92", Age}}, nil},
		{"numbers in brackets that are no ages", "BP (95, 60) odd. Room (92, bed 2).", nil, []string{"95", "92"}},
	})
}
