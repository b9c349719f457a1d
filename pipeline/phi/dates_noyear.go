package phi

import (
	"regexp"
	"strings"
)

// Dates without a year (detector 1.7.0). A day and month alone are PHI
// under Safe Harbor, but "3/4" is as often a ratio, a score, a fraction
// or a dose, so each rule here asks for evidence that the context is a
// date, evidence that holds in any note rather than in one template.

var (
	// reTimeRight: a clock time right after a short date, "11/18 08:00",
	// or a half-day in a schedule column, "11/18 AM". Ratios and scores
	// are not followed by a time of day.
	//
	// Since 1.11.0 a comma or "at" may come between ("11/18, 7:42 pm",
	// "12/1 at 9:40", a chat export's and a schedule's forms), and "@"
	// may join a 24-hour time ("11/22@2140").
	reTimeRight = regexp.MustCompile(`^(?:,?[ \t]+(?:at[ \t]+)?(?:\d{1,2}:\d{2}(?:[AaPp]\b|\b)|\d{1,2}[ \t]?[AaPp]\.?[Mm]\b|(?:AM|PM)\b)|[ \t]*@[ \t]*(?:\d{1,2}:?\d{2})\b)`)
	// reOrdinalDay: "on the 14th", "till the 6th", "Thursday the 12th",
	// "on the eighteenth": an ordinal day after "the" and a preposition of
	// time or a weekday. What follows is checked by ordinalDayEnds, so
	// "on the 2nd floor" and "for the 3rd time" stay out.
	//
	// Since 1.9.0 "the" alone will do ("through the 17th.", "her birthday
	// is the 9th,"): what follows the ordinal decides, and the same check
	// keeps "the 3rd floor" out.
	//
	// Since 1.19.0 a weekday needs no "the" ("thursday 19th", "Saturday
	// 21st evening"), and neither does a preposition of time, as British
	// and Indian English write it ("since 17th morning", "on 3rd"; group
	// 2): what follows decides as after "the".
	reOrdinalDay = regexp.MustCompile(`(?i)\b(?:(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thur?s?|fri|sat|sun)[ \t]+(?:the[ \t]+)?|(on|since|from|by|till|until|before|after)[ \t]+|the(?:,?[ \t]+(?:uh|um|er),)?\s+)(\d{1,2}(?:st|nd|rd|th)|` + spelledOrdinalRE + `)\b`)
	// reOrdinalNext: a second ordinal day joined to a found one, "on the
	// 20th and 24th", "the 3rd or 4th", "the 12th-14th" (since 1.19.0).
	reRangeWordAfter = regexp.MustCompile(`(?i)^[ \t]+(?:to|through|thru|until|till|or|and|-)\b`)
	reOrdinalNext    = regexp.MustCompile(`(?i)^[ \t]*(?:and|or|&|,|-|–|to|through|thru)[ \t]*(?:the[ \t]+)?(\d{1,2}(?:st|nd|rd|th)|` + spelledOrdinalRE + `)\b`)
	// reOrdinalContext: what makes "the 3rd" a day whatever follows it:
	// a month just named ("back in June, the 3rd and 4th"), a time of day
	// ("the morning of the 3rd"); reOfMonth: "the 24th of last month".
	reOrdinalContext = regexp.MustCompile(`(?i)(?:\b(` + monthRE + `)\b[^.\n]{0,12}|\b(?:morning|afternoon|evening|night|weekend|week)[ \t]+of[ \t]+)(?:the\s+)?$`)
	reOfMonth        = regexp.MustCompile(`(?i)^[ \t]+of[ \t]+(?:last|this|next|that)[ \t]+month\b`)
	// reShortDateReject: words around a short number pair that make it a
	// measurement: a blood pressure, a visual acuity, a fraction of a
	// tablet, a strength grade, a dose.
	reShortDateRejectBefore = regexp.MustCompile(`(?i)(?:\bbp|b/p|blood pressure|pressure|\bva|vision|acuity|gcs|apgar|power|strength|score|scale|grade|ratio|pain|rated|murmur|systolic|diastolic|holosystolic|\bx)\W{0,3}$|\d[ \t]?$`)
	// (An opening bracket ends the phrase: "PRBC 11/17 (unit W0417)" is a
	// date; since 1.13.0.)
	reShortDateRejectAfter = regexp.MustCompile(`(?i)^[^\w(\[]{0,2}(?:tab|tablet|pill|cap|dose|of\b|mg|mcg|ml|units?|strength|power|pain|score|mmhg|cm|mm|in\b|inch|times|x\b|positive|negative|\+|-\d)`)
)

