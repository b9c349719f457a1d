package phi

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// cueStrength says how much a cue vouches for the words after it.
type cueStrength uint8

const (
	cueNone cueStrength = iota
	// cueWeak ("To:", "this is"): the words are a name only if one of
	// them is a known name or an initial.
	cueWeak
	// cueMedium (a title, "Dear", "his wife", "Attending:"): capitalised
	// words that are not common words are a name.
	cueMedium
	// cueStrong ("my name is", "Patient:"): lower-case words count too.
	cueStrong
)

var (
	reStrongCue = regexp.MustCompile(`(?i)\b(?:my\s+name\s+is|name\s+is|named|call\s+me|known\s+as|goes\s+by|(?:patient(?:'s)?|pt|full|legal|preferred|maiden|last|first|middle|given|family)?\s*name\s*[:?]|surname\s*:|patient\s*:|pt\s*:|client\s*:|member\s*:|guarantor\s*:|caller\s*:|last\s*:|first\s*:|middle\s*:)[ \t]*\(?[ \t]*`)
	reMediumCue = regexp.MustCompile(`(?i)\b(?:patient|dear|hi|hello|hey|called|spoke\s+(?:with|to)|talked\s+(?:with|to)|discussed\s+with|met\s+with|accompanied\s+by|referred\s+by|seen\s+by|evaluated\s+by|examined\s+by|dictated\s+by|signed\s+by|transcribed\s+by|reviewed\s+by|performed\s+by|written\s+by|directed\s+by|produced\s+by|starring|featuring|says|said|asked|told|wife|husband|son|daughter|mother|father|brother|sister|friend|partner|boyfriend|girlfriend|fianc[eé]e?|neighbou?r|caregiver|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|niece|nephew|aunt|uncle|cousin|kid|proxy|pastor|manager|coworker|colleague|roommate|landlord|guardian|(?:guardian|mother|father|parent|spouse|wife|husband|son|daughter|sister|brother|next\s+of\s+kin|emergency\s+contact|contact(?:\s+person)?|attending(?:\s+physician)?|physician|pcp|primary\s+care\s+(?:physician|provider)|provider|ordering\s+provider|referring(?:\s+(?:physician|provider))?|surgeon|assistant|anesthesia|anesthesiologist|resident|nurse|rn|np|dictated\s+by|signed\s+by|reviewed\s+by|author|interpreter|case\s+manager|social\s+worker|prescriber|submitting\s+physician|copy\s+to|reported\s+by|re|regarding)\s*:)[ \t]*[,(]?[ \t]*`)
	reWeakCue   = regexp.MustCompile(`(?i)\b(?:cc\s*:|attn\s*:|attention)[ \t]*[,(]?[ \t]*`)
	reSignOff   = regexp.MustCompile(`(?i)\b(?:sincerely|regards|thanks|thank\s+you|best\s+wishes|cheers|yours\s+truly|yours\s+faithfully|respectfully)[,.!]?[ \t]*\n[ \t\n]*`)
	// reEponymNoun follows an eponym: "Bell's palsy", "Foley catheter".
	reEponymNoun = regexp.MustCompile(`(?i)^(?:'s|’s|'|’)?[ \t]*(?:-[ \t]*\w+[ \t]+)?(?:disease|syndrome|palsy|sign|signs|test|catheter|drain|score|scale|criteria|classification|maneuver|manoeuvre|reflex|phenomenon|fracture|procedure|operation|repair|lymphoma|sarcoma|tumou?r|ulcer|node|nodes|stain|stockings?|tube|bag|line|point|triad|law|equation|formula|method|technique|index|rule|grade|stage|type|pattern|position|incision|approach|monitor|needle|forceps|retractor|body|bodies|cell|cells|esophagus|diverticulum|fundoplication|disease's)\b`)
)

// isNameCueWord triggers the name-cue patterns: every word they contain.
var isNameCueWord = keyIn(strings.Fields(`name named call known goes patient patients pt maiden surname middle client
	member guarantor caller dear hi hello hey called spoke talked discussed met accompanied referred seen evaluated examined
	dictated signed transcribed reviewed performed written directed produced starring featuring says said asked told wife
	husband son daughter mother father brother sister friend partner boyfriend girlfriend fiance fiancee neighbor neighbour
	caregiver grandson granddaughter grandmother grandfather grandma grandpa niece nephew aunt uncle cousin kid proxy pastor
	manager coworker colleague roommate landlord guardian parent spouse kin contact attending physician pcp provider referring
	surgeon assistant anesthesia anesthesiologist resident nurse rn np author interpreter worker prescriber submitting copy
	reported re regarding cc attn attention sincerely regards thanks thank wishes cheers truly faithfully respectfully`)...)

