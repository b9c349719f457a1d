package phi

import (
	"testing"
)

// TestDetectPHISeenRules covers the rules of 1.7.0 (dates without a year,
// national phone numbers, record-number labels, partial numbers, plates,
// Eircodes, eponyms and headings), each with the clinical look-alikes it
// must leave alone. The examples are written for this test.
func TestDetectPHISeenRules(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		// Dates without a year.
		{"short date before a clock time", "Vancomycin trough drawn 3/14 06:00, level 17.", []want{{"3/14 06:00", Date}}, nil},
		{"short date in a schedule column", "Heparin 5000 units SC q8h     3/14 AM      continue", []want{{"3/14", Date}}, nil},
		{"short date in the month of the note's dates", "Admitted 03/12/2026 with sepsis. Line removed 3/15; afebrile since.", []want{{"3/15", Date}}, nil},
		{"day-first date after a cue", "Can you cover my shift on 22/4 please", []want{{"22/4", Date}}, nil},
		{"ordinal day after a preposition", "Her infusion is booked on the 14th, at the day unit.", []want{{"14th", Date}}, nil},
		{"ordinal day after a weekday", "Clinic moved to Tuesday the 9th and again later.", []want{{"9th", Date}}, nil},
		{"spelled ordinal day", "could we do it on the eighteenth instead", []want{{"eighteenth", Date}}, nil},
		{"lower-case month after a cue", "the pain got worse in october and again since june", []want{{"october", Date}, {"june", Date}}, nil},
		{"lower-case march after a day", "rota for 9 march is out", []want{{"9 march", Date}}, nil},
		{"blood pressure is no date", "Seen 03/12/2026. BP 3/4 was misread; BP 12/8 at 08:00 noted.", nil, []string{"3/4", "12/8"}},
		{"scores and fractions are no dates", "Note dated 03/02/2026. Pain 3/10, power 4/5 at the hip, take 1/2 tablet, murmur 2/6 at the apex.", nil, []string{"3/10", "4/5", "1/2", "2/6"}},
		{"short date far from the note's month", "Seen 09/02/2026; strength 4/4 both arms.", nil, []string{"4/4"}},
		{"ordinal of a noun is no date", "Pain on the 2nd floor stairs; by the 5th day better; on the 4th attempt.", nil, []string{"2nd", "5th", "4th"}},
		{"first and second are no days", "On the first and on the second look.", nil, []string{"first", "second"}},
		{"lower-case may is no month", "the pain may ease in may or so", nil, []string{"may ease"}},

		// National telephone numbers.
		{"UK numbers", "Call the ward on 01632 960 118 or her mobile 07700 900123.", []want{{"01632 960 118", Phone}, {"07700 900123", Phone}}, nil},
		{"London and Irish numbers", "Switchboard 020 7946 0321; in Cork 021 555 1234.", []want{{"020 7946 0321", Phone}, {"021 555 1234", Phone}}, nil},
		{"Australian number with area code", "Rooms (02) 9555 0147", []want{{"(02) 9555 0147", Phone}}, nil},
		{"fax after a UK address line", "Tel 0161 555 0198   Fax 0161 555 0199", []want{{"0161 555 0198", Phone}, {"0161 555 0199", Fax}}, nil},
		{"schedule times are no phone", "Paracetamol 1 g at 0600 1200 1800 2400 daily.", nil, []string{"0600 1200 1800 2400"}},
		{"spoken digits after a phone word", "please call me on five five five zero one nine two three", []want{{"five five five zero one nine two three", Phone}}, nil},
		{"counted words are no phone", "one two three four five six seven, breathe out", nil, []string{"one two three"}},

		// Identifiers.
		{"hospital number label", "Hosp No: K1029384", []want{{"K1029384", MRN}}, nil},
		{"unit and UR numbers", "Unit number 0049921; his UR number is 7731220.", []want{{"0049921", MRN}, {"7731220", MRN}}, nil},
		{"hospice ID", "Hospice ID NRH-44120", []want{{"NRH-44120", MRN}}, nil},
		{"CHI and IHI numbers", "CHI number 0101991234; IHI 8003 6012 3456 7890", []want{{"0101991234", ID}}, nil},
		{"medical card number", "medical card number 5521987B", []want{{"5521987B", HealthPlan}}, nil},
		{"GMC and NMC registration", "Reviewed by the FY1, GMC 7012345; agency nurse NMC pin 12A3456E.", []want{{"7012345", License}, {"12A3456E", License}}, nil},
		{"partial SSN", "SSN on file ends in 4471.", []want{{"4471", SSN}}, nil},
		{"partial card", "the card we have ending in 9012 was declined", []want{{"9012", Account}}, nil},
		{"ends in without a number word", "The tube ends in 2 cm of the carina.", nil, []string{"2 cm"}},
		{"UK plate after a vehicle word", "Blue hatchback, reg AB12 CDE, in bay 4.", []want{{"AB12 CDE", Vehicle}}, nil},
		{"Irish plate after car", "His car (211-KY-1234) is in the car park.", []want{{"211-KY-1234", Vehicle}}, nil},
		{"plate shape without a vehicle word", "Sample batch AB12 CDE passed QC.", nil, []string{"AB12 CDE"}},

		// Places.
		{"Eircode on its own line", "Main Street\nCo. Clare\nV95 X2T6", []want{{"V95 X2T6", Location}}, nil},
		{"vertebral level is no Eircode", "Fracture at T12 with L1 wedging.\nT12 L1L2", nil, []string{"T12 L1L2"}},
		{"vital signs are no street", "Obs: HR 88  RR 18  SpO2 97%  T 37.1", nil, []string{"88  RR 18", "RR"}},

		{"Irish county line", "Main Street, Thomastown, Co. Kilkenny", []want{{"Co. Kilkenny", Location}}, nil},
		{"company Co. is no county", "Letter from Brennan & Co. Solicitors about the estate.", nil, []string{"Co. Solicitors"}},

		// Ages over 89 after a kinship word.
		{"kinship word and age", "Dad is 94. Mum was 91 when she died.", []want{{"94", Age}, {"91", Age}}, nil},
		{"kinship word and a weight", "Dad is 95 kg and his wife was 90 minutes late.", nil, []string{"95", "90"}},

		// Precision: eponyms, brands, headings.
		{"eponyms are no people", "Chiari malformation; Dupuytren contracture; Hoffa fat pad; Morison pouch; Schmorl node; Tinel and Phalen signs; Hoehn and Yahr stage 2.",
			nil, []string{"Chiari", "Dupuytren", "Hoffa", "Morison", "Schmorl", "Tinel", "Phalen", "Hoehn", "Yahr"}},
		{"device brands are no people", "Implant: Zimmer NexGen knee; Palacos cement; Bovie cautery; Synvisc injected.", nil, []string{"Zimmer", "NexGen", "Palacos", "Bovie", "Synvisc"}},
		{"headings are no names", "Abdo: soft. Micro: pending.\nHospice Triage Registration", nil, []string{"Abdo", "Micro", "Hospice", "Triage", "Registration"}},
		{"car makes are no names", "Drives a grey Toyota Corolla.", nil, []string{"Toyota", "Corolla"}},
		{"a surgeon named like an eponym still counts after a title", "Operated by Dr. Whipple Jones.", []want{{"Whipple Jones", Name}}, nil},
	}
	runSpanCases(t, b, Hints{}, tests)
}

// TestPhoneCueAtWordBoundary: the last letter of a word ("REF", "Cath")
// is no one-letter phone or fax label, so a catalogue number after it is
// no fax number (it may still be a generic identifier).
func TestPhoneCueAtWordBoundary(t *testing.T) {
	for _, text := range []string{"Tibial tray REF 5511-20-03, LOT pending.", "Cath 14 55 66 77 flushed"} {
		for _, s := range findPhones(text, tokenize(text)) {
			t.Errorf("%q: %s %q found", text, s.Category, text[s.Start:s.End])
		}
	}
	got := findPhones("f: 0161 555 0199", tokenize("f: 0161 555 0199"))
	if len(got) == 0 {
		t.Error("one-letter fax label: nothing found")
	}
	for _, s := range got {
		if s.Category != Fax {
			t.Errorf("one-letter fax label: got %v", got)
		}
	}
}
