package phi

import (
	"regexp"
	"strings"
)

// Ages over 89 by their place in a sentence (detector 1.21.0), from the
// training sets' misses: "At 91, with eGFR 41, glipizide is a poor fit",
// "at 95 she still cut the dough", "Harlan passed in August at 96.",
// "Client 92, lives alone", "homebound, 93, granddaughter …", and an age
// the document gave once written again ("mama is ninety seven … at 97 is
// allowed", "so she is 92 … and i wrote 92").

var (
	// reAtAge: "at" and a number an age over 89 can be; atAgeOK decides
	// from what is around it.
	reAtAge = regexp.MustCompile(`\b([Aa]t)[ \t]*\n?[ \t>]*(9\d|1[01]\d|12[0-5])\b`)
	// reAtAgePronounAfter: "at 95 she still …".
	reAtAgePronounAfter = regexp.MustCompile(`^[ \t]+(?:she|he|they|i|we)\b`)
	// reDeathBefore: a death or a passing in the sentence before "at 96".
	reDeathBefore = regexp.MustCompile(`(?i)\b(?:died|passed|passing|death|deceased|buried)\b[^.!?;]*$`)
	// reAgeAppositive: a number over 89 set off after a word that describes
	// an old client ("Client 92, lives alone", "homebound, 93,", "elder -
	// 91 -"), or before one ("91, lives alone").
	reAgeAppositiveBefore = regexp.MustCompile(`(?i)\b(?:client|homebound|housebound|bedbound|widowed|widow|widower|frail|elder|elderly)[ \t]*[,:-]?[ \t]*(9\d|1[01]\d|12[0-5])[ \t]*(?:[,;)]|-[ \t]|\.(?:\s|$))`)
	reAgeAppositiveAfter  = regexp.MustCompile(`(?i)(?:^|[^\d./:#$-])(9\d|1[01]\d|12[0-5]),[ \t]+(?:lives|living|widowed|homebound|housebound|bedbound)\b`)
	// reAgeEchoMeasure: words before a number that make it a measure or a
	// code whatever the document said of an age ("HR 94", "room 92").
	// reAgeEchoBefore: the words after which a repeated number stands
	// where an age does ("at 97", "i wrote 92", "is now 94").
	reAgeEchoBefore  = regexp.MustCompile(`(?i)(?:\b(?:at|is|was|be|turns|turned|turning|wrote|says|said|now|actually|aged?|just|only|nearly|almost)|[(,:]|^)\s*$`)
	reAgeEchoMeasure = regexp.MustCompile(`(?i)(?:\b(?:hr|pulse|heart rate|rate|sats?|spo2|o2|oxygen|glucose|sugar|bg|bs|weight|wt|temp|bp|score|room|rm|bed|apt|unit|no|number|page|ext|suite|hwy|highway|route|box|lot|level|grade|row|line|item|step|ward|bus|exit|mile|#)\W{0,3}|[$#/.\d-])$`)
)

// findContextAges reports ages over 89 that reAtAge and the appositive
// patterns find.
func findContextAges(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int) {
		out = append(out, Span{Start: start, End: end, Category: Age, Confidence: 0.75, Detector: "age-context"})
	}
	// Both patterns run only around the numbers from 90 to 125.
	ageNumber := func(t token) bool {
		n := atoi(text[t.start:t.end])
		return t.shape == shNum && n >= 90 && n <= 125
	}
	for _, m := range matchNear(reAtAge, text, toks, ageNumber, 3, 0) {
		if atAgeOK(text, m) {
			add(m[4], m[5])
		}
	}
	appositive := matchNear(reAgeAppositiveBefore, text, toks, keyIn("client", "homebound", "housebound", "bedbound", "widowed", "widow", "widower", "frail", "elder", "elderly"), 0, 5)
	for _, m := range append(appositive, matchNear(reAgeAppositiveAfter, text, toks, ageNumber, 1, 4)...) {
		if !reAgeUnit.MatchString(text[m[3]:]) {
			add(m[2], m[3])
		}
	}
	return out
}

// atAgeOK decides whether "at N" (a reAtAge match) is an age: a capital
// "At N," opening a sentence, "at N" before a pronoun, or "at N" closing
// a clause after a death in the same sentence. A measure ("at 95 mg", "at
// 92%", "at 98.6") or a clock ("at 100:") never is.
func atAgeOK(text string, m []int) bool {
	rest := text[m[5]:]
	if reAgeUnit.MatchString(rest) || numberGoesOn(rest) || strings.HasPrefix(rest, ":") {
		return false
	}
	before := text[max(0, m[0]-80):m[0]]
	switch {
	case text[m[2]] == 'A' && strings.HasPrefix(rest, ",") && sentenceStart(text, m[0]):
		return true
	case reAtAgePronounAfter.MatchString(rest):
		return true
	case reClauseEnd.MatchString(rest) || strings.HasPrefix(rest, ","):
		return reDeathBefore.MatchString(before)
	}
	return false
}

// sentenceStart reports whether offset opens a sentence or a line.
func sentenceStart(text string, offset int) bool {
	s := strings.TrimRight(text[:offset], " \t")
	return s == "" || strings.HasSuffix(s, "\n") || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?")
}

// ageEchoes reports a number that repeats an age over 89 the document has
// given (in digits or English words) where it stands as an age does, after
// "at", "is", "wrote" or a bracket or comma (reAgeEchoBefore): not a measure
// (reAgeEchoMeasure, reAgeUnit), not part of a longer number, not inside
// another span.
func ageEchoes(text string, toks []token, found []Span) []Span {
	ages := map[int]bool{}
	for _, s := range found {
		if s.Category == Age {
			if v := ageValue(text[s.Start:s.End]); v >= 90 {
				ages[v] = true
			}
		}
	}
	if len(ages) == 0 {
		return nil
	}
	var out []Span
	for _, t := range toks {
		if t.shape != shNum || t.end-t.start < 2 || t.end-t.start > 3 || !ages[atoi(text[t.start:t.end])] {
			continue
		}
		rest := text[t.end:]
		if covered(found, t.start) || covered(found, t.end-1) || reAgeUnit.MatchString(rest) || numberGoesOn(rest) || digitRunAround(text, t.start, t.end) ||
			strings.HasPrefix(rest, "%") || reAgeEchoMeasure.MatchString(text[max(0, t.start-16):t.start]) ||
			!reAgeEchoBefore.MatchString(text[max(0, t.start-16):t.start]) {
			continue
		}
		out = append(out, Span{Start: t.start, End: t.end, Category: Age, Confidence: 0.7, Detector: "age-echo"})
	}
	return out
}

// englishAgeUnits are the unit words after "ninety" or "hundred".
var englishAgeUnits = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

// ageValue reads an age span's number: digits ("94", "91Y") or English
// words ("ninety-four", "one hundred and two"); 0 when it is neither.
func ageValue(s string) int {
	if n := atoi(strings.TrimRight(s, "yYoO")); n > 0 {
		return n
	}
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == '-' || r == '\t' || r == '\n' })
	v := 0
	for _, w := range words {
		switch {
		case w == "ninety":
			v += 90
		case w == "hundred":
			v = 100
		case w == "one" && v == 0, w == "a" && v == 0, w == "and":
		case englishAgeUnits[w] > 0:
			v += englishAgeUnits[w]
		default:
			return 0
		}
	}
	return v
}
