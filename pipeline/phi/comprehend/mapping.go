package comprehend

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/comprehendmedical/types"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// Mapping lists how the entity types that DetectPHI returns become Kiln
// categories, for documentation and reports.
func Mapping() []string {
	return []string{
		"NAME -> NAME",
		"ADDRESS -> LOCATION, less the words that name a US state, Canadian province or country when Options.NotPHIPlace is set",
		"DATE -> DATE, except a year, a weekday or today/yesterday/tomorrow on its own (not PHI)",
		"AGE -> AGE for the number when it is over 89 (90 to 125, not a count of days, weeks or months) or an age in words from ninety up; other ages -> not PHI",
		"PHONE_OR_FAX -> FAX when \"fax\" labels the number, PHONE otherwise",
		"EMAIL -> EMAIL",
		"URL -> URL",
		"ID, IDENTIFIER -> ID (the service does not tell SSNs, MRNs, account or licence numbers apart)",
		"CONTACT_POINT (older model output) -> EMAIL if it holds an @, PHONE otherwise",
		"PROFESSION -> not PHI (job titles are not Safe Harbor identifiers)",
		"any other type -> ID, so that nothing the service calls PHI goes unredacted",
	}
}

// place is one span found by mapEntity, relative to the whole text.
type place struct {
	start, end int
	category   phi.Category
}

// mapEntity maps the entity of type typ at text[start:end] to zero or
// more spans (a state inside an address splits it; ages up to 89 vanish).
func (d *Detector) mapEntity(typ types.EntitySubType, text string, start, end int) []place {
	v := text[start:end]
	one := func(c phi.Category) []place { return []place{{start, end, c}} }
	switch typ {
	case types.EntitySubTypeName:
		return one(phi.Name)
	case types.EntitySubTypeAddress:
		return d.address(text, start, end)
	case types.EntitySubTypeDate:
		if notPHIDate(v) {
			return nil
		}
		return one(phi.Date)
	case types.EntitySubTypeAge:
		if s, e, ok := ageOver89(text, start, end); ok {
			return []place{{s, e, phi.Age}}
		}
		return nil
	case types.EntitySubTypePhoneOrFax:
		if faxLabelled(text, start, end) {
			return one(phi.Fax)
		}
		return one(phi.Phone)
	case types.EntitySubTypeEmail:
		return one(phi.Email)
	case types.EntitySubTypeUrl:
		return one(phi.URL)
	case types.EntitySubTypeId, types.EntitySubTypeIdentifier:
		return one(phi.ID)
	case types.EntitySubTypeContactPoint:
		if strings.Contains(v, "@") {
			return one(phi.Email)
		}
		return one(phi.Phone)
	case types.EntitySubTypeProfession:
		return nil
	}
	return one(phi.ID)
}

var (
	reYearOnly = regexp.MustCompile(`(?i)^(?:(?:in|of|since|during|the year)\s+)?(?:\d{4}|'\d{2})'?s?$`)
	reWeekday  = regexp.MustCompile(`(?i)^(?:(?:on|last|next|this)\s+)?(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?|today|yesterday|tomorrow|tonight)$`)
	reAgeWords = regexp.MustCompile(`(?i)\b(?:ninet(?:y|ies)|hundred|nonagenarian|centenarian)\b`)
	reAgeUnit  = regexp.MustCompile(`(?i)^[\s-]*(?:months?|mos?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?)\b`)
	reDigits   = regexp.MustCompile(`\d+`)
	reFaxAfter = regexp.MustCompile(`(?i)^[ \t]*[(\[][ \t]*fax\b`)
)

// notPHIDate reports a DATE entity that Safe Harbor lets stay: a year, a
// weekday or a relative day on its own.
func notPHIDate(v string) bool {
	v = strings.TrimFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '\'' })
	return reYearOnly.MatchString(v) || reWeekday.MatchString(v)
}

// ageOver89 returns the part of the AGE entity text[start:end] that Safe
// Harbor removes: the first number from 90 to 125 that does not count
// days, weeks or months (with a decade's "s": "90s"), or the whole entity
// when it says the age in words ("ninety-two", "a centenarian"). ok is
// false for ages up to 89, which are not PHI: redacting them would also
// turn them into "90+".
func ageOver89(text string, start, end int) (s, e int, ok bool) {
	v := text[start:end]
	if m := reDigits.FindAllStringIndex(v, -1); m != nil {
		for _, r := range m {
			n, err := strconv.Atoi(v[r[0]:r[1]])
			if err != nil || n < 90 || n > 125 || reAgeUnit.MatchString(text[start+r[1]:]) {
				continue
			}
			s, e = start+r[0], start+r[1]
			if e < len(text) && text[e] == 's' && (e+1 == len(text) || !isWordByte(text[e+1])) {
				e++
			}
			return s, e, true
		}
		return 0, 0, false
	}
	if reAgeWords.MatchString(v) && !reAgeUnit.MatchString(text[end:]) {
		return start, end, true
	}
	return 0, 0, false
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b >= 0x80
}

// faxLabelled reports whether "fax" labels the number at text[start:end]:
// in the same line between the previous number and it ("Fax: ...",
// "Phone 555-0100, fax 555-0199"), or in brackets right after it
// ("555-0199 (fax)").
func faxLabelled(text string, start, end int) bool {
	before := text[max(0, start-24):start]
	if i := strings.LastIndexFunc(before, func(r rune) bool { return unicode.IsDigit(r) || r == '\n' }); i >= 0 {
		before = before[i+1:]
	}
	return strings.Contains(strings.ToLower(before), "fax") || reFaxAfter.MatchString(text[end:])
}

// address maps an ADDRESS entity to LOCATION, leaving out the runs of one
// to three words that Options.NotPHIPlace calls a state or country.
func (d *Detector) address(text string, start, end int) []place {
	if d.opts.NotPHIPlace == nil {
		return []place{{start, end, phi.Location}}
	}
	words := wordRanges(text[start:end])
	var out []place
	cur := start
	for i := 0; i < len(words); {
		n := 0
		for k := min(3, len(words)-i); k >= 1; k-- {
			phrase := text[start+words[i][0] : start+words[i+k-1][1]]
			if !strings.ContainsAny(phrase, "\n,") && d.opts.NotPHIPlace(phrase) {
				n = k
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		if ps := start + words[i][0]; ps > cur {
			out = append(out, place{cur, ps, phi.Location})
		}
		cur = start + words[i+n-1][1]
		i += n
	}
	if cur < end {
		out = append(out, place{cur, end, phi.Location})
	}
	return out
}

// wordRanges returns the byte ranges of the letter runs of s.
func wordRanges(s string) [][2]int {
	var out [][2]int
	begin := -1
	for i, r := range s {
		if unicode.IsLetter(r) {
			if begin < 0 {
				begin = i
			}
			continue
		}
		if begin >= 0 {
			out = append(out, [2]int{begin, i})
			begin = -1
		}
	}
	if begin >= 0 {
		out = append(out, [2]int{begin, len(s)})
	}
	return out
}

// trim narrows p to exclude white space and, for locations, the commas
// and semicolons around it; ok is false when no letter or digit is left.
func trim(text string, p place) (place, bool) {
	cut := func(r rune) bool {
		return unicode.IsSpace(r) || p.category == phi.Location && (r == ',' || r == ';' || r == ':')
	}
	v := text[p.start:p.end]
	lead := len(v) - len(strings.TrimLeftFunc(v, cut))
	v = strings.TrimFunc(v, cut)
	p.start += lead
	p.end = p.start + len(v)
	return p, strings.IndexFunc(v, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}
