package phi

import (
	"regexp"
	"strings"
)

var (
	// reAgeNumber is a number an age over 89 can be; reAgeYearsAfter and
	// reAgeCueBefore are what makes it one: "95 years", "aged 95".
	reAgeNumber = regexp.MustCompile(`\b(9\d|1[01]\d|12[0-5])(?:\b|(?i:y|yo|yrs?)\b)`)
	// Since 1.18.0 also a Y glued to the number ("AGE 91Y") and the word
	// for years of the languages the labelled sets hold ("93 años", "95
	// jaar", "94 ans", "91 год").
	// Since 1.19.0 also the sex glued to "yo" ("95 YOF", "90 yom"), and
	// more languages' years ("92 vjeç", "93 éves", "95 yia", "93 tuổi",
	// "GODINA 95" reads the other way, reAgeCueBefore), CJK's after the
	// number with no space ("93세", "93岁").
	reAgeYearsAfter = regexp.MustCompile(`(?i)^\s*-?\s*(?:(?:years?|yrs?|y/o[mf]?|y\.o\.(?:[mf]\b)?|yo[mf]?|yo[bwh][mf]|y|años|anos|ans|anys|jaar|jahre|ani|anni|tahun|gadu|gadi|gadus|yaşında|yia|lat|let|rokov|vuotta|aastat|saal|sal)\b|(?:år|ár|лет|года|год|роки|років|жашта|vjeç|yaş|éves|tuổi|ετών|χρονών)(?:[^\p{L}]|$)|세|岁|歲|歳)`)
	// Since 1.18.0 also an age field of more words ("Age at start of
	// season:", "Age on Dec. 31:"), the field in other languages ("Edad:",
	// "Âge:", "Возраст:") and the speaker's own age ("I am 91").
	// Since 1.21.0 an adverb may come between the cue and the number
	// ("he's actually 90", "she is now 93").
	reAgeCueBefore = regexp.MustCompile(`(?i)(?:\b(?:age[ds]?(?:\s+of)?|age\s+at\s+death|age\s+(?:at|on|as\s+of)\s[^:\n]{1,25}:|turned|turns|turn|turning|who is|she is|he is|she's|he's|shes|hes|who's|who was|she was|he was|patient is|pt is|lived to|lived until|died at|i am|i'm|edad|alter|idade|leeftijd|wiek|alder|godina|godine|exact)|(?:^|[^\p{L}])(?:âge|età|ålder|vârsta|возраст))\s*:?(?:\s+(?:actually|now|only|just|nearly|almost|already|still|barely))?\s*$`)
	// reAgeBirthday: "her 100th birthday" (since 1.19.0).
	reAgeBirthday = regexp.MustCompile(`(?i)\b((?:9\d|1[01]\d|12[0-5])(?:st|nd|rd|th))[ \t]+birthday\b`)
	reAgeDecade   = regexp.MustCompile(`(?i)\b(?:in (?:his|her|their|the) )(90s|100s|nineties)\b`)
	reAgeWords    = regexp.MustCompile(`(?i)\b(?:ninety(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|one hundred(?:(?: and)? (?:one|two|three|four|five|six|seven|eight|nine|ten))?|nonagenarian|centenarian)\b`)
	reAgeUnit     = regexp.MustCompile(`(?i)^[\s-]*(?:%|(?:percent|minutes?|mins?|seconds?|secs?|hours?|days?|weeks?|months?|mg|mcg|ml|milli\w*|kg|lbs?|pounds?|beats|degrees?|cm|mm|units?|times|tablets?|pills?|feet|meters?|miles?)\b)`)
)

