package phi

import (
	"strings"
	"unicode"
)

// Titles, roles and credentials stay outside a name (the labelling
// guidelines: "Judge Okonkwo-Lindahl" is the name "Okonkwo-Lindahl").
// Rules that grow a span over capitalised words, and the tagger, take them
// in now and then; trimNameRoles cuts them off (1.15.0).
var (
	// nameLeadRoles are roles before a name that the title and occupation
	// lists do not hold.
	nameLeadRoles = keySet(`judge examiner landlord landlady foreman forewoman process server pharm po ptl patrolman named counsel
		caseworker advocate interpreter notary magistrate clerk bailiff mama papa`)
	// nameTailCredentials are credentials after a name besides the
	// lexicon's ("Carla Dill, MSc", "Mason Dvorak EP"); not "MA", which
	// ends Chinese names ("Li Ma").
	nameTailCredentials = keySet(`msc ep emt emt-p frcpc frcsc franzcp mbchb mbbs fracp rph cnp rnc ccrn cen mba jd`)
)

// trimNameRoles returns s without the title, role and kinship words that
// lead it and the credentials that end it; a name of those words alone is
// left as it is, for the other guards to judge.
func (b *Builtin) trimNameRoles(text string, s Span) Span {
	if s.Category != Name || s.Confidence >= 1 {
		return s
	}
	words := wordSpans(text, s.Start, s.End)
	// The name starts after the last role before its last word: "Per
	// Landlord Gary Lindqvist" is "Gary Lindqvist".
	lead := 0
	for i := len(words) - 2; i >= 0; i-- {
		if b.leadRole(text[words[i][0]:words[i][1]]) {
			lead = i + 1
			break
		}
	}
	tail := len(words)
	// The verb "will" ends a name: "lina will call", "ROSA WILL DECIDE"
	// (in Title Case, "Will" may be the man).
	for i := lead + 1; i < len(words); i++ {
		if w := text[words[i][0]:words[i][1]]; w == "will" || w == "WILL" {
			tail = i
			break
		}
	}
	for tail-1 > lead && b.tailCredential(text[words[tail-1][0]:words[tail-1][1]]) {
		tail--
	}
	if lead == 0 && tail == len(words) {
		return s
	}
	s.Start, s.End = words[lead][0], words[tail-1][1]
	return s
}

// leadRole reports a title (kinship words among them), an occupation or a role; not "Pa" or "Ma.", which start Hmong and Filipino given names.
func (b *Builtin) leadRole(w string) bool {
	k := strings.ToLower(strings.Trim(w, ".,:;"))
	return nameLeadRoles[k] || b.lx.flags(k)&(wTitle|wOccupation) != 0
}

// tailCredential reports a credential.
func (b *Builtin) tailCredential(w string) bool {
	k := strings.ToLower(strings.Trim(w, ".,:;"))
	return nameTailCredentials[k] || b.lx.flags(k)&wCredential != 0
}

// wordSpans returns the offsets of the whitespace-separated words of
// text[start:end], without a comma that ends one.
func wordSpans(text string, start, end int) [][2]int {
	var out [][2]int
	i := start
	for i < end {
		for i < end && unicode.IsSpace(rune(text[i])) {
			i++
		}
		j := i
		for j < end && !unicode.IsSpace(rune(text[j])) {
			j++
		}
		if j > i {
			e := j
			for e > i && text[e-1] == ',' {
				e--
			}
			if e > i {
				out = append(out, [2]int{i, e})
			}
		}
		i = j
	}
	return out
}