// nameRules find person names from dictionaries, titles, cues and
// shapes.
type nameRules struct{ lx *lexicon }

// nameFlags returns the dictionary flags of a word, looking at each part
// of a hyphenated name ("Nakamura-Bell"): it is a name if any part is,
// and ambiguous only if every named part is.
func (r *nameRules) nameFlags(key string) wordFlag {
	if !strings.Contains(key, "-") {
		return r.lx.flags(key)
	}
	whole := r.lx.flags(key)
	if whole&(wCommon|wEponym) != 0 && whole&(wFirst|wLast) == 0 {
		return whole // a listed compound word, "Medi-Cal", is no name whatever its parts
	}
	var names, amb wordFlag
	allAmb := true
	for _, p := range strings.Split(key, "-") {
		f := r.lx.flags(p)
		if f&(wFirst|wLast) != 0 {
			names |= f & (wFirst | wLast)
			if f&wAmbiguous == 0 {
				allAmb = false
			}
		}
	}
	if names != 0 && allAmb {
		amb = wAmbiguous
	}
	if names == 0 && whole == 0 && allWords(r.lx, key) {
		// A compound of common or dictionary words ("ex-boyfriend",
		// "follow-up") is a word itself, since 1.11.0.
		return wCommon
	}
	return whole | names | amb
}

// allWords reports a hyphenated key whose every part is a common or
// dictionary word.
func allWords(lx *lexicon, key string) bool {
	for _, p := range strings.Split(key, "-") {
		if p != "" && lx.flags(p)&(wCommon|wEnglish) == 0 {
			return false
		}
	}
	return true
}

func (r *nameRules) isInitial(text string, toks []token, i int) bool {
	t := toks[i]
	if t.shape != shCap || utf8.RuneCountInString(text[t.start:t.end]) != 1 {
		return false
	}
	if i+1 < len(toks) && toks[i+1].start == t.end && text[toks[i+1].start:toks[i+1].end] == "." {
		return true
	}
	if i+1 >= len(toks) || !toks[i+1].isCap() || toks[i+1].nl {
		return false
	}
	if s := text[t.start:t.end]; s == "I" || s == "A" {
		// "Martim A Pereira": a middle "A" or "I" only between a given
		// and a family name.
		return i > 0 && !t.nl && toks[i-1].shape == shCap && r.lx.flags(toks[i-1].key)&wCommon == 0 && r.lx.flags(toks[i+1].key)&wLast != 0
	}
	return true
}

// nextWord returns the index of the word after toks[i], skipping the
// period of an initial or title, or -1 if none follows on the same line.
func nextWord(text string, toks []token, i int) int {
	j := i + 1
	if j < len(toks) && toks[j].shape == shPunct && text[toks[j].start:toks[j].end] == "." && toks[j].start == toks[i].end {
		j++
	}
	if j < len(toks) && toks[j].isWord() && !toks[j].nl {
		return j
	}
	return -1
}

