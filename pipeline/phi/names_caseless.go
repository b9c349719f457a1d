package phi

import (
	"strings"
	"unicode"
)

// Names in text without a case signal. Most of the name rules read the
// capital of a word as the first hint that it is a name; a document typed
// all in lower case (a quick note, a chat transcript, text exported
// through a system that folds case) gives no such hint, and a name in it
// is found only by the lists and by the structure around it. Such a
// document is recognised as a whole: one capital anywhere (a sentence
// start, an abbreviation) means the writer used case and the ordinary
// rules apply. A document all in capitals is read in lower case
// (nameRules.find) and so comes here too.

// isAllUpper reports a text with letters but no lower-case letter.
func isAllUpper(text string) bool {
	letters := 0
	for _, c := range text {
		if c < 0x80 {
			switch {
			case 'a' <= c && c <= 'z':
				return false
			case 'A' <= c && c <= 'Z':
				letters++
			}
			continue
		}
		if unicode.IsLower(c) {
			return false
		}
		if unicode.IsLetter(c) {
			letters++
		}
	}
	return letters >= 8
}

// caselessNameMask are the kinds of word that keep a lower-case word no
// name in caseless text although a name list has it: English words
// ("will", "grant", "reed"), curated common words and eponyms, and the
// words of places, dates, titles and streets.
const caselessNameMask = wAmbiguous | wCommon | wEponym | wEnglish | wTitle | wCredential | wParticle | wMonth | wWeekday |
	wCity | wState | wCountry | wStreetSuffix | wStreetPrefix | wOccupation

// caselessName reports a lower-case word that a name list knows and that
// is nothing else a reader could take it for: in caseless text this is
// the evidence a capital plus the lists give elsewhere (run's
// "strongKnown"). The lists hold no English word (lexicon/README.md), so
// "bertram" or "selma" qualifies and "will" or "brown" does not.
func (r *nameRules) caselessName(t token, f wordFlag) bool {
	if t.shape == shLower && f == 0 && strings.IndexByte(t.key, '-') > 0 {
		return r.hyphenName(t.key)
	}
	return t.shape == shLower && t.end-t.start >= 3 && f&(wFirst|wLast) != 0 && f&caselessNameMask == 0
}

// hyphenName reports a hyphenated word whose parts are all names that
// are no common word, one of them nothing else ("jean-baptiste",
// "karl-heinz", "anne-marie"): a double given or family name.
func (r *nameRules) hyphenName(k string) bool {
	parts := strings.Split(k, "-")
	strong := false
	for _, p := range parts {
		f := r.lx.flags(p)
		if len(p) < 3 || f&(wFirst|wLast) == 0 || f&(wCommon|wEponym|wMonth|wWeekday|wCountry|wState|wTitle|wCredential) != 0 {
			return false
		}
		strong = strong || f&caselessNameMask == 0
	}
	return len(parts) >= 2 && strong
}

