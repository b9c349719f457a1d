package phi

import (
	"regexp"
	"strings"
)

// Places and streets named after saints (detector 1.15.0): "St. John's",
// "St. George's", "St. Clair Avenue". Their second word is a given name,
// so the name rules took "John" for a person and the place rules "St" for
// a street's type; a saint is no person, and "St. Joseph's Hospital" is an
// organisation, no place.

var (
	// reSaintPhrase: "St."/"Ste."/"Saint"/"Sainte", a capitalised name and
	// a possessive.
	reSaintPhrase = regexp.MustCompile(`\b(?:St|Ste|Saint|Sainte)\.?[ \t]+([A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?)((?:'|’)s\b)?`)
	// reStreetDirection follows a street's type ("St. Clair Avenue West").
	reStreetDirection = regexp.MustCompile(`^[ \t]+(?:North|South|East|West|N|S|E|W)\b\.?`)
	// reSaintPlaceCue: the words before a saint's town ("lives in St.
	// John's"); not "to" or "at", which lead to hospitals and churches as
	// often.
	reSaintPlaceCue = regexp.MustCompile(`(?i)\b(?:in|from|near|outside|parish(?:[ \t]+of)?)[ \t]+$`)
	// reAddressPartBefore and reAddressPartAfter: a saint's phrase between
	// an address's commas ("Marigot, St. Andrew      Tel.", "11 Grève
	// d'Azette, St Clement, JE2 6SA").
	reAddressPartBefore = regexp.MustCompile(`\S,[ \t]*$`)
	reAddressPartAfter  = regexp.MustCompile(`^(?:[ \t]*[,/\r\n]|[ \t]{2,}|[ \t]*$)`)
	// reAtBefore: "at St. Mary's" is a church or a hospital as often as a
	// town.
	reAtBefore = regexp.MustCompile(`(?i)\bat[ \t]+$`)
)

// notSaintNames are capitalised words after "St" that name no saint: a
// street's "St." before the next sentence ("47th St. The owner").
var notSaintNames = keySet(`the a an this that these those and or but if so we he she it they you then there here please
	note see per his her their our my your its on in at to for by from with`)

// saintPlaces returns found without the person names and the lone "St"
// places inside saints' phrases, and with those phrases that are towns or
// streets as places.
func (b *Builtin) saintPlaces(text string, toks []token, found []Span) []Span {
	matches := reSaintPhrase.FindAllStringSubmatchIndex(text, -1)
	if len(matches) == 0 {
		return found
	}
	var add []Span
	drop := map[int]bool{}
	for _, m := range matches {
		start, nameEnd, end := m[0], m[3], m[1]
		if notSaintNames[strings.ToLower(text[m[2]:m[3]])] || b.personBefore(text, start) {
			continue // "47th St. The", "Marie St. Clair", "Ms. St. Clair": a family name
		}
		rest := text[end:]
		next := firstWord(rest)
		before := text[max(0, start-16):start]
		place := false
		switch {
		case next != "" && isUpperByte(next[0]) && b.lx.words[strings.ToLower(next)]&wStreetSuffix != 0:
			end += strings.Index(rest, next) + len(next)
			if d := reStreetDirection.FindString(text[end:]); d != "" {
				end += len(d)
			}
			place = true
		case b.lx.isFacilityWord(strings.ToLower(next)):
			// An organisation: "St. Joseph's Hospital".
		default:
			// A town of the gazetteer ("St. John's", "St Peter Port"), not
			// after "at" and not the start of an organisation's name ("St.
			// David's Round Rock Medical Center"); or a saint's phrase where
			// a place is expected.
			phrase := "st " + fold(text[m[2]:end])
			longer := phrase + " " + fold(next)
			city := func(p string) bool { return b.lx.phrases[p]&(wCity|wCityExt) != 0 }
			capitalNext := next != "" && isUpperByte(next[0]) && (strings.HasPrefix(rest, " "+next) || strings.HasPrefix(rest, "\t"+next))
			switch {
			case capitalNext && city(longer):
				end += strings.Index(rest, next) + len(next)
				place = !reAtBefore.MatchString(before)
			case city(phrase) && !capitalNext:
				place = !reAtBefore.MatchString(before)
			}
			place = place || !capitalNext && (reSaintPlaceCue.MatchString(before) ||
				reAddressPartBefore.MatchString(before) && reAddressPartAfter.MatchString(text[end:]))
			if end2 := end + 1 + len(next); !place && capitalNext && b.saintPlaceTail(next) &&
				reAddressPartBefore.MatchString(before) && reAddressPartAfter.MatchString(text[end2:]) {
				place, end = true, end2 // "…, St Peter Port⏎"
			}
		}
		for i, s := range found {
			if s.Confidence >= 1 || s.End <= start || s.Start >= end {
				continue
			}
			if s.Category == Name && (s.Start == m[2] || s.Start > m[2] && s.End <= nameEnd+2) || s.Category == Location && s.Start >= start && s.End <= m[2] {
				drop[i] = true // "John" of "St. John's", "St" before it
			}
		}
		if place {
			add = append(add, Span{Start: start, End: end, Category: Location, Confidence: 0.8, Detector: "place-saint"})
		}
	}
	out := make([]Span, 0, len(found)+len(add))
	for i, s := range found {
		if !drop[i] {
			out = append(out, s)
		}
	}
	return Merge(out, add)
}

// personBefore reports a title or a capitalised word right before offset:
// the saint's name is then a family name ("Marie St. Clair").
func (b *Builtin) personBefore(text string, offset int) bool {
	before := strings.TrimRight(text[max(0, offset-24):offset], " \t")
	if before == "" || strings.ContainsAny(before[len(before)-1:], "\n\r") {
		return false
	}
	fields := strings.Fields(before)
	if len(fields) == 0 {
		return false
	}
	last := fields[len(fields)-1]
	w := strings.Trim(last, ".,")
	if w == "" || strings.HasSuffix(last, ",") {
		return false // "District Medical Officer, St. Andrew"
	}
	k := strings.ToLower(w)
	if b.lx.flags(k)&wTitle != 0 {
		return true
	}
	return isUpperByte(w[0]) && b.lx.flags(k)&(wFirst|wLast) != 0
}

// firstWord returns the first run of letters in s after spaces and tabs.
func firstWord(s string) string {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && isAlphaByte(s[j]) {
		j++
	}
	return s[i:j]
}

// saintPlaceTail reports a word that can end a saint's town ("St Peter
// Port", "St. George Island"): a word of placeTypeWords or of the few
// below, or one that is no English word; not "Orthopedics".
func (b *Builtin) saintPlaceTail(w string) bool {
	k := strings.ToLower(w)
	switch k {
	case "port", "harbour", "isle", "city", "town", "parish":
		return true
	}
	return placeTypeWords[k] || b.lx.flags(k)&(wEnglish|wCommon) == 0 && !b.lx.isFacilityWord(k)
}