// spelledOrdinals are the ordinal days written out, from the fourth on:
// "first", "second" and "third" are too often no day ("on the first
// attempt").
var spelledOrdinals = map[string]int{
	"fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
	"eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
	"seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "twenty-first": 21,
	"twenty-second": 22, "twenty-third": 23, "twenty-fourth": 24, "twenty-fifth": 25, "twenty-sixth": 26,
	"twenty-seventh": 27, "twenty-eighth": 28, "twenty-ninth": 29, "thirtieth": 30, "thirty-first": 31,
}

var spelledOrdinalRE = func() string {
	ws := make([]string, 0, len(spelledOrdinals))
	for w := range spelledOrdinals {
		ws = append(ws, w)
	}
	sortByLenDesc(ws)
	return "(?:" + strings.Join(ws, "|") + ")"
}()

// ordinalDayFollowers are words that may follow "on the 14th" when it is
// a day: a clause goes on ("if", "at 3", "instead", "because"). A noun
// after the ordinal ("on the 2nd floor", "by the 5th day") makes it no
// date, and nouns are open-ended, so the list is of what may follow.
var ordinalDayFollowers = map[string]bool{
	"at": true, "if": true, "instead": true, "then": true, "so": true, "but": true, "when": true,
	"please": true, "is": true, "was": true, "works": true, "i": true, "we": true, "you": true, "he": true,
	"she": true, "they": true, "it": true, "as": true, "because": true, "for": true, "in": true,
	"sorry": true, "thanks": true, "thank": true, "that": true, "which": true, "morning": true,
	"afternoon": true, "evening": true, "night": true, "am": true, "pm": true, "or": true, "to": true,
	"through": true, "thru": true, "until": true, "till": true,
	// Since 1.21.0, from the training sets' misses: "is on the 19th with
	// someone", "on the 17th after the heart cath", "on the 15th the boat
	// ramp", "on the 22nd not drawn".
	"with": true, "after": true, "before": true, "the": true, "not": true, "also": true, "again": true,
	"anyway": true, "will": true, "would": true, "should": true, "can": true, "could": true, "ok": true, "okay": true,
}

// reTimePrepBefore and reAndAfter: "on the 2nd and again ...".
var (
	reTimePrepBefore = regexp.MustCompile(`(?i)\b(?:on|by|from|since|until|till|before|after)[ \t]+$`)
	reAndAfter       = regexp.MustCompile(`(?i)^[ \t]+and\b`)
)

// ordinalOfMonth: "of December" after an ordinal day ("the 1st of
// December", "the first of December").
var ordinalOfMonth = regexp.MustCompile(`(?i)^[ \t]+of[ \t]+` + monthRE + `\b`)

// ordinalDayEnds reports whether the text after an ordinal day lets it be
// a day: the end of the line or sentence, a punctuation mark, or a word
// that continues a clause.
func ordinalDayEnds(after string) bool {
	a := strings.TrimLeft(after, " \t")
	if a == "" || !isAlphaByte(a[0]) {
		return !(len(a) > 0 && isDigitByte(a[0]))
	}
	e := 0
	for e < len(a) && isAlphaByte(a[e]) {
		e++
	}
	return ordinalDayFollowers[strings.ToLower(a[:e])]
}

// ordinalDayTrigger returns the trigger of reOrdinalDay: a spelled
// ordinal ("eighteenth") or digits with an ordinal suffix ("14th").
func ordinalDayTrigger(text string) func(token) bool {
	return func(t token) bool {
		if t.shape == shAlnum {
			if n := t.end - t.start; n < 3 || n > 4 {
				return false
			}
			switch strings.ToLower(text[t.end-2 : t.end]) {
			case "st", "nd", "rd", "th":
				return true
			}
			return false
		}
		return t.isWord() && spelledOrdinals[t.key] != 0
	}
}

