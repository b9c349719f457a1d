package phi

import (
	"cmp"
	"regexp"
	"slices"
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
	// reDateDMYSpaced: the day-first form with spaces after the periods,
	// as Czech, Slovak, German and Slovenian print it ("19. 11. 2026",
	// "14. 6. 1988"), 1.22.0; the four-digit year sets it apart from a
	// list of numbers.
	reDateDMYSpaced = regexp.MustCompile(`\b(\d{1,2})\.[ \t](\d{1,2})\.[ \t](\d{4})\b`)
	// reDateBlankSeparated: a numeric date with blanks for its
	// separators, as speech recognition types a dictated date ("dictated
	// 11 17 2026 14 05", "barra mrm 22 11 2026") and form boxes print it
	// ("DATE OF CURRENT ILLNESS: 07 12 2025"), 1.22.0; a four-digit year,
	// and a spoken time after it joins it (reBlankTime).
	reDateBlankSeparated = regexp.MustCompile(`\b(\d{1,2}) (\d{1,2}) (\d{4})\b`)
	reBlankTime          = regexp.MustCompile(`^ ([01]\d|2[0-3]) ([0-5]\d)\b`)
	reDateShort          = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})\b`)
	// reDateCompact: the day, month and year run together as airline
	// and military records write them, "02NOV26", "21NOV26 0615 HST",
	// "09MAR2024", "22NOV" (since 1.19.0).
	reDateCompact = regexp.MustCompile(`\b(\d{1,2})(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)(\d{4}|\d{2})?\b`)
	// reDateMDY: "Nov 20, 2026", "APR 2,1951", and a range within one
	// month, "Sept 3-6" (group 3, checked by rangeEndOK); since 1.19.0 a
	// year cut to its last two digits, "Nov 15, '26", and "the" before
	// the day, "october the 20th".
	reDateMDY = regexp.MustCompile(`(?i)\b` + monthRE + `\.?[ \t]+(?:the[ \t]+)?(\d{1,2})(?:st|nd|rd|th)?\b(?:[ \t]*[-–][ \t]*(\d{1,2})(?:st|nd|rd|th)?\b)?(?:(?:,[ \t]*|[ \t]+)(\d{4}\b|['\x{2019}]\d{2}\b))?`)
	// reDateDMY: "3rd of March 2024", and a range within one month written
	// day first, "12-19 July 2025", "7 and 8 August" (group 1).
	// Since 1.13.0 also a court's "15TH DAY OF DECEMBER, 2026", and a line
	// break between the day and the month or before the year ("8th\nNovember",
	// "3rd December\n2026"), as letters wrap them.
	reDateDMY = regexp.MustCompile(`(?i)\b(?:(\d{1,2})(?:st|nd|rd|th)?[ \t]*(?:[-–&]|and)[ \t]*)?(\d{1,2})(?:st|nd|rd|th)?(?:[ \t]+|[ \t]*\n[ \t]*)(?:day[ \t]+of[ \t]+|of[ \t]+)?` + monthRE + `\b\.?(?:,?(?:[ \t]+|[ \t]*\n[ \t]*)(\d{4})\b)?`)
	// reDateMY: "March 2024", and since 1.19.0 "Mar '24" and the second
	// month of a range, "Jan-Feb 2024" (widenHyphenated takes the first).
	reDateMY = regexp.MustCompile(`(?i)\b` + monthRE + `\.?,?[ \t]+(\d{4}\b|['\x{2019}]\d{2}\b)`)
	// reDateDMonNoYear: a day and an abbreviated month joined by a hyphen
	// and no year, "4-Sept", "12-Jan" (since 1.19.0); reDateDMonY takes
	// the ones with a year.
	reDateDMonNoYear = regexp.MustCompile(`(?i)\b(\d{1,2})-` + monthRE + `\b\.?`)
	reDateDMonY      = regexp.MustCompile(`(?i)\b(\d{1,2})[-/ ]` + monthRE + `[-/ ](\d{4}|\d{2})\b`)
	reMonthCue       = regexp.MustCompile(`(?i)\b(?:in|since|during|until|till|through|thru|by|from|before|after|early|late|mid|end of|beginning of|start of|last|next|this|of|every|each|diagnosed|started|stopped|began|born|died|moved|seen|admitted|discharged|scheduled|due|your|our|his|her|their)[\s-]+(?:early\s+|late\s+|mid-?)?` + monthRE + `\b`)
	// reTimeAfter: a clock time that belongs to the date before it,
	// after spaces, "T" or "@" ("11/20/2026@1402", VistA's form), with a
	// time zone ("14:22 PT"); a 24-hour time without a colon ("3/14 0722")
	// only one space away, as a table's next column is further. Since
	// 1.11.0 a numeric offset ends it too, as e-mail headers write it
	// ("16 Nov 2026 21:14:07 -0500"); since 1.19.0 the zones of Alaska,
	// Hawaii, the Atlantic, Europe, Africa, Asia and Oceania, and the
	// aviation "Z" ("1940Z").
	reTimeAfter = regexp.MustCompile(`^(?:(?:\s+|T|[ \t]*@[ \t]*)\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?|[AaPp]\b)?|[ \t]+\d{1,2}(?:\.[0-5]\d)?[ \t]?[AaPp]\.?[Mm]\b\.?|(?:[ \t]|[ \t]*@[ \t]*)(?:[01]\d|2[0-3])[0-5]\d(?:[ \t]*(?:h|hrs?)\b|Z)?)(?:[ \t]+(?:[ECMPA][SD]?T|AK[SD]T|H[SD]?T|ChST|SST|NZ[SD]T|AE[SD]T|AC[SD]T|AWST|BST|IST|CES?T|EES?T|WES?T|[WCE]AT|SAST|JST|KST|SGT|PHT|HKT|WIB|UTC|GMT|Z|[+-](?:0\d|1[0-4])[0-5]\d)\b)?\b`)
	// reDateTimeISO: an ISO 8601 date and time, "2026-11-23T08:00:14-06:00".
	reDateTimeISO = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`)
	// reShortDateRange: two short dates joined as a range, "10/6-10/30",
	// "1/1 - 12/31"; each is a date (the digits around one would refuse
	// it alone).
	reSlashYear      = regexp.MustCompile(`^/(?:\d{4}|\d{2})\b`)
	reShortDateRange = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})[ \t]*[-–][ \t]*(\d{1,2})/(\d{1,2})\b`)
	// reDateCue are the words that make a bare "3/6" a date. Since 1.11.0
	// a weekday ("next tues 12/1", "Sat 12/5": an oxygen saturation is no
	// valid month and day), a relative day ("today 11/19"), the start or
	// end of a schedule ("starting 12/7") and an act done on a day
	// ("given 11/3", "cleared 10/10") are cues too; since 1.21.0 also the
	// weekdays of Spanish, French, German and Portuguese ("el lunes 23/11")
	// and an arrival's "eta 21/11".
	reDateCue = regexp.MustCompile(`(?i)\b(?:on|since|from|until|till|through|thru|by|dated?|dos|seen|visit|admitted|discharged|next|due|f/u|follow[- ]?up|return|session|appointment|appt|restarted|started|stopped|held|until|before|after|of|starting|beginning|effective|ending|scheduled|rescheduled|booked|today|tomorrow|tonight|yesterday|mon|monday|tue|tues|tuesday|wed|weds|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday|sun|sunday|given|exam|cleared|drawn|collected|done|performed|placed|removed|resulted|received|sent|faxed|signed|last|prior|previous|ends|ended|expires|expired|expiry|renews|closes|deadline|eta|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|segunda|terça|terca|quarta|quinta|sexta)\W{0,3}$`)
)

// isYearToken triggers the year-first spaced date: four digits.
func isYearToken(t token) bool { return t.shape == shNum && t.end-t.start == 4 }

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
		// "11/21-11/22/26": the range's end carries the year, and is a
		// numeric date of its own.
		yearAfter := reSlashYear.MatchString(text[m[1]:])
		if digitRunBefore(text, m[0]) || digitRunAround(text, m[0], m[1]) && !yearAfter {
			continue
		}
		if validDate(0, a, b) && validDate(0, c, d) || validDate(0, b, a) && validDate(0, d, c) {
			out = append(out, Span{Start: m[2], End: m[5], Category: Date, Confidence: 0.75, Detector: "date-range"})
			if !yearAfter {
				out = append(out, Span{Start: m[6], End: m[9], Category: Date, Confidence: 0.75, Detector: "date-range"})
			}
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
	out = append(out, findIntlDates(text, toks)...)
	// Spaced dates with periods: year first ("1939. 05. 04.") or day
	// first ("19. 11. 2026"); groups 1 to 3 hold year, month, day or day,
	// month, year.
	for _, f := range [...]struct {
		re        *regexp.Regexp
		yearFirst bool
	}{{reDateYMDSpaced, true}, {reDateDMYSpaced, false}} {
		before, after := 0, 6
		if !f.yearFirst {
			before, after = 6, 0
		}
		for _, m := range matchNear(f.re, text, toks, isYearToken, before, after) {
			y, mo, d := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]])
			if !f.yearFirst {
				d, y = y, d
			}
			if y < 1800 || y > 2199 || !validDate(y, mo, d) || digitRunAround(text, m[0], m[1]) {
				continue
			}
			add(m[0], m[1], 0.9)
		}
	}
	for _, m := range matchNear(reDateBlankSeparated, text, toks, isYearToken, 6, 0) {
		a, b, y := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[6]:m[7]])
		end := m[1]
		if t := reBlankTime.FindStringIndex(text[end:]); t != nil {
			end += t[1]
		}
		// A number across a blank on either side makes it part of a longer
		// run: a phone number or a table's row of counts.
		if y < 1800 || y > 2199 || !validDate(y, a, b) && !validDate(y, b, a) || digitRunAround(text, m[0], end) ||
			numberAcrossBlank(text, m[0], end) {
			continue
		}
		add(m[0], end, 0.8)
	}
	for _, m := range numericDateCandidates(text) {
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
			y = yearValue(text[m[8]:m[9]])
		}
		if !monthWordOK(text, m[2], mon) && !lowerMayBeforeDay(text, m[2], mon) || !validDate(y, monthNumbers[strings.ToLower(mon)], d) {
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
	for _, m := range matchNear(reDateMY, text, toks, isMonthOrHyphenMonth, 0, 3) {
		mon := text[m[2]:m[3]]
		y := yearValue(text[m[4]:m[5]])
		if !monthWordOK(text, m[2], mon) || y < 1800 && y >= 100 || y > 2199 || y < 100 && !isUpperByte(mon[0]) {
			continue
		}
		add(m[0], m[1], 0.85)
	}
	for _, m := range matchNear(reDateDMonNoYear, text, toks, isMonthWord, 2, 1) {
		mon := text[m[4]:m[5]]
		if !monthWordOK(text, m[4], mon) || !validDate(0, monthNumbers[strings.ToLower(mon)], atoi(text[m[2]:m[3]])) ||
			digitRunBefore(text, m[0]) || m[1] < len(text) && (text[m[1]] == '-' || text[m[1]] == '/') {
			continue
		}
		add(m[0], m[1], 0.85)
	}
	for _, m := range matchNear(reDateCompact, text, toks, isCompactDate, 0, 0) {
		mon := monthNumbers[strings.ToLower(text[m[4]:m[5]])]
		if !validDate(0, mon, atoi(text[m[2]:m[3]])) {
			continue
		}
		add(m[0], m[1], 0.9)
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
			!isUpperByte(mon[0]) && (strings.EqualFold(mon, "may") || strings.EqualFold(mon, "march") && !lowerMarchAfterCue(text, m)) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[3], Category: Date, Confidence: 0.7, Detector: "date-month"})
	}
	for _, m := range matchNear(reMonthCueMore, text, toks, isMonthWord, 3, 1) {
		mon := text[m[2]:m[3]]
		if !isFullMonth(mon) || nameMonth(mon) || !isUpperByte(mon[0]) && (strings.EqualFold(mon, "may") || strings.EqualFold(mon, "march")) {
			continue
		}
		cue := strings.ToLower(strings.TrimSpace(text[m[0]:m[2]]))
		after := text[m[3]:min(len(text), m[3]+20)]
		// "(February)" alone in its brackets; "the December draft" before
		// a lower-case word.
		if strings.HasPrefix(cue, "(") && !strings.HasPrefix(strings.TrimLeft(after, " \t"), ")") ||
			cue == "the" && !reLowerWordNext.MatchString(after) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[3], Category: Date, Confidence: 0.7, Detector: "date-month"})
	}
	for _, m := range matchNear(reMonthPair, text, toks, isMonthOrHyphenMonth, 2, 2) {
		a, b := text[m[2]:m[3]], text[m[4]:m[5]]
		if !pairMonthOK(a) || !pairMonthOK(b) || isUpperByte(a[0]) != isUpperByte(b[0]) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[5], Category: Date, Confidence: 0.75, Detector: "date-month"})
	}
	out = append(out, loneMonths(text, toks)...)
	out = append(out, coordinatedDates(text, out)...)
	// A holiday is a date only with its year ("Christmas 2025"); alone it
	// names every year's (since 1.13.0, as every labelled corpus has it).
	for _, m := range matchNear(reHoliday, text, toks, isHolidayWord, 0, 10) {
		if !holidayOK(text, m[0]) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.6, Detector: "date-holiday"})
	}
	out = append(out, findSpokenDates(text, toks)...)
	out = append(out, findFormDates(text)...)
	out = append(out, findDayRanges(text)...)
	out = append(out, findDotDatesNoYear(text)...)
	out = append(out, findDatesNoYear(text, toks, out, shorts)...)
	out = append(out, daysBeforeDates(text, out)...)
	widenHyphenated(text, toks, out)
	return out
}

