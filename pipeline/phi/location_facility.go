package phi

// Towns named by a place of care or a school (detector 1.11.0): "Goshen
// Hospital", "Bogue Chitto Health Clinic", "West Liberty Elementary". The
// labelling guidelines label a town inside an organisation's name, and
// the word after it says the name is an organisation's, not a person's.
// The town's words must be towns of the lists that are no names, or words
// no list or dictionary knows; a person's name ("Hopkins Hospital"), a
// word ("Community Hospital"), a saint or a state is left alone.

// townFacilityWords follow a town in the names of places of care and
// schools.
var townFacilityWords = keySet(`hospital clinic health medical center centre elementary school practice hospice pharmacy
	library manor ihs`)

// townsBeforeFacilities reports the town words before a facility word.
func (r *locationRules) townsBeforeFacilities(text string, toks []token) []Span {
	var out []Span
	for k := 1; k < len(toks); k++ {
		if !townFacilityWords[toks[k].key] || !toks[k].isCap() || toks[k].nl {
			continue
		}
		end := k
		start := k
		for start > 0 && k-start < 2 && r.townWord(toks[start-1], toks[k].shape) && !toks[start].nl && toks[start].start-toks[start-1].end == 1 {
			start--
		}
		if start == end {
			continue
		}
		// A capitalised word before the run makes it the middle of a
		// longer name ("Northgate Goshen Hospital" is someone's).
		if start > 0 && !toks[start].nl && toks[start-1].isCap() && !toks[start].sent {
			continue
		}
		out = append(out, Span{Start: toks[start].start, End: toks[end-1].end, Category: Location, Confidence: 0.6, Detector: "town-facility"})
	}
	return out
}

// townWord reports a word that can be (part of) a town's name before a
// facility word written in shape sh.
func (r *locationRules) townWord(t token, sh shape) bool {
	if t.shape != sh || t.end-t.start < 3 {
		return false
	}
	f := r.lx.flags(t.key)
	if f&wExtName != 0 {
		f &^= wFirst | wLast | wAmbiguous // a name of the generated lists only
	}
	if f&(wFirst|wLast|wCommon|wEnglish|wEponym|wTitle|wCredential|wParticle|wMonth|wWeekday|wState|wCountry|wStreetSuffix|wStreetPrefix|wOccupation) != 0 {
		return false
	}
	if r.lx.isFacilityWord(t.key) {
		return false
	}
	// An unknown word made of two words ("Riverbend", "Oakwell",
	// "Lowcountry") is more often a made-up name of the organisation than
	// a town; a town of the lists is taken.
	return f&(wCity|wCityExt) != 0 || !r.lx.compoundOfWords(t.key)
}

// compoundOfWords reports a word that splits into two dictionary words of
// three letters or more.
func (lx *lexicon) compoundOfWords(k string) bool {
	for i := 3; i+3 <= len(k); i++ {
		if lx.flags(k[:i])&(wEnglish|wCommon) != 0 && lx.flags(k[i:])&(wEnglish|wCommon) != 0 {
			return true
		}
	}
	return false
}
