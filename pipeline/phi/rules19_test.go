package phi

import (
	"strings"
	"testing"
)

// TestDetectPHIRules19 covers the rules of 1.9.0 (dates read out or typed
// into forms, bare ordinal days, same-month ranges, dates with "@" times,
// extensions and pagers, last-four partials, numbers read out digit by
// digit, age cues), each beside the look-alikes it must leave alone. The
// examples are written for this test.
func TestDetectPHIRules19(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		// Dates read out.
		{"spoken month and day", "X-rays compared to films of September ninth. period.", []want{{"September ninth", Date}}, nil},
		{"spoken date with its year", "date of birth March fourth nineteen fifty two, seen today", []want{{"March fourth nineteen fifty two", Date}}, nil},
		{"spoken date with the and a year", "surgery on November the third twenty twenty six went well", []want{{"November the third twenty twenty six", Date}}, nil},
		{"spoken day of month", "the drain comes out around the first of December. Please call.", []want{{"first of December", Date}}, nil},
		{"spoken number is no date", "March forward, then twenty steps.", nil, []string{"March forward"}},

		// Bare ordinal days.
		{"ordinal day after the", "ceftriaxone for 7 days total, through the 17th.", []want{{"17th", Date}}, nil},
		{"ordinal day range", "I will be out of town from the 20th to the 24th (the conference).", []want{{"20th", Date}, {"24th", Date}}, nil},
		{"ordinal day then a noun", "She is in the 3rd trimester; the 2nd dose is due; the 95th percentile.", nil, []string{"3rd", "2nd", "95th"}},
		{"ordinal of a count", "the 5th of 6 children", nil, []string{"5th"}},

		// Forms and numeric shapes.
		{"month and year", "Lot 3FH227A, exp. 04/2026; repeat 1/2 tablet.", []want{{"04/2026", Date}}, []string{"1/2"}},
		{"boxed date", "24. A. DATE(S) OF SERVICE  07 14 25  97110", []want{{"07 14 25", Date}}, nil},
		{"boxed date with bars", "DOB 04 | 30 | 1988 SEX F", []want{{"04 | 30 | 1988", Date}}, nil},
		// Since 1.23.0 "Tél. portable" is a phone cue and the number a
		// PHONE; it stays no date.
		{"a French phone number is no boxed date", "Tél. portable 06 12 11 25 78 le soir", []want{{"06 12 11 25 78", Phone}}, []string{"le soir"}},
		{"unpadded numbers are no boxed date", "WBC 10 12 15 over three days", nil, []string{"10 12 15"}},
		{"padded day-first date", "Initial contact with worker 30/09 - ok.", []want{{"30/09", Date}}, nil},
		{"day-first date in the note's month", "Certificate dated 14 Nov 2026, covers 14/11 to 28/11.", []want{{"14/11", Date}, {"28/11", Date}}, nil},
		{"same-month range", "CAPS VISITS SEPT 3-6 AND 11/2/2026", []want{{"SEPT 3-6", Date}}, nil},
		{"day-first same-month range", "on leave 12-19 July 2025 and 7 and 8 August", []want{{"12-19 July 2025", Date}, {"7 and 8 August", Date}}, nil},
		{"a duration is no range", "symptoms since Nov 2-3 weeks ago", []want{{"Nov 2", Date}}, []string{"3 weeks"}},
		{"date with a VistA time", "ENTERED: NOV 20, 2026@14:15:22 BY CLERK; 11/20/2026@1402", []want{{"NOV 20, 2026@14:15:22", Date}, {"11/20/2026@1402", Date}}, nil},
		{"date with a comma and no space", "DOB: APR 2,1951", []want{{"APR 2,1951", Date}}, nil},
		{"date and time with a zone", "Call started 11/08/2025 14:22 PT by agent", []want{{"11/08/2025 14:22 PT", Date}}, nil},
		{"lower-case month abbreviation in lower-case text", "got my letter nov 12th, thanks", []want{{"nov 12th", Date}}, nil},
		{"lower-case dec is no month", "Plan: dec 20 mg to 10 mg.", nil, []string{"dec 20"}},

		// Extensions, pagers and partials.
		{"pager alone", "Dr. Brennan (attending). Pager 3390.", []want{{"3390", Phone}}, nil},
		{"extension with a hyphen", "notified at ext 5-2290 at once", []want{{"5-2290", Phone}}, nil},
		{"paged at a number", "lactation paged at 3318 for support", []want{{"3318", Phone}}, nil},
		{"paged at a time", "Surgery paged at 0300 for review", nil, []string{"0300"}},
		{"last four of an SSN in a header", "PATIENT: WARD     LAST 4: 6612     DOB: 1951", []want{{"6612", SSN}}, nil},
		{"last four of a phone", "the last 4 digits of her phone are 0183 if it asks", []want{{"0183", Phone}}, nil},
		{"card and phone endings", "paid with my Visa ending 4417; his phone ending 4418 is off", []want{{"4417", Account}, {"4418", Phone}}, nil},
		{"a year is no partial", "the fiscal year ending 2026 closed", nil, []string{"2026"}},

		// Numbers read out digit by digit.
		// Until 1.20.0 the phone rule took this number for a telephone's
		// (its "number" is a phone word); since 1.20.0 a number read out
		// after an identifier's name is that identifier, here a health card's.
		{"number read to a call centre", "His care card number is nine zero four eight, three one seven, two two six. Okay.", []want{{"nine zero four eight, three one seven, two two six", HealthPlan}}, nil},
		{"number read without a phone word", "Member I D is seven seven four oh two one nine, right.", []want{{"seven seven four oh two one nine", ID}}, nil},
		{"phone read out after reached at", "the daughter can be reached at six one seven five five five oh one four four. period.", []want{{"six one seven five five five oh one four four", Phone}}, nil},
		{"spaced digits", "Ref is 4 4 1 7 0 9 2 on the form", []want{{"4 4 1 7 0 9 2", ID}}, nil},
		{"a countdown is no number", "nine eight seven six five four three two, relax", nil, []string{"nine eight seven"}},

		// Names: initials, registration fields, double-barrelled surnames.
		{"typist code", "DT: 11/04/2026 07:12   Job: 448127   IL/ckw\nEnd of report.", []want{{"IL", Name}, {"ckw", Name}}, nil},
		{"role initials", "Scribe: kt. Technologist: BJH. Waste witnessed by JL.", []want{{"kt", Name}, {"BJH", Name}, {"JL", Name}}, nil},
		{"sign-off initials", "Will keep appointment. Encounter closed. - ksm", []want{{"ksm", Name}}, nil},
		{"initials after by", "Exported 11/23 by kpw\nCollected 10/02  By: wkr   Site: L AC", []want{{"kpw", Name}, {"wkr", Name}}, nil},
		{"words after by are no initials", "Confirmed by tte. Seen by me, then by pcp and by car.", nil, []string{"tte", "me", "pcp", "car"}},
		{"church titles and kinship words stay outside", "Please pray with Pastor Ron Okoye. Grandma Cheryl Ruiz is home; Aunty Hine sends love.", []want{{"Ron Okoye", Name}, {"Cheryl Ruiz", Name}, {"Hine", Name}}, []string{"Pastor", "Grandma", "Aunty"}},
		{"a contraction ends a name", "Thanks to Cheryl Ruiz I'll call back", []want{{"Cheryl Ruiz", Name}}, []string{"I'll"}},
		{"a possessive S is no name", "15. PATIENT'S BIRTH DATE  07 14 25", nil, []string{"S BIRTH"}},
		{"a long title's period ends the sentence", "Pt declines chaplain. Requests quiet.", nil, []string{"Requests"}},
		{"abbreviations are no initials", "Consults: PT/OT\nTechnologist: CT. apixaban 5 mg bid - af\nReviewed: ok", nil, []string{"PT", "OT", "af", "ok"}},
		{"comma name with a month given name", "Progress note.\nPatient: KING, APRIL M     MRN 88812", []want{{"KING", Name}, {"APRIL M", Name}}, nil},
		{"comma name with a word family name", "and the caller HOPE-VASQUEZ, LAUREN M said", []want{{"HOPE-VASQUEZ", Name}, {"LAUREN M", Name}}, nil},
		{"hyphenated surname after an initial", "Reviewed by Dr. R. Singh-Abernathy on the ward.", []want{{"R. Singh-Abernathy", Name}}, nil},
		{"hyphenated firm stays a firm", "Letter from Kline-Smith about the estate.", nil, []string{"Kline-Smith"}},

		// Scanned and charted dates.
		{"OCR letters in a date", "DOB: O8/14/1953. Surgery on 1l/03/2026 went well.", []want{{"O8/14/1953", Date}, {"1l/03/2026", Date}}, nil},
		{"OCR does not touch words", "Oct visit; weight 2 lb; O2 sat 94%", nil, []string{"O2"}},
		{"24-hour time after a date", "EMS arrival 04/19/2026 0655, departed", []want{{"04/19/2026 0655", Date}}, nil},
		{"a table's next column is no time", "09/15/2026   0450  99284   ED visit", []want{{"09/15/2026", Date}}, []string{"0450"}},
		{"a dose is no time", "Admitted 03/12/2026. Heparin 3/14 1000 units", nil, []string{"1000"}},
		{"ordinal day then and", "Cr peaked at 2.1 on the 5th and was 1.4 at discharge", []want{{"5th", Date}}, nil},

		// More dates and identifiers.
		{"short-date range", "therapy notes 10/6-10/30; FMLA year 1/1 - 12/31", []want{{"10/6", Date}, {"10/30", Date}, {"1/1", Date}, {"12/31", Date}}, nil},
		{"visual acuity range is no date range", "VA 20/20-20/40 both eyes", nil, []string{"20/20"}},
		{"ISO date-time", "voicemail received 2026-11-23T08:00:14-06:00 from", []want{{"2026-11-23T08:00:14-06:00", Date}}, nil},
		{"a table row's date", "Total    1\n09/15   0450  99284   ED visit", []want{{"09/15", Date}}, nil},
		{"a mixed number is no date", "take 1 1/2 tablets", nil, []string{"1/2"}},
		{"letter codes", "Screening ID R-4471, referral INT-0622, ref QX7-22K9; claim form CMS-1500 for FY-2026.", []want{{"R-4471", ID}, {"INT-0622", ID}, {"QX7-22K9", ID}}, []string{"CMS-1500", "FY-2026"}},
		{"code after a CSV number", "S04-0118,HF-04-0087,M", []want{{"HF-04-0087", ID}}, nil},
		{"handles", "posted by ballarat_bec · 3 dec\n  jj_alvarado92: love u sis\n  kern.county.mama: so strong\nVenmo: @kia-thao88", []want{{"ballarat_bec", ID}, {"jj_alvarado92", ID}, {"kern.county.mama", ID}, {"kia-thao88", ID}}, nil},
		{"field names are no handles", "first_name: Ana\nremote_addr: 198.51.100.7\nuser_agent: Mozilla", nil, []string{"first_name", "remote_addr", "user_agent"}},
		{"e-mail is no handle", "write to jo.ann.lee@example.com today", []want{{"jo.ann.lee@example.com", Email}}, nil},

		// Precision: part labels, susceptibilities, drug brands.
		{"pathology part labels", "Specimens:\nA. Sigmoid colon, resection\nB. Distal margin", nil, []string{"A. Sigmoid", "B. Distal"}},
		{"susceptibility results", "Ampicillin R\nCeftriaxone R\nCefepime S", nil, []string{"Ampicillin", "Cefepime"}},
		{"drug brands", "Started Zofran and Bactrim; home Spiriva Respimat.", nil, []string{"Zofran", "Bactrim", "Spiriva"}},
		{"an initial and a surname at a line start", "Signed:\nR. Oyelaran, MD", []want{{"R. Oyelaran", Name}}, nil},

		// Counties and tables.
		{"counties and parishes", "filed in Washtenaw County probate court; raised in Lafourche Parish. The County agreed.", []want{{"Washtenaw County", Location}, {"Lafourche Parish", Location}}, []string{"The County"}},
		{"county in capitals", "DEPUTY FROM GARFIELD COUNTY RESPONDED; TRANSPORTED FROM SAN BERNARDINO COUNTY.", []want{{"GARFIELD COUNTY", Location}, {"SAN BERNARDINO COUNTY", Location}}, nil},
		{"tests and languages are no towns", "MoCA 24/30 today. Speaks English; to PACU after.", nil, []string{"MoCA", "English", "PACU"}},
		{"a form's next column is no street", "DISPATCH 0214   ENROUTE 0215   SCENE 0229", nil, []string{"0214", "ENROUTE"}},
		{"Australian Medicare number with its IRN", "Medicare number 2953 17482 1 on file", []want{{"2953 17482 1", HealthPlan}}, nil},
		{"a state's name in a county", "EMS from Texas County responded", []want{{"Texas County", Location}}, nil},
		{"numbered roads", "From Kyle take BIA 2 east; patient on County Road 12, then on Highway 17 at dawn, off Mile 17 North; take KY 160 to the creek.", []want{{"BIA 2", Location}, {"County Road 12", Location}, {"Highway 17", Location}, {"Mile 17 North", Location}, {"KY 160", Location}}, nil},
		{"numbers that are no roads", "CR 64, route 2 of administration, mile 17 of the run", nil, []string{"CR 64", "route 2", "mile 17"}},
		{"CSV columns named by the header", "screen_no,initials,sex,zip,notes\nS04-0118,J.R.,M,97217,\"baseline 6MWT 312 m\"\nS04-0119,MTN,F,N/A,ok", []want{{"J.R.", Name}, {"97217", Location}, {"MTN", Name}}, []string{"312", "N/A"}},
		{"pipe table", "| participant | city | phone |\n| HF-1 | Garland | 214-555-0190 |", []want{{"Garland", Location}, {"214-555-0190", Phone}}, nil},
		{"a sentence is no header", "Bring your name, address, phone.\nAsk at desk, floor 2, room 4", nil, []string{"floor 2", "room 4"}},

		// Ages.
		{"age after she's", "my nan is doing fine, she's 93 and sharp", []want{{"93", Age}}, nil},
		{"age after lived to", "mother lived to 94; father died at 61", []want{{"94", Age}}, []string{"61"}},
	}
	runSpanCases(t, b, Hints{}, tests)
}

// TestDocCaseToleratesCodes: a lower-case chat stays lower case with a
// code or one shouted word in it, and a mixed-case note stays mixed.
func TestDocCaseToleratesCodes(t *testing.T) {
	chat := strings.Repeat("ok so the nurse said she would come by after lunch and check the dressing again ", 3)
	tests := []struct {
		name, text string
		want       byte
	}{
		{"plain lower case", chat, 'l'},
		{"lower case with a code and ER", chat + "auth IN23K08812-B, went to the ER", 'l'},
		{"short lower case", "all lower case words here", 'l'},
		{"mixed case", "The nurse said she would come by after lunch. Dr. Patel agreed.", 'm'},
		{"lower case with several names capitalised", chat + "Ana and Luis and Marco came", 'm'},
		{"capitals with a unit", strings.Repeat("PATIENT SEEN IN CLINIC TODAY FOR FOLLOW UP OF HER KNEE. ", 5) + "10 mg", 'u'},
	}
	for _, tt := range tests {
		if got := docCase(tt.text); got != tt.want {
			t.Errorf("%s: docCase = %q, want %q", tt.name, got, tt.want)
		}
	}
}