// findDatesNoYear adds the year-less dates described above to what
// findDates found (prior, used as the document's date context); shorts
// are findDates' matches of reDateShort.
func findDatesNoYear(text string, toks []token, prior []Span, shorts [][]int) []Span {
	var out []Span
	add := func(start, end int, conf float64, rule string) {
		out = append(out, Span{Start: start, End: timeAfter(text, end), Category: Date, Confidence: conf, Detector: rule})
	}
	// The months of the document's dated (yeared or cued) dates: a bare
	// "10/30" in a note whose other dates fall in October or November is
	// one of its dates, as a lab table's column headings or a course
	// summary's events are.
	months := map[int]bool{}
	for _, s := range prior {
		if mo := numericMonth(text[s.Start:s.End]); mo > 0 {
			months[mo] = true
		}
	}
	covered := func(start int) bool {
		for _, s := range prior {
			if s.Start <= start && start < s.End {
				return true
			}
		}
		return false
	}
	// A date found from the months adds its own month, so a table whose
	// rows run back from November through October into September is found
	// whole; the loop runs until a pass adds no date (at most 12 passes,
	// one per month).
	done := map[int]bool{}
	for pass, grew := 0, true; grew && pass < 12; pass++ {
		grew = false
		for _, m := range shorts {
			if done[m[0]] {
				continue
			}
			if covered(m[0]) || digitRunAround(text, m[0], m[1]) {
				done[m[0]] = true
				continue
			}
			if mo, conf, rule := shortDateNoYear(text, m, months); mo > 0 {
				done[m[0]] = true
				add(m[0], m[1], conf, rule)
				if !months[mo] {
					months[mo] = true
					grew = true
				}
			}
		}
	}
	for _, m := range matchNear(reOrdinalDay, text, toks, ordinalDayTrigger(text), 4, 0) {
		w := strings.ToLower(text[m[6]:m[7]])
		d := spelledOrdinals[w]
		if d == 0 {
			d = atoi(strings.TrimRight(w, "stndrh"))
			if !ordinalSuffixOK(d, w[len(w)-2:]) {
				continue
			}
		}
		end := m[7]
		prepBefore := m[4] >= 0 || reTimePrepBefore.MatchString(lowerBefore(text, m[0], 10))
		context := m[4] < 0 && ordinalContext(sameLineBefore(text, m[6], 30)) || reOfMonth.MatchString(text[m[7]:min(len(text), m[7]+30)])
		if om := ordinalOfMonth.FindStringIndex(text[m[7]:]); om != nil {
			end += om[1]
		} else if d < 1 || d > 31 || m[2] < 0 && !context && !ordinalDayEnds(text[m[1]:min(len(text), m[1]+20)]) &&
			!(prepBefore && reAndAfter.MatchString(text[m[1]:min(len(text), m[1]+10)])) {
			// ("on the 5th and was 1.4": after a preposition of time a
			// clause may go on with "and".)
			// After a weekday ("Thursday the 12th") the ordinal is a day
			// whatever follows.
			continue
		} else if spelledOrdinals[w] != 0 && isUpperByte(text[m[6]]) && !caselessLine(text, m[6]) {
			continue // "on the Fourth": the holiday, every year's
		} else if m[4] >= 0 && (spelledOrdinals[w] != 0 || reRangeWordAfter.MatchString(text[m[1]:min(len(text), m[1]+12)])) {
			// Without "the", a spelled ordinal is a rank ("on fifth") and
			// one before a range word may be a grade or a place in a list
			// ("from 1st to 5th grade").
			continue
		}
		add(m[6], end, 0.7, "date-ordinal")
		if n := reOrdinalNext.FindStringSubmatchIndex(text[end:]); n != nil {
			s, e := end+n[2], end+n[3]
			nw := strings.ToLower(text[s:e])
			nd := spelledOrdinals[nw]
			if nd == 0 && len(nw) > 2 {
				if nd = atoi(nw[:len(nw)-2]); !ordinalSuffixOK(nd, nw[len(nw)-2:]) {
					nd = 0
				}
			}
			if nd >= 1 && nd <= 31 && (ordinalDayEnds(text[e:min(len(text), e+20)]) || reOfMonth.MatchString(text[e:min(len(text), e+30)])) {
				add(s, e, 0.7, "date-ordinal")
			}
		}
	}
	return out
}

// ordinalContext reports reOrdinalContext before an ordinal, its month
// (when that is the context) capitalised or one that is no other word.
func ordinalContext(before string) bool {
	m := reOrdinalContext.FindStringSubmatchIndex(before)
	if m == nil {
		return false
	}
	if m[2] < 0 {
		return true
	}
	mon := before[m[2]:m[3]]
	return isFullMonth(mon) && !strings.EqualFold(mon, "may") && !strings.EqualFold(mon, "march") || isUpperByte(mon[0])
}

// sameLineBefore returns up to n bytes before offset on its line,
// lower-cased: lineBefore without its step up to a label on the line
// above.
func sameLineBefore(text string, offset, n int) string {
	s := lowerBefore(text, offset, n)
	if i := strings.LastIndexAny(s, "\n\r"); i >= 0 {
		return s[i+1:]
	}
	return s
}

// nearMonth reports whether month mo or a month next to it is among the
// document's dated months.
func nearMonth(months map[int]bool, mo int) bool {
	return months[mo] || months[mo-1] || months[mo+1] || mo == 12 && months[1] || mo == 1 && months[12]
}

