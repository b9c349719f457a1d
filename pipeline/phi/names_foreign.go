package phi

import "strings"

// Evidence for the one-word names that no list knows ("Selilse",
// "Tobesgive"): a capitalised word that is no English word, no known
// name and no known place is itself a hint, and its place in the sentence
// decides.

// foreignWord reports a capitalised Latin word of four letters or more
// that no list knows, not even the English dictionary: in running text
// such a word is a person's or a place's name far more often than
// anything else, and the place lists are large. Words made of two English
// words ("Lawdragon", "Irecycle") are brand names, not people.
func (r *nameRules) foreignWord(text string, t token, f wordFlag) bool {
	if t.shape != shCap || f != 0 || len(t.key) < 4 || strings.ContainsAny(text[t.start:t.end], "-'’") {
		return false
	}
	for i := 0; i < len(t.key); i++ {
		if c := t.key[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return !r.lx.compound(t.key)
}

// auxAfterSubject are the verbs that follow the subject of a sentence
// ("Zalzinl is very reliable", "Litut had given..."). A determiner after
// them ("X is a design agency") says nothing about people and is left
// alone.
var auxAfterSubject = keySet(`is was has had will would could should can may might does did`)

// foreignNames reports single words that foreignWord accepts where the
// sentence around them makes them a person: a possessive ("Tobesgive's
// kid"), the middle of a sentence after a verb or preposition that
// people follow ("leave me Jerun", "the gender of Tedilos"), or the
// subject of a sentence whose verb is not followed by a determiner
// ("Dupobi is very reliable").
func (r *nameRules) foreignNames(text string, toks []token, flags []wordFlag, found []Span) []Span {
	var out []Span
	for i, t := range toks {
		if t.shape != shCap || !r.foreignWord(text, t, flags[i]) || covered(found, t.start) {
			continue
		}
		// A word next to another capitalised word belongs to a longer
		// name (a title, a company) that run() has judged already.
		if i > 0 && !t.nl && toks[i-1].isCap() && toks[i-1].end+1 >= t.start || i+1 < len(toks) && !toks[i+1].nl && toks[i+1].isCap() && toks[i+1].start <= t.end+1 {
			continue
		}
		if r.notPersonContext(text, toks, i) {
			continue
		}
		conf := 0.0
		next := tokText(text, toks, i+1)
		switch {
		case (next == "'" || next == "’") && toks[i+1].start == t.end && i+2 < len(toks) && toks[i+2].key == "s":
			conf = 0.7
		case t.sent || i == 0:
			if i+2 < len(toks) && !toks[i+1].nl && !toks[i+2].nl && auxAfterSubject[toks[i+1].key] && toks[i+2].shape == shLower {
				switch toks[i+2].key {
				case "a", "an", "the", "our", "their", "its", "one", "based", "located", "headquartered", "founded", "owned", "available":
				default:
					conf = 0.6
				}
			}
		default:
			if i > 0 && !t.nl && toks[i-1].isWord() && toks[i-1].shape == shLower && !notPersonBefore[toks[i-1].key] {
				conf = 0.6
			}
		}
		if conf > 0 {
			out = append(out, Span{Start: t.start, End: t.end, Category: Name, Confidence: conf, Detector: "name-foreign"})
		}
	}
	return out
}

// medVerbs come before drugs, which clinical text capitalises ("started
// Eliquis", "on Xarelto").
var medVerbs = keySet(`on start started starting take takes taking took prescribed prescribe continue continued resume
	resumed stop stopped hold held discontinue discontinued increase increased decrease decreased switch switched
	given received receiving tolerating tolerated trial using use uses plus with and or of`)

// drugEndings are the endings of drug names (INN stems).
var drugEndings = []string{"mab", "nib", "pril", "olol", "statin", "azole", "cillin", "mycin", "cycline", "floxacin", "vir",
	"sartan", "dipine", "pine", "done", "pam", "lam", "prazole", "tidine", "parin", "xaban", "gatran", "gliptin", "gliflozin",
	"glutide", "formin", "lukast", "tropium", "terol", "sone", "olone",
	// The same stems in Romance and Slavic spellings ("Omeprazol",
	// "Amoxicilina", "Claritromicina", "Doxiciclina").
	"azol", "cilina", "micina", "ciclina", "oxacino"}

// specialtyEndings end the names of clinical specialties and departments
// in European languages ("Neurologie", "Reumatologia", "Gastroenterología",
// "Innere Medizin", "Unfallchirurgie"), which headers capitalise.
var specialtyEndings = []string{"logie", "logia", "logía", "iatrie", "iatria", "iatría", "medizin", "chirurgie", "cirugía", "chirurgia"}

// notPersonContext reports a capitalised word whose neighbours say it is
// no person: a drug (a dose after it, a medication verb before it, a
// drug's ending), a genus before its species ("Escherichia coli"), or a
// word after a possessive determiner ("her Allianz resignation").
func (r *nameRules) notPersonContext(text string, toks []token, i int) bool {
	t := toks[i]
	if i+1 < len(toks) && !toks[i+1].nl {
		n := toks[i+1]
		if n.shape == shNum || n.shape == shAlnum || n.shape == shLower && r.lx.words[n.key]&wEnglish == 0 && n.end-n.start >= 3 {
			return true
		}
	}
	if i > 0 && !t.nl && toks[i-1].isWord() && medVerbs[toks[i-1].key] && toks[i-1].shape == shLower {
		if toks[i-1].key != "of" && toks[i-1].key != "and" && toks[i-1].key != "with" && toks[i-1].key != "or" {
			return true
		}
	}
	return drugLike(t.key) || isSpecialtyWord(text[t.start:t.end])
}

// drugLike reports a folded word with a drug's ending and at least three
// letters before it ("ceftriaxone" no, "vancomycin" yes).
func drugLike(key string) bool {
	for _, e := range drugEndings {
		if strings.HasSuffix(key, e) && len(key) >= len(e)+3 {
			return true
		}
	}
	return false
}

// isSpecialtyWord reports a word with a specialty's ending (see
// specialtyEndings); it is compared in lower case with its accents.
func isSpecialtyWord(w string) bool {
	w = strings.ToLower(w)
	for _, e := range specialtyEndings {
		if strings.HasSuffix(w, e) && len(w) >= len(e)+3 {
			return true
		}
	}
	return false
}

// notPersonBefore words come before places, organisations and drugs more
// often than before people: "in Nuuk", "at Verdafero", "for Analytica",
// "and Jardiance" (lists are readList's: one name there vouches for the
// rest).
var notPersonBefore = keySet(`in at for from to into near via across within the a an our their its this that his her
	my your became become joined and or with`)

// covered reports whether a span of found contains the offset.
func covered(found []Span, off int) bool {
	for _, s := range found {
		if s.Start <= off && off < s.End {
			return true
		}
	}
	return false
}

// patronymEndings mean "son of" or "daughter of" (Icelandic -dóttir and
// -sson, East Slavic -ovich, -evich, -ovna, -evna): a capitalised word
// with one of them is a person's name in any position, while the other
// family-name endings of nameSuffixes ("-ov", "-ski") also end towns.
var patronymEndings = []string{"dottir", "sson", "ovich", "evich", "ovna", "evna"}

// patronymNames reports the capitalised words with a patronymic ending
// that no list knows and no other rule has taken ("Ásgeirsdóttir"), and
// that are not two English words run together ("Betterlesson").
func (r *nameRules) patronymNames(text string, toks []token, flags []wordFlag, found []Span) []Span {
	var out []Span
	for i, t := range toks {
		if t.shape != shCap || flags[i] != 0 || len(t.key) < 7 || covered(found, t.start) || strings.Contains(t.key, "-") || r.lx.compound(t.key) {
			continue
		}
		for _, e := range patronymEndings {
			if strings.HasSuffix(t.key, e) && len(t.key) >= len(e)+3 {
				out = append(out, Span{Start: t.start, End: t.end, Category: Name, Confidence: 0.7, Detector: "name-patronym"})
				break
			}
		}
	}
	return out
}
