package phi

import "testing"

// TestDetectPHIRules113 covers the precision rules of 1.13.0, each beside
// the look-alike that must still be found. The examples are written for
// this test.
func TestDetectPHIRules113(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		// A dictionary word after a role word is the sentence going on.
		{"a verb after a kinship word", "NOTES: HER SISTER TURNS 96 IN MAY. DAUGHTER ASKS FOR A CALL.", []want{{"96", Age}}, []string{"TURNS", "ASKS"}},
		{"an adverb after a strong cue", "If you need a review, call me directly at the desk.", nil, []string{"directly"}},
		{"a given name that is a word stays", "His daughter Mercy drove him; sister Summer Lowe called.", []want{{"Mercy", Name}, {"Summer Lowe", Name}}, nil},
		{"a word before a person's verb", "5. Granddaughter asked about a ride. Accommodations agreed at the meeting.", nil, []string{"Granddaughter", "Accommodations"}},

		// Names inside an institution's name.
		{"a hospital named after a person", "Originating site: Juan F. Luis Hospital emergency department.", nil, []string{"Juan", "Luis"}},
		{"a church's name", "Mount Zion Fellowship weekly prayer list", nil, []string{"Mount Zion"}},
		{"a surname that is a town, before a hospital, is the town", "Dr. Ruth Calais saw him at the Calais Regional Hospital.", []want{{"Ruth Calais", Name}, {"Calais", Location}}, nil},
		{"a name in a column before the next column's label", "Attending: Dr. Gustavo Leal   Hospice MD: Dr. Rebecca Hollis", []want{{"Gustavo Leal", Name}, {"Rebecca Hollis", Name}}, nil},

		// One word before a credential.
		{"an abbreviation before a credential", "PICC removal 11/24 by OPAT RN. Addendum by J. Canegata.", []want{{"J. Canegata", Name}}, []string{"OPAT"}},
		{"initials before a credential stay", "Line checked by MK RN at 0800.", []want{{"MK", Name}}, nil},
		{"a name before a credential stays", "Kofi Mensah, CRNA, gave anesthesia; Okafor RN assisted.", []want{{"Kofi Mensah", Name}, {"Okafor", Name}}, nil},

		// Product names with an inner capital.
		{"products with an inner capital", "Warm-up on the NuStep; exported from PantryTrak; pay by PayNow.", nil, []string{"NuStep", "PantryTrak", "PayNow"}},
		{"family names with an inner capital stay", "Seen with DeShawn McAllister and Marie LeBlanc.", []want{{"DeShawn McAllister", Name}, {"Marie LeBlanc", Name}}, nil},

		// Scores that look like dates.
		{"symptom and effort scores", "Seen 11/17/2026. Borg 3/10 at stage 2. Energy 7/10. Mini-Cog 1/5. 2/6 holosystolic murmur at apex.",
			[]want{{"11/17/2026", Date}}, []string{"3/10", "7/10", "1/5", "2/6"}},

		// Holidays.
		{"a holiday alone is no date", "Cough since Thanksgiving; may travel around Christmas. Seen Christmas Eve 2023.",
			[]want{{"Christmas Eve 2023", Date}}, []string{"Thanksgiving", "Christmas."}},

		// Dates in the shapes of chats, courts and wrapped letters.
		{"a chat timestamp with a one-letter meridiem", "[11/18 7:42a] rn: saw her on 11/16/2026", []want{{"11/18 7:42a", Date}}, nil},
		{"a court's day of the month", "GIVEN UNDER MY HAND THIS 15TH DAY OF DECEMBER, 2026.", []want{{"15TH DAY OF DECEMBER, 2026", Date}}, nil},
		{"a date wrapped over two lines", "Admitted on the 8th\nNovember and discharged on 3rd December\n2026 to home.",
			[]want{{"8th\nNovember", Date}, {"3rd December\n2026", Date}}, nil},
		{"an abbreviated month after a time word", "they moved end of oct. a1c was 9.8 in aug. dec appetite.", []want{{"oct", Date}, {"aug", Date}}, []string{"dec"}},
		{"dates in a file name", "file: tcm_calls_2026-11-16_2026-11-22.csv", []want{{"2026-11-16", Date}, {"2026-11-22", Date}}, nil},
		{"a short date before a bracket", "Seen 11/16/2026. Transfused 1 unit PRBC 11/17 (unit W0417 26).", []want{{"11/17", Date}}, nil},

		// Letters spelled out in a dictation.
		{"a spelled name after a cue", "patient is jonas haugland that's H A U G L A N D first name nels N E L S period",
			[]want{{"H A U G L A N D", Name}, {"nels N E L S", Name}}, nil},
		{"abbreviations dictated letter by letter", "needs M M R and D tap comma consider T B screening comma send to the E D at egleston",
			nil, []string{"M M R", "T B", "E D"}},

		// Short words in capitals that only GeoNames calls towns.
		{"an abbreviation that is also a town", "TB: QuantiFERON ordered (overseas IGRA positive). Lives in Tulsa.", []want{{"Tulsa", Location}}, []string{"IGRA"}},
	}
	runSpanCases(t, b, Hints{}, tests)
}
