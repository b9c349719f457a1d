package phi_test

import (
	"cmp"
	"context"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// TestAddressFormats checks the address and phone forms added in 1.3.0:
// each want is a stretch that one span of the category must cover, each
// not one that no span may touch.
func TestAddressFormats(t *testing.T) {
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, text string
		cat        phi.Category
		want, not  []string
	}{
		{"intersection is one place", "She lives at the corner of Elm Street and Oak Avenue.", phi.Location,
			[]string{"Elm Street and Oak Avenue"}, []string{"corner"}},
		{"building number before a numbered street", "Send it to 9554 62 Rue Gafsa Apt. 981\nToronto", phi.Location,
			[]string{"9554 62 Rue Gafsa Apt. 981", "Toronto"}, nil},
		{"region code and postal code mid-sentence", "Meet me at 25615 Tawastintie 72 Apt. 004\nKNIVSTA, nan 18237 after the concert.", phi.Location,
			[]string{"nan", "18237"}, []string{"after"}},
		{"fourth block line after a nationality", "583 Magrethevej 298\n Apt. 123\n Qasigiannguit\n Greenlander 07609", phi.Location,
			[]string{"Apt. 123", "Qasigiannguit", "07609"}, []string{"Greenlander"}},
		{"town on the street's line", "The letter went to 6400 12 Timms Drive Suite 215 NUNGATTA Australia last week.", phi.Location,
			[]string{"NUNGATTA"}, []string{"Australia", "last"}},
		{"post town above the country", "Przemek Kucharski\n\nALFRICK\nUnited Kingdom", phi.Location,
			[]string{"ALFRICK"}, []string{"United"}},
		{"address on the line after its label", "Address:\n947 trg revolucije 17 apt. 858 begunje na gorenjskem slovenia.", phi.Location,
			[]string{"947 trg revolucije 17 apt. 858 begunje na gorenjskem"}, []string{"slovenia"}},
		{"lower-case continental street", "770 26 rue des lieutenants Thomazo\nApt. 735", phi.Location,
			[]string{"26 rue des lieutenants Thomazo", "Apt. 735"}, nil},
		{"Greek street type", "It is in Λεωφόρος Συγγρού 119, Athens", phi.Location, []string{"Λεωφόρος Συγγρού 119"}, nil},
		{"ship address", "Mail goes to USNS Botolen\nFPO AE 12382", phi.Location, []string{"USNS Botolen\nFPO AE 12382"}, nil},
		{"two street types, in capitals", "HOME WITH VNA AT 41 LINDEN HOLLOW ROAD, APT 3B, PAWTUCKET, RI 02860.", phi.Location,
			[]string{"41 LINDEN HOLLOW ROAD, APT 3B", "PAWTUCKET", "02860"}, []string{"VNA"}},
		{"a full word's full stop ends the address", "Lives at 12 Main Street. Court date is Monday.", phi.Location,
			[]string{"12 Main Street"}, []string{"Court date"}},
		{"an abbreviation's does not", "Lives at 12 Oak Blvd. Apt 4, Boston MA 02116", phi.Location,
			[]string{"12 Oak Blvd. Apt 4", "Boston", "02116"}, nil},
		{"town shape after a preposition", "She moved back to Niitabury last spring.", phi.Location, []string{"Niitabury"}, []string{"spring"}},
		{"town shape needs the preposition", "Niitabury Holdings reported earnings.", phi.Location, nil, []string{"Niitabury"}},
		{"a dose is no street", "Take 2 via mouth daily and 5 mg at bedtime.", phi.Location, nil, []string{"via", "mouth"}},
		{"mobile prefix and subscriber number", "mobile: 99 577450", phi.Phone, []string{"99 577450"}, nil},
		{"long digit groups need a phone word", "The survey counted 12 345678 visits.", phi.Phone, nil, []string{"345678"}},
	}
	for _, tc := range cases {
		expectSpans(t, b, tc.name, tc.text, tc.cat, tc.want, "", tc.not)
	}
}

func indexOf(text, s string) int {
	for i := 0; i+len(s) <= len(text); i++ {
		if text[i:i+len(s)] == s {
			return i
		}
	}
	return -1
}

func coveredBy(text, s string, spans []phi.Span, cat phi.Category) bool {
	i := indexOf(text, s)
	for _, sp := range spans {
		if i >= 0 && sp.Category == cat && sp.Start <= i && i+len(s) <= sp.End {
			return true
		}
	}
	return false
}

// touchedAs reports whether a span of cat ("" for any category)
// overlaps the first occurrence of s in text.
func touchedAs(text, s string, spans []phi.Span, cat phi.Category) bool {
	i := indexOf(text, s)
	for _, sp := range spans {
		if i >= 0 && (cat == "" || sp.Category == cat) && sp.Start < i+len(s) && i < sp.End {
			return true
		}
	}
	return false
}

// show lists spans for a failure message.
func show(text string, spans []phi.Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(string(s.Category) + " " + `"` + text[s.Start:s.End] + `" (` + s.Detector + ") ")
	}
	return b.String()
}

// expectSpans runs b over text (as a subtest) and checks that each of
// want is covered by one span of cat and that no span of notCat ("" for
// any category) touches any of not.
func expectSpans(t *testing.T, b *phi.Builtin, name, text string, cat phi.Category, want []string, notCat phi.Category, not []string) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		spans, err := b.Detect(context.Background(), text, phi.Hints{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !coveredBy(text, w, spans, cat) {
				t.Errorf("%q not covered by one %s span; spans: %s", w, cat, show(text, spans))
			}
		}
		for _, n := range not {
			if touchedAs(text, n, spans, notCat) {
				t.Errorf("%q touched by a %s span; spans: %s", n, cmp.Or(string(notCat), "PHI"), show(text, spans))
			}
		}
	})
}