// numericDateCandidates returns reDateNumeric's matches. Where the two
// separators differ the match is no date, and the search starts again
// at its second number: "11/21-11/22/26" first matches "11/21-11", which
// would hide the date "11/22/26" (since 1.19.0).
func numericDateCandidates(text string) [][]int {
	var out [][]int
	for at := 0; at < len(text); {
		m := reDateNumeric.FindStringSubmatchIndex(text[at:])
		if m == nil {
			break
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += at
			}
		}
		out = append(out, m)
		if text[m[4]:m[5]] != text[m[8]:m[9]] {
			at = m[6]
		} else {
			at = m[1]
		}
	}
	return out
}

// yearValue reads the year of a date, four digits or an apostrophe and
// two ("'26", which stays 26: validDate needs no century).
func yearValue(s string) int {
	return atoi(strings.TrimLeft(s, "'\u2019"))
}

// widenHyphenated starts a date at the month that a hyphen joins to it
// ("Jan-Feb 2024"), since 1.19.0. The "mid" of "mid-March" stays out, as
// testdata/phi labels it: it dates nothing.
func widenHyphenated(text string, toks []token, spans []Span) {
	for i := range spans {
		s := &spans[i]
		if s.Start < 2 || text[s.Start-1] != '-' {
			continue
		}
		k, ok := slices.BinarySearchFunc(toks, s.Start, func(t token, at int) int { return cmp.Compare(t.end, at+1) })
		if !ok && k >= len(toks) || toks[k].start >= s.Start || !toks[k].isWord() {
			continue
		}
		if monthNumbers[strings.ToLower(text[toks[k].start:s.Start-1])] != 0 {
			s.Start = toks[k].start
		}
	}
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
	if m == nil {
		m = reTimeAfterIntl.FindStringIndex(text[end:])
		if m != nil && reMoneyAfter.MatchString(text[end+m[1]:]) {
			return end
		}
	}
	if m == nil || reAgeUnit.MatchString(text[end+m[1]:]) {
		return end
	}
	return end + m[1]
}

