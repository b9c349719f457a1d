package phi

import "testing"

// TestOtherMentions covers mentions.go: a name or place found once is
// found again where the text repeats it without a cue, and only then.
// The examples are written for this test.
func TestOtherMentions(t *testing.T) {
	b := newTestBuiltin(t)
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a sure name's words", "Client: Jordan Ellsworth\nJordan reports better sleep.", []want{{"Jordan Ellsworth", Name}, {"Jordan", Name}}, []string{"reports"}},
		{"a town repeated without a cue", "Lives in Wanblee with her aunt.\nTransport from Wanblee is unreliable; Wanblee clinic closed.",
			[]want{{"Wanblee", Location}}, []string{"Transport", "clinic"}},
		{"a one-word name that is a word stays put", "His wife Hope visited.\nHope is that she improves.", []want{{"Hope", Name}}, []string{"Hope is"}},
		{"a place of ordinary words named by its kind", "cedar falls / waterloo community group\nevery office in cedar falls says 3 month wait",
			[]want{{"cedar falls", Location}}, nil},
		{"lower case in mixed text is no mention", "Seen with Dr. Okonkwo-Baptiste today.\nThe baptiste rite was discussed.", nil, []string{"baptiste rite"}},
	})
	// Every mention of the town is a span, not only the cued one; the
	// same for a place of ordinary words named by its kind.
	if spans, err := b.Detect(t.Context(), "cedar falls / waterloo community group\nevery office in cedar falls says 3 month wait", Hints{}); err != nil || len(spans) == 0 || spans[0].Start != 0 || spans[0].Category != Location {
		t.Errorf("the header's cedar falls is no mention: %v %v", spans, err)
	}
	text := "Lives in Wanblee with her aunt.\nTransport from Wanblee is unreliable; Wanblee clinic closed."
	spans, err := b.Detect(t.Context(), text, Hints{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range spans {
		if text[s.Start:s.End] == "Wanblee" && s.Category == Location {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d spans of Wanblee, want 3: %s", n, describe(text, spans))
	}
}
