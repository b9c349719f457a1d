package phi

import (
	"regexp"
	"strings"
)

// Dates read out or typed into forms (detector 1.9.0): dictation and call
// transcripts say a date in words ("March fourth nineteen fifty two",
// "the first of December"), and claim forms print numbers in boxes
// ("07 14 25", "04 | 30 | 1988") or as month and year ("exp 03/2028").

const (
	spokenUnits = `(?:one|two|three|four|five|six|seven|eight|nine)`
	spokenTeens = `(?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)`
	spokenTens  = `(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)`
	// spokenTwoDigits: "fifty two", "forty-four", "oh five", "eleven".
	spokenTwoDigits = `(?:` + spokenTens + `(?:[ \t-]` + spokenUnits + `)?|` + spokenTeens + `|oh[ \t-]` + spokenUnits + `)`
	// spokenYearRE: "nineteen fifty two", "twenty twenty-six", "two
	// thousand and five".
	spokenYearRE = `(?:(?:nineteen|twenty)[ \t-]` + spokenTwoDigits + `|two[ \t]+thousand(?:[ \t]+and)?(?:[ \t]+(?:` + spokenTwoDigits + `|` + spokenUnits + `))?)`
	// spokenDayRE: every spelled ordinal day, "first" to "thirty-first",
	// with a space or a hyphen in the compound ones. After a month name
	// "first", "second" and "third" are days too.
	spokenDayRE = `(?:(?:twenty|thirty)[ \t-](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|` +
		`first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|` +
		`fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)`
)

var (
	// reSpokenMonthDay: "September ninth", "November the third twenty
	// twenty six", "April nineteenth, nineteen thirty-nine".
	reSpokenMonthDay = regexp.MustCompile(`(?i)\b` + monthRE + `[ \t]+(?:the[ \t]+)?` + spokenDayRE + `\b(?:,?[ \t]*\n?[ \t]*` + spokenYearRE + `\b)?`)
	// reSpokenMonthYear: a month and a spoken year, "march twenty twenty
	// four", "nineteen november two thousand twenty six" (since 1.19.0).
	reSpokenMonthYear = regexp.MustCompile(`(?i)\b(?:(?:thirty[ \t-]one|thirty|twenty(?:[ \t-]` + spokenUnits + `)?|` + spokenTeens + `|` + spokenUnits + `)[ \t]+)?` + monthRE + `,?[ \t]+` + spokenYearRE + `\b`)
	// reSpokenDayOfMonth: "the first of December", "twenty-second of
	// March, two thousand and five".
	reSpokenDayOfMonth = regexp.MustCompile(`(?i)\b` + spokenDayRE + `[ \t]+of[ \t]+` + monthRE + `\b(?:,?[ \t]+` + spokenYearRE + `\b)?`)
	// reSpokenNumericDate: a date read out as numbers, month, day and
	// year, "six eleven nineteen fifty-eight", "four twelve nineteen sixty
	// one" (since 1.19.0): the spoken year anchors it.
	reSpokenNumericDate = regexp.MustCompile(`(?i)\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[ \t,/-]+` +
		`(?:thirty[ \t-]one|thirty|twenty(?:[ \t-]` + spokenUnits + `)?|` + spokenTeens + `|` + spokenUnits + `)[ \t,/-]+` + spokenYearRE + `\b`)
	// reDateMonthYear: "03/2028", "10/2026", a month and a year (an
	// expiry, a start of symptoms).
	reDateMonthYear = regexp.MustCompile(`\b(0?[1-9]|1[0-2])/((?:19|20)\d{2})\b`)
	// Since 1.21.0: reDateYearMonth, a year and a month in ISO order, "2019-03", also in
	// a file name ("leave_2026-11.pdf"); reDateMonthYearDot: a month and
	// a year with a dot, "03.2025" (the month padded or 10 to 12: "3.2025"
	// reads as a decimal).
	reDateYearMonth    = regexp.MustCompile(`(?:\b|_)((?:19|20)\d{2})-(0[1-9]|1[0-2])\b`)
	reDateMonthYearDot = regexp.MustCompile(`\b(0[1-9]|1[0-2])\.((?:19|20)\d{2})\b`)
	// reDateBoxed: a date printed in the boxes of a form, "07 14 25",
	// "04 | 30 | 1988", "07 12 2025". Both separators must be the same
	// (checked in findFormDates).
	// Since 1.19.0 also with spaced slashes, "09 / 14 / 1985".
	reDateBoxed = regexp.MustCompile(`\b(\d{2})([ \t]{1,2}|[ \t]*\|[ \t]*|[ \t]+/[ \t]+)(\d{2})([ \t]{1,2}|[ \t]*\|[ \t]*|[ \t]+/[ \t]+)(\d{4}|\d{2})\b`)
)

