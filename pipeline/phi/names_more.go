package phi

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// More name evidence: the shape of foreign names, words that only people
// do, dialogue, lists, lower-case names, and the company names that are
// made of surnames ("Barnett, Melton and Garcia", "Weeks-Rivas").

// occupationWords are nouns for jobs and roles: never a name themselves
// ("Producer James Sparks" is James Sparks), and before a capitalised word
// they announce a person ("songwriter Ana Ruiz"). Words that are also
// curated names (Baker, Cook, Porter) are left out.
var occupationWords = strings.Fields(`producer songwriter singer musician player artist actor actress director writer
	author journalist reporter editor photographer designer engineer architect lawyer attorney accountant consultant
	founder cofounder co-founder ceo cto cfo coo chairman chairwoman chairperson teacher professor student coach
	agent broker clerk cashier pilot chef mechanic electrician plumber technician therapist pharmacist dentist
	physician paramedic midwife counselor counsellor psychologist psychiatrist analyst scientist researcher programmer
	developer entrepreneur investor banker economist historian novelist poet composer drummer guitarist bassist
	vocalist rapper dancer comedian presenter spokesperson spokesman spokeswoman ambassador senator governor mayor
	minister detective intern trainee volunteer employee receptionist secretary assistant manager supervisor
	administrator coordinator specialist officer sergeant lieutenant colonel commander inspector`)

// orgSuffixWords end a company or institution name: the capitalised
// words before them are the organisation's name, not a person's.
var orgSuffixWords = keySet(`inc incorporated llc llp ltd limited corp corporation company companies group associates
	partners orchestra ensemble choir technologies technology holdings investments research agency foundation
	institute bank plc gmbh sons brothers bros consulting solutions systems industries international
	enterprises services media labs laboratories studios capital ventures logistics pharmaceuticals pharma
	insurance trust university college school academy hospital clinic`)

// personVerbs follow a person's name far more often than anything else's
// ("Tomomi lives on...", "Mehrudin shouted at...").
var personVerbs = keySet(`lives lived resides resided shouted yelled screamed whispered replied answered explained said
	says told asks asked began spent married smiled laughed cried wrote sang thinks thought wants wanted loves loved
	hates hated feels felt knows knew studied graduated visited complained admitted agreed decided refused insisted
	believes believed wondered apologized apologised promised`)

// kinWords after "X's" make X a person ("roberto's daughter").
var kinWords = keySet(`wife husband son daughter mother father brother sister mom dad mum parents children kids
	boyfriend girlfriend fiance fiancee partner spouse grandson granddaughter grandmother grandfather niece nephew
	aunt uncle cousin stepson stepdaughter stepmother stepfather widow widower`)

func keySet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// nameSuffixes are endings typical of family names in languages the
// dictionaries cover poorly (Nordic patronymics, Slavic, Baltic,
// Georgian, Greek, Romanian, Japanese, Finnish). They are tried on folded words of
// six letters or more that no dictionary knows.
var nameSuffixes = []string{"dottir", "sson", "ssen", "sen", "ovic", "evic", "ovich", "evich", "ovna", "evna", "ova", "eva",
	"ski", "ska", "sky", "cki", "cka", "enko", "chuk", "czyk", "wicz", "escu", "opoulos", "poulos", "akis", "idis", "shvili",
	"dze", "ov", "ev", "yan", "oglu", "zadeh", "moto", "mura", "yama", "kawa", "gawa", "hara", "saki", "zaki", "shima", "uchi", "nen"}

// nameShaped reports a word that no dictionary knows but that looks like
// a person's name: a Latin letter with a diacritic ("Szöllösy",
// "Liberšar"), or a typical family-name ending ("Dratchev").
func (r *nameRules) nameShaped(text string, t token, f wordFlag) bool {
	if t.shape != shCap || f&(wFirst|wLast|wCommon|wEponym|wCity|wCityExt|wState|wCountry|wStreetSuffix|wStreetPrefix|wTitle|wCredential|wParticle|wMonth|wWeekday) != 0 {
		return false
	}
	w := text[t.start:t.end]
	if strings.Contains(w, "-") || r.lx.hasMorpheme(t.key) {
		return false
	}
	for _, c := range w {
		if c >= 0xC0 && c <= 0x24F && unicode.IsLetter(c) && c != 0xD7 && c != 0xF7 {
			return true
		}
		if c >= 0x80 {
			return false // another script: Greek and Cyrillic words here are mostly places
		}
	}
	if utf8.RuneCountInString(t.key) < 6 {
		return false
	}
	for _, s := range nameSuffixes {
		if strings.HasSuffix(t.key, s) {
			return true
		}
	}
	return false
}

