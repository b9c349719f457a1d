package phi

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// BuiltinVersion changes whenever a rule, word list or the tagger's
// features change the built-in detector's output; Version adds the
// tagger model's digest, which changes when the model is retrained.
const BuiltinVersion = "1.23.0"

// Builtin is Kiln's own rule-based detector: patterns with validators,
// context words, dictionaries and patient-aware matching (see the package
// documentation). It holds only read-only tables and is safe for
// concurrent use; build one with NewBuiltin and share it.
type Builtin struct {
	lx    *lexicon
	loc   *locationRules
	names *nameRules
	// hintRE caches the patterns compiled from Hints (see reCache).
	hintRE *reCache
	// tagger is the learned part (tagger.go); nil when left out.
	tagger *taggerModel
}

// BuiltinOption changes how NewBuiltin builds the detector.
type BuiltinOption func(*builtinConfig) error

type builtinConfig struct {
	tagger   *taggerModel
	noTagger bool
}

// WithTaggerModel makes the detector use the tagger model read from r (as
// written by TrainTagger) instead of the embedded one.
func WithTaggerModel(r io.Reader) BuiltinOption {
	return func(c *builtinConfig) error {
		m, err := readTaggerModel(r)
		c.tagger = m
		return err
	}
}

// WithoutTagger leaves the learned tagger out: the rules alone.
func WithoutTagger() BuiltinOption {
	return func(c *builtinConfig) error { c.noTagger = true; return nil }
}

// NewBuiltin loads the embedded word lists and tagger model and compiles
// the rules.
func NewBuiltin(opts ...BuiltinOption) (*Builtin, error) {
	lx, err := sharedLexicon()
	if err != nil {
		return nil, fmt.Errorf("phi: built-in detector: %w", err)
	}
	var cfg builtinConfig
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("phi: built-in detector: %w", err)
		}
	}
	if cfg.tagger == nil && !cfg.noTagger {
		if cfg.tagger, err = sharedTagger(); err != nil {
			return nil, fmt.Errorf("phi: built-in detector: %w", err)
		}
	}
	if cfg.noTagger {
		cfg.tagger = nil
	}
	return &Builtin{lx: lx, loc: newLocationRules(lx), names: &nameRules{lx: lx}, hintRE: newRECache(4096), tagger: cfg.tagger}, nil
}

// tagged returns the tagger's spans, none when it is left out. Its names
// pass the guards the rules' names pass: not inside an organisation made
// of surnames (orgs, from the name rules), not an eponym before its noun
// ("Hartmann procedure"), not a genus or species ("Escherichia coli");
// its places are not departments ("at UCSF in Neuro-ICU").
func (b *Builtin) tagged(text string, toks []token, orgs [][2]int) []Span {
	if b.tagger == nil || len(b.tagger.index) == 0 {
		return nil
	}
	fx := newFeaturizer(b.lx, text)
	labels, probs := b.tagger.tag(fx, text, toks)
	spans := b.tagger.spans(fx, text, toks, labels, probs)
	out := spans[:0]
	for _, s := range spans {
		if s.Category == Name && b.notPersonHere(text, toks, s, fx.caseMode == 'l') {
			continue
		}
		if s.Category == Location && b.loc.departmentAt(text, toks, tokenAt(toks, s.Start)) {
			continue
		}
		out = append(out, s)
	}
	return dropOrgs(out, orgs)
}

// reIsAThing: a subject the sentence calls a thing ("Vultrano is a design
// agency", "Kestrova was the app we used"), 1.15.0.
var reIsAThing = regexp.MustCompile(`(?i)^[ \t]+(?:is|was)[ \t]+(?:a|an|the)[ \t]+(?:[a-z-]+[ \t]+){0,2}(?:agency|company|firm|brand|startup|band|restaurant|app|platform|product|store|shop|hotel|business|organi[sz]ation|charity|nonprofit|studio|bakery|cafe|club|team|service|website|site|software|tool|device|drug|medication|vaccine|supplement|pharmacy|clinic|hospital|village|town|city|river|lake|mountain)\b`)

