package phi

import (
	"context"
	"testing"
)

func TestCaseless(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"see you on march 4", true},
		{"PT SEEN BY DR OKAFOR", true},
		{"Seen by Dr Okafor", false},
		{"12/03/2024 10:40", false}, // no letters, no case to lack
		{"straße über", true},
		{"ÖVERTURINGEN 840", true},
		{"", false},
	} {
		if got := caseless(tc.s); got != tc.want {
			t.Errorf("caseless(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
	text := "Seen on March 4.\nsee you on march 4."
	if caselessLine(text, 3) || !caselessLine(text, len(text)-3) {
		t.Errorf("caselessLine looks at the wrong line of %q", text)
	}
}

// TestCaselessMonths: "may" and "march" in lower case are dates only where
// the line has no case signal.
func TestCaselessMonths(t *testing.T) {
	b := newTestBuiltin(t)
	for _, tc := range []struct {
		text   string
		wants  []want
		notPHI []string
	}{
		{"we will see you on march 4. keep the keflex going.", []want{{"march 4", Date}}, nil},
		{"appointment may 12, 2024 at the clinic", []want{{"may 12, 2024", Date}}, nil},
		{"Patients may 2 weeks later return; the march 4 meeting moved.", nil, []string{"may 2", "march 4"}},
		{"Seen March 4 and May 12.", []want{{"March 4", Date}, {"May 12", Date}}, nil},
	} {
		spans, err := b.Detect(context.Background(), tc.text, Hints{})
		if err != nil {
			t.Fatal(err)
		}
		checkSpans(t, tc.text, spans, tc.wants, tc.notPHI)
	}
}