// find reports names.
//
// It also returns the ranges of organisations made of surnames it found
// ("Brennan, Whitlock and Hale"), which no other name finder may call
// people either.
func (r *nameRules) find(text string, toks []token) ([]Span, [][2]int) {
	// A column of initials is read in the text as written: in capitals
	// too, a run of rows ending in two or three letters is one.
	cased := text
	if isAllUpper(text) {
		// Text all in capitals carries no case signal either: every word
		// looks like a name or a heading. It is read as caseless text
		// (names_caseless.go) in lower case, which has the same offsets
		// when lower-casing keeps every letter's length.
		if lower := strings.ToLower(text); len(lower) == len(text) {
			text, toks = lower, tokenize(lower)
		}
	}
	n := len(toks)
	flags := make([]wordFlag, n)
	for i, t := range toks {
		if t.isWord() {
			flags[i] = r.nameFlags(t.key)
			// An all-capitals word is a heading or an abbreviation ("UTI",
			// "REGISTRATION") more often than a name only the generated
			// lists know.
			// A word the curated lists call a place, month or weekday is
			// not a name because the generated lists say so ("Kraków").
			if flags[i]&wExtName != 0 && (t.shape == shUpper || flags[i]&(wCity|wState|wCountry|wMonth|wWeekday) != 0) {
				flags[i] &^= wFirst | wLast | wExtName
			}
		}
	}
	cue := r.cues(text, toks, flags)
	r.moreCues(text, toks, flags, cue)
	orgs := r.orgRanges(text, toks, flags, cue)

	var out []Span
	for i := 0; i < n; i++ {
		t := toks[i]
		if !t.isWord() {
			continue
		}
		if cue[i] < cueMedium && afterOrgLabel(text, toks, i) {
			// "Primary insurance: Harvard Pilgrim", "Employer: Riverbend
			// Construction": the value of an organisation field.
			for i+1 < len(toks) && !toks[i+1].nl && toks[i+1].isCap() {
				i++
			}
			continue
		}
		if flags[i]&wTitle != 0 && t.isCap() {
			// A title that is also a family name ("Pastor", "Bishop")
			// before a name is the title: the name starts after it.
			if nw := nextWord(text, toks, i); nw > 0 && toks[nw].isCap() && (nw == i+1 || nw == i+2) {
				continue
			}
		}
		start, end, conf := r.run(text, toks, flags, cue, i)
		if end <= start {
			continue
		}
		if cue[i] < cueMedium && r.labelAndLetter(text, toks, flags, start, end) {
			i = tokenAt(toks, end) - 1
			continue
		}

		// Eponyms: "Murphy's sign", "Foley catheter", "Graves' disease".
		last := tokenAt(toks, end) - 1
		if cue[i] < cueMedium && reEponymNoun.MatchString(text[end:]) {
			i = last
			continue
		}
		out = append(out, Span{Start: toks[start].start, End: end, Category: Name, Confidence: conf, Detector: "name"})
		i = last
	}
	mode := docCase(text)
	out = append(out, r.credentialNames(text, toks, flags, mode == 'm')...)
	out = append(out, r.speakerNames(text, toks, flags)...)
	out = append(out, r.chatSenders(text)...)
	out = append(out, r.lowerNames(text, toks, flags)...)
	out = append(out, r.findInitials(cased, toks)...)
	out = append(out, r.initialsColumn(cased)...)
	out = dropOrgs(out, orgs)
	out = append(out, r.listNames(text, toks, flags, out, orgs)...)
	out = append(out, dropOrgs(r.foreignNames(text, toks, flags, out), orgs)...)
	out = append(out, dropOrgs(r.patronymNames(text, toks, flags, out), orgs)...)
	if mode == 'l' {
		out = append(out, r.caselessNames(text, toks, flags, cue, out)...)
	}
	return out, orgs
}

// The cue patterns all start with \b and an ASCII letter, so they run
// only at word starts (atWordStarts, 1.17.0). Where reStrongCue's
// optional prefix is absent FindAll's match may start at the spaces
// before "name:"; the end, which is all cues reads, is the same.
var (
	findWeakCue   = atWordStarts(anchored(reWeakCue))
	findMediumCue = atWordStarts(anchored(reMediumCue))
	findSignOff   = atWordStarts(anchored(reSignOff))
	findStrongCue = atWordStarts(anchored(reStrongCue))
)

// cues marks the tokens that follow a name cue with its strength. Each
// cue pattern runs around the words it contains (findNear); a token is
// cued when a match ends where it starts.
func (r *nameRules) cues(text string, toks []token, flags []wordFlag) []cueStrength {
	cue := make([]cueStrength, len(toks))
	mark := func(find func(window string) [][]int, strength cueStrength, acrossLines bool) {
		for _, m := range findNear(text, toks, isNameCueWord, 4, 2, find) {
			i := tokenAt(toks, m[1])
			if i >= len(toks) || toks[i].start != m[1] || !toks[i].isWord() {
				continue
			}
			if toks[i].nl && !acrossLines {
				continue
			}
			cue[i] = max(cue[i], strength)
		}
	}
	mark(findWeakCue, cueWeak, false)
	mark(findMediumCue, cueMedium, false)
	mark(findSignOff, cueMedium, true)
	mark(findStrongCue, cueStrong, false)
	for i, t := range toks {
		if !t.isWord() || t.nl {
			continue
		}
		// "Dr. Smith", "Mr Okafor", "ms. lee": the title's period (if any)
		// sits between.
		// (Only an abbreviated title takes a period: after "chaplain."
		// the sentence ends.)
		if i > 0 && flags[i-1]&wTitle != 0 && toks[i-1].isWord() ||
			i > 1 && toks[i-1].shape == shPunct && text[toks[i-1].start:toks[i-1].end] == "." && flags[i-2]&wTitle != 0 && toks[i-2].isWord() && toks[i-2].end-toks[i-2].start <= 5 {
			cue[i] = max(cue[i], cueMedium)
		}
	}
	return cue
}

