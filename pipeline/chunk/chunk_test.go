package chunk

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/kiln-health/kiln/pipeline/vault"
)

func TestSplit(t *testing.T) {
	long := strings.Repeat("word ", 40) // 200 code points, no sentence end
	tests := []struct {
		name string
		text string
		opts Options
		want []string
	}{
		{"empty", "", Options{}, nil},
		{"only whitespace", " \n\n\t ", Options{}, nil},
		{"one short text", "  Patient seen today.  ", Options{}, []string{"Patient seen today."}},
		{
			"sentences packed with one sentence of overlap",
			"Alpha one is here. Bravo two is here. Charlie three is here. Delta four is here.",
			Options{Target: 64},
			[]string{
				"Alpha one is here. Bravo two is here. Charlie three is here.",
				"Charlie three is here. Delta four is here.",
			},
		},
		{
			"no overlap",
			"Alpha one is here. Bravo two is here. Charlie three is here. Delta four is here.",
			Options{Target: 64, Overlap: -1},
			[]string{
				"Alpha one is here. Bravo two is here. Charlie three is here.",
				"Delta four is here.",
			},
		},
		{
			"a paragraph that fits whole starts a new chunk",
			"First paragraph has one sentence.\n\nSecond paragraph starts. It continues a while.",
			Options{Target: 64, Overlap: -1},
			[]string{
				"First paragraph has one sentence.",
				"Second paragraph starts. It continues a while.",
			},
		},
		{
			"short paragraphs share a chunk",
			"Para one.\n\nPara two.\n\nPara three.",
			Options{Target: 64},
			[]string{"Para one.\n\nPara two.\n\nPara three."},
		},
		{
			"lines are units",
			"Medications:\n- lisinopril 10 mg daily\n- metformin 500 mg twice daily\n- atorvastatin 20 mg nightly",
			Options{Target: 70, Overlap: -1},
			[]string{
				"Medications:\n- lisinopril 10 mg daily\n- metformin 500 mg twice daily",
				"- atorvastatin 20 mg nightly",
			},
		},
		{
			"no sentence break before a lower-case word or inside a number",
			"Take approx. 2.5 mg daily, e.g. with food. Next sentence here.",
			Options{Target: 64, Overlap: -1},
			[]string{"Take approx. 2.5 mg daily, e.g. with food. Next sentence here."},
		},
		{
			"a long sentence is cut at spaces",
			long,
			Options{Target: 64},
			[]string{
				strings.TrimSpace(long[:65]), strings.TrimSpace(long[65:130]),
				strings.TrimSpace(long[130:195]), "word",
			},
		},
		{
			"multi-byte text",
			"Zoë a reçu 5 mg — très bien. 患者は元気です。 Ñúñez vio al médico. Ünterschrift folgt.",
			Options{Target: 64},
			[]string{
				"Zoë a reçu 5 mg — très bien. 患者は元気です。 Ñúñez vio al médico.",
				"Ñúñez vio al médico. Ünterschrift folgt.",
			},
		},
		{
			"a long sentence is cut at a space, beside a token",
			strings.Repeat("x", 50) + " [NAME_12] " + strings.Repeat("y", 20),
			Options{Target: 64},
			[]string{strings.Repeat("x", 50) + " [NAME_12]", strings.Repeat("y", 20)},
		},
		{
			"a cut without a space moves to the start of the token it would split",
			strings.Repeat("x", 58) + "[ADDRESS_7]" + strings.Repeat("z", 10),
			Options{Target: 64},
			[]string{strings.Repeat("x", 58), "[ADDRESS_7]" + strings.Repeat("z", 10)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.opts)
			checkInvariants(t, tt.text, tt.opts, got)
			var texts []string
			for _, c := range got {
				texts = append(texts, c.Text)
			}
			if !slices.Equal(texts, tt.want) {
				t.Errorf("Split texts:\n got %q\nwant %q", texts, tt.want)
			}
		})
	}
}

