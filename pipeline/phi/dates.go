package phi

import (
	"regexp"
	"strings"
)

// monthNumbers maps folded month names and abbreviations to 1-12.
var monthNumbers = map[string]int{
	"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
	"december": 12, "dec": 12,
}

const monthRE = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`

var (
	// reDateISO: "2026-11-16"; since 1.13.0 also between the underscores
	// of a file name ("tcm_calls_2026-11-16_2026-11-22.csv"), the
	// underscore outside the date.
	reDateISO     = regexp.MustCompile(`(?:\b|_)(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})`)
	reDateNumeric = regexp.MustCompile(`\b(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4}|\d{2})\b`)
	// reDateYMDSpaced: the year-first date with a period after each part
	// and spaces between them, the national standard of Hungary
	// ("1939. 05. 04.") and Korea ("2024. 3. 12."): the closing period
	// sets it apart from a list of numbers.
	reDateYMDSpaced = regexp.MustCompile(`\b(\d{4})\.[ \t](\d{1,2})\.[ \t](\d{1,2})\.`)
	// reDateForeign: a day and a month named in another European
	// language, with the year or the Iberian "de" ("7 de mayo de 2024",
	// "14. März 2024", "21 febbraio 2024", "3 września 2023"): a number
	// before a month name is a date in every one of them. reDateHU is
	// the Hungarian year-first form ("2024. március 12.").
	reDateForeign = regexp.MustCompile(`(?i)\b(\d{1,2})(\.|er|º)?[ \t]+(de[ \t]+)?(` + foreignMonthRE + `)\b(?:[ \t]+(?:de[ \t]+)?(\d{4})\b)?`)
	reDateHU      = regexp.MustCompile(`(?i)\b(\d{4})\.[ \t]+(` + foreignMonthRE + `)[ \t]+(\d{1,2})\b\.?`)
	reDateShort   = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})\b`)
	// reDateMDY: "Nov 20, 2026", "APR 2,1951", and a range within one
	// month, "Sept 3-6" (group 3, checked by rangeEndOK).
	reDateMDY = regexp.MustCompile(`(?i)\b` + monthRE + `\.?[ \t]+(\d{1,2})(?:st|nd|rd|th)?\b(?:[ \t]*[-–][ \t]*(\d{1,2})(?:st|nd|rd|th)?\b)?(?:(?:,[ \t]*|[ \t]+)(\d{4})\b)?`)
	// reDateDMY: "3rd of March 2024", and a range within one month written
	// day first, "12-19 July 2025", "7 and 8 August" (group 1).
	// Since 1.13.0 also a court's "15TH DAY OF DECEMBER, 2026", and a line
	// break between the day and the month or before the year ("8th\nNovember",
	// "3rd December\n2026"), as letters wrap them.
	reDateDMY   = regexp.MustCompile(`(?i)\b(?:(\d{1,2})(?:st|nd|rd|th)?[ \t]*(?:[-–&]|and)[ \t]*)?(\d{1,2})(?:st|nd|rd|th)?(?:[ \t]+|[ \t]*\n[ \t]*)(?:day[ \t]+of[ \t]+|of[ \t]+)?` + monthRE + `\b\.?(?:,?(?:[ \t]+|[ \t]*\n[ \t]*)(\d{4})\b)?`)
	reDateMY    = regexp.MustCompile(`(?i)\b` + monthRE + `\.?,?[ \t]+(\d{4})\b`)
	reDateDMonY = regexp.MustCompile(`(?i)\b(\d{1,2})[-/ ]` + monthRE + `[-/ ](\d{4}|\d{2})\b`)
	reMonthCue  = regexp.MustCompile(`(?i)\b(?:in|since|during|until|till|through|thru|by|from|before|after|early|late|mid|end of|beginning of|start of|last|next|this|of|every|each|diagnosed|started|stopped|began|born|died|moved|seen|admitted|discharged|scheduled|due|your|our|his|her|their)[\s-]+(?:early\s+|late\s+|mid-?)?` + monthRE + `\b`)
	reHoliday   = regexp.MustCompile(`\b(?:Christmas(?: Eve| Day)?|New Year's(?: Eve| Day)|Thanksgiving(?: Day)?|Easter(?: Sunday)?|Independence Day|Fourth of July|Halloween|Valentine's Day|Memorial Day|Labor Day|Veterans Day),?\s+\d{4}\b`)
	// reTimeAfter: a clock time that belongs to the date before it,
	// after spaces, "T" or "@" ("11/20/2026@1402", VistA's form), with a
	// time zone ("14:22 PT"); a 24-hour time without a colon ("3/14 0722")
	// only one space away, as a table's next column is further. Since
	// 1.11.0 a numeric offset ends it too, as e-mail headers write it
	// ("16 Nov 2026 21:14:07 -0500").
	reTimeAfter = regexp.MustCompile(`^(?:(?:\s+|T|[ \t]*@[ \t]*)\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?|[AaPp]\b)?|[ \t]+\d{1,2}[ \t]?[AaPp]\.?[Mm]\b\.?|(?:[ \t]|[ \t]*@[ \t]*)(?:[01]\d|2[0-3])[0-5]\d(?:[ \t]*(?:h|hrs?)\b)?)(?:[ \t]+(?:[ECMP][SD]?T|UTC|GMT|[+-](?:0\d|1[0-4])[0-5]\d)\b)?\b`)
	// reDateTimeISO: an ISO 8601 date and time, "2026-11-23T08:00:14-06:00".
	reDateTimeISO = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`)
	// reShortDateRange: two short dates joined as a range, "10/6-10/30",
	// "1/1 - 12/31"; each is a date (the digits around one would refuse
	// it alone).
	reShortDateRange = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})[ \t]*[-–][ \t]*(\d{1,2})/(\d{1,2})\b`)
	// reDateCue are the words that make a bare "3/6" a date. Since 1.11.0
	// a weekday ("next tues 12/1", "Sat 12/5": an oxygen saturation is no
	// valid month and day), a relative day ("today 11/19"), the start or
	// end of a schedule ("starting 12/7") and an act done on a day
	// ("given 11/3", "cleared 10/10") are cues too.
	reDateCue = regexp.MustCompile(`(?i)\b(?:on|since|from|until|till|through|thru|by|dated?|dos|seen|visit|admitted|discharged|next|due|f/u|follow[- ]?up|return|session|appointment|appt|restarted|started|stopped|held|until|before|after|of|starting|beginning|effective|ending|scheduled|rescheduled|booked|today|tomorrow|tonight|yesterday|mon|monday|tue|tues|tuesday|wed|weds|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday|sun|sunday|given|exam|cleared|drawn|collected|done|performed|placed|removed|resulted|received|sent|faxed|signed|last|prior|previous)\W{0,3}$`)
)