// nameWord reports whether toks[i] may be part of a name, and whether it
// is a dictionary name.
func (r *nameRules) nameWord(text string, toks []token, flags []wordFlag, i int, lower bool) (ok, known bool) {
	t := toks[i]
	f := flags[i]
	if !t.isWord() {
		return false, false
	}
	if r.isInitial(text, toks, i) {
		return true, true
	}
	if w := text[t.start:t.end]; w == "ª" || w == "º" {
		return false, false // the ordinal of "Dr.ª", "Sr.º"
	}
	if isContraction(strings.ToLower(text[t.start:t.end])) || t.end-t.start == 1 && (t.key == "s") && i > 0 && toks[i-1].end == t.start && strings.ContainsAny(text[toks[i-1].start:toks[i-1].end], "'’") {
		// "I'll", "he'll"; the "S" of a possessive ("PATIENT'S BIRTH").
		return false, false
	}
	if lower && t.shape == shLower && t.end-t.start == 1 && i > 0 && !t.nl && toks[i-1].isWord() && (i+1 < len(toks) && !toks[i+1].nl &&
		(toks[i+1].isWord() || text[toks[i+1].start:toks[i+1].end] == "." && toks[i+1].start == t.end) ||
		(i+1 == len(toks) || toks[i+1].nl) && t.key != "a" && t.key != "i") {
		// A lower-case middle initial after a strong cue ("hyuuma t.
		// maida"), or the initial that ends the line ("garcia, maria l").
		return true, true
	}
	if f&(wTitle|wCredential|wMonth|wWeekday|wStreetSuffix|wState|wCountry) != 0 && f&(wFirst|wLast) == 0 ||
		f&wStreetPrefix != 0 && t.key != "place" || r.lx.streetShaped(text, t) && f&(wFirst|wLast) == 0 {
		return false, false // "Rua", "Koskikatu": streets, not people
	}
	if t.shape == shUpper && t.end-t.start <= 3 && (f&(wFirst|wLast) == 0 || r.lx.stateAbbr[text[t.start:t.end]]) {
		return false, false // "MD", "ED", "RLQ", "MA"
	}
	if !t.isCap() && !(lower && t.end-t.start >= 3) {
		return false, false
	}
	if lower && t.shape == shLower && dictatedMark[t.key] {
		return false, false // "goes by sheba period": the dictation's full stop
	}
	known = f&(wFirst|wLast) != 0 && f&wAmbiguous == 0
	if f&(wCommon|wEponym) != 0 && f&(wFirst|wLast) == 0 {
		return false, false
	}
	return true, known || f&(wFirst|wLast) != 0
}

// patronymicLink are the words for "son of" and "daughter of" that join
// a given name to a father's in Arabic, Hassaniya, Malay, Tuareg and
// Sudanese names and that the lexicon's particles leave out (1.23.0):
// "Mbarek ould Salem", "Fatimetou mint Oumar", "Siti binti Ahmad",
// "Intalla ag Attaher". They join two name words only, in lower case (or
// in capitals between capitals), like the particles; they are not
// lexicon flags, so the tagger's features do not change.
var patronymicLink = map[string]bool{"ould": true, "mint": true, "bint": true, "binti": true, "bte": true, "ag": true, "wad": true, "walad": true}

// dictatedMark holds the punctuation a dictation speaks (1.23.0): in a
// transcript in lower case "period" and "comma" end a name, they are never
// one.
var dictatedMark = map[string]bool{"period": true, "comma": true, "colon": true, "semicolon": true, "paragraph": true, "hyphen": true, "slash": true, "quote": true, "unquote": true}

