package phi

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

// lowerPlaces reports "<preposition> word [word] <place type>" written in
// lower case (the prepositions are names_caseless.go's placePrepositions).
func (r *locationRules) lowerPlaces(text string, toks []token) []Span {
	var out []Span
	for k := 2; k < len(toks); k++ {
		if toks[k].shape != shLower || !placeTypeWords[toks[k].key] {
			continue
		}
		for n := 1; n <= 2; n++ {
			i := k - n
			if i < 1 || !placePrepositions[toks[i-1].key] || toks[i-1].shape != shLower {
				continue
			}
			ok := true
			for j := i; j < k; j++ {
				t := toks[j]
				if t.shape != shLower || t.nl || notPlaceStart[t.key] || placePrepositions[t.key] || t.end-t.start < 3 ||
					r.lx.flags(t.key)&(wMonth|wWeekday|wTitle|wCredential) != 0 {
					ok = false
					break
				}
			}
			if ok && !toks[k].nl {
				out = append(out, Span{Start: toks[i].start, End: toks[k].end, Category: Location, Confidence: 0.55, Detector: "place-lower"})
				break
			}
		}
	}
	return out
}