// notPersonHere reports a name span that the words around it make
// something else: an eponym before its noun, a genus before its species
// or a species after its genus, the value of an organisation field.
func (b *Builtin) notPersonHere(text string, toks []token, s Span, caseless bool) bool {
	first, next := tokenAt(toks, s.Start), tokenAt(toks, s.End)
	if reEponymNoun.MatchString(text[s.End:]) || b.names.speciesAfter(text, toks, next) || reIsAThing.MatchString(text[s.End:]) {
		return true
	}
	if first > 0 && toks[first-1].isWord() && b.names.speciesAfter(text, toks, first) {
		return true
	}
	if first > 0 && caseless && toks[first-1].isWord() && !toks[first].nl &&
		toks[first-1].end-toks[first-1].start >= 5 && b.lx.flags(toks[first-1].key) == 0 {
		// Without case, a word after one no list knows is more often the
		// second word of a genus and species, a drug or a foreign phrase
		// ("escherichia coli") than a name: the rules' caseless names
		// need their own cues.
		return true
	}
	// The span may start inside the field's value, the tagger having
	// taken only its last word for a name ("Insurance: Harvard Pilgrim").
	for k := first; k > first-4; k-- {
		if afterOrgLabel(text, toks, k) {
			return true
		}
		if k == 0 || toks[k].nl || !toks[k-1].isCap() {
			break
		}
	}
	return false
}

// Name implements Detector.
func (b *Builtin) Name() string { return "kiln-builtin" }

// Version implements Detector: the rules' version and the tagger model's
// digest ("1.9.0+tagger.1a2b3c4d"), or "+rules" when it is left out.
func (b *Builtin) Version() string {
	if b.tagger == nil {
		return BuiltinVersion + "+rules"
	}
	return BuiltinVersion + "+tagger." + b.tagger.digest
}

// Detect implements Detector: it runs every rule and the patient-aware
// matcher and returns their merged, tidied spans.
func (b *Builtin) Detect(ctx context.Context, text string, hints Hints) ([]Span, error) {
	toks := tokenize(text)
	var orgs, headers [][2]int
	stages := []func() []Span{
		func() []Span { return findEmails(text) },
		func() []Span { return findURLs(text) },
		func() []Span { return findIPs(text) },
		func() []Span { return findIDs(text, toks) },
		func() []Span { return findHandles(text, toks, b.lx) },
		func() []Span {
			var cells []Span
			cells, headers = findTableColumns(text)
			return cells
		},
		func() []Span { return findPhones(text, toks) },
		func() []Span { return findSpokenPhones(text, toks) },
		func() []Span { return findSpokenIDs(text, toks) },
		func() []Span { return findShortPhones(text, toks) },
		func() []Span { return findDates(text, toks) },
		func() []Span { return findAges(text) },
		func() []Span { return findKinAges(text, toks) },
		func() []Span { return findContextAges(text, toks) },
		func() []Span { return findCoordinates(text) },
		func() []Span { return findForeignAgeWords(text, toks) },
		func() []Span { return dropClockNumbers(text, toks, b.loc.find(text, toks)) },
		func() []Span {
			var names []Span
			names, orgs = b.names.find(text, toks)
			return names
		},
		func() []Span { return b.matchHints(text, toks, hints) },
	}
	all := make([][]Span, 0, len(stages)+1)
	for _, stage := range stages {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("phi: detect: %w", err)
		}
		all = append(all, stage())
	}
	// A name line above an address or phone block needs the blocks found;
	// intersections, building numbers and postal codes after a country
	// need the streets.
	dropPlacesAroundDates(text, all)
	found := Merge(all...)
	all = append(all, b.names.headerNames(text, toks, found), b.names.particleJoins(text, toks, found), dropClockNumbers(text, toks, b.loc.moreLocations(text, toks, found)))
	// The tagger's spans join last, so that the rules' second pass sees
	// only the rules' own findings.
	dropPlacesAroundDates(text, all)
	all = append(all, b.tagged(text, toks, orgs))
	// "LAST, First M" fields are completed from either side, whoever
	// found it,
	// initials in brackets and a quoted nickname after a name are that
	// person's, and a ZIP code
	// after a place is an address's.
	merged := Merge(all...)
	all = append(all, b.names.commaNames(text, merged), parenInitials(text, merged), b.names.nicknamesAfterNames(text, merged), b.names.extendNames(text, toks, merged), b.loc.zipsAfterPlaces(text, toks, merged), saintNames(text, toks, merged))
	merged = Merge(all...)
	all = append(all, b.otherMentions(text, toks, merged), initialsMentions(text, toks, merged), afterNames(text, merged), agesAfterFound(text, merged))
	// An age the document gave once is that age where it is written again
	// (since 1.21.0); the ages after names and dates count.
	all = append(all, ageEchoes(text, toks, Merge(all...)))
	return dropInHeaders(tidy(text, b.dropNotNames(text, toks, b.placeHeads(text, toks, b.saintPlaces(text, toks, Merge(all...))))), headers), nil
}