// run tries to read a name starting at toks[i] and returns the first
// token, the end offset and the confidence, or end <= start for none.
func (r *nameRules) run(text string, toks []token, flags []wordFlag, cue []cueStrength, i int) (int, int, float64) {
	c := cue[i]
	lower := c == cueStrong
	ok, _ := r.nameWord(text, toks, flags, i, lower)
	if !ok {
		return 0, 0, 0
	}
	// Gather the run: name words, initials and particles on one line, and
	// "LAST, First" when the first part is cued or both are names.
	j := i
	words, known, strongKnown, unknown, initials, firsts, shaped := 0, 0, 0, 0, 0, 0, 0
	// foreign counts words no list knows (foreignWord), english the
	// words of the English dictionary, names or not.
	foreign, english := 0, 0
	place, common := false, false
	// particles counts the Dutch and German particles inside the run
	// ("ten", "van", "von").
	particles := 0
	lastEnd := toks[i].end
	for j < len(toks) {
		if j > i && toks[j].nl {
			break
		}
		w, k := r.nameWord(text, toks, flags, j, lower)
		if !w {
			// Particles between two name words ("Willemine ten Pas",
			// "Maika van de Noort").
			if j > i && toks[j].isWord() && (flags[j]&wParticle != 0 || patronymicLink[toks[j].key]) {
				p := j
				// In capitals ("JEAN-BAPTISTE LE GOFF", "CLAIRE DU
				// PLESSIS") the particles are capitals too.
				upper := toks[j-1].shape == shUpper
				for p < len(toks) && p-j < 3 && !toks[p].nl && toks[p].isWord() && (flags[p]&wParticle != 0 || patronymicLink[toks[p].key]) && (toks[p].shape == shLower || upper && toks[p].shape == shUpper) {
					p++
					if !germanicParticle[toks[j].key] && !(romanceArticle(toks, j, p) && r.curatedName(flags[j-1]) && p+1 < len(toks) && r.lx.words[toks[p+1].key]&(wFirst|wLast) != 0 && r.lx.words[toks[p+1].key]&wCity == 0) {
						// Only "van de", "von der" join two particles;
						// "de la" is in place names ("Chiclana de la
						// Frontera") as often, so it joins only after a
						// word of the curated name lists (no town) and
						// before a known name that is no curated town
						// ("Fernández de la Vega").
						break
					}
				}
				if p > j && p < len(toks) && !toks[p].nl {
					if w2, _ := r.nameWord(text, toks, flags, p, lower); w2 && toks[p].isCap() {
						if p > j && germanicParticle[toks[j].key] {
							particles++
						}
						j = p
						continue
					}
				}
			}
			// "Jr", "Sr", "II", "III" after a name.
			if j > i && toks[j].isWord() && isNameSuffix(toks[j].key) {
				lastEnd = toks[j].end
				j++
				continue
			}
			break
		}
		if unknown >= 2 && !k && c < cueMedium {
			break
		}
		words++
		switch {
		case r.isInitial(text, toks, j):
			initials++
		case k:
			known++
			if flags[j]&wAmbiguous == 0 {
				strongKnown++
			}
			if flags[j]&wFirst != 0 {
				firsts++
			}
		default:
			unknown++
			if r.nameShaped(text, toks[j], flags[j]) {
				shaped++
			} else if r.foreignWord(text, toks[j], flags[j]) {
				foreign++
			}
		}
		if flags[j]&(wCity|wCityExt|wState|wCountry) != 0 && flags[j]&(wFirst|wLast) == 0 {
			place = true
		}
		common = common || flags[j]&(wCommon|wAmbiguous) != 0
		if flags[j]&wEnglish != 0 {
			english++
		}
		lastEnd = toks[j].end
		if nj := nextWord(text, toks, j); nj > 0 && (nj == j+1 || r.isInitial(text, toks, j) || lower && toks[j].shape == shLower && toks[j].end-toks[j].start == 1) && !wideGap(text[toks[j].end:toks[nj].start]) {
			// (A lower-case initial keeps its period after a strong cue:
			// "hyuuma t. maida".)
			j = nj
		} else if j+2 < len(toks) && text[toks[j+1].start:toks[j+1].end] == "," && !toks[j+2].nl && words == 1 && r.commaName(text, toks, flags, c, j, lower) {
			// "SMITH, JOHN", "Whitfield, Gwendolyn A."
			j += 2
		} else {
			break
		}
	}
	if words == 0 {
		return 0, 0, 0
	}
	if lastEnd < len(text) && text[lastEnd] == '.' && initials > 0 && r.isInitial(text, toks, tokenAt(toks, lastEnd)-1) {
		lastEnd++
	}
	first := toks[i]
	if words == 1 && c < cueStrong && r.speciesAfter(text, toks, tokenAt(toks, lastEnd)) {
		// "Candida albicans", "Sarcina ventriculi": a genus that is also a
		// given name, before its species.
		return 0, 0, 0
	}
	switch {
	case c >= cueMedium:
		if words == 1 && known == 0 && c < cueStrong && first.sent && first.shape == shUpper {
			return 0, 0, 0
		}
		if words == 1 && known == 0 && english == 1 && flags[i]&wNameWord == 0 && first.shape != shCap && (c < cueStrong || first.shape == shLower) {
			// A dictionary word that is no name, in capitals or lower
			// case after a role word, is the sentence going on ("SISTER
			// TURNS 96", "call me directly"), not a name (1.13.0);
			// "daughter Hope" and "daughter Mercy" stay, and so does a
			// word in title case, which may be a name no list holds
			// ("nurse Fatty").
			return 0, 0, 0
		}
		return i, lastEnd, 0.9
	case strongKnown > 0 && words >= 2:
		return i, lastEnd, 0.9
	case words >= 2 && initials > 0 && (known > 0 || unknown > 0) && words > initials:
		return i, lastEnd, 0.85
	case c == cueWeak && (strongKnown > 0 || initials > 0):
		return i, lastEnd, 0.8
	case strongKnown > 0 && flags[i]&wFirst != 0:
		return i, lastEnd, 0.75
	case strongKnown > 0:
		if first.sent && words == 1 && first.shape == shUpper {
			return 0, 0, 0
		}
		return i, lastEnd, 0.65
	case known >= 2 && firsts > 0 && !first.sent:
		// Two ambiguous names together ("Grant Young") away from a
		// sentence start.
		return i, lastEnd, 0.6
	case known == 1 && firsts == 1 && unknown >= 1 && !first.sent:
		// An ambiguous given name and an unknown family name ("Grant
		// Okafor") away from a sentence start.
		return i, lastEnd, 0.6
	case shaped > 0 && words >= 2 && words <= 3 && !place:
		// Foreign names the dictionaries miss ("Krisztián Szöllösy").
		return i, lastEnd, 0.7
	case c == cueWeak && shaped > 0:
		return i, lastEnd, 0.8
	case foreign > 0 && words >= 2 && words <= 3 && !place && english == 0 && !common:
		// Two or three capitalised words, none of them English and at
		// least one known to no list ("Gyala Antall", "Tukema Dibivep").
		return i, lastEnd, 0.7
	case c == cueWeak && foreign > 0 && english == 0:
		return i, lastEnd, 0.75
	case particles > 0 && words >= 2 && words <= 4 && !place && first.shape == shCap && r.lx.phrases[fold(text[first.start:lastEnd])] == 0:
		// A lower-case "van", "von", "ten" or "ter" between capitalised
		// words ("Willemine ten Pas", "Maika van de Noort"): in English
		// text these particles occur inside Dutch and German family names;
		// the Romance ones ("de", "del", "da") are left out because they
		// are as common in place and institution names ("Villafranca del
		// Cid", "Hospital de la Santa Creu").
		return i, lastEnd, 0.75
	case words <= 3 && !place && !common && !(words == 1 && first.shape == shUpper) && !(known == 0 && english == words && flags[i]&wNameWord == 0) && personVerbAfter(text, toks, lastEnd):
		// (Not a dictionary word that is no name: "Granddaughter asked",
		// "Accommodations agreed"; 1.13.0.)
		// "Tomomi lives on...", "Mehrudin shouted at..."
		return i, lastEnd, 0.75
	}
	return 0, 0, 0
}

