package search

import "strings"

// Phonetic encodes a name for the search parameters whose matching the
// specification leaves to "phonetic" similarity (Patient, Person,
// Practitioner, RelatedPerson and InsurancePlan phonetic): American
// Soundex of each word, joined by spaces, so "Smith" and "Smyth" (S530)
// or "Müller" and "Mueller" (M460) index and search alike. HAPI FHIR's
// default encoder is Soundex too.
func Phonetic(s string) string {
	words := Words(s)
	codes := make([]string, 0, len(words))
	for _, w := range words {
		if c := soundex(w); c != "" {
			codes = append(codes, c)
		}
	}
	return strings.Join(codes, " ")
}

// soundexDigits maps letters to their Soundex digit; vowels, h, w and y
// map to 0 (no digit).
var soundexDigits = [26]byte{
	'a' - 'a': '0', 'b' - 'a': '1', 'c' - 'a': '2', 'd' - 'a': '3', 'e' - 'a': '0', 'f' - 'a': '1',
	'g' - 'a': '2', 'h' - 'a': '0', 'i' - 'a': '0', 'j' - 'a': '2', 'k' - 'a': '2', 'l' - 'a': '4',
	'm' - 'a': '5', 'n' - 'a': '5', 'o' - 'a': '0', 'p' - 'a': '1', 'q' - 'a': '2', 'r' - 'a': '6',
	's' - 'a': '2', 't' - 'a': '3', 'u' - 'a': '0', 'v' - 'a': '1', 'w' - 'a': '0', 'x' - 'a': '2',
	'y' - 'a': '0', 'z' - 'a': '2',
}

// soundex is the American Soundex code of a normalised word: its first
// letter and three digits. Letters outside a-z are skipped; a word with
// none has no code.
func soundex(w string) string {
	var out []byte
	var last byte
	for i := 0; i < len(w) && len(out) < 4; i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			continue
		}
		d := soundexDigits[c-'a']
		if len(out) == 0 {
			out = append(out, c-'a'+'A')
			last = d
			continue
		}
		switch {
		case d == '0':
			// Vowels separate equal digits; h and w do not.
			if c != 'h' && c != 'w' {
				last = 0
			}
		case d != last:
			out = append(out, d)
			last = d
		}
	}
	if len(out) == 0 {
		return ""
	}
	for len(out) < 4 {
		out = append(out, '0')
	}
	return string(out)
}