// foreignMonths maps the month names of Spanish, Portuguese, French,
// Italian, German, Dutch, Hungarian and Polish (genitive, as dates write
// them) to 1-12; foreignMonthRE matches any of them.
var foreignMonths = func() map[string]int {
	m := map[string]int{}
	for _, lang := range []string{
		"enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
		"janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
		"janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
		"gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
		"januar februar märz april mai juni juli august september oktober november dezember",
		"januari februari maart april mei juni juli augustus september oktober november december",
		"január február március április május június július augusztus szeptember október november december",
		"stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
	} {
		for i, w := range strings.Fields(lang) {
			m[w] = i + 1
		}
	}
	m["setiembre"], m["jänner"] = 9, 1
	return m
}()

// foldedForeignMonths are foreignMonths' names folded as token keys are.
var foldedForeignMonths = func() map[string]bool {
	m := make(map[string]bool, len(foreignMonths))
	for w := range foreignMonths {
		m[fold(w)] = true
	}
	return m
}()

// isForeignMonth triggers the foreign date patterns (matchNear).
func isForeignMonth(t token) bool { return t.isWord() && foldedForeignMonths[t.key] }

// isYearToken triggers the year-first spaced date: four digits.
func isYearToken(t token) bool { return t.shape == shNum && t.end-t.start == 4 }

var foreignMonthRE = func() string {
	ws := make([]string, 0, len(foreignMonths))
	for w := range foreignMonths {
		ws = append(ws, regexp.QuoteMeta(w))
	}
	sortByLenDesc(ws)
	return "(?:" + strings.Join(ws, "|") + ")"
}()