// isContraction reports a pronoun's contraction ("i'll", "he'd",
// "we're"), which ends a name run rather than joining it.
func isContraction(key string) bool {
	i := strings.IndexAny(key, "'’")
	if i <= 0 {
		return false
	}
	switch key[:i] {
	case "i", "he", "she", "we", "they", "you", "it", "that", "there", "who":
		switch strings.TrimLeft(key[i:], "'’") {
		case "ll", "ve", "re", "d", "m", "s":
			return true
		}
	}
	return false
}

// labelAndLetter reports a two-part run that is a list label and a word
// or a drug and its result, not an initial and a name (since 1.9.0): a
// pathology part at a line's start ("A. Sigmoid colon", "B. Distal
// margin") or a susceptibility ("Ampicillin R", "Cefepime S").
func (r *nameRules) labelAndLetter(text string, toks []token, flags []wordFlag, start, end int) bool {
	var words []int
	for k := start; k < len(toks) && toks[k].start < end; k++ {
		if toks[k].isWord() {
			words = append(words, k)
		}
	}
	if len(words) != 2 {
		return false
	}
	a, b := words[0], words[1]
	single := func(k int) bool { return toks[k].end-toks[k].start == 1 && toks[k].shape == shCap }
	known := func(k int) bool { return flags[k]&(wFirst|wLast) != 0 && flags[k]&wAmbiguous == 0 }
	switch {
	case single(a) && (a == 0 || toks[a].nl || toks[a-1].shape == shPunct && lineStart(toks, a-1)):
		// "A. Sigmoid": a part letter opening its line, before a word of
		// the dictionary that no name list knows, or before any word no
		// name list knows when the next or previous letter opens another
		// line the same way ("B. Distal margin" under "A. ...").
		if known(b) {
			return false
		}
		if flags[b]&wEnglish != 0 {
			return true
		}
		c := text[toks[a].start]
		return flags[b]&(wFirst|wLast) == 0 && (strings.Contains(text, "\n"+string(c-1)+". ") || strings.Contains(text, "\n"+string(c+1)+". "))
	case single(b) && strings.ContainsRune("RSI", rune(text[toks[b].start])) && !known(a):
		k := toks[a].key
		// Cephalosporins, carbapenems and beta-lactamase inhibitors too.
		return drugLike(k) || strings.HasPrefix(k, "cef") || strings.HasSuffix(k, "penem") || strings.HasSuffix(k, "bactam")
	}
	return false
}

