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
