package phi

import (
	"regexp"
	"strings"
)

// US counties, Louisiana parishes and Alaska boroughs by their own word
// (detector 1.9.0): "Washtenaw County", "Lafourche Parish", "HIDALGO
// COUNTY" are geographic units smaller than a state whatever the name
// before the word, and the span takes the word too, as the labelling
// guidelines do ("{{LOCATION:Coffee County}}").

var (
	reCountyRoadAfter = regexp.MustCompile(`(?i)^[ \t]+(?:road|rd\b|line|highway|hwy\b)`)
	reCountyWord      = regexp.MustCompile(`\b(?:County|COUNTY|Parish|PARISH|Borough|BOROUGH)\b`)
	// reCountyName: up to three name words before the county word,
	// "St. Louis", "Prince George's", "Miami-Dade", "SAN BERNARDINO".
	reCountyName = regexp.MustCompile(`((?:(?:[A-Z][a-z'’.\-]*[a-z]|St\.|Ste\.|[A-Z][A-Z'’.\-]+)(?:'s)?[ \t]+){1,3})$`)
)

// countyLeadIns are capitalised words that start a sentence or a phrase
// before "County" without naming it ("The County", "Each County").
var countyLeadIns = map[string]bool{
	"the": true, "this": true, "that": true, "each": true, "every": true, "our": true, "your": true, "their": true,
	"same": true, "home": true, "local": true, "rural": true, "any": true, "other": true, "which": true, "a": true,
	"per": true, "in": true, "on": true, "off": true, "from": true, "of": true, "for": true, "to": true, "at": true, "and": true, "by": true,
	"transported": true, "resident": true, "residents": true, "lives": true, "lived": true, "near": true, "county": true,
}

// counties reports counties, parishes and boroughs.
func (r *locationRules) counties(text string) []Span {
	var out []Span
	for _, m := range reCountyWord.FindAllStringIndex(text, -1) {
		if reCountyRoadAfter.MatchString(text[m[1]:min(len(text), m[1]+12)]) {
			continue // "County Road 2310" is a road (roads)
		}
		before := text[max(0, m[0]-60):m[0]]
		nm := reCountyName.FindStringSubmatchIndex(before)
		if nm == nil {
			continue
		}
		off := max(0, m[0]-60)
		words := strings.Fields(before[nm[2]:nm[3]])
		// Keep the name words next to the county word, back to the first
		// lead-in ("FROM HIDALGO COUNTY" is Hidalgo's), and in capitals
		// one word unless the one before is a name's first part ("SAN
		// BERNARDINO").
		keep := 0
		for i := len(words) - 1; i >= 0; i-- {
			w := strings.ToLower(strings.TrimSuffix(words[i], "'s"))
			// A state's name is a county's too ("Texas County", "Iowa
			// County"); a country's or a month's is not.
			if countyLeadIns[w] || r.lx.flags(w)&(wTitle|wMonth|wWeekday|wCountry) != 0 {
				break
			}
			if keep > 0 && inCapitals(words[i]) && !countyNameStart[w] {
				break
			}
			keep++
		}
		if keep == 0 {
			continue
		}
		start := off + nm[3]
		for k := 0; k < keep; k++ {
			start = strings.LastIndex(text[:start], words[len(words)-1-k])
		}
		if start < 0 {
			continue
		}
		out = append(out, Span{Start: start, End: m[1], Category: Location, Confidence: 0.8, Detector: "county"})
	}
	return out
}

// countyNameStart are the first words of two-word county names written in
// capitals ("SAN BERNARDINO", "ST. LOUIS", "PRINCE GEORGE'S").
var countyNameStart = map[string]bool{
	"san": true, "santa": true, "saint": true, "st.": true, "ste.": true, "los": true, "las": true, "el": true,
	"la": true, "de": true, "du": true, "prince": true, "fort": true, "new": true, "palm": true, "del": true,
	"east": true, "west": true, "north": true, "south": true, "queen": true, "king": true, "van": true, "miami-dade": true,
}
