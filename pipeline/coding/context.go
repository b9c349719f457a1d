package coding

import "strings"

// cue is what a context phrase says about a nearby mention (NegEx and
// ConText: Chapman et al. 2001, Harkema et al. 2009).
type cue uint8

const (
	cueNone        cue = iota
	cueNegPre          // "denies", "no history of" … mention
	cueNegPost         // mention … "was ruled out"
	cueHedgePre        // "possible", "rule out" … mention
	cueHedgePost       // mention … "is suspected"
	cueProbPre         // "probable", "likely" … mention: a milder hedge
	cueProbPost        // mention … "is likely"
	cueFamilyPre       // "family history of", "mother" … mention
	cueOtherPre        // "wife", "roommate" … mention: someone else's, and not family history
	cueNotCondPre      // "screening for" … mention: the mention names a test's target
	cueNotCondPost     // mention … "vaccine", "test"
	cuePseudo          // "no change", "gram negative": looks like a cue, is not
	cueEnd             // ends the scope of negation and hedging ("has", "now")
	cueEndAll          // ends every scope ("but", "patient", "reports")
)

// Scope sizes in tokens between the cue and the mention. Pre-cues reach
// further than NegEx's five words so that lists ("denies chest pain,
// shortness of breath, or fever") stay inside; sentences bound them all.
const (
	preWindow     = 8
	postWindow    = 3
	notCondWindow = 2
	// otherWindow is short: "wife has dementia" is hers, but "lives with
	// spouse, …, hypertension" lists the patient's.
	otherWindow = 3
)

// Confidence factors of context.
const (
	hedgeFactor    = 0.6
	probableFactor = 0.8
	familyFactor   = 0.6
)

var cuePhrases = map[cue][]string{
	cueNegPre: {"no", "not", "denies", "denied", "deny", "denying", "without", "negative for", "neg for",
		"no evidence of", "no sign of", "no signs of", "no history of", "no hx of", "no h o", "no prior",
		"free of", "absence of", "ruled out", "rules out", "never had", "never", "nor", "no known",
		"resolution of"},
	cueNegPost: {"ruled out", "was ruled out", "is ruled out", "has been ruled out", "been ruled out",
		"unlikely", "is unlikely", "not present", "absent", "is absent", "was absent", "not seen",
		"negative", "is negative", "was negative", "not found", "excluded", "was excluded"},
	cueHedgePre: {"possible", "possibly", "suspected", "suspect", "suspicious for", "suspicion of",
		"suspicion for", "concern for", "concerning for", "questionable", "question of", "rule out",
		"r o", "to rule out", "may have", "might have", "may be", "could be", "cannot rule out",
		"can not rule out", "cannot exclude", "not ruled out", "differential", "differential diagnosis",
		"ddx", "versus", "vs", "evaluate for", "evaluation for", "eval for", "work up for",
		"workup for", "assess for", "presumed"},
	cueHedgePost: {"suspected", "is suspected", "possible", "is possible", "not excluded",
		"not ruled out", "cannot be excluded", "cannot be ruled out", "can not be ruled out",
		"versus", "vs", "is considered", "is questioned"},
	cueProbPre:  {"probable", "probably", "likely", "most likely", "presumably", "presumptive"},
	cueProbPost: {"likely", "is likely", "probable", "is probable"},
	cueFamilyPre: {"family history of", "family history", "family hx", "family hx of", "fhx", "fh",
		"fh of", "mother", "father", "mom", "dad", "brother", "sister", "sibling", "siblings",
		"grandmother", "grandfather", "grandparent", "grandparents", "aunt", "uncle", "cousin",
		"son", "daughter", "maternal", "paternal", "parents", "parent"},
	cueOtherPre: {"wife", "husband", "spouse", "partner", "boyfriend", "girlfriend", "friend", "roommate",
		"coworker", "neighbor", "caregiver", "stepfather", "stepmother"},
	cueNotCondPre: {"screening for", "screen for", "screened for", "test for", "tested for",
		"testing for", "vaccinated against", "vaccine for", "vaccination for", "immunized against",
		"risk of", "risk for", "at risk for", "prevention of", "prophylaxis for"},
	cueNotCondPost: {"vaccine", "vaccines", "vaccination", "vaccinated", "immunization", "shot",
		"booster", "test", "tests", "testing", "screen", "screening", "antibody", "antibodies",
		"titer", "panel", "prophylaxis"},
	cuePseudo: {"no increase", "no change", "not only", "no further", "without difficulty",
		"gram negative", "not necessarily", "no significant change", "not cause", "no new"},
	cueEnd: {"now", "has", "had", "presents", "presenting", "complains",
		"complaining", "endorses", "admits", "positive", "positive for", "which", "who", "whose",
		"because", "since", "yet"},
	cueEndAll: {"but", "however", "although", "though", "except", "aside from", "apart from",
		"patient", "pt", "he", "she", "reports", "reported", "states", "says", "notes"},
}

