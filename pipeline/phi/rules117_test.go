package phi

import (
	"reflect"
	"testing"
)

// TestDetectPHIRules117 covers the staff initials of 1.17.0, each beside
// the look-alike that must stay out. The examples are written for this
// test.
func TestDetectPHIRules117(t *testing.T) {
	b := newTestBuiltin(t)
	runSpanCases(t, b, Hints{}, []spanCase{
		{"a typist code after its act, the line going on", "Letter typed by RQ/jk at 14:50 and sent.\nTyped PIH/mw 18.11.2026\nTranscribed IL/rjw   cc: file",
			[]want{{"RQ", Name}, {"jk", Name}, {"PIH", Name}, {"mw", Name}, {"IL", Name}, {"rjw", Name}}, nil},
		{"initials after the bare act", "Dictated by the attending, typed sgh. Co-signed TKW.",
			[]want{{"sgh", Name}, {"TKW", Name}}, nil},
		{"an abbreviation or a word after the act is no person", "Blood typed and crossmatched. Co-signed DNR form.", nil, []string{"and", "DNR"}},
	})
}

// TestLowerCaseLines: a line of a mixed-case text is read as written
// without case when its words after a sender's or label's prefix have no
// capital (three words at least).
func TestLowerCaseLines(t *testing.T) {
	text := "Family chat export\n[9:05 AM] Leilani K.: kai you ready for the boat\n[9:06 AM] Keoni: Yes. Meet at Kekaha.\nok\nwe drove in from waimea today"
	toks := tokenize(text)
	got := map[string]bool{}
	for i, l := range lowerCaseLines(text, toks) {
		got[text[toks[i].start:toks[i].end]] = l
	}
	want := map[string]bool{
		"Family": false, "export": false, // a heading in mixed case
		"Leilani": true, "kai": true, "boat": true, // the message is lower case; its sender's prefix does not count
		"Keoni": false, "Meet": false, // a message in mixed case
		"ok":     false, // too short to tell
		"waimea": true,
	}
	for w, l := range want {
		if got[w] != l {
			t.Errorf("%q in a lower-case line: %v, want %v", w, got[w], l)
		}
	}
	if lines := lowerCaseLines("", nil); !reflect.DeepEqual(lines, []bool{}) {
		t.Errorf("empty text: %v", lines)
	}
}
