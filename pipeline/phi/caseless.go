package phi

import (
	"unicode"
	"unicode/utf8"
)

// caselessLine reports whether the line holding text[at] has letters but
// no case signal: all lower case (text typed on a phone, a portal message)
// or all capitals (legacy transcription, some lab systems). In such a line
// capitalisation cannot tell a name, a place or a month from a word, so
// the rules that lean on it have to use other evidence.
func caselessLine(text string, at int) bool {
	start, end := at, at
	for start > 0 && text[start-1] != '\n' {
		start--
	}
	for end < len(text) && text[end] != '\n' {
		end++
	}
	return caseless(text[start:end])
}

// caseless reports whether s has letters and they are all of one case.
func caseless(s string) bool {
	lower, upper := letterCases(s)
	return lower+upper > 0 && (lower == 0 || upper == 0)
}

// isCaseless reports a text typed without capitals: at least eight
// lower-case words and, since 1.9.0, capitalised words at most one in
// fifty (docCase), so that a code ("IN23K08812-B") or one shouted word
// ("UPDATE!!", "ER") in a lower-case chat does not make it mixed case.
func isCaseless(text string) bool { return docCase(text) == 'l' }

// docCase returns 'l' for a text written in lower case, 'u' for one in
// capitals and 'm' for mixed case. Words with digits are codes and do not
// count, nor do single letters; up to one word in fifty may go against
// the text's case.
func docCase(text string) byte {
	switch lower, upper := letterCases(text); {
	case upper == 0 && lower >= 8:
		return 'l'
	case lower == 0 && upper >= 8:
		return 'u'
	}
	lowerWords, upperWords, capWords := 0, 0, 0
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isLetter(r) && !unicode.IsDigit(r) {
			i += n
			continue
		}
		j, lower, upper, digit := i, 0, 0, false
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			switch {
			case unicode.IsDigit(r):
				digit = true
			case unicode.IsUpper(r):
				upper++
			case isLetter(r):
				lower++
			default:
				goto done
			}
			j += n
		}
	done:
		i = j
		switch {
		case digit || lower+upper <= 1:
			// Codes and single letters ("B" of "IN23K08812-B", "I") say
			// nothing of the text's case.
		case upper == 0:
			lowerWords++
		case lower == 0:
			upperWords++
		default:
			capWords++
		}
	}
	switch {
	case lowerWords >= 8 && (upperWords+capWords)*50 <= lowerWords:
		return 'l'
	case upperWords >= 8 && (lowerWords+capWords)*50 <= upperWords:
		return 'u'
	}
	return 'm'
}

// letterCases counts the lower-case and upper-case letters of s (letters
// without case, as in CJK scripts, count as lower case).
func letterCases(s string) (lower, upper int) {
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		switch {
		case 'a' <= r && r <= 'z':
			lower++
		case 'A' <= r && r <= 'Z':
			upper++
		case r < utf8.RuneSelf:
		case unicode.IsUpper(r):
			upper++
		case unicode.IsLetter(r):
			lower++
		}
	}
	return lower, upper
}
