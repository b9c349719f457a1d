package comprehend

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestSplitCoversTextAtBoundaries(t *testing.T) {
	tests := []struct {
		name string
		text string
		max  int
		// want are the chunks' texts; nil checks only the invariants.
		want []string
	}{
		{"fits", "One line.", 20, []string{"One line."}},
		{"blank line preferred", "aaaa bbbb.\n\ncccc dddd eeee", 20, []string{"aaaa bbbb.\n\n", "cccc dddd eeee"}},
		{"line break over sentence", "aaaaaaaaa. b\ncc dd. eeee ffff", 20, []string{"aaaaaaaaa. b\n", "cc dd. eeee ffff"}},
		{"sentence end over space", "aaaa bbbbbbb. ccc ddd eee fff", 20, []string{"aaaa bbbbbbb. ", "ccc ddd eee fff"}},
		{"ideographic full stop", "患者は東京都。で診察を受けた", 24, []string{"患者は東京都。", "で診察を受けた"}},
		{"space", "aaaa bbbb cccc dddd eeee", 12, []string{"aaaa bbbb ", "cccc dddd ", "eeee"}},
		{"hard cut at a code point boundary", strings.Repeat("é", 7), 5, []string{"éé", "éé", "éé", "é"}},
		{"emoji hard cut", strings.Repeat("🩺", 3), 6, []string{"🩺", "🩺", "🩺"}},
		{"max below one code point", "🩺🩺", 2, []string{"🩺", "🩺"}},
		{"boundary only in the first half is ignored", "a bcdefghijklmnopqrs", 10, []string{"a bcdefghi", "jklmnopqrs"}},
		{"white-space-only chunks left out", "aaaa\n\n" + strings.Repeat(" ", 30) + "\n\nbbbb", 8, nil},
		{"empty", "", 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chunks := split(tc.text, tc.max)
			var got []string
			prev := 0
			for _, c := range chunks {
				s := tc.text[c.start:c.end]
				got = append(got, s)
				if c.end-c.start > tc.max && utf8.RuneCountInString(s) > 1 {
					t.Errorf("chunk %q has %d bytes > %d", s, len(s), tc.max)
				}
				if !utf8.ValidString(s) {
					t.Errorf("chunk %q cuts a code point", s)
				}
				if strings.TrimSpace(tc.text[prev:c.start]) != "" {
					t.Errorf("text %q between chunks is lost", tc.text[prev:c.start])
				}
				prev = c.end
			}
			if strings.TrimSpace(tc.text[prev:]) != "" {
				t.Errorf("text %q after the last chunk is lost", tc.text[prev:])
			}
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("split = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOffsetIndexes(t *testing.T) {
	s := "é🩺x\xffy"
	cps := codePoints(s)
	// é (2 bytes), 🩺 (4), x, an invalid byte (one code point, sent as
	// U+FFFD), y.
	if want := []int{0, 2, 6, 7, 8, 9}; !slices.Equal(cps, want) {
		t.Errorf("codePoints = %v, want %v", cps, want)
	}
	units := utf16Units(s)
	if want := []int{0, 2, -1, 6, 7, 8, 9}; !slices.Equal(units, want) {
		t.Errorf("utf16Units = %v, want %v", units, want)
	}
	if n := len(utf16.Encode([]rune(s))); n != len(units)-1 {
		t.Errorf("%d UTF-16 units, index has %d", n, len(units)-1)
	}
	if _, _, ok := offsets(units, 2, 3); ok {
		t.Error("an offset inside a surrogate pair converted")
	}
	if s, e, ok := offsets(cps, 1, 2); !ok || s != 2 || e != 6 {
		t.Errorf("offsets(1, 2) = %d, %d, %v", s, e, ok)
	}
	for _, r := range [][2]int{{-1, 1}, {2, 2}, {3, 1}, {0, 6}} {
		if _, _, ok := offsets(cps, r[0], r[1]); ok {
			t.Errorf("offsets%v accepted", r)
		}
	}
}
