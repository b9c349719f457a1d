package phi

import (
	"slices"
	"strings"
	"testing"
)

// TestDetectPHIRules114 covers the rules of 1.14.0, each beside the
// look-alike that must stay out. The examples are written for this test.
func TestDetectPHIRules114(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		// Towns made of English words, where the sentence says place.
		{"a town of English words after a cue", "Transplant packet sent to the center in Saint Cloud today. She will study in State College.",
			[]want{{"Saint Cloud", Location}, {"State College", Location}}, nil},
		{"the same words naming an organisation or after at", "Bazaar at Sacred Heart on Sunday; hoodie from Red Cloud school.",
			nil, []string{"Sacred Heart", "Red Cloud"}},
		{"town words in lower case or capitals are left to the tagger's context", "office in lake wales; THE PLAN IN STATE COLLEGE", nil, []string{"PLAN"}},

		{"a town in lower case after a place of care and in", "the pharmacy in crescent city didnt have it. the clinic in town said no. the store in spring is closed.",
			[]want{{"crescent city", Location}}, []string{"town", "spring"}},

		// A log's clock times are no house numbers.
		{"a log's times at the start of its lines", "0700  FIRST CROSSING FROM THE LANDING.\n0748  INCIDENT ON RAMP. LOADING STOPPED.\n",
			nil, []string{"0700  FIRST CROSSING", "0748  INCIDENT"}},
		{"a house number with a leading zero stays", "Send it to 0538 15 Millicent Drive, Muel.", []want{{"0538 15 Millicent Drive, Muel", Location}}, nil},

		// The senders of a chat export.
		{"senders of a WhatsApp export", "[11/20/26, 9:14:03 PM] oyuka: ok everyone, papers are due monday\n[11/20/26, 9:16:11 PM] bataa: ok what do u need\n" +
			"20/11/26, 06:41 - djeca lima: bon dia\n20/11/26, 07:10 - +238 555 12 34: número novo",
			[]want{{"oyuka", Name}, {"bataa", Name}, {"djeca lima", Name}}, []string{"ok everyone", "bon dia"}},
		{"a sender's title, role and employer stay out", "[14:40] dr. reyes: bp is up\n[14:41] nurse kari haugland: will recheck\n[14:42] shay (case mgmt): ride booked\n[14:43] pharmacy 5e: sent\n[14:44] System: message deleted",
			[]want{{"reyes", Name}, {"kari haugland", Name}, {"shay", Name}}, []string{"dr.", "nurse", "case mgmt", "pharmacy 5e", "System"}},
		{"one time stamp is no chat", "[14:40] Note: bring the forms.", nil, []string{"Note"}},

		// A legend's equals sign makes even a credential's letters a person.
		{"initials in brackets after a name and its role", "Signed: Joan L. Bouchard, HR generalist (jlb)   Glen Ouellette, field manager (GO)",
			[]want{{"jlb", Name}, {"GO", Name}}, []string{"HR generalist"}},
		{"initials ending a log line after a sentence", "11/02/26 09:40  Photos rec'd by email. Corrected. GMR\n11/04/26  Recorded stmt. GMR/tk\nPatient seen in clinic. DOB\nCT chest. DLP",
			[]want{{"GMR", Name}, {"tk", Name}}, []string{"DOB", "DLP"}},
		{"initials after witnessed", "SIGNED WITH HER MARK, WITNESSED AY.", []want{{"AY", Name}}, nil},
		{"a role in brackets is no initials", "Dana Mason, charge nurse (ED) called.", nil, []string{"ED"}},
		{"a credential after a name stays out", "Key: MD = Mason Dvorak. Read by Hope Farve, MD.",
			[]want{{"MD", Name}, {"Mason Dvorak", Name}, {"Hope Farve", Name}}, []string{", MD"}},
		{"a label with a colon is no legend", "MD: Mark Davis reviewed the chart.", []want{{"Mark Davis", Name}}, []string{"MD:"}},

		// Ages after a name, dates in ranges.
		{"an age after a name", "Sick & shut-in: Mother Odessa Pruitt, 97, at home. Mr Tan (93) was referred; mrs kowalski, shes 92 and cant drive.",
			[]want{{"97", Age}, {"93", Age}, {"92", Age}}, nil},
		{"a number after a name that is no age", "Attn: John Smith, 101 pages faxed. Dr. Okafor (ext 95) called. Ana Ruiz, 45, lives alone.", nil, []string{"101", "95", "45"}},
		{"two dates joined by a hyphen", "Dates of service 9/8/2026-9/29/2026.", []want{{"9/8/2026", Date}, {"9/29/2026", Date}}, nil},
		{"the first day of a range", "Certification covered 6/1 through 11/30.", []want{{"6/1", Date}, {"11/30", Date}}, nil},
		{"fractions and scores in a range are no dates", "Take 1/2 to 3/4 cup. Pain 3/10 to 5/10 after the walk.", nil, []string{"1/2", "3/4", "3/10", "5/10"}},
		{"a column of routes is no person", "Ondansetron 4 mg         IV\nAcetaminophen 650 mg     PO\nHeparin 5000 u           SC\n", nil, []string{"IV", "PO", "SC"}},
	}
	runSpanCases(t, b, Hints{}, tests)

	// Every occurrence of the letters, not just one, must be the person's.
	everywhere := []struct{ name, text, letters string }{
		{"a legend's credential letters in every row", "Staff key: KR = Kari Rausch RN, MD = Mason Dvorak EP.\n" +
			"1,67,HFrEF,6,MD,wt up 1.1 kg\n2,54,angina,3,MD,stable\nRow 3: MD reviewed", "MD"},
		{"a credential's letters in a column of initials", "03:42  CPR STARTED, NO PULSE ON MONITOR          TH\n" +
			"03:43  PADS ON. SHOCK 1, 200 J                   KB\n" +
			"03:44  CPR RESUMED. BVM WITH O2 15 L             DJ\n" +
			"03:46  EPINEPHRINE 1 MG IO GIVEN                 KB/NP\n" +
			"03:48  AMIODARONE 300 MG IO GIVEN                NP\n" +
			"03:55  ORGANIZED RHYTHM, PULSE PRESENT          AF\n", "NP"},
	}
	for _, tc := range everywhere {
		t.Run(tc.name, func(t *testing.T) {
			spans, err := b.Detect(t.Context(), tc.text, Hints{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for i := strings.Index(tc.text, tc.letters); i >= 0; i = nextIndex(tc.text, tc.letters, i) {
				n++
				if !slices.ContainsFunc(spans, func(s Span) bool { return s.Category == Name && s.Start <= i && s.End >= i+len(tc.letters) }) {
					t.Errorf("%q at %d is not in a name: %s", tc.letters, i, describe(tc.text, spans))
				}
			}
			if n < 2 {
				t.Fatalf("test bug: %q occurs %d times", tc.letters, n)
			}
		})
	}
}

// nextIndex returns the index of sub in s after the one at i, or -1.
func nextIndex(s, sub string, i int) int {
	j := strings.Index(s[i+len(sub):], sub)
	if j < 0 {
		return -1
	}
	return i + len(sub) + j
}

// TestWordCompound checks the guard that keeps the tagger's hyphenated
// dictionary words out of names and places.
func TestWordCompound(t *testing.T) {
	b := newTestBuiltin(t)
	for _, tc := range []struct {
		word string
		want bool
	}{
		{"L-spine", true},
		{"Cold-chain", true},
		{"Non-contrast", true},
		{"Jean-Robert", false},
		{"Smith-Jones", false},
		{"Oct-Nov", false},
		{"Walker-Tapsell", false},
		{"Okafor", false},
	} {
		if got := b.wordCompound(tc.word); got != tc.want {
			t.Errorf("wordCompound(%q) = %v, want %v", tc.word, got, tc.want)
		}
	}
}