// commaName reports whether toks[j] "," toks[j+2] reads "LAST, First":
// the run is cued, or both are upper case, or the first is a known family
// name and the second a known given name.
func (r *nameRules) commaName(text string, toks []token, flags []wordFlag, c cueStrength, j int, lower bool) bool {
	k := j + 2
	w, _ := r.nameWord(text, toks, flags, k, lower)
	if !w {
		return false
	}
	switch {
	case c >= cueMedium:
		return true
	case toks[j].shape == shUpper && toks[k].shape == shUpper && flags[k]&wFirst != 0:
		return true
	case flags[j]&wLast != 0 && flags[j]&wAmbiguous == 0 && flags[k]&wFirst != 0 && flags[k]&wAmbiguous == 0:
		return true
	}
	return false
}

// afterOrgLabel reports whether toks[i] is the first word after the
// label of a field that holds an organisation ("Insurance:", "Employer:").
func afterOrgLabel(text string, toks []token, i int) bool {
	if i < 2 || toks[i].nl || text[toks[i-1].start:toks[i-1].end] != ":" {
		return false
	}
	switch toks[i-2].key {
	case "insurance", "insurer", "payer", "payor", "carrier", "employer", "company", "organization", "organisation",
		"pharmacy", "hospital", "facility", "clinic", "agency", "school", "lab", "laboratory", "vendor", "manufacturer":
		return true
	}
	return false
}

// curatedName reports a word of the curated name lists that is no curated
// town (many family names are also small towns of the gazetteer).
func (r *nameRules) curatedName(f wordFlag) bool {
	return f&(wFirst|wLast) != 0 && f&(wExtName|wCity) == 0
}

// speciesEndings end Latin species epithets ("albicans", "aureus",
// "pneumoniae", "glabrata" is left out: "-a" ends too many words).
var speciesEndings = []string{"ans", "ens", "ae", "ii", "us", "um", "is", "ica", "ata", "osa", "ina", "ella"}