var (
	// reTimeAfterIntl (1.23.0): the clock times of French, Spanish and
	// Portuguese ("10h05") and the dotted 24-hour time of much of Europe
	// and Asia ("24/11/2026 19.30", "24/11 20.00") right after a date, as
	// a time written with a colon joins it; after a comma or a word ("à
	// 16h20", ", 10.15") the labelled corpora leave the time out, as
	// reTimeAfter does. A dotted time needs a valid
	// hour and minute and no further digits ("19.30.5", "20.00,5"); an
	// amount ("23/11 20.00 EUR") is left out by reMoneyAfter, a dose by
	// reAgeUnit.
	reTimeAfterIntl = regexp.MustCompile(`^[ \t]+(?:(?:[01]?\d|2[0-3])[hH][0-5]\d\b|(?:[01]?\d|2[0-3])h\b|(?:[01]?\d|2[0-3])\.[0-5]\d(?:[ \t]?(?:h|hrs|uur|Uhr|WIB|WITA|WIT)\b)?)`)
	reMoneyAfter    = regexp.MustCompile(`(?i)^(?:[.,]\d|[ \t]*(?:€|\$|£|¥|₹|eur|euros?|usd|dollars?|cfa|fcfa|xof|mad|dh|dhs|tnd|dt|rp|idr|lei|ron|rsd|din|ksh|kes|rs\.?|inr|php|pesos?|reais|r\$|soles|bs|birr|tl|try)\b)`)
)

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

