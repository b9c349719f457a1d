package coding

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a text, normalised for matching, with where it was.
type token struct {
	norm       string // lower case, apostrophes and a final "'s" removed
	start, end int    // code-point offsets in the text, end exclusive
	bstart     int    // byte offsets, to cut Evidence without re-scanning
	bend       int
	sent       int  // sentence number: matches and context stay inside one
	num        bool // a number ("32", "32.5")
	// plus and question record what punctuation came right after the
	// token: "30+" is a range, not a value; "pneumonia?" is a hedge.
	plus, question bool
	// questionBefore: a '?' right before the token ("?pneumonia").
	questionBefore bool
	// placeholder marks a vault token ("[NAME_1]"): it never matches, and
	// a match never spans it.
	placeholder bool
}

// tokenize splits text into words: runs of letters and digits, keeping an
// apostrophe between letters ("Alzheimer's") and a dot between digits
// ("32.5"). Everything else separates words; hyphens and slashes too, so
// "pre-diabetes" is two words (and the lexicon's forms are split the same
// way). Sentences end at . ! ? ; and line breaks.
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/6)
	sent := 0
	rs := 0 // code-point offset of byte index i
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isWord(r):
			bstart, start := i, rs
			num := true
			for i < len(text) {
				r, size = utf8.DecodeRuneInString(text[i:])
				if isWord(r) {
					num = num && unicode.IsDigit(r)
				} else if !(isApostrophe(r) && i > bstart && letterAt(text, i+size) && letterBefore(text, i)) &&
					!(r == '.' && num && i > bstart && digitAt(text, i+size)) {
					break
				}
				i += size
				rs++
			}
			t := token{norm: normWord(text[bstart:i]), start: start, end: rs, bstart: bstart, bend: i, sent: sent, num: num}
			if i < len(text) {
				switch text[i] {
				case '+':
					t.plus = true
				case '?':
					t.question = true
				}
			}
			if bstart > 0 && text[bstart-1] == '?' {
				t.questionBefore = true
			}
			toks = append(toks, t)
			continue
		case r == '[':
			if n := placeholderLen(text[i:]); n > 0 {
				toks = append(toks, token{start: rs, end: rs + n, bstart: i, bend: i + n, sent: sent, placeholder: true})
				i += n // placeholders are ASCII: bytes = code points
				rs += n
				continue
			}
		case r == '.' || r == '!' || r == '?' || r == ';' || r == '\n':
			sent++
		}
		i += size
		rs++
	}
	return toks
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

func letterAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func letterBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r)
}

func digitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// placeholderLen is the length of a vault token ("[NAME_1]",
// "[STREET_ADDRESS_12]") at the start of s, or 0.
func placeholderLen(s string) int {
	const maxLen = 40
	underscoreDigits := false
	for i := 1; i < len(s) && i < maxLen; i++ {
		c := s[i]
		switch {
		case c == ']':
			if underscoreDigits && s[i-1] >= '0' && s[i-1] <= '9' {
				return i + 1
			}
			return 0
		case c >= 'A' && c <= 'Z':
			underscoreDigits = false
		case c == '_':
			underscoreDigits = true
		case c >= '0' && c <= '9':
			if !underscoreDigits {
				return 0
			}
		default:
			return 0
		}
	}
	return 0
}

// normWord lower-cases a word, drops a possessive "'s" and any other
// apostrophe, so "Alzheimer's" and "alzheimer" meet.
func normWord(w string) string {
	simple := true
	for i := 0; i < len(w); i++ {
		if c := w[i]; c >= 0x80 || c == '\'' || (c >= 'A' && c <= 'Z') {
			simple = false
			break
		}
	}
	if simple {
		return w
	}
	w = strings.ToLower(w)
	if !strings.ContainsAny(w, "'’") {
		return w
	}
	for _, suffix := range []string{"'s", "’s"} {
		if strings.HasSuffix(w, suffix) && len(w) > len(suffix)+1 {
			w = w[:len(w)-len(suffix)]
		}
	}
	return strings.NewReplacer("'", "", "’", "").Replace(w)
}