// dropPlacesAroundDates removes the places the address rules built
// around a date ("Seit März 2025", "15 Kasım 2026" read as a street and a
// number): a place that holds a whole confident date with a month's name
// is none (since 1.19.0). The spans are removed in place, from every stage's list.
func dropPlacesAroundDates(text string, all [][]Span) {
	var dates []Span
	for _, spans := range all {
		for _, s := range spans {
			// Only a date with a month's name: numbers alone ("2-5-14
			// Umeda", a Japanese block address) are as often a place's.
			if s.Category == Date && s.Confidence >= 0.8 && hasLetter(text[s.Start:s.End]) {
				dates = append(dates, s)
			}
		}
	}
	if len(dates) == 0 {
		return
	}
	for k, spans := range all {
		out := spans[:0]
		for _, s := range spans {
			if s.Category != Location || !holdsSpan(s, dates) {
				out = append(out, s)
			}
		}
		all[k] = out
	}
}

// hasLetter reports whether s holds a letter of any script.
func hasLetter(s string) bool {
	for _, r := range s {
		if isLetter(r) {
			return true
		}
	}
	return false
}

// holdsSpan reports whether s covers one of spans whole.
func holdsSpan(s Span, spans []Span) bool {
	for _, d := range spans {
		if s.Start <= d.Start && d.End <= s.End {
			return true
		}
	}
	return false
}

// guessedName reports a name found by the learned tagger, as another
// mention of a found name or by a rule for text without case: the finders
// whose names a clinical abbreviation can fool ("OPAT", "neph").
func guessedName(s Span) bool {
	switch s.Detector {
	case "tagger", "mention", "name-caseless", "name-lower":
		return true
	}
	return false
}

// dropNotNames removes the names no person can have, whichever rule or
// the tagger found them (1.11.0): a state's or country's name ("Puerto
// Rico", "North Dakota"), a letter alone that only the tagger or another
// mention found, an abbreviation in the plural
// ("PVCs", "METs"), a clinical abbreviation that only a guess found
// ("OPAT", "LKW", 1.15.0); the places that are part of a state's or country's
// name, and towns that name a scale. Patient-aware spans stay.
func (b *Builtin) dropNotNames(text string, toks []token, spans []Span) []Span {
	out := spans[:0]
	for _, s := range spans {
		s = b.trimNameRoles(text, s)
		if s.Category == Location && s.Confidence < 1 && (b.insideStateOrCountry(toks, s) || reScaleAfter.MatchString(text[s.End:]) || productShaped(text[s.Start:s.End])) {
			continue // "Isle" of "Isle of Man"; "Epworth Sleepiness Scale", "Amsterdam criteria"; "PantryTrak"
		}
		if s.Category == Name && s.Confidence < 1 {
			v := text[s.Start:s.End]
			if len(v) == 1 && (s.Detector == "tagger" || s.Detector == "mention") || rePluralAcronym.MatchString(v) || b.lx.abbreviation(v) && guessedName(s) || productShaped(v) || b.medicalTerm(toks, s) || b.listMarkerWord(text, toks, s) || b.placeNotName(toks, s) || routeAfterDose(text, s) {
				continue
			}
		}
		if (s.Category == Name || s.Category == Location) && (s.Detector == "tagger" || s.Detector == "mention") && b.wordCompound(text[s.Start:s.End]) {
			continue // "L-spine", "Cold-chain", "Non-contrast", and their mentions
		}
		if s.Category == Name && s.Confidence < 1 {
			v := text[s.Start:s.End]
			if reSpelledLetters.MatchString(v) {
				run, kind := spelledRun(text, toks, s)
				switch kind {
				case spelledName:
					s.Start, s.End = run.Start, run.End
				case spelledIDPrefix:
					s.Category = ID
				default:
					continue // a dictated abbreviation: "needs M M R", "the E D at"
				}
			}
			if b.namesAnInstitution(text, toks, s) {
				if b.lx.placeFlags(keys(toks[tokenAt(toks, s.Start):tokenAt(toks, s.End)]))&(wCity|wCityExt) == 0 {
					continue
				}
				// A town before an institution word is a place inside
				// an organisation's name ("Calais Regional Hospital").
				s.Category = Location
			}
		}
		out = append(out, s)
	}
	return out
}

