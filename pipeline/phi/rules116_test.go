package phi

import "testing"

// TestDetectPHIRules116 covers the place heads of 1.16.0, each beside the
// look-alike that must stay out. The examples are written for this test.
func TestDetectPHIRules116(t *testing.T) {
	b := newTestBuiltin(t)
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a name before a kind of place is the place's", "Autopsy at the Big Horn County coroner's office. Her sister drove in from Hopkins Village. The family farms near Stann Creek District.",
			[]want{{"Big Horn County", Location}, {"Hopkins Village", Location}, {"Stann Creek District", Location}}, nil},
		{"a name after a title stays a person", "Seen with Dr. Hopkins Village nurse present.", []want{{"Hopkins", Name}}, nil},
		{"family names that are kinds of place stay names", "Her daughter Jenna Park and her son Tom Mills visited.", []want{{"Jenna Park", Name}, {"Tom Mills", Name}}, nil},
	})
}

// TestPlaceHeadsLeaveOrganisations: a name whose phrase goes on after the
// kind of place names an organisation, and placeHeads leaves it a name
// (what the tagger makes of it is the tagger's business).
func TestPlaceHeadsLeaveOrganisations(t *testing.T) {
	b := newTestBuiltin(t)
	for _, text := range []string{"wired from Huron Valley Credit Union today", "buried at Hermann City Cemetery, Hermann"} {
		toks := tokenize(text)
		i := tokenAt(toks, len("wired from "))
		if text[0] == 'b' {
			i = tokenAt(toks, len("buried at "))
		}
		name := Span{Start: toks[i].start, End: toks[i].end, Category: Name, Confidence: 0.65, Detector: "name"}
		got := b.placeHeads(text, toks, []Span{name})
		if len(got) != 1 || got[0] != name {
			t.Errorf("%q: placeHeads turned %q into %s", text, text[name.Start:name.End], describe(text, got))
		}
	}
}
