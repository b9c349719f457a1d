package phi

// Places named after people (detector 1.16.0): "Big Horn County",
// "Hopkins Village", "Stann Creek", "Somerset Bridge". The words before
// the kind of place are family or given names, so the name rules found a
// person there, sure enough to win over the place the county rule or the
// tagger saw, and the kind of place was left a place on its own. In
// English such a phrase ends in its head: the last word says what the
// whole is.

// placeHeadWords end a place's name: placeTypeWords and the units of
// local government, without the words that are family names as often
// (Mills, Woods, Meadows, Park, Harbour: "Jenna Park").
var placeHeadWords = func() map[string]bool {
	m := keySet(`county parish borough township district river bridge estate city`)
	for w := range placeTypeWords {
		m[w] = true
	}
	for _, w := range []string{"mills", "woods", "meadows", "park", "harbour", "land"} {
		delete(m, w)
	}
	return m
}()

// capitalWordAfter reports toks[j], a capitalised word one space after
// offset end on the same line.
func capitalWordAfter(text string, toks []token, j, end int) bool {
	return toks[j].isCap() && !toks[j].nl && toks[j].start == end+1 && text[end] == ' '
}

// placeHeads turns a name that a kind of place follows, one space away on
// its line and capitalised, into a place that takes the head in ("Big
// Horn County", "Stann Creek District"), unless another capitalised word
// goes on after the head. A name after a title stays a person ("seen
// with Dr. Hopkins Village nurse present"), and so does a name the
// patient's own record gives (confidence 1).
func (b *Builtin) placeHeads(text string, toks []token, found []Span) []Span {
	changed := false
	for k, s := range found {
		if s.Category != Name || s.Confidence >= 1 || b.personBefore(text, s.Start) {
			continue
		}
		end, j := s.End, tokenAt(toks, s.End)
		for ; j < len(toks) && placeHeadWords[toks[j].key] && capitalWordAfter(text, toks, j, end); j++ {
			end = toks[j].end
		}
		if end == s.End || j < len(toks) && capitalWordAfter(text, toks, j, end) {
			// The phrase goes on: "Huron Valley Credit Union", "Hermann
			// City Cemetery" name organisations.
			continue
		}
		found[k] = Span{Start: s.Start, End: end, Category: Location, Confidence: max(s.Confidence, 0.8), Detector: "place-head"}
		changed = true
	}
	if !changed {
		return found
	}
	return Merge(found)
}