// medicalTerm reports a one-word name span that is a word of medicine no
// name list holds ("Neurologie", "Hantavirus" aside: it needs a known
// ending; since 1.13.0, whichever rule or the tagger found it).
func (b *Builtin) medicalTerm(toks []token, s Span) bool {
	i, j := tokenAt(toks, s.Start), tokenAt(toks, s.End)
	return j == i+1 && medicalWord(toks[i].key) && b.lx.flags(toks[i].key)&(wFirst|wLast) == 0
}

// wordCompound reports a single word joined by hyphens from dictionary
// words and letters, none of them a name ("L-spine", "Cold-chain",
// "Non-contrast"): what the tagger takes for a name or place by its
// capital and shape (1.14.0). "Jean-Robert" and "Smith-Jones" have a name
// in them, "Oct-Nov" a month that the date rules may want.
func (b *Builtin) wordCompound(v string) bool {
	parts := strings.Split(fold(v), "-")
	if len(parts) < 2 {
		return false
	}
	words := 0
	for _, p := range parts {
		f := b.lx.flags(p)
		switch {
		case f&(wFirst|wLast|wNameWord|wCity|wCityExt|wTownWord|wMonth) != 0:
			return false
		case len(p) == 1 && p[0] >= 'a' && p[0] <= 'z':
		case len(p) >= 3 && f&(wEnglish|wCommon) != 0:
			words++
		default:
			return false
		}
	}
	return words > 0
}

// productShaped reports one word with a capital inside that reads as a
// product's or a service's name, not a family name's (since 1.13.0): the
// part before the inner capital has four letters or more ("NuStep" aside:
// "PantryTrak", "CardioMEMS", "WhatsApp") or is a short brand prefix
// ("NuStep", "BiPAP", "MyChart", "EpiPen"). Family names keep their short
// prefixes ("McAllister", "DeShawn", "LeBlanc", "SiJohn") and the long
// ones of a few languages ("FitzGerald", "DellaRocca", "VanderMeer").
func productShaped(w string) bool {
	if len(w) < 5 {
		return false
	}
	inner := -1
	for k, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
		if k == 0 {
			if !unicode.IsUpper(r) {
				return false
			}
			continue
		}
		if unicode.IsUpper(r) {
			inner = k
			break
		}
	}
	if inner < 0 {
		return false
	}
	switch head := strings.ToLower(w[:inner]); head {
	case "nu", "bi", "my", "pro", "duo", "epi", "pay", "you", "air":
		return true
	case "fitz", "della", "delle", "dela", "vander", "vanden", "vande":
		return false
	default:
		return len(head) >= 4
	}
}

// reSpelledLetters: capital letters one space apart, as speech
// recognition writes a word spelled out ("S A L M A", "M M R").
var reSpelledLetters = regexp.MustCompile(`^[A-Z](?: [A-Z])+$`)

// Kinds of spelled-out letters (spelledRun).
const (
	spelledAbbreviation = iota
	spelledName
	spelledIDPrefix
)

