package phi

import "testing"

// TestSaintNames: a family name after "St." joins the given name before
// it, whichever finder took the saint's word (the rules alone read "Marie
// St." as a street). The examples are written for this test.
func TestSaintNames(t *testing.T) {
	b, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a family name after St.", "Marie St. Clair called back today.", []want{{"Marie St. Clair", Name}}, nil},
		{"a family name after Ste.", "Spoke with Luc Ste. Croix about the ride.", []want{{"Luc Ste. Croix", Name}}, nil},
	})
}

// TestSureTaggerSpans: where the tagger is sure, a word of the dictionary
// may carry its span, but a lone word needs a capital and must not name a
// kind of place. The examples are written for this test.
func TestSureTaggerSpans(t *testing.T) {
	b := newTestBuiltin(t)
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a kind of place alone", "Raised in Lafourche Parish. The County agreed to pay.", []want{{"Lafourche Parish", Location}}, []string{"The County"}},
		{"an acronym in mixed case", "Arrival 23:48 by EMS from the scene.", nil, []string{"EMS"}},
		{"one word without case", "the pharmacy in crescent city didnt have it. the store in spring is closed.", nil, []string{"spring"}},
	})
}

// TestDetectPHIAges118 covers the ages over 89 of 1.18.0, each beside a
// look-alike that must stay out. The examples are written for this test.
func TestDetectPHIAges118(t *testing.T) {
	b := newTestBuiltin(t)
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a Y glued to the number", "AGE 91Y   SEX F\nPt is a 96yo man.", []want{{"91", Age}, {"96", Age}}, nil},
		{"years in other languages", "Tiene 93 años. Zij is overleden, 95 jaar oud. Elle a 94 ans. Жена, 97 лет.",
			[]want{{"93", Age}, {"95", Age}, {"94", Age}, {"97", Age}}, nil},
		{"an age field of several words or in another language", "Age at start of season: 92 | Phone\nEdad: 90\nÂge : 98",
			[]want{{"92", Age}, {"90", Age}, {"98", Age}}, nil},
		{"the speaker's own age", "I am 91 and I did not expect this.", []want{{"91", Age}}, nil},
		{"between a name's comma and a bracket", "Update on Mr. Ames, 93 (DOB 03/02/1933), admitted today.", []want{{"93", Age}}, nil},
		{"a relative's age ending the clause", "He wants a quote for his father, 91. Then call back.", []want{{"91", Age}}, nil},
		{"a number the text goes on from is no age", "Spoke to his mother, 95 people signed. Sats 94 percent. Age 35, BP 95/60.", nil, []string{"95", "94"}},
	})
}