// tokText is the text of toks[i], or "" out of range.
func tokText(text string, toks []token, i int) string {
	if i < 0 || i >= len(toks) {
		return ""
	}
	return text[toks[i].start:toks[i].end]
}

// moreCues adds cues read from the neighbouring tokens: a vocative
// ("Remember me, Kelly?", "Vide, can I..."), "X's daughter", an
// occupation before the name, "by X", "shouted at X", "said to X",
// "calls me X", "named him X".
func (r *nameRules) moreCues(text string, toks []token, flags []wordFlag, cue []cueStrength) {
	// prevWord is the index of the word back tokens before toks[i] on
	// its line, or -1.
	prevWord := func(i, back int) int {
		j := i - back
		if j < 0 || !toks[j].isWord() {
			return -1
		}
		for k := j + 1; k <= i; k++ {
			if toks[k].nl {
				return -1
			}
		}
		return j
	}
	for i, t := range toks {
		if !t.isWord() {
			continue
		}
		up := func(s cueStrength) { cue[i] = max(cue[i], s) }
		if t.isCap() {
			// Vocative: ", Kelly?" / ", Mark!"
			if i > 0 && tokText(text, toks, i-1) == "," && !t.nl {
				if n := tokText(text, toks, i+1); n == "?" || n == "!" {
					up(cueMedium)
				}
			}
			// "Vide, can I please speak..."
			if t.sent && tokText(text, toks, i+1) == "," && i+2 < len(toks) && !toks[i+2].nl {
				switch toks[i+2].key {
				case "can", "could", "would", "will", "please", "do", "did", "are", "have", "thank", "thanks":
					up(cueMedium)
				}
			}
		}
		// "roberto's daughter"
		if a := tokText(text, toks, i+1); (a == "'" || a == "’") && toks[i+1].start == t.end && i+3 < len(toks) && toks[i+2].key == "s" && kinWords[toks[i+3].key] {
			if t.isCap() {
				up(cueMedium)
			} else {
				up(cueStrong)
			}
		}
		if p := prevWord(i, 1); p >= 0 {
			pf := flags[p]
			switch {
			case pf&wOccupation != 0 && t.isCap() && flags[i]&wOccupation == 0 && !occupationLike(t.key):
				up(cueMedium)
			case toks[p].key == "by" && t.isCap():
				up(cueWeak)
			}
			if q := prevWord(i, 2); q >= 0 {
				switch toks[p].key {
				case "at":
					switch toks[q].key {
					case "shouted", "yelled", "screamed", "waved", "smiled", "glared", "stared", "winked", "laughed":
						up(cueMedium)
					}
				case "to":
					// "said Gladys to Logan"
					if r := prevWord(q, 1); r >= 0 && toks[q].isCap() {
						switch toks[r].key {
						case "said", "says", "asked", "whispered", "replied", "shouted", "yelled":
							up(cueMedium)
						}
					}
					switch toks[q].key {
					case "said", "says", "say", "whispered", "replied", "wrote", "spoke", "talked", "talking", "speaking", "married", "engaged", "assistant":
						up(cueMedium)
					}
				case "me":
					if toks[q].key == "calls" || toks[q].key == "call" || toks[q].key == "called" {
						up(cueStrong)
					}
				case "him", "her", "them":
					if toks[q].key == "named" || toks[q].key == "call" || toks[q].key == "called" {
						up(cueMedium)
					}
				}
			}
		}
	}
}

// occupationLike reports a word with the ending of a profession
// ("cardiologist", "physician"), which an occupation word before it does
// not make a name ("Consultant Cardiologist").
func occupationLike(key string) bool {
	for _, s := range []string{"ologist", "iatrist", "ician", "ographer", "therapist", "ist", "eon", "nurse", "worker", "officer"} {
		if strings.HasSuffix(key, s) {
			return true
		}
	}
	return false
}

// personVerbAfter reports whether the words at offset read as something
// only a person does: "lives", "shouted", "had given", "is from".
func personVerbAfter(text string, toks []token, offset int) bool {
	k := tokenAt(toks, offset)
	if k >= len(toks) || toks[k].nl || !toks[k].isWord() || toks[k].shape != shLower {
		return false
	}
	if personVerbs[toks[k].key] {
		return true
	}
	if k+1 < len(toks) && !toks[k+1].nl {
		switch toks[k].key + " " + toks[k+1].key {
		case "is from", "was from", "had given", "has given", "just has":
			return true
		}
	}
	return false
}