// findSpokenDates reports dates said in words.
func findSpokenDates(text string, toks []token) []Span {
	var out []Span
	for _, m := range matchNear(reSpokenMonthDay, text, toks, isMonthWord, 0, 9) {
		// A spoken day after it makes even a lower-case "march" the month
		// ("born march third nineteen ninety one"; since 1.19.0).
		if !monthWordOK(text, m[2], text[m[2]:m[3]]) && !strings.EqualFold(text[m[2]:m[3]], "march") {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.75, Detector: "date-spoken"})
	}
	for _, m := range matchNear(reSpokenMonthYear, text, toks, isMonthWord, 2, 5) {
		if !monthWordOK(text, m[2], text[m[2]:m[3]]) && !strings.EqualFold(text[m[2]:m[3]], "march") {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.75, Detector: "date-spoken"})
	}
	for _, m := range matchNear(reSpokenNumericDate, text, toks, keyIn("nineteen", "twenty", "two"), 5, 5) {
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.8, Detector: "date-spoken"})
	}
	for _, m := range matchNear(reSpokenDayOfMonth, text, toks, isMonthWord, 3, 6) {
		if !monthWordOK(text, m[2], text[m[2]:m[3]]) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.75, Detector: "date-spoken"})
	}
	return out
}

// findFormDates reports a month with a year in numbers ("exp 03/2028") and
// dates printed in a form's boxes. A boxed date needs two-digit day and
// month fields and a month that fits, and a padded field ("07") or a
// four-digit year, so a row of lab values or a French telephone number
// ("06 12 34 56 78", refused by the digits around it) stays out.
func findFormDates(text string) []Span {
	var out []Span
	for _, m := range reDateMonthYear.FindAllStringSubmatchIndex(text, -1) {
		if digitRunAround(text, m[0], m[1]) || isScoreContext(lowerBefore(text, m[0], 30), text[m[1]:]) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.7, Detector: "date-month-year"})
	}
	// A year and a month in ISO order or with a dot (since 1.21.0): not
	// inside a longer code ("CW-2026-11", "2026-11-0412"), not a full date.
	for _, m := range reDateYearMonth.FindAllStringSubmatchIndex(text, -1) {
		start, end := m[2], m[5]
		if start > 0 && (isAlphaByte(text[start-1]) || isDigitByte(text[start-1]) || text[start-1] == '-' || text[start-1] == '/' || text[start-1] == '.') {
			continue
		}
		if end < len(text) && (text[end] == '-' || text[end] == '/' || text[end] == '.') && end+1 < len(text) && isDigitByte(text[end+1]) {
			continue
		}
		out = append(out, Span{Start: start, End: end, Category: Date, Confidence: 0.7, Detector: "date-month-year"})
	}
	for _, m := range reDateMonthYearDot.FindAllStringSubmatchIndex(text, -1) {
		if digitRunAround(text, m[0], m[1]) || m[0] > 0 && (text[m[0]-1] == '.' || text[m[0]-1] == ',') {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.7, Detector: "date-month-year"})
	}
	for _, m := range reDateBoxed.FindAllStringSubmatchIndex(text, -1) {
		if strings.TrimSpace(text[m[4]:m[5]]) != strings.TrimSpace(text[m[8]:m[9]]) || digitGroupAround(text, m[0], m[1]) {
			continue
		}
		a, b, ys := atoi(text[m[2]:m[3]]), atoi(text[m[6]:m[7]]), text[m[10]:m[11]]
		y := 0
		if len(ys) == 4 {
			if y = atoi(ys); y < 1900 || y > 2099 {
				continue
			}
		}
		padded := text[m[2]] == '0' || text[m[6]] == '0'
		if !padded && y == 0 || !validDate(y, a, b) && !validDate(y, b, a) {
			continue
		}
		out = append(out, Span{Start: m[0], End: m[1], Category: Date, Confidence: 0.7, Detector: "date-boxed"})
	}
	return out
}

// digitGroupAround reports a match that is one stretch of a longer run of
// two-digit groups ("06 12 34 56 78", a French telephone number): a
// two-digit group one space before or after it. A form's next field, set
// off by more space or of another length ("07 14 25  97110"), is no part
// of it.
func digitGroupAround(text string, start, end int) bool {
	if digitRunAround(text, start, end) {
		return true
	}
	if start >= 3 && text[start-1] == ' ' && isDigitByte(text[start-2]) && isDigitByte(text[start-3]) && (start == 3 || !isDigitByte(text[start-4])) {
		return true
	}
	return end+3 <= len(text) && text[end] == ' ' && isDigitByte(text[end+1]) && isDigitByte(text[end+2]) && (end+3 == len(text) || !isDigitByte(text[end+3]))
}