// findDates reports dates with a day or month element (a year alone is
// not PHI under Safe Harbor) in numeric, ISO and spelled-out forms, with a
// clock time that directly follows.
func findDates(text string, toks []token) []Span {
	// Scanned pages come through OCR, which reads a 0 as "O" and a 1 as
	// "l" ("O8/14/1953", "11/O5"): the date rules read digits so
	// confused as digits. The copy has the same length, so offsets hold.
	text = ocrDigits(text)
	var out []Span
	add := func(start, end int, conf float64) {
		out = append(out, Span{Start: start, End: timeAfter(text, end), Category: Date, Confidence: conf, Detector: "date"})
	}
	for _, m := range reDateTimeISO.FindAllStringSubmatchIndex(text, -1) {
		if y, mo, d := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]]); y >= 1800 && y <= 2199 && validDate(y, mo, d) {
			out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.95, Detector: "date"})
		}
	}
	for _, m := range reShortDateRange.FindAllStringSubmatchIndex(text, -1) {
		a, b, c, d := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]]), atoi(text[m[8]:m[9]])
		if digitRunAround(text, m[0], m[1]) {
			continue
		}
		if validDate(0, a, b) && validDate(0, c, d) || validDate(0, b, a) && validDate(0, d, c) {
			out = append(out, Span{Start: m[2], End: m[5], Category: Date, Confidence: 0.75, Detector: "date-range"},
				Span{Start: m[6], End: m[9], Category: Date, Confidence: 0.75, Detector: "date-range"})
		}
	}
	for _, m := range reDateISO.FindAllStringSubmatchIndex(text, -1) {
		y, mo, d := atoi(text[m[2]:m[3]]), atoi(text[m[6]:m[7]]), atoi(text[m[10]:m[11]])
		if m[1] < len(text) && (isDigitByte(text[m[1]]) || isAlphaByte(text[m[1]])) {
			continue // "2026-11-16T08:00" is reDateTimeISO's; "2026-11-166" no date
		}
		if text[m[4]:m[5]] != text[m[8]:m[9]] || y < 1800 || y > 2199 || !validDate(y, mo, d) || digitRunAround(text, m[2], m[11]) {
			continue
		}
		add(m[2], m[11], 0.95)
	}
	for _, m := range matchNear(reDateForeign, text, toks, isForeignMonth, 3, 3) {
		d, mo, y := atoi(text[m[2]:m[3]]), foreignMonths[strings.ToLower(text[m[8]:m[9]])], 0
		if m[10] >= 0 {
			y = atoi(text[m[10]:m[11]])
		}
		// Without a year only "de" or the German ordinal period says date.
		if m[10] < 0 && m[6] < 0 && (m[4] < 0 || text[m[4]:m[5]] != ".") || !validDate(y, mo, d) || digitRunBefore(text, m[0]) {
			continue
		}
		add(m[0], m[1], 0.9)
	}
	for _, m := range matchNear(reDateHU, text, toks, isForeignMonth, 3, 2) {
		y, mo, d := atoi(text[m[2]:m[3]]), foreignMonths[strings.ToLower(text[m[4]:m[5]])], atoi(text[m[6]:m[7]])
		if y < 1800 || y > 2199 || !validDate(y, mo, d) {
			continue
		}
		add(m[0], m[1], 0.9)
	}
	for _, m := range matchNear(reDateYMDSpaced, text, toks, isYearToken, 0, 6) {
		y, mo, d := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]])
		if y < 1800 || y > 2199 || !validDate(y, mo, d) || digitRunAround(text, m[0], m[1]) {
			continue
		}
		add(m[0], m[1], 0.9)
	}
	for _, m := range reDateNumeric.FindAllStringSubmatchIndex(text, -1) {
		a, b, ys := atoi(text[m[2]:m[3]]), atoi(text[m[6]:m[7]]), text[m[10]:m[11]]
		sep := text[m[4]:m[5]]
		// A two-digit year with dots is a date only with both day and
		// month written in two digits ("19.11.26"), since 1.11.0: "1.2.26"
		// is as often a version or a section.
		if sep != text[m[8]:m[9]] || digitRunAround(text, m[0], m[1]) && !inDateRange(text, m[0], m[1]) || (sep == "." && len(ys) == 2 && (m[3]-m[2] != 2 || m[7]-m[6] != 2 || strings.HasPrefix(text[m[1]:], "."))) {
			continue
		}
		y := atoi(ys)
		if len(ys) == 4 && (y < 1800 || y > 2199) {
			continue
		}
		if len(ys) == 2 {
			y = 0
		}
		if !validDate(y, a, b) && !validDate(y, b, a) {
			continue
		}
		conf := 0.9
		if len(ys) == 4 {
			conf = 0.95
		}
		add(m[0], m[1], conf)
	}
	shorts := reDateShort.FindAllStringSubmatchIndex(text, -1)
	for _, m := range shorts {
		a, b := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]])
		if digitRunAround(text, m[0], m[1]) || !validDate(0, a, b) {
			continue
		}
		before := lowerBefore(text, m[0], 30)
		if !reDateCue.MatchString(before) || isScoreContext(before, text[m[1]:]) {
			continue
		}
		add(m[0], m[1], 0.75)
	}
	for _, m := range matchNear(reDateMDY, text, toks, isMonthWord, 0, 7) {
		mon := text[m[2]:m[3]]
		d := atoi(text[m[4]:m[5]])
		y := 0
		if m[8] >= 0 {
			y = atoi(text[m[8]:m[9]])
		}
		if !monthWordOK(text, m[2], mon) || !validDate(y, monthNumbers[strings.ToLower(mon)], d) {
			continue
		}
		if m[8] < 0 && !isUpperByte(mon[0]) && reAgeUnit.MatchString(text[m[1]:]) {
			continue // "dec 20 mg"
		}
		end := m[1]
		if m[6] >= 0 && m[8] < 0 && !rangeEndOK(d, atoi(text[m[6]:m[7]]), text[m[1]:]) {
			// "Nov 2-3 weeks ago" is no range of days: keep the date.
			end = wordEnd(text, m[5])
		}
		conf := 0.95
		if m[8] < 0 {
			conf = 0.85
		}
		add(m[0], end, conf)
	}
	for _, m := range matchNear(reDateDMY, text, toks, isMonthWord, 6, 4) {
		mon := text[m[6]:m[7]]
		d := atoi(text[m[4]:m[5]])
		y := 0
		if m[8] >= 0 {
			y = atoi(text[m[8]:m[9]])
		}
		if m[2] >= 0 && !rangeEndOK(atoi(text[m[2]:m[3]]), d, "") {
			m[0] = m[4]
		}
		// A day number before a lower-case "march" makes it the month
		// ("w/c 9 march"): the verb does not follow a bare number.
		// "may" stays out ("the 3 may be").
		okMon := monthWordOK(text, m[6], mon) || strings.ToLower(mon) == "march"
		if !okMon || !validDate(y, monthNumbers[strings.ToLower(mon)], d) || digitRunBefore(text, m[0]) {
			continue
		}
		conf := 0.95
		if m[8] < 0 {
			conf = 0.85
		}
		add(m[0], m[1], conf)
	}
	for _, m := range matchNear(reDateMY, text, toks, isMonthWord, 0, 3) {
		mon := text[m[2]:m[3]]
		y := atoi(text[m[4]:m[5]])
		if !monthWordOK(text, m[2], mon) || y < 1800 || y > 2199 {
			continue
		}
		add(m[0], m[1], 0.85)
	}
	for _, m := range matchNear(reDateDMonY, text, toks, isMonthWord, 2, 2) {
		if !validDate(0, monthNumbers[strings.ToLower(text[m[4]:m[5]])], atoi(text[m[2]:m[3]])) {
			continue
		}
		add(m[0], m[1], 0.95)
	}
	// (Since 1.11.0 the month may end a hyphenated word, "mid-February",
	// and a verb of an event or a possessive is a cue: "diagnosed June",
	// "your July recertification".)
	for _, m := range matchNear(reMonthCue, text, toks, isMonthOrHyphenMonth, 5, 0) {
		mon := text[m[2]:m[3]]
		// A month alone needs its full, capitalised name ("in May", not
		// "in may" or "by Mar").
		// Since 1.7.0 a lower-case full name other than "may" and "march"
		// counts too ("the ativan you gave me in july"): no other English
		// word is spelled "june" or "october".
		if len(mon) < 3 || monthNumbers[strings.ToLower(mon)] == 0 || !isFullMonth(mon) && !abbreviatedMonthAfterTimeCue(text, m) ||
			!isUpperByte(mon[0]) && (strings.EqualFold(mon, "may") || strings.EqualFold(mon, "march")) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[3], Category: Date, Confidence: 0.7, Detector: "date-month"})
	}
	// A holiday is a date only with its year ("Christmas 2025"); alone it
	// names every year's (since 1.13.0, as every labelled corpus has it).
	for _, m := range matchNear(reHoliday, text, toks, isHolidayWord, 0, 6) {
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.6, Detector: "date-holiday"})
	}
	out = append(out, findSpokenDates(text, toks)...)
	out = append(out, findFormDates(text)...)
	return append(out, findDatesNoYear(text, toks, out, shorts)...)
}