// cueSet is the compiled phrase table: phrases by first word, longest
// first. One phrase may carry two cues ("ruled out" before and after a
// mention), so each phrase holds a small set.
type cueSet map[string][]cuePhrase

type cuePhrase struct {
	words []string
	cues  []cue
}

// contextCues is built once at init and never changed.
var contextCues = func() cueSet {
	byPhrase := map[string][]cue{}
	for c, phrases := range cuePhrases {
		for _, p := range phrases {
			f := formOf(p)
			byPhrase[f] = append(byPhrase[f], c)
		}
	}
	set := cueSet{}
	for f, cs := range byPhrase {
		w := strings.Fields(f)
		set[w[0]] = append(set[w[0]], cuePhrase{words: w, cues: cs})
	}
	for _, ps := range set {
		// Longest first, so "not ruled out" wins over "not".
		for i := 1; i < len(ps); i++ {
			for j := i; j > 0 && len(ps[j].words) > len(ps[j-1].words); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
	}
	return set
}()

// cueSpan is one context phrase found in the tokens [from, to).
type cueSpan struct {
	from, to int
	cues     []cue
}

func (s cueSpan) has(c cue) bool {
	for _, x := range s.cues {
		if x == c {
			return true
		}
	}
	return false
}

// findCues finds the context phrases among the tokens that no mention
// covers (the "without" of "diabetes without complications" is part of a
// code's words, not a negation).
func findCues(toks []token, covered []bool) []cueSpan {
	var out []cueSpan
	for i := 0; i < len(toks); {
		if covered[i] || toks[i].placeholder {
			i++
			continue
		}
		found := false
		for _, p := range contextCues[toks[i].norm] {
			n := len(p.words)
			if i+n > len(toks) {
				continue
			}
			ok := true
			for k := 1; k < n && ok; k++ {
				t := toks[i+k]
				ok = !covered[i+k] && t.sent == toks[i].sent && t.norm == p.words[k]
			}
			if ok {
				out = append(out, cueSpan{from: i, to: i + n, cues: p.cues})
				i += n
				found = true
				break
			}
		}
		if !found {
			i++
		}
	}
	return out
}

// mentionContext is what the cues around one mention [a, b) say.
type mentionContext struct {
	negated, notCondition bool
	family                bool
	other                 bool    // about someone other than the patient or a blood relative
	factor                float64 // hedging
	from, to              int     // token span of the mention with the cues that qualify it
}

// contextOf judges the mention of tokens [a, b) by the cues of its
// sentence: a pre-cue counts if it ends at most preWindow tokens before the
// mention with no scope-ending cue between; a post-cue if it starts at most
// postWindow tokens after.
func contextOf(toks []token, cues []cueSpan, a, b int) mentionContext {
	mc := mentionContext{factor: 1, from: a, to: b}
	sent := toks[a].sent
	if toks[b-1].question || toks[a].questionBefore {
		mc.factor = hedgeFactor
	}
	// Pre-cues: walk back from the mention.
	endedNeg, endedFamily := false, false
	for i := len(cues) - 1; i >= 0; i-- {
		c := cues[i]
		if c.to > a || toks[c.from].sent != sent {
			if c.to <= a {
				break
			}
			continue
		}
		gap := a - c.to
		if gap > preWindow {
			break
		}
		if c.has(cueEndAll) {
			endedNeg, endedFamily = true, true
		}
		if c.has(cueEnd) {
			endedNeg = true
		}
		if !endedNeg {
			switch {
			case c.has(cueNegPre):
				mc.negated = true
			case c.has(cueNotCondPre) && gap <= notCondWindow:
				mc.notCondition = true
			case c.has(cueHedgePre):
				mc.factor = min(mc.factor, hedgeFactor)
				mc.from = min(mc.from, c.from)
			case c.has(cueProbPre):
				mc.factor = min(mc.factor, probableFactor)
				mc.from = min(mc.from, c.from)
			}
		}
		// The nearest relative is the one the mention belongs to; the
		// evidence starts there ("father with coronary artery disease",
		// not the whole family history).
		if !endedFamily && !mc.family && c.has(cueFamilyPre) {
			mc.family = true
			mc.from = min(mc.from, c.from)
		}
		if !endedFamily && !mc.family && c.has(cueOtherPre) && gap <= otherWindow {
			mc.other = true
		}
	}
	// Post-cues: walk forward.
	for _, c := range cues {
		if c.from < b {
			continue
		}
		if toks[c.from].sent != sent || c.from-b > postWindow || c.has(cueEnd) || c.has(cueEndAll) {
			break
		}
		switch {
		case c.has(cueNegPost):
			mc.negated = true
		case c.has(cueNotCondPost) && c.from-b <= notCondWindow-1:
			mc.notCondition = true
		case c.has(cueHedgePost):
			mc.factor = min(mc.factor, hedgeFactor)
			mc.to = max(mc.to, c.to)
		case c.has(cueProbPost):
			mc.factor = min(mc.factor, probableFactor)
			mc.to = max(mc.to, c.to)
		}
	}
	return mc
}