// spelledRun reads the whole run of spelled-out letters around s (a span
// may hold only its tail, "N D" of "H A U G L A N D") and says what it is
// (since 1.13.0): a name when a spelling cue comes just before it
// ("spelled", "that's", "that is", "first name") or it spells one of the
// ten words before it, alone or with its neighbour ("nels N E L S", "Tsa
// toke T S A T O K E"); an identifier's letters when digits or spoken
// digits follow ("X O B 8 8 2", "V T zero zero"); otherwise an
// abbreviation dictated letter by letter ("needs M M R").
func spelledRun(text string, toks []token, s Span) (Span, int) {
	letter := func(k int) bool {
		return k >= 0 && k < len(toks) && toks[k].end-toks[k].start == 1 && isUpperByte(text[toks[k].start])
	}
	first, last := tokenAt(toks, s.Start), tokenAt(toks, s.End)-1
	for letter(first-1) && !toks[first].nl && toks[first-1].end+1 == toks[first].start {
		first--
	}
	for letter(last+1) && !toks[last+1].nl && toks[last].end+1 == toks[last+1].start {
		last++
	}
	run := Span{Start: toks[first].start, End: toks[last].end, Category: s.Category, Confidence: s.Confidence, Detector: s.Detector}
	if n := last + 1; n < len(toks) && !toks[n].nl && (isDigitByte(text[toks[n].start]) || spokenDigits[toks[n].key]) {
		return run, spelledIDPrefix
	}
	var before []string // the words before, nearest first
	for k := first - 1; k >= 0 && len(before) < 10; k-- {
		if toks[k].isWord() {
			before = append(before, toks[k].key)
		}
	}
	for n, w := range before {
		if n < 3 {
			switch w {
			case "spelled", "spelling", "spell", "spells", "thats", "name":
				return run, spelledName
			case "is", "s": // "that is", "that's" (the tokens split "'s" off)
				if n+1 < len(before) && before[n+1] == "that" {
					return run, spelledName
				}
			}
		}
	}
	letters := strings.ToLower(strings.ReplaceAll(text[run.Start:run.End], " ", ""))
	for n := range before {
		if before[n] == letters || n+1 < len(before) && before[n+1]+before[n] == letters {
			return run, spelledName
		}
	}
	return run, spelledAbbreviation
}

// spokenDigits are the digits as speech recognition writes them.
var spokenDigits = keySet(`zero oh one two three four five six seven eight nine`)

// institutionWords end the name of a place of care, worship, learning or
// lodging: with the organisation words (orgSuffixWords) they make a
// person's name before them an institution's ("Juan F. Luis Hospital",
// "Hope Lodge", "Fellowship Hall"), and hospitals, churches and firms
// named after people are not PHI.
var institutionWords = keySet(`hall lodge church chapel cathedral temple mosque synagogue parish fellowship ministries
	hospice pharmacy memorial center centre program programme society association`)

// namesAnInstitution reports a name span that is part of an institution's
// name (since 1.13.0): followed on its line, through at most three more
// capitalised words or initials a single space apart, by an institution
// word in capitals or title case, or ending in one ("Mount Zion
// Fellowship"); not when a street suffix follows that word ("Shiloh Church
// Rd").
func (b *Builtin) namesAnInstitution(text string, toks []token, s Span) bool {
	i, j := tokenAt(toks, s.Start), tokenAt(toks, s.End)
	if i >= len(toks) || j > len(toks) || j <= i {
		return false
	}
	institution := func(k int) bool {
		return toks[k].isWord() && toks[k].isCap() && (institutionWords[toks[k].key] || orgSuffixWords[toks[k].key]) &&
			!(k+1 < len(toks) && toks[k+1].isWord() && !toks[k+1].nl && b.lx.flags(toks[k+1].key)&wStreetSuffix != 0)
	}
	if j-1 > i && institution(j-1) {
		return true
	}
	for k, words := j, 0; k < len(toks) && words <= 3 && !toks[k].nl; k++ {
		t := toks[k]
		if gap := text[toks[k-1].end:t.start]; gap != "" && gap != " " {
			return false
		}
		switch {
		case institution(k):
			return true
		case t.isWord() && t.isCap():
			words++
		case text[t.start:t.end] == "." && toks[k-1].end-toks[k-1].start == 1:
			// the period of an initial
		default:
			return false
		}
	}
	return false
}

// placeNotName reports a name span that is a state's or country's name,
// unless that is a single word that is also a person's name ("Jordan",
// "Georgia").
func (b *Builtin) placeNotName(toks []token, s Span) bool {
	ks := keys(toks[tokenAt(toks, s.Start):tokenAt(toks, s.End)])
	if b.lx.placeFlags(ks)&(wState|wCountry) == 0 {
		return false
	}
	return len(ks) > 1 || b.lx.flags(ks[0])&(wFirst|wLast) == 0
}

// insideStateOrCountry reports a span that lies within the name of a
// state or country starting where it starts.
func (b *Builtin) insideStateOrCountry(toks []token, s Span) bool {
	i := tokenAt(toks, s.Start)
	for k := min(b.lx.maxPhrase, len(toks)-i); k >= 1; k-- {
		if toks[i+k-1].end < s.End || !sameLine(toks[i:i+k]) {
			continue
		}
		if ks := keys(toks[i : i+k]); len(ks) == k && b.lx.placeFlags(ks)&(wState|wCountry) != 0 {
			return true
		}
	}
	return false
}

