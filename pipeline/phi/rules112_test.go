package phi

import "testing"

// TestDetectPHIRules112 covers the rules of 1.12.0 (a ZIP code after a
// found place, a legend's initials beside the name they stand for, staff
// columns headed by a credential, US postal towns), each beside the
// look-alikes it must leave alone. The examples are written for this test.
func TestDetectPHIRules112(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		// ZIP codes after a place.
		{"ZIP after a lower-case city", "home: 881 thomas ave, apt 2, st paul 55104 - frogtown", []want{{"55104", Location}}, nil},
		{"ZIP after a lower-case state", "moved to Bayou La Batre al 36509 last spring", []want{{"Bayou La Batre", Location}, {"36509", Location}}, []string{"al"}},
		{"ZIP+4 after a state in lower case", "she lives in Tulsa, ok 74105-2231 now", []want{{"Tulsa", Location}, {"74105-2231", Location}}, []string{"ok"}},
		{"a count after a city is no ZIP", "walks around st paul 10000 steps a day", nil, []string{"10000"}},

		// Legends of initials.
		{"initials before an equals sign and a name", "Techs: rk = Rosa Kim, mp = Mateo Park; JL: Jana Lund.",
			[]want{{"rk", Name}, {"mp", Name}, {"JL", Name}}, nil},
		{"initials after a name and an equals sign", "Checked by Dana Lowe = DL on the sheet", []want{{"DL", Name}}, nil},
		{"labels whose letters match by chance", "Signed MD - Mark Davis and Pt: Paula Tran; Rn: Rita Nolan", []want{{"Mark Davis", Name}, {"Paula Tran", Name}}, []string{"MD", "Pt", "Rn"}},
		{"letters that are not the name's initials", "ok = Mateo Park", nil, []string{"ok"}},

		// Staff columns headed by a credential.
		{"an RN column of a pipe table", "| Date  | Pre wt | UF (L) | RN  |\n|-------|--------|--------|-----|\n| 11/3  | 74.2   | 2.5    | MK  |\n| 11/5  | 73.6   | 2.0    | JL  |",
			[]want{{"MK", Name}, {"JL", Name}}, nil},
		{"a yes/no column under RN is no name", "| Date  | Dose | RN |\n|-------|------|----|\n| 11/3  | 5 mg | Y  |\n| 11/5  | 5 mg | N  |", nil, []string{"Y", "N"}},

		// Unit and grade letters before a sentence are no initials.
		{"a unit or grade letter ends a sentence", "Outside temperature 108 F. He had worked since 6. Tympanograms type A. Acoustic reflexes absent. ON OXYGEN 2 L. REQUESTS TELEPHONIC APPEARANCE. Backup 21.5 D. Lens order placed.",
			nil, []string{"F. He", "A. Acoustic", "L. REQUESTS", "D. Lens"}},
		{"an initial after a number stays a name", "Bed 4 J. Smith; report by T. Okafor", []want{{"J. Smith", Name}, {"T. Okafor", Name}}, nil},

		// US postal towns (GeoNames postal places, 1.12.0).
		{"a hamlet with a post office", "She grew up in Wanblee and moved to Fort Duchesne in 2019.", []want{{"Wanblee", Location}, {"Fort Duchesne", Location}}, nil},
	}
	runSpanCases(t, b, Hints{}, tests)
}