// ocrDigits returns text with the letters OCR mistakes for digits ("O",
// "o" for 0, "l", "I" for 1) turned into those digits where they sit in a
// number: next to a digit, with a digit, a date or time separator or no
// letter on the other side. Words are left alone ("Oct", "2 lb", "Ol").
func ocrDigits(text string) string {
	var b []byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != 'O' && c != 'o' && c != 'l' && c != 'I' {
			continue
		}
		prev, next := byte(' '), byte(' ')
		if i > 0 {
			prev = text[i-1]
		}
		if i+1 < len(text) {
			next = text[i+1]
		}
		numeric := func(x byte) bool {
			return isDigitByte(x) || x == '/' || x == ':' || x == '-' || x == '.' || !isAlphaByte(x) && x < 0x80
		}
		if !(isDigitByte(prev) && numeric(next) || isDigitByte(next) && numeric(prev)) {
			continue
		}
		if b == nil {
			b = []byte(text)
		}
		if c == 'O' || c == 'o' {
			b[i] = '0'
		} else {
			b[i] = '1'
		}
	}
	if b == nil {
		return text
	}
	return string(b)
}

// timeAfter returns the end of the clock time that follows a date ending
// at end (reTimeAfter), or end: "3/14 0722" takes its time, "3/14 1000
// mg" is a dose.
func timeAfter(text string, end int) int {
	m := reTimeAfter.FindStringIndex(text[end:])
	if m == nil || reAgeUnit.MatchString(text[end+m[1]:]) {
		return end
	}
	return end + m[1]
}

