package phi

import (
	"regexp"
	"strings"
)

// Registration-style names (detector 1.9.0): "KING, APRIL M" and
// "HOPE-VASQUEZ, LAUREN M" print a family name, a comma, given names and
// a middle initial. When the rules found one side, the other side is the
// same person's even if it is a word or a month ("APRIL", "HOPE"), because
// the comma and the closing initial are the shape of a name field.

var (
	// reCommaGivenAfter: ", APRIL M" or ", Dorothy A." after a found
	// family name, up to the end of the field (a wide gap, the end of the
	// line, a bar or a semicolon).
	reCommaGivenAfter = regexp.MustCompile(`^,[ \t]?([A-Z][A-Za-z'’-]+(?:[ \t][A-Z][A-Za-z'’-]+)?)(?:[ \t]([A-Z])\.?)?(?:[ \t]{2,}|[ \t]*\r?\n|[ \t]*$|[ \t]*[|;])`)
	// reFamilyCommaBefore: "HOPE-VASQUEZ, " right before found given
	// names that end in an initial.
	reFamilyCommaBefore = regexp.MustCompile(`(?:^|[^A-Za-z'’-])([A-Z][A-Za-z'’]+(?:-[A-Z][A-Za-z'’]+)?),[ \t]?$`)
	reEndsInInitial     = regexp.MustCompile(`[ \t][A-Z]\.?$`)
)

// commaNames completes "LAST, FIRST M" names of which found holds one side.
func (r *nameRules) commaNames(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Name || strings.ContainsAny(text[s.Start:s.End], ",\n") {
			continue
		}
		name := text[s.Start:s.End]
		if m := reCommaGivenAfter.FindStringSubmatchIndex(text[s.End:]); m != nil {
			given := text[s.End+m[2] : s.End+m[3]]
			// One case on both sides ("KING, APRIL"), or a closing
			// initial ("King, April M"), says the field is a name.
			f := r.nameFlags(fold(strings.Fields(given)[0]))
			// In capitals at the start of a field ("RUBEN, INNOCENT" in a
			// roster), any given name will do, a word too (1.11.0).
			nameLike := f&(wFirst|wLast|wAmbiguous|wMonth) != 0 || f == 0 ||
				inCapitals(name) && inCapitals(given) && fieldStart(text, s.Start) && f&(wTitle|wCredential|wState|wCountry) == 0
			if nameLike && (sameCase(name, given) && inCapitals(name) || m[4] >= 0) {
				end := s.End + m[3]
				if m[4] >= 0 {
					end = s.End + m[5]
				}
				out = append(out, Span{Start: s.End + m[2], End: end, Category: Name, Confidence: 0.7, Detector: "name-comma"})
			}
		}
		if reEndsInInitial.MatchString(name) || inCapitals(name) {
			if m := reFamilyCommaBefore.FindStringSubmatchIndex(text[max(0, s.Start-40):s.Start]); m != nil {
				off := max(0, s.Start-40)
				family := text[off+m[2] : off+m[3]]
				if sameCase(family, name) && r.lx.flags(fold(family))&(wTitle|wCredential) == 0 &&
					(reEndsInInitial.MatchString(name) || fieldStart(text, off+m[2]) && r.lx.flags(fold(family))&(wCommon|wState|wCountry) == 0 &&
						(r.lx.flags(fold(family))&wLast != 0 || len(family) >= 4 && strings.ContainsAny(family, "AEIOUY"))) {
					out = append(out, Span{Start: off + m[2], End: off + m[3], Category: Name, Confidence: 0.7, Detector: "name-comma"})
				}
			}
		}
	}
	return out
}

// sameCase reports whether a and b are both in capitals or both not.
func sameCase(a, b string) bool { return inCapitals(a) == inCapitals(b) }

// inCapitals reports a string with letters and no lower-case letter
// (isAllUpper wants a whole text's worth of letters).
func inCapitals(s string) bool {
	lower, upper := letterCases(s)
	return upper > 0 && lower == 0
}

// fieldStart reports whether offset starts a field: a line, a table cell
// ("|", a tab or a wide gap) or a numbered item ("3. ", "12 ").
func fieldStart(text string, offset int) bool {
	i := offset
	for i > 0 && (text[i-1] == ' ' || text[i-1] == '\t') {
		i--
	}
	switch {
	case i == 0 || text[i-1] == '\n' || text[i-1] == '\r' || text[i-1] == '|' || text[i-1] == '\t' || offset-i >= 2:
		return true
	case text[i-1] == '.' || text[i-1] == ')':
		j := i - 1
		for j > 0 && isDigitByte(text[j-1]) {
			j--
		}
		return j < i-1 && (j == 0 || text[j-1] == '\n' || text[j-1] == ' ')
	}
	return false
}