// findAges reports ages over 89, the only ages Safe Harbor removes (they
// become "90+"). The span covers the number or number words only, so that
// "92-year-old" redacts to "90+-year-old".
func findAges(text string) []Span {
	var out []Span
	add := func(start, end int, conf float64, rule string) {
		out = append(out, Span{Start: start, End: end, Category: Age, Confidence: conf, Detector: rule})
	}
	// The year and cue patterns are tried only around the numbers from 90
	// to 125 (1.11.0): the same matches, without running case-folded
	// alternations over the whole text.
	for _, m := range reAgeNumber.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[3] // the number without a glued Y
		rest := text[end:]
		if reAgeYearsAfter.MatchString(rest) && !digitRunBefore(text, start) {
			add(start, end, 0.9, "age")
			continue
		}
		if !reAgeCueBefore.MatchString(text[max(0, start-40):start]) ||
			strings.HasPrefix(rest, ".") && len(rest) > 1 && isDigitByte(rest[1]) || reAgeUnit.MatchString(rest) {
			continue
		}
		add(start, end, 0.85, "age")
	}
	for _, m := range reParenAge.FindAllStringSubmatchIndex(text, -1) {
		if reKinBefore.MatchString(text[max(0, m[0]-30):m[0]]) {
			add(m[2], m[3], 0.8, "age")
		}
	}
	for _, m := range reCommaAge.FindAllStringSubmatchIndex(text, -1) {
		if reAppositiveNext.MatchString(text[m[1]:]) {
			add(m[2], m[3], 0.8, "age")
		}
	}
	for _, m := range reAgeBirthday.FindAllStringSubmatchIndex(text, -1) {
		add(m[2], m[3], 0.85, "age")
	}
	for _, m := range reAgeDecade.FindAllStringSubmatchIndex(text, -1) {
		add(m[2], m[3], 0.8, "age")
	}
	for _, m := range reAgeWords.FindAllStringIndex(text, -1) {
		if reAgeUnit.MatchString(text[m[1]:]) {
			continue
		}
		add(m[0], m[1], 0.7, "age-words")
	}
	return out
}

// reKinIs ends the text before a number that is a relative's age: "Dad
// is 94.", "my grandmother was 97" (since 1.7.0). reAgeUnit after the
// number still rules out a weight or a distance ("Dad is 95 kg").
var reKinIs = regexp.MustCompile(`(?i)\b(?:` + kinAgeWords + `)\s+(?:is|was)\s*:?\s*$`)

// reKinComma and reClauseEnd: a relative's age after a comma that ends
// the clause ("a quote for his father, 91.", since 1.18.0); a number the
// text goes on from is a street's or a count's ("her mother, 95 Elm St").
var (
	reKinComma  = regexp.MustCompile(`(?i)\b(?:` + kinAgeWords + `)\s*,\s*$`)
	reClauseEnd = regexp.MustCompile(`^\s*(?:[.;)]|$)`)
)

// kinAgeWords are the relatives whose age follows them; since 1.11.0 also
// in brackets ("his mum (94)") and in other languages' family words
// ("lola is 93").
const kinAgeWords = `mum|mom|mother|dad|father|husband|wife|grandma|grandpa|grandmother|grandfather|nan|nana|gran|granny|grandad|granddad|aunt|uncle|` +
	`mummy|mommy|mama|papa|aunty|auntie|nanna|lola|lolo|abuela|abuelo|nonna|nonno|oma|opa|bubbe|great-grandmother|great-grandfather|mother-in-law|father-in-law`

var (
	// reKinParen: "his mum (94)"; reKinBefore checks the word before the
	// bracket, so the costly alternation runs only where a number over
	// 89 stands in brackets.
	// (Since 1.19.0 a comma may follow the age inside: "her sister Ova
	// (96, in Leburn)".)
	reParenAge  = regexp.MustCompile(`\(\s*(9\d|1[01]\d|12[0-5])\s*[),;]`)
	reKinBefore = regexp.MustCompile(`(?i)\b(?:` + kinAgeWords + `)\s*$`)
	// reCommaAge: "Josephine Dubois, 101, of Dunmore": an age between
	// commas after a word, as obituaries and notices write it, before one
	// of reAppositiveNext's words.
	reCommaAge       = regexp.MustCompile(`[A-Za-z],\s+(9\d|1[01]\d|12[0-5]),\s+`)
	reAppositiveNext = regexp.MustCompile(`^(?:of|from|who|and|died|passed|formerly|late|a|an|the|widow|widower|beloved|alive|living|deceased|still|lives|lived|d\.)\b`)
)

// findKinAges reports the numbers over 89 after a kinship word and
// "is"/"was"; it looks only before numbers of two or three digits.
func findKinAges(text string, toks []token) []Span {
	var out []Span
	for _, t := range toks {
		if t.shape != shNum || t.end-t.start < 2 || t.end-t.start > 3 {
			continue
		}
		n := atoi(text[t.start:t.end])
		if n < 90 || n > 125 || reAgeUnit.MatchString(text[t.end:]) {
			continue
		}
		before := lowerBefore(text, t.start, 30)
		if !reKinIs.MatchString(before) && !(reKinComma.MatchString(before) && reClauseEnd.MatchString(text[t.end:])) {
			continue
		}
		out = append(out, Span{Start: t.start, End: t.end, Category: Age, Confidence: 0.85, Detector: "age"})
	}
	return out
}