// isMonthWord triggers the spelled-out date patterns.
func isMonthWord(t token) bool { return t.isWord() && monthNumbers[t.key] != 0 }

// isMonthOrHyphenMonth triggers reMonthCue: a month word, or a word that
// ends in one after a hyphen ("mid-february").
func isMonthOrHyphenMonth(t token) bool {
	if isMonthWord(t) {
		return true
	}
	if i := strings.LastIndexByte(t.key, '-'); i >= 0 && t.isWord() {
		return monthNumbers[t.key[i+1:]] != 0
	}
	return false
}

// isHolidayWord triggers reHoliday.
var isHolidayWord = keyIn("christmas", "new", "thanksgiving", "easter", "independence", "fourth", "halloween", "valentines", "memorial", "labor", "veterans")

// monthWordOK rejects month words that are more likely something else:
// "may" and "march" (and abbreviations) must be capitalised, unless the
// line has no case signal ("see you on march 4" in a portal message typed
// in lower case); "Mar" as in "Mar 5" is fine, "mar" is not.
func monthWordOK(text string, at int, mon string) bool {
	if isUpperByte(text[at]) {
		// "May I ..." is a question, not a date: handled by requiring a
		// day or year after it, which every caller does.
		return true
	}
	switch strings.ToLower(mon) {
	case "january", "february", "april", "june", "july", "august", "september", "october", "november", "december":
		return true
	case "may", "march":
		return caselessLine(text, at)
	case "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov":
		// Typed in lower case ("nov 12th", "sep 3"), an abbreviation
		// before a day or a year (as every caller asks) is the month: none
		// of these is an English word.
		return true
	case "jan", "dec":
		// A name and "decreased": the month only in a line typed in one
		// case, and never before a unit ("dec 20 mg", checked by the
		// callers through reAgeUnit).
		return caselessLine(text, at)
	}
	return false
}

// rangeEndOK reports whether "from-to" days are a range within one month
// ("Sept 3-6", "12-19 July"): the second day after the first, and no
// unit after it ("Nov 2-3 weeks ago" is a duration).
func rangeEndOK(from, to int, after string) bool {
	return to > from && to <= 31 && !reAgeUnit.MatchString(after)
}

// wordEnd returns the end of the word or number that starts at or
// continues from i ("3rd" from the end of "3").
func wordEnd(text string, i int) int {
	for i < len(text) && (isAlphaByte(text[i]) || isDigitByte(text[i])) {
		i++
	}
	return i
}

// abbreviatedMonthAfterTimeCue accepts a month's abbreviation alone
// after a preposition of time, as chats write it ("moved end of oct",
// "was 9.8 in aug", "since Sept."; since 1.13.0): not "jan", "mar" and
// "may", which are also a name and verbs, and not before an apostrophe or
// a letter.
func abbreviatedMonthAfterTimeCue(text string, m []int) bool {
	switch strings.ToLower(strings.TrimSuffix(text[m[2]:m[3]], ".")) {
	case "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec":
	default:
		return false
	}
	if m[3] < len(text) && (text[m[3]] == '\'' || isAlphaByte(text[m[3]])) {
		return false
	}
	cue := strings.ToLower(strings.Join(strings.Fields(text[m[0]:m[2]]), " "))
	for _, c := range []string{"in", "since", "until", "till", "through", "thru", "end of", "beginning of", "start of", "early", "late", "mid", "last", "next", "this"} {
		if strings.HasPrefix(cue, c) && (len(cue) == len(c) || !isAlphaByte(cue[len(c)])) {
			return true
		}
	}
	return false
}