// isCompactDate triggers reDateCompact: a token of digits and letters
// as long as "1JAN" to "31DEC2026".
func isCompactDate(t token) bool {
	return t.shape == shAlnum && t.end-t.start >= 4 && t.end-t.start <= 9
}

// holidayNames are the holidays and feasts a date may name with its year
// ("Christmas 2025", "Palm Sunday 1941", "Pesach 2027"; since 1.21.0 also
// the feasts and festivals of the communities in the labelled sets, and
// a year read out, "thanksgiving twenty twenty six"). Capitalised, unless
// the text has no capitals.
var holidayNames = []string{
	"Christmas Eve", "Christmas Day", "Christmas", "New Year's Eve", "New Year's Day", "Thanksgiving Day", "Thanksgiving",
	"Easter Sunday", "Easter Monday", "Easter", "Independence Day", "Fourth of July", "Halloween", "Valentine's Day",
	"Memorial Day", "Labor Day", "Veterans Day", "Palm Sunday", "Good Friday", "Holy Saturday", "Ash Wednesday",
	"Pentecost", "Whitsun", "Ascension Day", "Epiphany", "Candlemas", "Michaelmas", "Martinmas", "Midsummer Eve",
	"Midsummer Day", "Midsummer", "All Saints' Day", "All Souls' Day", "Boxing Day", "St. Patrick's Day",
	"St Patrick's Day", "St. John's Day", "Passover", "Pesach", "Rosh Hashanah", "Yom Kippur", "Hanukkah", "Chanukah",
	"Purim", "Sukkot", "Shavuot", "Eid al-Fitr", "Eid al-Adha", "Eid", "Diwali", "Holi", "Lunar New Year",
	"Chinese New Year", "Tet", "Tết", "Losar", "Nowruz", "Vesak", "Songkran", "Chuseok", "Mardi Gras", "Mother's Day",
	"Father's Day", "Juneteenth", "Canada Day", "Anzac Day", "Australia Day", "Waitangi Day", "Bastille Day",
	"Hogmanay", "Jāņi", "Juhannus", "jóladag", "Ólavsøka",
}