// TestSplitInvariants checks the properties every split must have on
// texts of many shapes and sizes.
func TestSplitInvariants(t *testing.T) {
	var b strings.Builder
	sentences := []string{
		"Patient [NAME_1] was seen on [DATE_3] for follow-up of hypertension.",
		"Blood pressure 142/91 mmHg; pulse 78.",
		"Plan: continue lisinopril 10 mg daily and recheck in 3 months!",
		"Zoë Ñúñez (née [NAME_22]) reports no chest pain?",
		"患者は[NAME_1]さんです。",
		strings.Repeat("unpunctuated words run on ", 12),
		"[HEALTH_PLAN_123456789][NAME_4][DATE_5]",
	}
	for i := range 200 {
		b.WriteString(sentences[i%len(sentences)])
		switch i % 5 {
		case 0:
			b.WriteString("\n\n")
		case 1:
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
	}
	text := b.String()
	for _, opts := range []Options{{}, {Target: 64}, {Target: 100, Overlap: 2}, {Target: 300, Overlap: -1}, {Target: 1}} {
		checkInvariants(t, text, opts, Split(text, opts))
	}
}

// checkInvariants checks that chunks are exact code-point slices of text
// in order, at most the target long, never split a vault token, and cover
// every non-space character.
func checkInvariants(t *testing.T, text string, opts Options, chunks []Chunk) {
	t.Helper()
	runes := []rune(text)
	covered := make([]bool, len(runes))
	for i, c := range chunks {
		if c.Seq != i {
			t.Errorf("%+v: chunk %d has Seq %d", opts, i, c.Seq)
		}
		if c.Start < 0 || c.End > len(runes) || c.Start >= c.End {
			t.Fatalf("%+v: chunk %d has bad offsets [%d, %d) in %d code points", opts, i, c.Start, c.End, len(runes))
		}
		if got := string(runes[c.Start:c.End]); got != c.Text {
			t.Errorf("%+v: chunk %d: runes[%d:%d] = %q, Text = %q", opts, i, c.Start, c.End, got, c.Text)
		}
		if c.End-c.Start > opts.target() {
			t.Errorf("%+v: chunk %d is %d code points, more than %d", opts, i, c.End-c.Start, opts.target())
		}
		if i > 0 && (c.Start <= chunks[i-1].Start || c.End <= chunks[i-1].End) {
			t.Errorf("%+v: chunk %d [%d, %d) does not move forward from [%d, %d)", opts, i, c.Start, c.End, chunks[i-1].Start, chunks[i-1].End)
		}
		for _, tok := range tokenSpans(text) {
			if (c.Start > tok[0] && c.Start < tok[1]) || (c.End > tok[0] && c.End < tok[1]) {
				t.Errorf("%+v: chunk %d [%d, %d) splits the token %q", opts, i, c.Start, c.End, string(runes[tok[0]:tok[1]]))
			}
		}
		for j := c.Start; j < c.End; j++ {
			covered[j] = true
		}
	}
	for j, r := range runes {
		if !covered[j] && !unicode.IsSpace(r) {
			t.Fatalf("%+v: code point %d (%q) is in no chunk", opts, j, r)
		}
	}
}

// TestTokenPatternMatchesVault keeps this package's idea of a token in
// step with the vault's.
func TestTokenPatternMatchesVault(t *testing.T) {
	texts := []string{
		"[NAME_1] [DATE_12] [HEALTH_PLAN_3] [A_999999999]",
		"[name_1] [NAME_0] [NAME_] [_1] [NAME_1234567890] [N AME_1]",
		"x[ID_7]y [[NAME_2]] [NAME_3",
	}
	for _, text := range texts {
		var ours []string
		for _, m := range tokenPattern.FindAllString(text, -1) {
			if !slices.Contains(ours, m) {
				ours = append(ours, m)
			}
		}
		if got := vault.TokensIn(text); !slices.Equal(ours, got) {
			t.Errorf("tokens in %q: chunk finds %q, vault finds %q", text, ours, got)
		}
	}
}

func TestSentences(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Seen today. BP high! Plan: e.g. rest.", []string{"Seen today.", "BP high!", "Plan: e.g. rest."}},
		{"Patient [NAME_1] née Ü. Next line\nsecond line", []string{"Patient [NAME_1] née Ü.", "Next line", "second line"}},
		{"  \n\n ", nil},
	} {
		got := Sentences(tc.text)
		if len(got) != len(tc.want) {
			t.Fatalf("%q: %d sentences, want %d: %+v", tc.text, len(got), len(tc.want), got)
		}
		runes := []rune(tc.text)
		for i, s := range got {
			if s.Text != tc.want[i] || string(runes[s.Start:s.End]) != s.Text {
				t.Errorf("%q: sentence %d = %+v, want %q at its offsets", tc.text, i, s, tc.want[i])
			}
		}
	}
}
