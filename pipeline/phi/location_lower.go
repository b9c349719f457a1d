package phi

import "regexp"

// Places typed in lower case (detector 1.11.0): chats and texts write
// "staying in cedar falls", "out in sugar land", "near congress heights".
// Without capitals, the evidence is a preposition of place before one or
// two words and a word that names a kind of place after them.

// placeTypeWords end the names of towns, neighbourhoods and localities.
var placeTypeWords = keySet(`falls heights hollow grove springs creek ridge valley hills lake beach point junction village
	township island bay harbor harbour mills crossing bluff landing gardens estates acres woods meadows shores park land`)

// notPlaceStart are words that start a phrase that is no place name
// ("in the valley", "to his village", "at 3 points").
var notPlaceStart = keySet(`the a an this that these those his her my our your their its some any every each no one two
	three four five six seven eight nine ten few many more most other another same`)

// lowerStreetWords end the names of streets and roads typed in lower case
// (since 1.15.0: "on good hope rd", "near prairie parkway", "on 11th st");
// "dr", "ct" and "pl" are left out, as in caselessSuffixes, and so are
// courts ("at family court").
var lowerStreetWords = keySet(`street st avenue ave road rd boulevard blvd lane ln drive highway hwy parkway pkwy pike trail way
	loop terrace crescent circle`)

// streetPrepositions are the words before a street, beside
// placePrepositions: "lives on", "just off", "down", "past".
var streetPrepositions = keySet(`on off along down past onto behind`)

// notStreetName are words before a street type that name no street: verbs
// and conjunctions ("off and could drive"), a road's surface ("down the
// dirt road" without its article).
var notStreetName = keySet(`and or but could would should can will not then just also still did does dirt gravel paved private
	muddy icy long`)

// streetQuadrants follow a street's type in cities cut into quadrants
// ("good hope road se").
var streetQuadrants = keySet(`se ne nw sw`)

// reOrdinalWord is a numbered street's name: "11th", "3rd".
var reOrdinalWord = regexp.MustCompile(`^\d{1,3}(?:st|nd|rd|th)$`)

// lowerPlaces reports "<preposition> word [word] <place type>" written in
// lower case (the prepositions are names_caseless.go's placePrepositions),
// and since 1.15.0 "<preposition> word [word] [word] <street type>"
// (with streetPrepositions too; a street's name may be an ordinal or, before
// "st", a letter: "on r st").
func (r *locationRules) lowerPlaces(text string, toks []token) []Span {
	var out []Span
	for k := 2; k < len(toks); k++ {
		street := lowerStreetWords[toks[k].key]
		if toks[k].shape != shLower || toks[k].nl || !placeTypeWords[toks[k].key] && !street {
			continue
		}
		maxWords := 2
		if street {
			maxWords = 3
		}
		for n := 1; n <= maxWords; n++ {
			i := k - n
			if i < 1 || toks[i-1].shape != shLower || !placePrepositions[toks[i-1].key] && !(street && streetPrepositions[toks[i-1].key]) {
				continue
			}
			ok := true
			for j := i; j < k; j++ {
				t := toks[j]
				if street && !t.nl && (reOrdinalWord.MatchString(text[t.start:t.end]) || n == 1 && t.end-t.start == 1 && t.shape == shLower && (toks[k].key == "st" || toks[k].key == "street")) {
					continue
				}
				if t.shape != shLower || t.nl || notPlaceStart[t.key] || placePrepositions[t.key] || streetPrepositions[t.key] || street && notStreetName[t.key] || t.end-t.start < 3 ||
					r.lx.flags(t.key)&(wMonth|wWeekday|wTitle|wCredential) != 0 {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			end := toks[k].end
			if street && k+1 < len(toks) && !toks[k+1].nl && streetQuadrants[toks[k+1].key] && toks[k+1].shape == shLower {
				end = toks[k+1].end
			}
			out = append(out, Span{Start: toks[i].start, End: end, Category: Location, Confidence: 0.55, Detector: "place-lower"})
			break
		}
	}
	return out
}
