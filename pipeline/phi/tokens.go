package phi

import (
	"unicode"
	"unicode/utf8"
)

// shape is the letter case of a token, which carries most of the evidence
// for names in clinical text.
type shape uint8

const (
	shLower shape = iota // "will"
	shCap                // "Will", "O'Hare", "McDonald", "Adebayo-Marsh"
	shUpper              // "WILL" (two letters or more)
	shNum                // "2024"
	shAlnum              // "M7730114", "3B"
	shPunct              // one rune that is neither letter, digit nor space
)

// token is a word, number or punctuation mark of the text.
type token struct {
	start, end int
	shape      shape
	key        string // folded form of words (see fold); empty otherwise
	space      bool   // whitespace precedes it
	nl         bool   // a line break precedes it
	sent       bool   // it starts a line or a sentence
}

func (t token) isWord() bool { return t.shape <= shUpper }

// isCap reports a capitalised or upper-case word.
func (t token) isCap() bool { return t.shape == shCap || t.shape == shUpper }

func isLetter(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) }

// tokenize splits text into tokens. A word keeps inner apostrophes and
// hyphens between letters ("O'Hare", "Adebayo-Marsh") but not a final
// possessive "'s", which becomes punctuation and a word "s".
func tokenize(text string) []token {
	toks := make([]token, 0, len(text)/5)
	space, nl := false, true
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n' || r == '\r':
			nl, space = true, true
			i += n
			continue
		case unicode.IsSpace(r):
			space = true
			i += n
			continue
		}
		t := token{start: i, space: space, nl: nl}
		space, nl = false, false
		switch {
		case isLetter(r) || unicode.IsDigit(r):
			letters, digits := false, false
			j := i
			for j < len(text) {
				r, n := utf8.DecodeRuneInString(text[j:])
				if isLetter(r) {
					letters = true
				} else if unicode.IsDigit(r) {
					digits = true
				} else if (r == '\'' || r == '\u2019' || r == '-') && letters && !digits && j+n < len(text) {
					next, m := utf8.DecodeRuneInString(text[j+n:])
					if !isLetter(next) {
						break
					}
					if r != '-' && (next == 's' || next == 'S') {
						// A possessive 's ends the word.
						after, _ := utf8.DecodeRuneInString(text[j+n+m:])
						if j+n+m >= len(text) || !isLetter(after) {
							break
						}
					}
				} else {
					break
				}
				j += n
			}
			t.end = j
			switch {
			case letters && digits:
				t.shape = shAlnum
			case digits:
				t.shape = shNum
			default:
				t.shape = wordShape(text[i:j])
				t.key = fold(text[i:j])
			}
		default:
			t.end = i + n
			t.shape = shPunct
		}
		toks = append(toks, t)
		i = t.end
	}
	markSentences(text, toks)
	return toks
}

// wordShape classifies a word's case.
func wordShape(w string) shape {
	first, _ := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(first) {
		return shLower
	}
	upper, letters := 0, 0
	for _, r := range w {
		if isLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	if upper == letters && letters >= 2 {
		return shUpper
	}
	return shCap
}

// markSentences sets sent on tokens that begin a line or follow a
// sentence-ending mark (not the period of "Dr." or of an initial).
func markSentences(text string, toks []token) {
	for i := range toks {
		if i == 0 || toks[i].nl {
			toks[i].sent = true
			continue
		}
		p := toks[i-1]
		if p.shape != shPunct {
			continue
		}
		switch text[p.start:p.end] {
		case "!", "?":
			toks[i].sent = true
		case ".":
			if i >= 2 {
				w := toks[i-2]
				if w.end == p.start && w.isWord() && (utf8.RuneCountInString(text[w.start:w.end]) == 1 || isTitleKey(w.key)) {
					continue
				}
			}
			toks[i].sent = true
		}
	}
}

func isTitleKey(k string) bool {
	switch k {
	case "dr", "mr", "mrs", "ms", "mx", "prof", "rev", "fr", "sr", "st", "jr", "lt", "sgt", "capt", "col", "mme", "mlle", "dra", "sra":
		return true
	}
	return false
}

// tokenAt returns the index of the first token that starts at or after
// offset.
func tokenAt(toks []token, offset int) int {
	lo, hi := 0, len(toks)
	for lo < hi {
		m := (lo + hi) / 2
		if toks[m].start < offset {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
