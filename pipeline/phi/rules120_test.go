package phi

import "testing"

// TestDetectPHIIdentifiers120 covers the identifiers of 1.20.0: values
// with a prefix of capitals, masked and partial numbers, IBANs and plates,
// other countries' social insurance numbers, logins, badges, slash
// references and identifiers read out in dictation, each beside a
// look-alike that must stay out. Identifiers are the rules' (the tagger's
// ID class only backs them up), so the rules are tested alone. The
// examples are written for this test.
func TestDetectPHIIdentifiers120(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a plan's letters before the number", "Policy: AZP 88 019 442. Member ID W 88120 4471 on file.",
			[]want{{"AZP 88 019 442", HealthPlan}, {"W 88120 4471", HealthPlan}}, []string{"Policy", "Member ID"}},
		{"a state's letters before a licence", "DL: AR 930447182\nDr Faith Oduya, HPCSA MP 0614472",
			[]want{{"AR 930447182", License}, {"MP 0614472", License}}, []string{"DL:", "HPCSA"}},
		{"a second key is no prefix", "Medicare MBI 1EG4TE5MK73, MA license no. 241870.",
			[]want{{"1EG4TE5MK73", HealthPlan}, {"241870", License}}, []string{"MBI", "MA license"}},
		{"a short word between key and number", "pension id no 3306150421084 on the old card; ID No 12345.",
			[]want{{"3306150421084", ID}, {"12345", ID}}, []string{"id no", "ID No"}},
		{"a year after a key is no value", "You also had a claim in 2019 for a back sprain.", nil, []string{"2019"}},
		{"an Australian Medicare card's reference", "Medicare: 4417 52093 1/3", []want{{"4417 52093 1/3", HealthPlan}}, nil},
		{"a masked SSN whole", "SSN (last four): XXX-XX-0417", []want{{"XXX-XX-0417", SSN}}, nil},
		{"masked card and account numbers", "card 5168 **** **** 2291; deposit to the account on file, xxxxxx2290.",
			[]want{{"5168 **** **** 2291", Account}, {"xxxxxx2290", Account}}, nil},
		{"a placeholder before a year is no number", "Date signed: xxxx 2024; year ...2026.", nil, []string{"2024", "2026"}},
		{"the last four in other words", "Social Security number (last 4 only): 8814. His Social Security last four, 2209, will do. Seguro Social (últimos 4): 3094",
			[]want{{"8814", SSN}, {"2209", SSN}, {"3094", SSN}}, nil},
		{"a number that ended, across a line", "HIS SOCIAL SECURITY NUMBER IS ON FILE UNDER SEAL AND\n   ENDS IN 7719. His Social Security number ended 4471.",
			[]want{{"7719", SSN}, {"4471", SSN}}, nil},
		{"an IBAN with wrong check digits", "Refund IBAN CY21 0020 0195 0000 3570 4471 9028; to Kristoffer Bakke, NO41 1503 4471 902.",
			[]want{{"CY21 0020 0195 0000 3570 4471 9028", Account}, {"NO41 1503 4471 902", Account}}, nil},
		{"an IBAN's shape with a wrong length or country", "Printed on DE12 3456 7890 12 paper, XY12 3456 7890 1234 5678 00 ink.", nil, []string{"DE12 3456 7890 12", "XY12 3456 7890 1234 5678 00"}},
		{"a benefit card", "EBT card: 5077 1901 4412 0093", []want{{"5077 1901 4412 0093", Account}}, nil},
		{"social insurance numbers of other countries", "AHV number 756.4471.0932.18; SNILS 112-447-190 28; NIB no.: N 077 418 32.",
			[]want{{"756.4471.0932.18", SSN}, {"112-447-190 28", SSN}, {"N 077 418 32", SSN}}, nil},
		{"plates after 'plate' and in other languages", "2008 Ford F-150, plate NM 514 RKD. Taxi (immatriculation\nAN 4417 K). Tablilla del vehículo: JBK-471",
			[]want{{"NM 514 RKD", Vehicle}, {"AN 4417 K", Vehicle}, {"JBK-471", Vehicle}}, nil},
		{"bone and lab plates are no vehicle's", "Volar plate AB 4417 applied; growth plate 12345 intact; blood agar plate BA 2231.",
			nil, []string{"AB 4417", "12345", "BA 2231"}},
		{"logins on print-outs and dictations", "Printed 11/18/2026 10:42 by bolkeriil\nPRINTED BY JRAINEY\nrun_by=svc_coumadin_rpt\nAuthor ID AWHIT02, dictator badhikari",
			[]want{{"bolkeriil", ID}, {"JRAINEY", ID}, {"svc_coumadin_rpt", ID}, {"AWHIT02", ID}, {"badhikari", ID}}, nil},
		{"words after 'by' are no login", "Printed by EPIC. Taken by mouth. Authorization expires soon.", nil, []string{"EPIC", "mouth", "ization"}},
		{"badge numbers", "REPORTING OFFICER: D. BANKS #4417   SUPERVISOR: SGT M. KING #2903",
			[]want{{"4417", ID}, {"2903", ID}}, nil},
		{"references joined by slashes", "Entry No. WA/D/2026/44817; complaint GRV/26/11/004417.",
			[]want{{"WA/D/2026/44817", ID}, {"GRV/26/11/004417", ID}}, nil},
		{"slashes without a reference", "HIV/HCV/HBV negative; SSR DOCS HK1/DB/F/P1.", nil, []string{"HIV/HCV/HBV", "HK1/DB/F/P1"}},
		{"a CSV row's code before a date", "TC-30417,2026-11-17T10:04,reached", []want{{"TC-30417", ID}}, nil},
		{"identifiers read out after their name", "medical record number c r h four four zero nine one seven, date of service. His member ID is W as in water, eight eight four, two two zero, one nine three. Lot number\nc f seven seven two one b period",
			[]want{{"c r h four four zero nine one seven", MRN}, {"W as in water, eight eight four, two two zero, one nine three", HealthPlan}, {"c f seven seven two one b", Device}}, nil},
		{"a count or a telephone read out is no identifier", "the number is one two three four please; call back number five five five oh one four four.",
			nil, []string{"one two three four"}},
	})
}
