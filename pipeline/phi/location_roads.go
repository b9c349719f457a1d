package phi

import (
	"regexp"
	"strings"
)

// Numbered roads (detector 1.9.0): "CR 340", "Highway 17", "State Route
// 9", "BIA 2", "Mile 17 North", "take KY 160": a road named by its number
// places a rural address as a street does, and the labelling guidelines
// take it as LOCATION.

var (
	// reNumberedRoad: a road word, capitalised or in capitals, and its
	// number; "Mile" only with a direction after it (the section-line
	// roads of the Rio Grande valley), not a distance ("mile 17 of").
	reNumberedRoad = regexp.MustCompile(`(?i)\b(?:county[ \t]+road|county[ \t]+rd\.?|co\.?[ \t]+rd\.?|highway|hwy\.?|state[ \t]+route|state[ \t]+road|state[ \t]+hwy\.?|route|rte\.?|us[ \t]+highway|us[ \t]+hwy\.?|us[ \t]+route|farm[ \t]+to[ \t]+market[ \t]+road|fm|ranch[ \t]+road|bia|(mile))[ \t]?-?[ \t]?(\d{1,4}[A-Z]?)\b(?:[ \t]+(?-i:(North|South|East|West|NORTH|SOUTH|EAST|WEST|[NSEW]))\b)?`)
	// reStateRoad: "take KY 160", "off US 23": a state's or the US's
	// letters and a number after a word of driving.
	reStateRoad = regexp.MustCompile(`\b(?:take|took|off|on|onto|via|from|along|up|down|exit|follow)[ \t]+(?:[Oo]ld[ \t]+)?([A-Z]{2})[ \t-](\d{1,3}[A-Z]?)\b`)
)

// Since 1.21.0, from the training sets' misses: a highway in lower case
// ("hwy 169", "highway 96"; "route 1" only after a word of driving, as a
// bus's or a delivery's route is none), one read out in a dictation
// ("highway thirty one", "county road nine"), and an interstate or US
// highway after a word of driving ("off I-475", "on US-54").
var (
	reSpokenRoad    = regexp.MustCompile(`(?i)\b(?:highway|hwy|state[ \t]+route|county[ \t]+road|route)[ \t]+(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[ \t-](?:one|two|three|four|five|six|seven|eight|nine))?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)\b`)
	reInterstate    = regexp.MustCompile(`(?i)\b(?:take|took|off|on|onto|via|from|along|up|down|exit|follow|near|to)[ \t]+(?-i:(I|US)[- ](\d{1,3}))\b`)
	reDrivingBefore = regexp.MustCompile(`(?i)\b(?:take|took|off|on|onto|via|from|along|up|down|exit|follow|near|out)[ \t]+(?:old[ \t]+)?$`)
)

// isotopeOrForm are the numbers after "I-" that name an iodine isotope or a
// US immigration form ("I-94", "I-130") as often as an interstate.
var isotopeOrForm = map[int]bool{9: true, 20: true, 90: true, 94: true, 123: true, 124: true, 125: true, 129: true, 130: true, 131: true, 140: true, 485: true, 551: true, 589: true, 751: true, 765: true, 864: true}

// reServiceRoute: a bus's, a school's or a delivery's route ("the bus
// driver on route 61").
var reServiceRoute = regexp.MustCompile(`(?i)\b(?:bus|buses|school|delivery|deliveries|mail|paper|milk|driver|van|shuttle)\b[^.\n]{0,25}$`)

// lowerRoadOK accepts a numbered road written in lower case: a highway,
// or a route after a word of driving.
func lowerRoadOK(text string, start int) bool {
	w := strings.ToLower(text[start:min(len(text), start+10)])
	if strings.HasPrefix(w, "highway") || strings.HasPrefix(w, "hwy") || strings.HasPrefix(w, "state route") {
		return true
	}
	return (strings.HasPrefix(w, "route") || strings.HasPrefix(w, "rte")) && reDrivingBefore.MatchString(lowerBefore(text, start, 20)) &&
		!reServiceRoute.MatchString(lowerBefore(text, start, 40))
}

// roadStateLetters are the postal letters that name a road ("KY 160",
// and "CR 340", a county road, which alone is as often creatinine) and
// are no common word or abbreviation ("ID", "IN", "OR", "ME", "OK", "HI",
// "DE", "PA", "MD", "MS", "CO", "CT" are left out).
var roadStateLetters = keySet(`cr al ak az ar ca fl ga ia il ks ky la ma mi mn mo mt nc nd ne nh nj nm nv ny oh ri sc sd tn tx ut va vt wa wi wv wy us`)

// roads reports numbered roads.
func (r *locationRules) roads(text string, toks []token) []Span {
	var out []Span
	add := func(start, end int) {
		out = append(out, Span{Start: start, End: end, Category: Location, Confidence: 0.75, Detector: "road"})
	}
	for _, m := range matchNear(reNumberedRoad, text, toks, isRoadWord, 4, 4) {
		if !isUpperByte(text[m[0]]) && !lowerRoadOK(text, m[0]) || digitRunAround(text, m[4], m[5]) {
			continue // "route 2 of administration", a code
		}
		if m[2] >= 0 && m[6] < 0 {
			continue // "Mile 17" without a direction is a distance
		}
		if strings.EqualFold(text[m[0]:min(len(text), m[0]+5)], "route") && reAgeUnit.MatchString(text[m[1]:]) {
			continue
		}
		add(m[0], m[1])
	}
	for _, m := range matchNear(reSpokenRoad, text, toks, keyIn("highway", "hwy", "route", "road"), 0, 5) {
		if caselessLine(text, m[0]) {
			add(m[0], m[1])
		}
	}
	interstate := func(t token) bool {
		return (t.key == "i" || t.key == "us") && t.end+1 < len(text) && (text[t.end] == '-' || text[t.end] == ' ') && isDigitByte(text[t.end+1])
	}
	for _, m := range matchNear(reInterstate, text, toks, interstate, 2, 3) {
		if text[m[2]] == 'I' && (isotopeOrForm[atoi(text[m[4]:m[5]])] && strings.EqualFold(strings.TrimSpace(text[m[0]:m[2]]), "on") || atoi(text[m[4]:m[5]]) == 131) {
			continue // "on I-131" (iodine), "as on I-94" (an arrival record)
		}
		add(m[2], m[5])
	}
	for _, m := range matchNear(reStateRoad, text, toks, keyIn("take", "took", "off", "on", "onto", "via", "from", "along", "up", "down", "exit", "follow"), 0, 5) {
		if roadStateLetters[strings.ToLower(text[m[2]:m[3]])] {
			add(m[2], m[5])
		}
	}
	return out
}

// isRoadWord triggers reNumberedRoad.
var isRoadWord = keyIn("county", "co", "highway", "hwy", "state", "route", "rte", "us", "farm", "fm", "ranch", "bia", "mile")