// numericMonth returns the month of a found date written with numbers
// and a year ("10/29/2026", "2026-10-29") or a named month; 0 when the
// span holds no recognisable month.
func numericMonth(s string) int {
	if m := reDateNumeric.FindStringSubmatch(s); m != nil {
		if a := atoi(m[1]); a >= 1 && a <= 12 {
			return a
		}
	}
	if m := reDateISO.FindStringSubmatch(s); m != nil {
		return atoi(m[3])
	}
	for _, f := range strings.Fields(strings.ToLower(s)) {
		if n := monthNumbers[strings.Trim(f, ".,")]; n > 0 {
			return n
		}
	}
	return 0
}

// ordinalSuffixOK checks "1st", "2nd", "3rd", "4th", "11th", "22nd".
func ordinalSuffixOK(d int, suf string) bool {
	want := "th"
	if d%100 < 11 || d%100 > 13 {
		switch d % 10 {
		case 1:
			want = "st"
		case 2:
			want = "nd"
		case 3:
			want = "rd"
		}
	}
	return suf == want
}

// shortDateNoYear decides whether the short date match m ("11/18",
// "14/11", from reDateShort) is a date, given the months of the dates
// found so far; it returns the month, the confidence and the rule, or 0.
func shortDateNoYear(text string, m []int, months map[int]bool) (month int, conf float64, rule string) {
	a, b := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]])
	// The words that make a pair a measurement are on its own line: a
	// table row's "09/15" is no fraction of the number that ends the
	// row above.
	before, after := sameLineBefore(text, m[0], 30), text[m[1]:min(len(text), m[1]+20)]
	if reShortDateRejectBefore.MatchString(before) || reShortDateRejectAfter.MatchString(after) || isScoreContext(before, after) {
		return 0, 0, ""
	}
	monthFirst, dayFirst := validDate(0, a, b), !validDate(0, a, b) && validDate(0, b, a)
	switch {
	case monthFirst && reTimeRight.MatchString(after):
		// "11/18 08:00": a day and a clock time.
		return a, 0.8, "date-time"
	case monthFirst && strings.HasPrefix(after, ": "):
		// "BMP 11/11: Na 136": a heading's date (1.11.0).
		return a, 0.7, "date-heading"
	case monthFirst && shortRangeStart(text, m[1], a, b):
		// "covered 6/1 through 11/30": the first day of a range (1.14.0).
		return a, 0.7, "date-range"
	case dayFirst && (reTimeRight.MatchString(after) || reHalfDayLower.MatchString(after)):
		// "eta 21/11 am", "ECG 19/11 08:40": as month first (1.21.0); a
		// day over 12 is no fraction of a tablet ("1/2 am").
		return b, 0.8, "date-time"
	case dayFirst && strings.HasPrefix(after, ": "):
		// "ECG 19/11: FA con respuesta" (1.21.0).
		return b, 0.7, "date-heading"
	case dayFirst && reDateCue.MatchString(before):
		// "on 20/3": the day-first order of most of the world, after
		// the same cue words as the month-first form.
		return b, 0.75, "date-cue"
	case monthFirst && b != a && nearMonth(months, a):
		return a, 0.7, "date-context"
	case dayFirst && nearMonth(months, b):
		// "covers 14/11 to 28/11" in a note dated in November.
		return b, 0.7, "date-context"
	case m[3]-m[2] == 2 && m[5]-m[4] == 2 && (text[m[2]] == '0' || text[m[4]] == '0') && (monthFirst || validDate(0, b, a)):
		// "30/09", "02/11": a zero written to fill two places is a
		// date's; scores and ratios are not padded.
		if monthFirst {
			return a, 0.7, "date-padded"
		}
		return b, 0.7, "date-padded"
	}
	return 0, 0, ""
}

// reHalfDayLower: "am" or "pm" after a day-first short date.
var reHalfDayLower = regexp.MustCompile(`^[ \t]+(?:am|pm)\b`)

// reShortRangeAfter: "through 11/30", "- 12/4" after a short date.
var reShortRangeAfter = regexp.MustCompile(`^[ \t]*(?:through|thru|to|until|till|-|–)[ \t]*(\d{1,2})/(\d{1,2})\b`)

// shortRangeStart reports whether the short date a/b ending at end opens
// a range to another valid month and day. Small fractions ("1/2 to 3/4
// cup") are no range: one of the four numbers must be 5 or more, and no
// unit may follow the second.
func shortRangeStart(text string, end, a, b int) bool {
	m := reShortRangeAfter.FindStringSubmatchIndex(text[end:min(len(text), end+24)])
	if m == nil {
		return false
	}
	c, d := atoi(text[end+m[2]:end+m[3]]), atoi(text[end+m[4]:end+m[5]])
	rest := text[end+m[1] : min(len(text), end+m[1]+20)]
	return validDate(0, c, d) && max(a, b, c, d) >= 5 && !reShortDateRejectAfter.MatchString(rest) && !digitRunAround(text, end+m[2], end+m[5])
}