// speciesAfter reports a lower-case Latin species epithet at toks[k] on
// the same line: a word no English list knows with a Latin ending. After
// a capitalised word it makes that word a genus, whatever the name lists
// say, since binomial names write the species in lower case.
func (r *nameRules) speciesAfter(text string, toks []token, k int) bool {
	if k >= len(toks) || toks[k].nl || toks[k].shape != shLower || toks[k].end-toks[k].start < 4 || toks[k].start == toks[k-1].end {
		return false
	}
	w := toks[k].key
	if r.lx.words[w]&(wEnglish|wCommon|wFirst|wLast|wParticle) != 0 {
		return false
	}
	for _, e := range speciesEndings {
		if strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// romanceArticle reports "de la", "de las", "de los": a Spanish
// particle followed by its article, the second word at toks[p].
func romanceArticle(toks []token, j, p int) bool {
	if toks[j].key != "de" || p >= len(toks) || p != j+1 {
		return false
	}
	switch toks[p].key {
	case "la", "las", "los":
		return true
	}
	return false
}

// germanicParticle are the particles of Dutch and German family names
// (see the particle case in run).
var germanicParticle = keySet(`van von ten ter vom zu`)

func isNameSuffix(k string) bool {
	switch k {
	case "jr", "sr", "ii", "iii", "iv":
		return true
	}
	return false
}

// credentialNames reports the words before a credential on the same line
// ("Kofi Mensah, CRNA", "J. Patterson, RN", "Hunter, Ashley PA-C").
// mixed is whether the text is in mixed case (docCase).
func (r *nameRules) credentialNames(text string, toks []token, flags []wordFlag, mixed bool) []Span {
	var out []Span
	for c := 1; c < len(toks); c++ {
		t := toks[c]
		if !t.isWord() || flags[c]&wCredential == 0 || t.shape != shUpper && !isMixedCredential(text[t.start:t.end]) || t.nl {
			continue
		}
		// A role label names no one before it: "Infusion RN: Ha Phuong",
		// "OPAT RN:" (1.11.0).
		if c+1 < len(toks) && text[toks[c+1].start:toks[c+1].end] == ":" {
			continue
		}
		i := c - 1
		comma := text[toks[i].start:toks[i].end] == ","
		if comma {
			i--
		}
		end := -1
		start := -1
		words := 0
		for i >= 0 && words < 4 {
			w, _ := r.nameWord(text, toks, flags, i, false)
			if !w {
				if toks[i].shape == shPunct && text[toks[i].start:toks[i].end] == "." && i > 0 && r.isInitial(text, toks, i-1) {
					i--
					continue
				}
				if toks[i].shape == shPunct && text[toks[i].start:toks[i].end] == "," && words == 1 && i > 0 && toks[i-1].isCap() && !toks[i+1].nl {
					i--
					continue
				}
				break
			}
			if end < 0 {
				end = toks[i].end
			}
			start = toks[i].start
			words++
			if toks[i].nl || toks[i].sent {
				break
			}
			i--
		}
		if words == 1 && !comma && flags[c-1]&(wFirst|wLast) == 0 && (flags[c-1]&(wEnglish|wCommon|wCity|wCityExt) != 0 || mixed && toks[c-1].shape == shUpper && toks[c-1].end-toks[c-1].start >= 4) {
			// One plain word before the credential is the role's
			// qualifier ("Ordering NP", "Charge RN"), not a surname; so
			// are a town and, in text with case, an abbreviation of
			// four letters or more ("Lakeshore PT", "OPAT RN"; 1.13.0;
			// shorter ones may be a person's initials, "MK RN").
			continue
		}
		if words > 0 {
			out = append(out, Span{Start: start, End: end, Category: Name, Confidence: 0.9, Detector: "name-credential"})
		}
	}
	return out
}

// isMixedCredential accepts credentials written in mixed case.
func isMixedCredential(s string) bool {
	switch s {
	case "PhD", "PharmD", "PsyD", "PA-C", "MBBS":
		return true
	}
	return false
}

// wideGap reports a gap between words that separates columns of a form
// ("Teodoro     Middle:"), not words of one name.
func wideGap(gap string) bool {
	return strings.Contains(gap, "\t") || strings.Contains(gap, "   ")
}

// headerNames finds a line that holds only a name-shaped run of
// capitalised words (two to four, no common words) directly above an
// address or a phone number: the addressee or signature line of a letter
// or form ("Ignacio Fuentes-Vidal\n2207 West Magnolia Ave"). blocks are
// the LOCATION and PHONE spans already found.
func (r *nameRules) headerNames(text string, toks []token, blocks []Span) []Span {
	var out []Span
	for i := 0; i < len(toks); {
		if !toks[i].nl && i > 0 {
			i++
			continue
		}
		// The line's tokens, skipping leading marks ("> ", "??? ").
		j := i
		for j < len(toks) && toks[j].shape == shPunct && (j == i || !toks[j].nl) {
			j++
		}
		k := j
		for k < len(toks) && (k == j || !toks[k].nl) {
			k++
		}
		start := j
		i = k
		if k-start < 2 || k-start > 5 {
			continue
		}
		words, ok := 0, true
		for t := start; t < k && ok; t++ {
			switch {
			case toks[t].shape == shPunct && text[toks[t].start:toks[t].end] == ".":
			case toks[t].isWord() && toks[t].isCap() && r.lx.flags(toks[t].key)&(wCommon|wTitle|wCredential|wStreetSuffix|wStreetPrefix|wCountry|wState|wMonth|wWeekday) == 0:
				words++
			case toks[t].isWord() && r.lx.words[toks[t].key]&wParticle != 0:
			default:
				ok = false
			}
		}
		if !ok || words < 2 || k >= len(toks) {
			continue
		}
		// The next line starts an address or phone block.
		next := toks[k].start
		for _, b := range blocks {
			if b.Start >= next && b.Start <= next+4 && (b.Category == Location || b.Category == Phone) {
				out = append(out, Span{Start: toks[start].start, End: toks[k-1].end, Category: Name, Confidence: 0.7, Detector: "name-header"})
				break
			}
		}
	}
	return out
}