// reHoliday: a holiday of holidayNames or a feast ("Feast of the
// Assumption") and its year, in digits or read out.
var reHoliday = func() *regexp.Regexp {
	names := make([]string, len(holidayNames))
	for i, h := range holidayNames {
		names[i] = strings.ReplaceAll(regexp.QuoteMeta(h), "'", `['’]?`)
	}
	sortByLenDesc(names)
	return regexp.MustCompile(`(?i)\b(?:` + strings.Join(names, "|") + `|feast\s+of\s+(?:the\s+)?\p{L}+(?:\s+\p{L}+)?),?\s+(?:\d{4}\b|` + spokenYearRE + `\b)`)
}()

// isHolidayWord triggers reHoliday: the first word of a holiday's name,
// capitalised where it is also a common word ("New Year's", "All Saints'",
// "Good Friday"), so the long pattern does not run after every "new".
var isHolidayWord = func() func(token) bool {
	set := map[string]bool{"feast": true}
	for _, h := range holidayNames {
		set[strings.Map(func(r rune) rune {
			if r == '.' || r == '\'' || r == '’' {
				return -1
			}
			return r
		}, fold(strings.Fields(h)[0]))] = true
	}
	return func(t token) bool {
		return t.isWord() && set[t.key] && (t.isCap() || !holidayCommonWords[t.key])
	}
}()

// holidayCommonWords are first words of holidayNames that are common
// English words.
var holidayCommonWords = keySet(`new all good holy st mothers fathers mother father boxing palm ash canada chinese lunar independence memorial labor veterans fourth feast`)

// holidayOK accepts a reHoliday match written as the text writes names: a
// capital, unless the line has none.
func holidayOK(text string, start int) bool {
	return !isLowerByte(text[start]) || caselessLine(text, start)
}

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
		// A name and "decreased", but never before a day or a year, which
		// every caller asks for: the month (since 1.19.0 in any line, as
		// chats type "appt is dec 4"), and never before a unit ("dec 20
		// mg", checked by the callers through reAgeUnit).
		return true
	}
	return false
}