// speakerNames finds the speakers of a dialogue: lines that start with
// one word and a colon ("Ubul: What a wife.", "Nicole: Remember me").
// The words are names when the document has two such speakers or more
// and at least half of them are known given names; a form's labels
// ("Plan:", "Allergies:") are common words and never count.
func (r *nameRules) speakerNames(text string, toks []token, flags []wordFlag) []Span {
	var cands []int
	seen := map[string]bool{}
	known := 0
	for i := 0; i < len(toks); i++ {
		if i > 0 && !toks[i].nl {
			continue
		}
		j := i
		for j < len(toks) && toks[j].shape == shPunct && (j == i || !toks[j].nl) && tokText(text, toks, j) != ":" {
			j++
		}
		if j+2 >= len(toks) || (j > i && toks[j].nl) || !toks[j].isWord() || tokText(text, toks, j+1) != ":" || toks[j+1].start != toks[j].end || toks[j+2].nl {
			continue
		}
		if ok, _ := r.nameWord(text, toks, flags, j, true); !ok || toks[j].shape == shUpper {
			continue
		}
		cands = append(cands, j)
		if !seen[toks[j].key] {
			seen[toks[j].key] = true
			if flags[j]&wFirst != 0 {
				known++
			}
		}
	}
	if len(seen) < 2 || known == 0 || known*2 < len(seen) {
		return nil
	}
	out := make([]Span, 0, len(cands))
	for _, j := range cands {
		out = append(out, Span{Start: toks[j].start, End: toks[j].end, Category: Name, Confidence: 0.75, Detector: "name-speaker"})
	}
	return out
}

// lowerNames finds names written all in lower case, which no capital
// marks: a known given name, an optional initial and a known family name,
// neither of them an English word ("patricia desrosiers", "emidio p
// lombardo").
func (r *nameRules) lowerNames(text string, toks []token, flags []wordFlag) []Span {
	var out []Span
	plain := func(i int, want wordFlag) bool {
		t := toks[i]
		f := flags[i]
		return t.shape == shLower && t.end-t.start >= 3 && f&want != 0 &&
			f&(wAmbiguous|wCommon|wEponym|wTitle|wCredential|wParticle|wMonth|wWeekday|wCity|wState|wCountry|wStreetSuffix|wStreetPrefix) == 0
	}
	for i := 0; i+1 < len(toks); i++ {
		if !toks[i].isWord() || !plain(i, wFirst) {
			continue
		}
		j := i + 1
		if j < len(toks) && !toks[j].nl && toks[j].shape == shLower && toks[j].end-toks[j].start == 1 {
			j++ // a middle initial
			if j < len(toks) && tokText(text, toks, j) == "." && toks[j].start == toks[j-1].end {
				j++
			}
		}
		if j >= len(toks) || toks[j].nl || !toks[j].isWord() {
			continue
		}
		lastOK := plain(j, wLast) || toks[j].shape == shLower && r.lowerShaped(toks[j], flags[j])
		if !lastOK {
			continue
		}
		out = append(out, Span{Start: toks[i].start, End: toks[j].end, Category: Name, Confidence: 0.7, Detector: "name-lower"})
		i = j
	}
	return out
}

// lowerShaped is nameShaped for a lower-case word.
func (r *nameRules) lowerShaped(t token, f wordFlag) bool {
	if f != 0 || utf8.RuneCountInString(t.key) < 6 {
		return false
	}
	for _, s := range nameSuffixes {
		if strings.HasSuffix(t.key, s) {
			return true
		}
	}
	return false
}

// listItem is one capitalised item of a list: its first and last token.
type listItem struct{ first, last int }

// readList reads a list of capitalised items joined by commas and a final
// "and", "&" or "or" starting at toks[i] ("Monjeau, Graves and Reed",
// "Usamov and Bowers"); items are one to three capitalised words. It
// returns nil when there is no conjunction.
func readList(text string, toks []token, i int) []listItem {
	return readListCase(text, toks, i, false)
}