func isFullMonth(mon string) bool {
	switch strings.ToLower(mon) {
	case "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december":
		return true
	}
	return false
}

func isUpperByte(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLowerByte(c byte) bool { return 'a' <= c && c <= 'z' }

// digitRunAround reports whether the match is part of a longer run of
// digits and separators (a phone number, an identifier, a version).
// reRangeNext and reRangePrev: a numeric date with a four-digit year
// joined to this one by a hyphen or a dash, after or before it.
var (
	reRangeNext = regexp.MustCompile(`^[ \t]?[-–][ \t]?\d{1,2}/\d{1,2}/\d{4}\b`)
	reRangePrev = regexp.MustCompile(`\b\d{1,2}/\d{1,2}/\d{4}[ \t]?[-–][ \t]?$`)
)

// inDateRange reports whether the date at text[start:end] is one end of
// "9/8/2026-9/29/2026", whose hyphen digitRunAround would take for a
// longer number (1.14.0).
func inDateRange(text string, start, end int) bool {
	return strings.Count(text[start:end], "/") == 2 && (end >= len(text) || !isDigitByte(text[end]) && !isAlphaByte(text[end])) &&
		(reRangeNext.MatchString(text[end:]) || reRangePrev.MatchString(text[max(0, start-16):start]))
}

func digitRunAround(text string, start, end int) bool {
	if digitRunBefore(text, start) {
		return true
	}
	if end < len(text) {
		c := text[end]
		if isDigitByte(c) || isAlphaByte(c) {
			return true
		}
		if (c == '-' || c == '/' || c == '.') && end+1 < len(text) && isDigitByte(text[end+1]) {
			return true
		}
	}
	return false
}

// digitRunBefore is the first half of digitRunAround.
func digitRunBefore(text string, start int) bool {
	if start == 0 {
		return false
	}
	c := text[start-1]
	if isDigitByte(c) || isAlphaByte(c) {
		return true
	}
	return (c == '-' || c == '/' || c == '.') && start > 1 && isDigitByte(text[start-2])
}

func isAlphaByte(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isScoreContext reports a "3/10" that is a score or ratio rather than a
// date: a pain score, a strength, a ratio.
// reScoreRangeTail: a pair and a range word ending the text before
// another pair.
var reScoreRangeTail = regexp.MustCompile(`\b\d{1,2}/\d{1,2}[ \t]*(?:to|through|thru|-|–)$`)

func isScoreContext(before, after string) bool {
	b := strings.ToLower(strings.TrimSpace(before))
	// The second pair of a range takes the first one's words: "pain 3/10
	// to 5/10" (1.14.0).
	if m := reScoreRangeTail.FindStringIndex(b); m != nil {
		b = strings.TrimSpace(b[:m[0]])
	}
	// Since 1.13.0 in any case, and the symptom and effort scales too
	// ("Borg 3/10", "Energy 7/10", "Mini-Cog 1/5", "distress thermometer
	// 7/10", "2/6 holosystolic murmur").
	for _, w := range []string{"pain", "score", "scale", "rated", "strength", "grade", "ratio", "power", "is", "was", "at",
		"borg", "rpe", "energy", "fatigue", "dyspnea", "dyspnoea", "nausea", "anxiety", "mood", "stress", "distress",
		"thermometer", "tightness", "severity", "intensity", "cog", "effort", "exertion"} {
		// A whole word: "at", not the end of "sat" (1.11.0).
		if strings.HasSuffix(b, w) && (len(b) == len(w) || !isAlphaByte(b[len(b)-len(w)-1])) {
			return true
		}
	}
	a := strings.ToLower(strings.TrimSpace(after))
	return strings.HasPrefix(a, "pain") || strings.HasPrefix(a, "strength") || strings.HasPrefix(a, "mg") ||
		strings.HasPrefix(a, "holosystolic") || strings.HasPrefix(a, "systolic") || strings.HasPrefix(a, "diastolic") || strings.HasPrefix(a, "murmur")
}