var (
	// reMonthCueMore: more words before a month alone, since 1.19.0: a
	// month paid or owed for, returned or expired in ("MAR for October",
	// "owed January rent", "returns April"), one in brackets
	// ("(February)") and "the December draft"; only the months that are
	// no first names (nameMonth).
	reMonthCueMore  = regexp.MustCompile(`(?i)(?:\b(?:for|paid|owed|returns|returned|returning|expires|expired|ends|ended|renews|renewed|around|circa|the)[ \t]+|\([ \t]*)` + monthRE + `\b`)
	reLowerWordNext = regexp.MustCompile(`^[ \t]+[a-z]{3,}\b`)
	// reMonthPair: two months joined as a range, "Sept-Nov", "Oct/Nov
	// claims", "JAN-JUN" (since 1.19.0).
	reMonthPair = regexp.MustCompile(`(?i)\b` + monthRE + `\.?[ \t]*[-–/][ \t]*` + monthRE + `\b\.?`)
	// reCoordinatedDay and reCoordinatedMonth: a day or a month joined to
	// a date just found, "December 2 and 16", "NOVEMBER 19 AND 26, 2026",
	// "August and September",
	// "in June, July or August" (since 1.19.0).
	reCoordinatedDay   = regexp.MustCompile(`(?i)^[ \t]+(?:and|or|&|to|through|thru)[ \t]+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?[ \t]+(?:19|20)\d{2}\b)?`)
	reCoordinatedMonth = regexp.MustCompile(`(?i)^[ \t]*(?:and|or|&|,|to|through|thru|[-–/])[ \t]*(?:early[ \t]+|late[ \t]+|mid-?)?` + monthRE + `\b`)
)

// reMarchVerb: what follows "march" the verb or noun ("march on", "the
// march of time").
var (
	reMarchVerb    = regexp.MustCompile(`(?i)^[ \t]*(?:on|of|to|with|in|for|across|through|down|up|out|past|into|along|forward|band|madness)\b`)
	reMarchTimeCue = regexp.MustCompile(`(?i)^(?:since|until|till|in|by|from|early|late|mid|last|next|this|before|after)\b`)
)

// lowerMarchAfterCue accepts a lower-case "march" after a preposition of
// time that no verb's word follows ("a bed in march", "since march -";
// since 1.19.0).
func lowerMarchAfterCue(text string, m []int) bool {
	cue := strings.TrimSpace(text[m[0]:m[2]])
	return reMarchTimeCue.MatchString(cue) && !reMarchVerb.MatchString(text[m[3]:min(len(text), m[3]+20)])
}

// nameMonth reports the months that are also first names, which the
// weaker cues of reMonthCueMore would take when they name a person ("paid
// June", "for April").
func nameMonth(mon string) bool {
	switch strings.ToLower(mon) {
	case "april", "may", "june", "august":
		return true
	}
	return false
}

// pairMonthOK accepts a month of reMonthPair: a full name or an
// abbreviation, "may", "mar" and "jan" only capitalised.
func pairMonthOK(mon string) bool {
	l := strings.ToLower(mon)
	if monthNumbers[l] == 0 {
		return false
	}
	switch l {
	case "may", "mar", "march", "jan":
		return isUpperByte(mon[0])
	}
	return true
}

// coordinatedDates reports the days and months joined to the dates found
// (reCoordinatedDay, reCoordinatedMonth): a day after a date that ends in
// its day, a month after one that ends in a month, each ending as an
// ordinal day may (ordinalDayEnds).
func coordinatedDates(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Date || s.End >= len(text) {
			continue
		}
		last := text[s.Start:s.End]
		endsInMonth := monthNumbers[strings.ToLower(strings.TrimRight(lastWord(last), "."))] != 0
		endsInDay := !endsInMonth && len(last) > 0 && isDigitByte(last[len(last)-1]) && !strings.ContainsAny(last, "/-.:") && reWordBeforeDay.MatchString(last)
		rest := text[s.End:min(len(text), s.End+40)]
		switch {
		case endsInDay:
			if m := reCoordinatedDay.FindStringSubmatchIndex(rest); m != nil {
				d := atoi(rest[m[2]:m[3]])
				if d >= 1 && d <= 31 && ordinalDayEnds(rest[m[1]:]) && !reAgeUnit.MatchString(rest[m[1]:]) && !reClockAfter.MatchString(rest[m[1]:]) {
					out = append(out, Span{Start: s.End + m[2], End: s.End + m[1], Category: Date, Confidence: 0.7, Detector: "date-coordinated"})
				}
			}
		case endsInMonth:
			if m := reCoordinatedMonth.FindStringSubmatchIndex(rest); m != nil {
				if mon := rest[m[2]:m[3]]; pairMonthOK(mon) && (isFullMonth(mon) || isUpperByte(mon[0]) == isUpperByte(lastWord(last)[0])) {
					out = append(out, Span{Start: s.End + m[2], End: s.End + m[3], Category: Date, Confidence: 0.7, Detector: "date-coordinated"})
				}
			}
		}
	}
	return out
}