// readListCase is readList; with anyCase, for caseless text, the items
// may be lower-case words (other than the conjunctions), one word each.
func readListCase(text string, toks []token, i int, anyCase bool) []listItem {
	capOK := func(k int) bool {
		return toks[k].isCap() || anyCase && toks[k].key != "and" && toks[k].key != "or"
	}
	item := func(k int) (int, bool) {
		if k >= len(toks) || k > i && toks[k].nl || !capOK(k) || !toks[k].isWord() {
			return 0, false
		}
		e := k
		for e+1 < len(toks) && e-k < 2 && !anyCase && !toks[e+1].nl && toks[e+1].isCap() && toks[e+1].isWord() && toks[e+1].start == toks[e].end+1 {
			e++
		}
		return e, true
	}
	e, ok := item(i)
	if !ok {
		return nil
	}
	items := []listItem{{i, e}}
	for k := e + 1; k < len(toks) && !toks[k].nl; {
		switch {
		case tokText(text, toks, k) == ",":
			if k+1 < len(toks) && !toks[k+1].nl && (toks[k+1].key == "and" || toks[k+1].key == "or") {
				// An Oxford comma before the last item.
				if e, ok := item(k + 2); ok {
					return append(items, listItem{k + 2, e})
				}
				return nil
			}
			e, ok := item(k + 1)
			if !ok {
				return nil
			}
			items = append(items, listItem{k + 1, e})
			k = e + 1
		case tokText(text, toks, k) == "&" || toks[k].key == "and" || toks[k].key == "or":
			if e, ok := item(k + 1); ok {
				return append(items, listItem{k + 1, e})
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// orgAt reports whether toks[i] is a word that ends an organisation's
// name ("Inc", "LLC", "Orchestra").
func orgAt(toks []token, i int) bool {
	return i < len(toks) && toks[i].isWord() && toks[i].isCap() && orgSuffixWords[toks[i].key]
}

// orgRanges returns the byte ranges that name organisations although
// they are made of surnames: capitalised words before an organisation
// word ("Russell Investments", "Conway Inc."), a bare double-barrelled
// surname without a cue ("Weeks-Rivas invested"), and lists of surnames
// that an organisation word follows, that "at", "from", "for", "of",
// "became" or "The" precede, or that fill their line ("Barnett, Melton
// and Garcia").
func (r *nameRules) orgRanges(text string, toks []token, flags []wordFlag, cue []cueStrength) [][2]int {
	var out [][2]int
	for i := 1; i < len(toks); i++ {
		if !orgAt(toks, i) || toks[i].nl {
			continue
		}
		j := i
		for j > 0 && i-j < 4 && !toks[j].nl && toks[j-1].isCap() && toks[j-1].isWord() && flags[j-1]&wTitle == 0 {
			j--
		}
		if j < i {
			out = append(out, [2]int{toks[j].start, toks[i-1].end})
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.isCap() || !t.isWord() || (i > 0 && toks[i-1].isCap() && !t.nl && toks[i-1].end+1 >= t.start) {
			continue
		}
		// A double-barrelled surname after an initial ("K. Oyelaran-Smith",
		// since 1.9.0) is a person's, not a firm's.
		afterInitial := i > 1 && !t.nl && text[toks[i-1].start:toks[i-1].end] == "." && r.isInitial(text, toks, i-2)
		if w := text[t.start:t.end]; strings.Contains(w, "-") && cue[i] < cueMedium && !afterInitial && r.lx.flags(fold(w[strings.LastIndexByte(w, '-')+1:]))&wLast != 0 {
			if n := i + 1; n >= len(toks) || toks[n].nl || !toks[n].isCap() {
				out = append(out, [2]int{t.start, t.end})
			}
		}
		items := readList(text, toks, i)
		if len(items) < 2 {
			continue
		}
		last := items[len(items)-1].last
		org := orgAt(toks, last+1) && !toks[last+1].nl
		if i > 0 && !t.nl {
			switch toks[i-1].key {
			case "at", "from", "for", "of", "became", "the", "joined", "by":
				org = org || toks[i-1].key != "by" || len(items) >= 3
			}
		}
		lineAlone := (t.nl || i > 0 && toks[i-1].shape == shPunct && lineStart(toks, i-1)) && (last+1 >= len(toks) || toks[last+1].nl)
		if lineAlone && len(items) >= 3 {
			org = true
		}
		for _, it := range items {
			if it.last > it.first && orgAt(toks, it.last) {
				org = true
			}
		}
		if org {
			out = append(out, [2]int{t.start, toks[last].end})
			i = last
		}
	}
	return out
}

// lineStart reports whether toks[i] and the tokens before it on its line
// are all punctuation (a quote mark, "> ").
func lineStart(toks []token, i int) bool {
	for ; i >= 0; i-- {
		if toks[i].shape != shPunct {
			return false
		}
		if toks[i].nl || i == 0 {
			return true
		}
	}
	return true
}

// listNames extends names along lists: in "Monjeau, Graves and Reed" or
// "Usamov and Bowers", one item found as a name with confidence makes
// the other capitalised single-word items names too, and so does a list
// made only of words no list knows. Lists that name
// organisations are skipped (orgRanges).
func (r *nameRules) listNames(text string, toks []token, flags []wordFlag, found []Span, orgs [][2]int) []Span {
	isName := func(k int) bool {
		if flags[k]&(wFirst|wLast) != 0 && flags[k]&wAmbiguous == 0 {
			return true
		}
		for _, s := range found {
			if s.Confidence >= 0.75 && s.Start <= toks[k].start && toks[k].end <= s.End {
				return true
			}
		}
		return false
	}
	var out []Span
	for i := 0; i < len(toks); i++ {
		items := readList(text, toks, i)
		if len(items) < 2 || inRanges(orgs, toks[i].start) {
			continue
		}
		named, foreign, listed, ok := 0, 0, 0, true
		for _, it := range items {
			if it.first != it.last {
				ok = false
				break
			}
			if w, _ := r.nameWord(text, toks, flags, it.first, false); !w || flags[it.first]&(wCity|wState|wCountry) != 0 && flags[it.first]&(wFirst|wLast) == 0 {
				ok = false
				break
			}
			if isName(it.first) {
				named++
			} else if r.foreignWord(text, toks[it.first], flags[it.first]) && !r.notPersonContext(text, toks, it.first) {
				foreign++
			} else if flags[it.first]&(wFirst|wLast) != 0 {
				listed++
			}
		}
		// One known name vouches for the rest; without one, every item
		// must be a word no list knows ("Lilfis, Fumodik and Pefer"), or
		// such words and names that are also English words ("Monjeau,
		// Graves and Reed": a list holds things of one kind, and the
		// unknown word and the surnames agree on it).
		if ok && (named > 0 && named < len(items) || foreign > 0 && named+foreign+listed == len(items) && !r.notPersonContext(text, toks, i)) {
			for _, it := range items {
				out = append(out, Span{Start: toks[it.first].start, End: toks[it.last].end, Category: Name, Confidence: 0.75, Detector: "name-list"})
			}
		}
		i = items[len(items)-1].last
	}
	return out
}

func inRanges(rs [][2]int, off int) bool {
	for _, r := range rs {
		if r[0] <= off && off < r[1] {
			return true
		}
	}
	return false
}

// dropOrgs removes the name spans that overlap an organisation's name.
func dropOrgs(spans []Span, orgs [][2]int) []Span {
	if len(orgs) == 0 {
		return spans
	}
	out := spans[:0]
	for _, s := range spans {
		keep := true
		for _, o := range orgs {
			if s.Start < o[1] && o[0] < s.End {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// reChatSender: a line of a chat export, its time stamp and the sender's
// display name before a colon (1.14.0): WhatsApp's "[11/20/26, 9:14:03 PM]
// oyuka: ..." and "20/11/26, 06:41 - djeca lima: ...", a portal's
// "[14:44] forrest tripp: ...". Since 1.21.0 the brackets may hold a
// date without a time, as a forum's thread does ("[14 Nov 2026]
// hanoi_huong: ...", "[11/16/2026] …").
var reChatSender = regexp.MustCompile(`(?m)^[ \t]*(?:\[[^\]\n]{0,24}(?:\d{1,2}[:.]\d{2}|(?i:\d{1,2}[ \t]+(?:` + monthRE[1:] + `\.?[ \t]+\d{4})|\d{1,4}[./-]\d{1,2}[./-]\d{2,4})[^\]\n]{0,16}\][ \t]*(?:[-–][ \t]*)?|\d{1,4}[./-]\d{1,2}[./-]\d{2,4},?[ \t]+\d{1,2}[:.]\d{2}(?::\d{2})?(?:[ \t]?[APap]\.?[Mm]\.?)?[ \t]*[-–][ \t]*)([^:\n\[\]]{1,40}?)[ \t]*:[ \t]`)

// chatSenders finds the display names of a chat export's senders: the
// words between a line's time stamp and its colon, in a text of two such
// lines or more. A sender that is a phone number is left to the phone
// rules; credentials and roles at the end stay out ("d. brantley fnp"),
// and a sender that is only a role ("rn", "Agent", "System") is no name.
func (r *nameRules) chatSenders(text string) []Span {
	ms := reChatSender.FindAllStringSubmatchIndex(text, -1)
	if len(ms) < 2 {
		return nil
	}
	var out []Span
	for _, m := range ms {
		start, end := m[2], m[3]
		name := text[start:end]
		if c := name[0]; c == '+' || c == '(' || isDigitByte(c) {
			continue // a phone number, or a number
		}
		if k := strings.IndexByte(name, '('); k > 0 {
			end = start + k // "shay (case mgmt)", "kiet (brightpath)": a role or an employer
			name = text[start:end]
		}
		words := strings.Fields(name)
		// Drop the titles, roles and kinship words before the name ("dr.
		// reyes", "nurse kari haugland", "Auntie Maeve", "ma tiff").
		for len(words) > 1 {
			k := strings.ToLower(strings.Trim(words[0], ".,"))
			if r.lx.flags(k)&wTitle == 0 && !senderRoles[k] && !kinTitles[k] {
				break
			}
			start += strings.Index(text[start:end], words[0]) + len(words[0])
			start += len(text[start:end]) - len(strings.TrimLeft(text[start:end], " \t."))
			words = words[1:]
		}
		// Drop the roles and credentials that end the sender.
		for len(words) > 0 {
			k := strings.ToLower(strings.Trim(words[len(words)-1], ".,()"))
			if f := r.lx.flags(k); f&(wCredential|wTitle|wOccupation) == 0 && !clinicalAbbrev[k] && !senderRoles[k] {
				break
			}
			end = start + strings.LastIndex(text[start:end], words[len(words)-1])
			words = words[:len(words)-1]
		}
		if len(words) == 0 || len(words) > 5 || !strings.ContainsFunc(text[start:end], unicode.IsLetter) || strings.ContainsFunc(text[start:end], unicode.IsDigit) {
			continue // "pharmacy 5e": a unit
		}
		plain := 0
		for _, w := range words {
			if f := r.lx.flags(strings.ToLower(w)); f&(wEnglish|wCommon) != 0 && f&(wFirst|wLast|wNameWord) == 0 {
				plain++
			}
		}
		if plain == len(words) || r.lx.isFacilityWord(strings.ToLower(words[0])) {
			continue // "Agent", "System", "Reply from", "Pharmacy"
		}
		end = start + len(strings.TrimRight(text[start:end], " \t"))
		out = append(out, Span{Start: start, End: end, Category: Name, Confidence: 0.75, Detector: "name-chat"})
	}
	return out
}

// senderRoles are roles a chat writes before, after or instead of a
// sender's name; kinTitles the family words it writes before one.
var (
	senderRoles = keySet(`agent caller system admin bot staff nurse doctor dr coordinator scheduler pharmacist worker me you`)
	kinTitles   = keySet(`auntie aunty aunt uncle ma pa mom mum dad nana nan gran granny grandma grandpa tita tito lola lolo tia tio sis bro cousin ani`)
)

// reQuotedNickname: a nickname in double quotes right after a name, in
// brackets or after an aligned field's gap: `Clement E. Harmony
// ("Dutch")`, `WASHINGTON, ALONZO TERRELL   "TEE"`. One to three
// capitalised words, and not a gloss ("BABA" = grandmother).
var reQuotedNickname = regexp.MustCompile(`^[ \t]{0,4}\(?["“](\p{Lu}[\p{L}'’.-]*(?:[ \t]\p{Lu}[\p{L}'’.-]*){0,2})["”]\)?`)

// reGlossAfter follows a quoted word that is explained, not a nickname.
var reGlossAfter = regexp.MustCompile(`^[ \t]*(?:=|(?i:means|meaning|is the|is a)\b)`)

// nicknamesAfterNames reports the nickname a document quotes right after
// a person's name (1.22.0): the labelled corpora write it there some fifty
// times and quote nothing else there but a gloss. It is the person's
// name, and otherMentions then finds it again where the text uses it
// alone.
func (r *nameRules) nicknamesAfterNames(text string, found []Span) []Span {
	var out []Span
	for _, s := range found {
		if s.Category != Name {
			continue
		}
		m := reQuotedNickname.FindStringSubmatchIndex(text[s.End:])
		if m == nil || reGlossAfter.MatchString(text[s.End+m[1]:]) {
			continue
		}
		start, end := s.End+m[2], s.End+m[3]
		if r.lx.flags(fold(text[start:end]))&(wTitle|wCredential) != 0 {
			continue // ("Doc"), ("Uncle")
		}
		out = append(out, Span{Start: start, End: end, Category: Name, Confidence: 0.7, Detector: "name-nickname"})
	}
	return out
}