// caselessUnknown reports a lower-case word that no list knows, not even
// the English dictionary: next to a known name and a middle initial
// ("emidio p lombardo") it is the rest of the name.
func caselessUnknown(t token, f wordFlag) bool {
	if t.shape != shLower || f != 0 || t.end-t.start < 3 {
		return false
	}
	for i := 0; i < len(t.key); i++ {
		if c := t.key[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// caselessInitial reports a one-letter middle initial between two words
// of a line ("codey m ross", "hyuuma t. maida"); "a" and "i" are words.
func caselessInitial(text string, toks []token, i int) (bool, int) {
	t := toks[i]
	if t.shape != shLower || t.end-t.start != 1 || t.key == "a" || t.key == "i" || t.nl {
		return false, i
	}
	j := i + 1
	if j < len(toks) && tokText(text, toks, j) == "." && toks[j].start == t.end {
		j++
	}
	if j >= len(toks) || toks[j].nl || !toks[j].isWord() {
		return false, i
	}
	return true, j - 1
}

// caselessNames finds names in caseless text (isCaseless):
//   - runs of words the name lists know and that are nothing else
//     (caselessName), with middle initials between them ("codey m ross",
//     "selma is from ...");
//   - a word no list knows before a middle initial and a known name, or
//     after a known name and an initial ("emidio p lombardo");
//   - the word after a title ("mr. elliott", "dr. okonkwo") unless it is
//     an English or common word;
//   - the other items of a list of single words one of which is such a
//     name ("silvana, adam and kristina"), if they are names that the
//     lists know as well, even ambiguous ones ("..., hope and grace").
//
// Drugs, doses and genus names are kept out as elsewhere
// (caselessNotPerson).
func (r *nameRules) caselessNames(text string, toks []token, flags []wordFlag, cue []cueStrength, found []Span) []Span {
	var out []Span
	seen := map[string]bool{}
	orgs := caselessOrgs(text, toks)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.isWord() || covered(found, t.start) {
			continue
		}
		titled := cue[i] >= cueMedium && i > 0 && !t.nl && t.shape == shLower && t.end-t.start >= 2 && r.caselessCued(text, toks, flags, i)
		known := r.caselessName(t, flags[i])
		lead := caselessUnknown(t, flags[i])
		if !known && !titled && !lead {
			continue
		}
		// Extend over initials and name words on the line.
		j, names := i, 0
		if known || titled {
			names++
		}
		for {
			ok, k := false, j+1
			if k < len(toks) && toks[k].isWord() && !toks[k].nl {
				if in, ie := caselessInitial(text, toks, k); in && ie+1 < len(toks) && !toks[ie+1].nl {
					n := ie + 1
					if r.caselessName(toks[n], flags[n]) || caselessUnknown(toks[n], flags[n]) && names > 0 {
						if r.caselessName(toks[n], flags[n]) {
							names++
						}
						j, ok = n, true
					}
				} else if (known || titled || j > i) && r.caselessName(toks[k], flags[k]) {
					// A word no list knows joins a known name only
					// across an initial.
					names++
					j, ok = k, true
				}
			}
			if !ok {
				break
			}
		}
		if names == 0 || j == i && !known && !titled || r.caselessNotPerson(text, toks, i, j) || inRanges(orgs, t.start) {
			continue
		}
		if !titled && (caselessPlaceContext(text, toks, i, j) || r.caselessNotName(text, toks, flags, i, j)) {
			continue
		}
		// A cue vouches as it does for capitalised words (run: 0.9);
		// the lists alone less.
		conf := 0.6
		if titled {
			conf = 0.85
		}
		out = append(out, Span{Start: t.start, End: toks[j].end, Category: Name, Confidence: conf, Detector: "name-caseless"})
		for k := i; k <= j; k++ {
			if r.caselessName(toks[k], flags[k]) {
				seen[toks[k].key] = true
			}
		}
		i = j
	}
	// The other mentions of a name found above are the same person even
	// where a verb before them could take a drug ("had given cormac his
	// address"): a document does not use one word for both.
	for _, t := range toks {
		if seen[t.key] && t.isWord() && !covered(found, t.start) && !covered(out, t.start) && !inRanges(orgs, t.start) {
			out = append(out, Span{Start: t.start, End: t.end, Category: Name, Confidence: 0.6, Detector: "name-caseless"})
		}
	}
	return append(out, r.caselessLists(text, toks, flags, out, orgs)...)
}

// caselessCued reports a word of caseless text after a medium cue that
// the cue makes a name. After a title ("dr. young", "mr. okafor") that is
// any word but a date word, a title or a credential, English or not,
// since a title is followed by a family name. After the other cues (a
// relative, "dear", "spoke with") the word must be one the name lists
// know, ambiguous ones included ("his wife hope", "brother finn"), but
// no curated common word ("his son will call").
func (r *nameRules) caselessCued(text string, toks []token, flags []wordFlag, i int) bool {
	f := flags[i]
	if f&(wTitle|wCredential|wMonth|wWeekday|wParticle) != 0 {
		return false
	}
	if afterTitle(text, toks, flags, i) {
		return f&(wFirst|wLast|wAmbiguous) != 0 || f&(wCommon|wEnglish) == 0
	}
	return f&(wFirst|wLast|wAmbiguous) != 0 && f&wCommon == 0
}

// afterTitle reports whether a title ("mr", "dr.") comes right before
// toks[i].
func afterTitle(text string, toks []token, flags []wordFlag, i int) bool {
	return i > 0 && flags[i-1]&wTitle != 0 && toks[i-1].isWord() ||
		i > 1 && tokText(text, toks, i-1) == "." && flags[i-2]&wTitle != 0 && toks[i-2].isWord()
}

// caselessNotPerson reports the words i..j as a drug, dose or organism:
// a number or unit after them, a medication verb before them, a drug's
// ending (notPersonContext without its case-based genus test).
func (r *nameRules) caselessNotPerson(text string, toks []token, i, j int) bool {
	if j+1 < len(toks) && !toks[j+1].nl && (toks[j+1].shape == shNum || toks[j+1].shape == shAlnum) {
		return true
	}
	if i > 0 && !toks[i].nl && toks[i-1].isWord() && medVerbs[toks[i-1].key] {
		switch toks[i-1].key {
		case "of", "and", "with", "or":
		default:
			return true
		}
	}
	for k := i; k <= j; k++ {
		if drugLike(toks[k].key) {
			return true
		}
	}
	return false
}

// caselessLists extends caseless names along lists of single words
// ("they had 3: silvana, adam and kristina"): when one item is a name
// found above, the items that a name list knows are names too, even
// ambiguous ones, since a list holds things of one kind.
func (r *nameRules) caselessLists(text string, toks []token, flags []wordFlag, found []Span, orgs [][2]int) []Span {
	var out []Span
	for i := 0; i < len(toks); i++ {
		items := readListCase(text, toks, i, true)
		if len(items) < 2 {
			continue
		}
		if inRanges(orgs, toks[i].start) {
			i = items[len(items)-1].last
			continue
		}
		named, ok := 0, true
		for _, it := range items {
			if it.first != it.last || toks[it.first].shape != shLower {
				ok = false
				break
			}
			if covered(found, toks[it.first].start) {
				named++
			} else if flags[it.first]&(wFirst|wLast) == 0 || flags[it.first]&(wCommon|wTitle|wCredential|wMonth|wWeekday|wCity|wState|wCountry) != 0 {
				ok = false
				break
			}
		}
		if ok && named > 0 && named < len(items) {
			for _, it := range items {
				if !covered(found, toks[it.first].start) {
					out = append(out, Span{Start: toks[it.first].start, End: toks[it.last].end, Category: Name, Confidence: 0.6, Detector: "name-caseless-list"})
				}
			}
		}
		i = items[len(items)-1].last
	}
	return out
}

// genusEndings end the Latin genus names of microbiology ("escherichia
// coli", "klebsiella pneumoniae"): a known name right after an unknown
// word with one of them is a species epithet.
var genusEndings = []string{"ia", "ella", "us", "um", "ium", "monas", "bacter", "myces", "ides"}

// caselessNotName reports words i..j of caseless text that the lists
// call a name but whose neighbours say otherwise:
//   - a single word of three letters ("vis", "dea"): short names and
//     clinical abbreviations collide too often without a capital;
//   - a bare double-barrelled word, a firm as often as a person
//     (orgRanges: "Weeks-Rivas");
//   - a street: after a house number or before a street type ("17
//     wendover st", "12 kingsley gardens");
//   - an eponym before its noun ("modic type 1");
//   - a species after its genus ("escherichia coli");
//   - the value of an organisation field ("insurance: harvard pilgrim").
func (r *nameRules) caselessNotName(text string, toks []token, flags []wordFlag, i, j int) bool {
	t := toks[i]
	if j == i && (t.end-t.start <= 3 || strings.Contains(text[t.start:t.end], "-")) {
		return true
	}
	if i > 0 && !t.nl && (toks[i-1].shape == shNum || toks[i-1].shape == shAlnum) {
		return true
	}
	if j+1 < len(toks) && !toks[j+1].nl && toks[j+1].isWord() && flags[j+1]&(wStreetSuffix|wStreetPrefix) != 0 {
		return true
	}
	if reEponymNoun.MatchString(text[toks[j].end:]) {
		return true
	}
	if i > 0 && !t.nl && toks[i-1].isWord() && flags[i-1] == 0 {
		for _, e := range genusEndings {
			if strings.HasSuffix(toks[i-1].key, e) {
				return true
			}
		}
	}
	return afterOrgLabel(text, toks, i)
}

// placePrepositions come before places far more often than before
// people ("returned to kiel", "in barra de carrasco"); without a capital
// to go by, a known name after one is left to the place rules.
var placePrepositions = keySet(`in at from to into near via across within toward towards`)

// placeLabels head a line that holds a place ("where: cite ben hjel").
var placeLabels = keySet(`where address addr location city town street place residence`)

// caselessPlaceContext reports words i..j of caseless text that read as
// a place: after a preposition of place, on a line labelled as a place,
// or before the state and postal code of an address ("delmas, mp
// 35739", "kiel 24103").
func caselessPlaceContext(text string, toks []token, i, j int) bool {
	if i > 0 && !toks[i].nl && placePrepositions[toks[i-1].key] && toks[i-1].isWord() {
		return true
	}
	// The line's label.
	l := i
	for l > 0 && !toks[l].nl {
		l--
	}
	if l+1 < i && placeLabels[toks[l].key] && tokText(text, toks, l+1) == ":" {
		return true
	}
	k := j + 1
	if k < len(toks) && !toks[k].nl && tokText(text, toks, k) == "," {
		k++
	}
	if k < len(toks) && !toks[k].nl && toks[k].isWord() && toks[k].end-toks[k].start == 2 {
		k++ // a state or province code
	}
	return k > j+1 && k < len(toks) && !toks[k].nl && toks[k].shape == shNum && toks[k].end-toks[k].start >= 4
}

// caselessOrgs is orgRanges for caseless text: a list of three or more
// single words that fills its line ("owens, duran and oneal") or that
// "at", "from", "for", "of", "joined" or "the" precede, and the words
// before an organisation word ("hubbard holdings"), name a firm.
func caselessOrgs(text string, toks []token) [][2]int {
	var out [][2]int
	for i := 1; i < len(toks); i++ {
		if toks[i].isWord() && orgSuffixWords[toks[i].key] && !toks[i].nl && toks[i-1].isWord() {
			j := i - 1
			for j > 0 && i-j < 3 && !toks[j].nl && toks[j-1].isWord() {
				j--
			}
			out = append(out, [2]int{toks[j].start, toks[i-1].end})
		}
	}
	for i := 0; i < len(toks); i++ {
		items := readListCase(text, toks, i, true)
		if len(items) < 2 {
			continue
		}
		last := items[len(items)-1].last
		org := len(items) >= 3 && (toks[i].nl || i > 0 && lineStart(toks, i-1)) && (last+1 >= len(toks) || toks[last+1].nl)
		if i > 0 && !toks[i].nl {
			switch toks[i-1].key {
			case "at", "from", "for", "of", "joined", "the":
				org = true
			}
		}
		if last+1 < len(toks) && !toks[last+1].nl && orgSuffixWords[toks[last+1].key] {
			org = true
		}
		if org {
			out = append(out, [2]int{toks[i].start, toks[last].end})
		}
		i = last
	}
	return out
}

// particleJoins joins two names that a particle separates in a line with
// no case signal ("CLAIRE DU PLESSIS", "yann le goff", "maika van de
// noort"): there a particle cannot show itself by its lower case, but one
// or two particles between two words already found as names belong to
// the family name, as they do in capitalised text (run). found are the
// merged spans of every rule.
func (r *nameRules) particleJoins(text string, toks []token, found []Span) []Span {
	var out []Span
	for a := 0; a+1 < len(found); a++ {
		sa := found[a]
		if sa.Category != Name || !caselessLine(text, sa.Start) {
			continue
		}
		k := tokenAt(toks, sa.End)
		p := k
		for p < len(toks) && p-k < 2 && !toks[p].nl && toks[p].isWord() && r.lx.words[toks[p].key]&wParticle != 0 {
			p++
		}
		if p == k || p >= len(toks) || toks[p].nl {
			continue
		}
		for _, sb := range found[a+1:] {
			if sb.Start > toks[p].start {
				break
			}
			if sb.Start == toks[p].start && sb.Category == Name {
				out = append(out, Span{Start: sa.Start, End: sb.End, Category: Name, Confidence: min(sa.Confidence, sb.Confidence), Detector: "name-particle"})
				break
			}
		}
	}
	return out
}