// reClockAfter: a number that is an hour ("and 4:30", "to 5 pm").
var reClockAfter = regexp.MustCompile(`(?i)^(?:[:.]\d|[ \t]*(?:a\.?m\b|p\.?m\b|o'?clock))`)

// reWordBeforeDay: a date that ends in a day after its month's word,
// "December 2", "Nov 15" (not "11/16", whose digits say nothing of what
// may follow).
var reWordBeforeDay = regexp.MustCompile(`(?i)[a-z]\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?$`)

// lastWord returns the last run of letters and digits of s.
func lastWord(s string) string {
	e := len(s)
	for e > 0 && !isAlphaByte(s[e-1]) && !isDigitByte(s[e-1]) {
		e--
	}
	i := e
	for i > 0 && (isAlphaByte(s[i-1]) || isDigitByte(s[i-1])) {
		i--
	}
	return s[i:e]
}

// reSubjectBefore: a word that the verb "may" follows ("i may 2 more",
// "it may 3x"): a "may" after anything else, before a day, is the month.
var reSubjectBefore = regexp.MustCompile(`(?i)\b(?:i|you|we|they|he|she|it|who|that|which|this|there|one|pt|patient|these|those|what|how|u)\W*$`)

// lowerMayBeforeDay accepts a lower-case "may" before a day in a line with
// capitals ("pickup is may 21", since 1.19.0) unless a subject is before
// it.
func lowerMayBeforeDay(text string, at int, mon string) bool {
	return strings.ToLower(mon) == "may" && !reSubjectBefore.MatchString(lowerBefore(text, at, 12))
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
	// In capitals among lower-case words it is an acronym ("flat by
	// OCT", optical coherence tomography).
	if mon := text[m[2]:m[3]]; len(mon) > 1 && isUpperByte(mon[1]) && !caselessLine(text, m[2]) {
		return false
	}
	cue := strings.ToLower(strings.Join(strings.Fields(text[m[0]:m[2]]), " "))
	for _, c := range []string{"in", "since", "until", "till", "through", "thru", "end of", "beginning of", "start of", "early", "late", "mid", "last", "next", "this", "by", "from", "before", "after"} {
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
	reRangePrev = regexp.MustCompile(`\b\d{1,2}/\d{1,2}(?:/\d{4}|/\d{2})?[ \t]?[-–][ \t]?$`)
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

// numberAcrossBlank reports a digit one blank before start or after end.
func numberAcrossBlank(text string, start, end int) bool {
	return start >= 2 && text[start-1] == ' ' && isDigitByte(text[start-2]) ||
		end+1 < len(text) && text[end] == ' ' && isDigitByte(text[end+1])
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

// loneMonthKeys are the months whose capitalised name is no other word
// or given name ("April", "May", "June" and "August" are names, "March"
// a verb).
var loneMonthKeys = keySet(`january february september october november december`)

// loneMonths reports a capitalised month's name standing alone (since
// 1.21.0): "returns April" needs its cue, but "until at least
// December", "the December draft" and "not September" are dates as the
// labelled sets have them, whatever comes before. A capitalised word
// after it makes it part of a name ("November Project", "October Road"),
// and a number after it is left to the date rules, which know its forms.
func loneMonths(text string, toks []token) []Span {
	var out []Span
	for i, t := range toks {
		if t.shape != shCap || !loneMonthKeys[t.key] {
			continue
		}
		if i+1 < len(toks) && !toks[i+1].nl && (toks[i+1].shape == shCap || toks[i+1].shape == shUpper || toks[i+1].shape == shNum) {
			continue
		}
		if i > 0 && !toks[i].nl && !toks[i].sent && (toks[i-1].shape == shCap || toks[i-1].shape == shUpper) {
			continue // "Club November", "Operation December"
		}
		out = append(out, Span{Start: t.start, End: t.end, Category: Date, Confidence: 0.6, Detector: "date-month"})
	}
	return out
}