// routeAfterDose reports a route's letters after a dose ("Heparin 5000 u
// SC", "650 mg   PO"), 1.17.0: where a medication list puts its route,
// "SC" or "IM" is no one's initials.
func routeAfterDose(text string, s Span) bool {
	if !routes[strings.ToLower(text[s.Start:s.End])] {
		return false
	}
	line := text[:s.Start]
	if i := strings.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	return reDoseEnd.MatchString(line)
}

var (
	routes    = keySet(`iv po sc sq im sl pr ng gt pv top inh neb id`)
	reDoseEnd = regexp.MustCompile(`(?i)\d[ \t]*(?:mg|mcg|g|u|units?|ml|meq|mmol|iu|puffs?|tabs?|caps?|drops?)\.?[ \t]*$`)
)

// listMarkerWord reports "B. Immunoblasts" at a line's start, and since
// 1.12.0 a unit or grade ending a sentence before the next one ("108 F. He
// had", "2 L. REQUESTS", "g/L. Creatinine 88", "type A. Acoustic"): a letter
// before a word no list calls a name, that is a word of the dictionary or
// goes on in lower case.
func (b *Builtin) listMarkerWord(text string, toks []token, s Span) bool {
	i, j := tokenAt(toks, s.Start), tokenAt(toks, s.End)
	lineStart := i == 0 || toks[i].nl
	unit := !lineStart && unitLetterAt(text, toks, i)
	// A letter, a period and one word; after a unit, more words may follow.
	if !lineStart && !unit || j < i+3 || j > i+3 && !unit || toks[i].end-toks[i].start != 1 || text[toks[i+1].start:toks[i+1].end] != "." {
		return false
	}
	f := b.lx.flags(toks[i+2].key)
	if unit {
		// After a unit a pronoun or a medical word is read as a word
		// even if someone bears it ("108 F. He had", "g/L. Creatinine");
		// "Bed 4 J. Smith" stays a name.
		if sentenceOpeners[toks[i+2].key] || medicalWord(toks[i+2].key) {
			return true
		}
		if j > i+3 {
			// "2 L. REQUESTS TELEPHONIC": a clause in capitals.
			return toks[i+2].shape == shUpper && f&(wEnglish|wCommon) != 0 && f&(wFirst|wLast) == 0
		}
	}
	if f&(wFirst|wLast) != 0 {
		return false
	}
	// A word of the dictionary, or any word a sentence in lower case goes
	// on from ("I. Hantavirus cardiopulmonary syndrome"); a person's line
	// ends or goes on to a comma and a credential.
	next := i + 3
	return f&(wEnglish|wCommon) != 0 || next < len(toks) && !toks[next].nl && toks[next].isWord() && toks[next].shape == shLower
}

// unitLetterAt reports a letter (not at a line's start, i > 0) that is a
// unit or a grade, not an initial: after a number ("108 F", "21.5 D"),
// after a slash joined to it ("g/L") or after a word that takes a letter
// ("type A", "grade B").
func unitLetterAt(text string, toks []token, i int) bool {
	p := toks[i-1]
	switch {
	case p.shape == shNum:
		return true
	case p.shape == shPunct:
		return p.end == toks[i].start && tokText(text, toks, i-1) == "/"
	}
	return letterTakers[p.key]
}

// sentenceOpeners are words that open a sentence and that someone may
// bear as a name ("He", "Will").
var sentenceOpeners = keySet(`he she it they we i you his her their this that these the a an patient pt will may`)

// letterTakers are words a grade or type letter follows.
var letterTakers = keySet(`type types grade class stage phase zone lead group level category size cup vitamin hepatitis hep
	factor channel tier plan part section appendix schedule`)

// reScaleAfter follows a town that names a scale, a score or criteria
// rather than a place ("Glasgow Coma Scale", "Boston Bowel Preparation
// Scale", "Amsterdam criteria", "Bristol stool chart"), since 1.11.0.
var reScaleAfter = regexp.MustCompile(`(?i)^[ \t]+(?:[A-Za-z-]+[ \t]+){0,2}(?:scale|score|criteria|classification|grade|grading|staging|index|questionnaire|chart|protocol|nomogram)\b`)

// rePluralAcronym is an abbreviation in the plural: "PVCs", "METs".
var rePluralAcronym = regexp.MustCompile(`^[A-Z]{2,5}s$`)
