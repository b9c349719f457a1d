package phi

import (
	"regexp"
)

// Ranges of days and day-first dates without a year (detector 1.21.0),
// from the training sets' misses: "23-24/11/2026", "nights 20-23/12",
// "(12.-14.11.2026", "del 14 al 16 de diciembre", "du 27 au 29 novembre",
// "marejada del 2 y 3 de noviembre", "weight 78.9 on 10.11.". (A month
// with its year in numbers, "(2019-03)", is findFormDates'.)

var (
	// reDayRangeDate: a range of days before the month (and year) they
	// share, "23-24/11/2026", "12.-14.11.2026", "20-23/12".
	reDayRangeDate = regexp.MustCompile(`\b(\d{1,2})\.?[ \t]?[-–][ \t]?(\d{1,2})([/.])(\d{1,2})(?:([/.])((?:19|20)\d{2}|\d{2}))?\b`)
	// reDayBeforeDate: a day joined to a found date that opens with its
	// day, by a word of range or coordination in the languages of the
	// labelled sets ("14 al 16 de diciembre", "27 au 29 novembre", "2 y 3
	// de noviembre", "3. bis 5. Mai", "14 a 16 de").
	reDayBeforeDate = regexp.MustCompile(`(?i)(?:^|[^\d.,/:])(\d{1,2})\.?(?:st|nd|rd|th)?[ \t]*(?:-|–|&|\b(?:and|or|to|till|until|through|y|e|et|und|bis|i|a|al|au|ou|o|og|och|en|ja|ir|и|до|do|až))[ \t]+(?:(?:el|le|den|der)[ \t]+)?$`)
	// reDateDotNoYear: a day and a month with dots and no year, as
	// central and northern Europe write them, "on 10.11." (the closing dot
	// sets it apart from a decimal; a date cue must come before).
	reDateDotNoYear = regexp.MustCompile(`\b(\d{1,2})\.(\d{1,2})\.(?:[ \t\n),;]|$)`)
)

// findDayRanges reports both ends of reDayRangeDate's ranges. Without a
// year the month must be written with a slash and the last day be 13 or
// more, so a range of scores or doses ("2-3/10", "1-2/4") is none.
func findDayRanges(text string) []Span {
	var out []Span
	for _, m := range reDayRangeDate.FindAllStringSubmatchIndex(text, -1) {
		d1, d2, mo := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]]), atoi(text[m[8]:m[9]])
		y := 0
		if m[12] >= 0 {
			if text[m[6]:m[7]] != text[m[10]:m[11]] {
				continue
			}
			if ys := text[m[12]:m[13]]; len(ys) == 4 {
				y = atoi(ys)
			}
		} else if text[m[6]:m[7]] != "/" || d2 < 13 {
			continue
		}
		if d1 < 1 || d1 >= d2 || !validDate(y, mo, d2) || digitRunBefore(text, m[0]) || numberGoesOn(text[m[1]:]) || m[1] < len(text) && text[m[1]] == '-' && m[1]+1 < len(text) && isDigitByte(text[m[1]+1]) {
			continue
		}
		before, after := sameLineBefore(text, m[0], 30), text[m[1]:min(len(text), m[1]+20)]
		if reShortDateRejectBefore.MatchString(before) || reShortDateRejectAfter.MatchString(after) || isScoreContext(before, after) {
			continue
		}
		out = append(out,
			Span{Start: m[2], End: m[3], Category: Date, Confidence: 0.75, Detector: "date-range"},
			Span{Start: m[4], End: timeAfter(text, m[1]), Category: Date, Confidence: 0.8, Detector: "date-range"})
	}
	return out
}

// daysBeforeDates reports the first day of a range or pair whose second
// member is a found date that opens with its day (reDayBeforeDate): the
// day must be a valid one and, for a range, come before the found day.
func daysBeforeDates(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		// Only a date with its month's name: a numeric one's first
		// number may be its month ("call 1 - 11/21 18:42"), and numeric
		// ranges are findDayRanges'.
		if s.Category != Date || !isDigitByte(text[s.Start]) || !hasLetter(text[s.Start:s.End]) || s.Start > 0 && (isDigitByte(text[s.Start-1]) || text[s.Start-1] == '/') {
			continue
		}
		day := leadingNumber(text[s.Start:s.End])
		if day < 1 || day > 31 {
			continue
		}
		before := text[max(0, s.Start-24):s.Start]
		m := reDayBeforeDate.FindStringSubmatchIndex(before)
		if m == nil {
			continue
		}
		d := atoi(before[m[2]:m[3]])
		if d < 1 || d > 31 || d == day {
			continue
		}
		off := s.Start - len(before)
		out = append(out, Span{Start: off + m[2], End: off + m[3], Category: Date, Confidence: 0.7, Detector: "date-coordinated"})
	}
	return out
}

// leadingNumber returns the number s opens with, or -1.
func leadingNumber(s string) int {
	e := 0
	for e < len(s) && isDigitByte(s[e]) {
		e++
	}
	if e == 0 {
		return -1
	}
	return atoi(s[:e])
}

// findDotDatesNoYear reports "10.11." after a date cue: a valid day and
// month, day first.
func findDotDatesNoYear(text string) []Span {
	var out []Span
	for _, m := range reDateDotNoYear.FindAllStringSubmatchIndex(text, -1) {
		d, mo := atoi(text[m[2]:m[3]]), atoi(text[m[4]:m[5]])
		if !validDate(0, mo, d) || digitRunBefore(text, m[0]) || m[0] > 0 && (text[m[0]-1] == '.' || text[m[0]-1] == ',') {
			continue
		}
		if !reDateCue.MatchString(sameLineBefore(text, m[0], 30)) {
			continue
		}
		out = append(out, Span{Start: m[2], End: m[5] + 1, Category: Date, Confidence: 0.7, Detector: "date-cue"})
	}
	return out
}