// reAgeAfterName: a number over 89 right after a person's name, between
// commas or in brackets ("Odessa Pruitt, 97, at home", "Mr Tan (93) was"),
// or since 1.15.0 after "is" or "was" ("Her mother, Ollie Mae Weaver, is
// 93", "mum (marj) is 90"; reAgeUnit and a decimal rule out a measure);
// since 1.18.0 also between a comma and a bracket ("Mr. Ames, 93 (DOB");
// since 1.19.0 before a closing bracket ("for his mother Lesieli Vake,
// 93)") and in a bracket that goes on ("Ova Mullins (96, in Leburn)").
var reAgeAfterName = regexp.MustCompile(`^(?:,[ \t]*(9\d|1[01]\d|12[0-5])(?:[ \t]*[,;)](?:\s|$)|[ \t]+\()|[ \t]*\([ \t]*(9\d|1[01]\d|12[0-5])[ \t]*[),;]|\)?,?\s+(?:is|was|turned|turns|will\s+be)[ \t]+(9\d|1[01]\d|12[0-5])\b)`)

// reBadgeAfterName: a badge or staff number right after an officer's or
// agent's name ("SGT M. KING #2903", "P.O. Adriana Zavala #18842"), since
// 1.15.0.
var reBadgeAfterName = regexp.MustCompile(`^[ \t]*#[ \t]?(\d{2,6})\b`)

// afterNames reports what is written right after a found name and belongs
// to that person: an age (1.14.0; notices, prayer lists and notes put it
// there) or a badge number (1.15.0).
func afterNames(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Name {
			continue
		}
		rest := text[s.End:]
		if m := reBadgeAfterName.FindStringSubmatchIndex(rest); m != nil && !numberGoesOn(rest[m[3]:]) {
			out = append(out, Span{Start: s.End + m[2], End: s.End + m[3], Category: ID, Confidence: 0.75, Detector: "id-badge"})
			continue
		}
		m := reAgeAfterName.FindStringSubmatchIndex(rest)
		if m == nil {
			continue
		}
		g := 2
		for m[g] < 0 {
			g += 2
		}
		// After "is" (the third group) the number may be a measure: "is 95
		// kg", "was 98.6", "is 92%", "was 95/60".
		if g == 6 && (reAgeUnit.MatchString(rest[m[g+1]:]) || numberGoesOn(rest[m[g+1]:])) {
			continue
		}
		out = append(out, Span{Start: s.End + m[g], End: s.End + m[g+1], Category: Age, Confidence: 0.8, Detector: "age-name"})
	}
	return out
}

// reAgeAfterBirthDate: the age in brackets after a birth date, "DOB:
// 01/06/1932 (94)", "DOB: 1934-12-25  (91; born on Christmas)"; reAgeOr:
// a second age joined to one found, "lola is 93 not 92" (since 1.19.0).
var (
	reAgeAfterBirthDate = regexp.MustCompile(`^[ \t]*\([ \t]*(9\d|1[01]\d|12[0-5])[ \t]*[),;]`)
	reAgeOr             = regexp.MustCompile(`(?i)^[ \t]*,?[ \t]*(?:not|or|no)[ \t]+(9\d|1[01]\d|12[0-5])\b`)
)

// agesAfterFound reports the ages written after a found birth date (a
// date with its year) or a found age (reAgeAfterBirthDate, reAgeOr).
func agesAfterFound(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		rest := text[s.End:]
		var m []int
		switch s.Category {
		case Date:
			if reYear4.MatchString(text[s.Start:s.End]) {
				m = reAgeAfterBirthDate.FindStringSubmatchIndex(rest)
			}
		case Age:
			if m = reAgeOr.FindStringSubmatchIndex(rest); m != nil && (reAgeUnit.MatchString(rest[m[3]:]) || numberGoesOn(rest[m[3]:])) {
				m = nil
			}
		}
		if m != nil {
			out = append(out, Span{Start: s.End + m[2], End: s.End + m[3], Category: Age, Confidence: 0.8, Detector: "age"})
		}
	}
	return out
}

// reYear4: a four-digit year in a date.
var reYear4 = regexp.MustCompile(`\b(?:18|19|20)\d{2}\b`)

// numberGoesOn reports a decimal point, a slash or a colon and a digit at
// the start of after: the number before it is part of a longer one.
func numberGoesOn(after string) bool {
	return len(after) > 1 && (after[0] == '.' || after[0] == '/' || after[0] == ':') && isDigitByte(after[1])
}
