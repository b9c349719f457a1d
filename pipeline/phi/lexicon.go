package phi

import (
	"bufio"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// The word lists are embedded so the detector needs no files at run time.
// They are facts (common names, places, street types), written for Kiln;
// each file says what it holds and why in its first lines.
//
// The large generated lists (*.txt.gz: census and international names,
// GeoNames cities) are built by lexicon/build_ext.py; lexicon/README.md
// names their sources and licences.
//
//go:embed lexicon/*.txt lexicon/*.txt.gz
var lexiconFiles embed.FS

// wordFlag says what a folded word can be.
type wordFlag uint32

const (
	wFirst        wordFlag = 1 << iota // a given name
	wLast                              // a family name
	wAmbiguous                         // a name that is also a common word: needs support
	wCommon                            // never a name on its own
	wEponym                            // a medical eponym or device brand
	wTitle                             // Dr, Mr, Mrs ...: the next words are a name
	wCredential                        // MD, RN ...: the words before are a name
	wParticle                          // van, de, von ...: joins name words
	wStreetSuffix                      // Street, Ave ...
	wStreetPrefix                      // Rue, Via ...
	wMonth                             // January, Jan ...
	wWeekday                           // Monday, Mon ...
	wCity                              // a city (single word) or the first word of one
	wState                             // a state or province name (single word)
	wCountry                           // a country (single word)
	// wExtName: the word's name flags come only from the generated name
	// lists, not the curated ones; as a city it then still needs a cue.
	wExtName
	// wCityExt: a city of the generated GeoNames list (not the curated
	// one), taken alone only when it is no name or common word.
	wCityExt
	// wOccupation: a job or role ("producer"), also a common word.
	wOccupation
	// wEnglish: a lower-case word of the English dictionary (generated
	// english.txt.gz). It does not stop a word from being a name; it stops
	// a capitalised word no other list knows from counting as one by its
	// mere capital ("Analytics", "Serenade").
	wEnglish
	// wNameWord: an English word that is also a census given name or a
	// frequent family name ("Mercy", "Young"; generated name_words.txt.gz).
	// The generated name lists leave these out, so without it such a word
	// looks like any other dictionary word (since 1.13.0).
	wNameWord
	// wTownWord: a town of the GeoNames lists that is an English word or
	// made of them ("Hazard", "Saint Cloud"; generated town_words.txt.gz).
	// Such a town is taken only where the sentence says place (since
	// 1.14.0); the tagger sees the flag and, for phrases, placePhrases.
	wTownWord
)

// lexicon is the built-in detector's read-only dictionary.
type lexicon struct {
	words map[string]wordFlag
	// phrases hold multi-word cities, states and countries by their folded
	// words joined with one space; maxPhrase is the longest, in words.
	phrases   map[string]wordFlag
	maxPhrase int
	// phraseHeads holds the first word of every phrase with the length of
	// the longest phrase it starts, so a scan tries only those.
	phraseHeads map[string]uint8
	// stateAbbr are the two-letter postal abbreviations of states and
	// provinces.
	stateAbbr map[string]bool
	// abbrevs are clinical and administrative abbreviations
	// (abbreviations.txt): in capitals or lower case, no person.
	abbrevs map[string]bool
	// morphemes are the street-name endings folded; morphemesRaw the
	// same in lower case with their diacritics.
	morphemes, morphemesRaw []string
	// clusters are the words' GloVe clusters (clusters.txt.gz, see
	// build_clusters.go): 4,096 leaves of a 16-way tree, so the leaf
	// number's hex digits read coarse to fine.
	clusters map[string]uint16
}

var (
	titleWords = "dr dra doctor mr mrs ms miss mx prof professor rev reverend fr sr sra srta mme mlle herr frau nurse sister capt sgt lt col dott dottssa sig sigra lic mudr" +
		// Since 1.9.0: church titles and kinship words before a name,
		// which the labelling guidelines keep outside it ("Pastor Ron
		// Okoye", "Aunty Hine", "Grandma Cheryl").
		" pastor chaplain deacon bishop elder imam rabbi aunty auntie aunt uncle grandma grandpa granny nana nanna" +
		// Since 1.11.0: Tagalog and family words for elders and relatives
		// ("tita Baby", "kuya Jun", "Mummy"), which chats put before
		// names or use alone.
		" tita tito kuya lolo manang manong mummy mommy" +
		// Police and military ranks before a name ("CPL GUTIERREZ").
		" cpl pfc spc ssg sfc msg cpt maj gen pvt ofc officer deputy trooper det sgt lt capt col" +
		// Church titles of members ("Bro. Amos", "Sis. Ruth").
		" bro sis"
	credentialWords = "md do rn np pa pa-c dds dmd phd msw licsw lcsw lpn cnm fnp aprn pharmd dpm od mbbs facp facs crna pt ot slp bsn msn dnp rd cde lmhc psyd mph esq frcp mrcp frcs"
	particleWords   = "van von der den de del della di da das dos do du la le ten ter bin ibn al el st y ap"
)

// sharedLexicon loads the embedded lists once per process: they are large
// and never change after loading, so every Builtin shares them.
var sharedLexicon = sync.OnceValues(newLexicon)

func newLexicon() (*lexicon, error) {
	lx := &lexicon{words: map[string]wordFlag{}, phrases: map[string]wordFlag{}, phraseHeads: map[string]uint8{}, stateAbbr: map[string]bool{}, abbrevs: map[string]bool{}}
	files := []struct {
		name string
		flag wordFlag
	}{
		{"first_names.txt", wFirst},
		{"last_names.txt", wLast},
		{"ambiguous_names.txt", wAmbiguous},
		{"common_words.txt", wCommon},
		{"eponyms.txt", wEponym},
		{"drug_brands.txt", wEponym},
		{"street_suffixes.txt", wStreetSuffix},
		{"street_prefixes.txt", wStreetPrefix},
		{"cities.txt", wCity},
		{"countries.txt", wCountry},
	}
	for _, f := range files {
		lines, err := readLexicon(f.name)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			lx.add(l, f.flag)
		}
	}
	states, err := readLexicon("states.txt")
	if err != nil {
		return nil, err
	}
	for _, l := range states {
		name, abbr, _ := strings.Cut(l, "|")
		lx.add(name, wState)
		lx.stateAbbr[abbr] = true
	}
	abbrevs, err := readLexicon("abbreviations.txt")
	if err != nil {
		return nil, err
	}
	for _, l := range abbrevs {
		for _, w := range strings.Fields(l) {
			lx.abbrevs[w] = true
		}
	}
	if err := lx.addGenerated(); err != nil {
		return nil, err
	}
	morphemes, err := readLexicon("street_morphemes.txt")
	if err != nil {
		return nil, err
	}
	for _, m := range morphemes {
		lx.morphemes = append(lx.morphemes, fold(m))
		lx.morphemesRaw = append(lx.morphemesRaw, strings.ToLower(m))
	}
	for _, w := range occupationWords {
		// A curated name (Baker, Porter) stays a name; a generated one
		// gives way.
		if f := lx.words[w]; f&(wFirst|wLast) == 0 || f&wExtName != 0 {
			lx.words[w] = f&^(wFirst|wLast|wExtName) | wCommon | wOccupation
		}
	}
	for _, w := range strings.Fields(titleWords) {
		// A title is no name because only the generated list says so
		// ("Dott", "Herr").
		if f := lx.words[w]; f&wExtName != 0 {
			lx.words[w] = f &^ (wFirst | wLast | wExtName)
		}
		lx.words[w] |= wTitle
	}
	for _, w := range strings.Fields(credentialWords) {
		lx.words[w] |= wCredential
	}
	for _, w := range strings.Fields(particleWords) {
		lx.words[w] |= wParticle
	}
	for name := range monthNumbers {
		lx.words[name] |= wMonth
	}
	for _, d := range strings.Fields("monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun") {
		lx.words[d] |= wWeekday
	}
	return lx, nil
}

// addGenerated loads the generated name, English word and city lists. Curated entries
// keep their own flags: a generated list only adds words, or adds a kind
// (given, family) to a curated name, and never makes a curated name
// ambiguous.
func (lx *lexicon) addGenerated() error {
	names, err := readLexicon("names_ext.txt.gz")
	if err != nil {
		return err
	}
	for _, l := range names {
		w, kinds, _ := strings.Cut(l, "\t")
		var f wordFlag
		for _, k := range kinds {
			switch k {
			case 'F':
				f |= wFirst
			case 'L':
				f |= wLast
			case 'N':
				f |= wFirst | wLast
			case 'A':
				f |= wAmbiguous
			}
		}
		old := lx.words[w]
		if old&wCommon != 0 && old&(wFirst|wLast) == 0 {
			continue // a curated common word ("I'm", "but") stays no name
		}
		if old&(wFirst|wLast) != 0 {
			lx.words[w] = old | f&(wFirst|wLast)
			continue
		}
		lx.words[w] = old | f | wExtName
	}
	english, err := readLexicon("english.txt.gz")
	if err != nil {
		return err
	}
	for _, w := range english {
		lx.words[w] |= wEnglish
	}
	nameWords, err := readLexicon("name_words.txt.gz")
	if err != nil {
		return err
	}
	for _, w := range nameWords {
		lx.words[w] |= wNameWord
	}
	clusters, err := readLexicon("clusters.txt.gz")
	if err != nil {
		return err
	}
	lx.clusters = make(map[string]uint16, len(clusters))
	for _, l := range clusters {
		w, id, _ := strings.Cut(l, "\t")
		n, err := strconv.ParseUint(id, 16, 12)
		if err != nil {
			return fmt.Errorf("lexicon clusters.txt.gz: %q: %w", l, err)
		}
		lx.clusters[w] = uint16(n)
	}
	// The GeoNames towns, and those of them made of English words, never
	// override a curated city, state or country.
	for _, list := range []struct {
		file string
		flag wordFlag
	}{{"cities_ext.txt.gz", wCityExt}, {"town_words.txt.gz", wTownWord}} {
		towns, err := readLexicon(list.file)
		if err != nil {
			return err
		}
		for _, c := range towns {
			if lx.placeFlags(strings.Fields(c))&(wCity|wState|wCountry) == 0 {
				lx.add(c, list.flag)
			}
		}
	}
	return nil
}

func readLexicon(name string) ([]string, error) {
	f, err := lexiconFiles.Open("lexicon/" + name)
	if err != nil {
		return nil, fmt.Errorf("lexicon %s: %w", name, err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("lexicon %s: %w", name, err)
		}
		defer zr.Close()
		r = zr
	}
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("lexicon %s: %w", name, err)
	}
	return out, nil
}

// add records entry (one word or a phrase) with flag.
func (lx *lexicon) add(entry string, flag wordFlag) {
	words := strings.Fields(fold(entry))
	switch len(words) {
	case 0:
	case 1:
		lx.words[words[0]] |= flag
	default:
		lx.phrases[strings.Join(words, " ")] |= flag
		lx.maxPhrase = max(lx.maxPhrase, len(words))
		lx.phraseHeads[words[0]] = max(lx.phraseHeads[words[0]], uint8(len(words)))
	}
}

// flags returns what the folded word w can be. A word that is both a name
// and a common word, or a name and an eponym, is ambiguous.
func (lx *lexicon) flags(w string) wordFlag {
	f := lx.words[w]
	if f&(wFirst|wLast|wCommon|wCity|wCityExt|wState|wCountry) == 0 && len(w) >= 6 && medicalWord(w) {
		f |= wCommon
	}
	if f&(wFirst|wLast) != 0 && f&(wCommon|wEponym|wMonth|wWeekday|wCountry|wState) != 0 {
		f |= wAmbiguous
	}
	return f
}

// cluster returns the GloVe cluster of the folded word w as three hex
// digits, coarse to fine ("5d1"), or "" for a word GloVe lacks.
func (lx *lexicon) cluster(w string) string {
	n, ok := lx.clusters[w]
	if !ok {
		return ""
	}
	return clusterNames[n]
}

// clusterNames are the cluster numbers in hex, made once: features name
// clusters on every word of every text.
var clusterNames = func() (n [1 << 12]string) {
	for i := range n {
		n[i] = fmt.Sprintf("%03x", i)
	}
	return n
}()

// compound reports whether the folded word w is an English word of three
// letters or more followed by another ("lawdragon", "planetecosystems"),
// or "i"/"e" before one ("irecycle"): the way companies name themselves.
func (lx *lexicon) compound(w string) bool {
	for i := 1; i+3 <= len(w); i++ {
		if i < 3 && w[:i] != "i" && w[:i] != "e" {
			continue
		}
		if (i == 1 || lx.words[w[:i]]&(wEnglish|wCommon) != 0) && lx.words[w[i:]]&(wEnglish|wCommon) != 0 {
			return true
		}
	}
	return false
}

// hasMorpheme reports whether the folded word ends in a street-name
// morpheme after at least three other letters ("koskikatu", not "katu").
func (lx *lexicon) hasMorpheme(w string) bool {
	for _, m := range lx.morphemes {
		if len(w) >= len(m)+3 && strings.HasSuffix(w, m) {
			return true
		}
	}
	return false
}

// streetShaped is hasMorpheme for telling streets from people: an ending
// written with diacritics must be written with them ("Kossuth tér" is a
// street, "Bouwmeester" a person, though both fold to "...ter").
func (lx *lexicon) streetShaped(text string, t token) bool {
	var lw string
	for i, m := range lx.morphemes {
		if len(t.key) < len(m)+3 || !strings.HasSuffix(t.key, m) {
			continue
		}
		if lx.morphemesRaw[i] == m {
			return true
		}
		if lw == "" {
			lw = strings.ToLower(text[t.start:t.end])
		}
		if strings.HasSuffix(lw, lx.morphemesRaw[i]) {
			return true
		}
	}
	return false
}

// foldMap maps common Latin letters with diacritics to their base letter,
// so "José" meets "jose" in the dictionaries and in patient names.
var foldMap = func() map[rune]string {
	m := map[rune]string{}
	groups := map[string]string{
		"a": "àáâãäåāăąǎ", "c": "çćĉċč", "d": "ďđ", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥħ",
		"i": "ìíîïĩīĭįı", "j": "ĵ", "k": "ķ", "l": "ĺļľŀł", "n": "ñńņňŉ", "o": "òóôõöøōŏőǒ",
		"r": "ŕŗř", "s": "śŝşšș", "t": "ţťŧț", "u": "ùúûüũūŭůűųǔ", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
		"ae": "æ", "oe": "œ", "ss": "ß", "th": "þ", "dh": "ð",
	}
	for base, letters := range groups {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// fold lower-cases s, strips diacritics and drops apostrophes, so
// "O'Brien", "O’Brien" and "OBrien" meet.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || ('A' <= c && c <= 'Z') || c == '\'' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if r == '\'' || r == '\u2019' || r == '\u2018' {
			continue
		}
		if base, ok := foldMap[r]; ok {
			b.WriteString(base)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// medicalSuffixes end the words of medicine that no list holds and no
// person is called: diseases and findings ("pancytopenia", "normothermia"),
// procedures and instruments ("resectoscope"), and the stems of drug
// classes ("pembrolizumab", "apixaban"). Since 1.11.0 a word no list
// knows that ends in one is a common word.
var medicalSuffixes = []string{"itis", "emia", "aemia", "osis", "ectomy", "otomy", "ostomy", "scope", "scopy", "plasty",
	"graphy", "pathy", "algia", "ology", "ologist", "penia", "thermia", "plegia", "paresis", "megaly", "rrhea", "rrhoea",
	"uria", "cytosis", "mab", "tinib", "ciclib", "parin", "statin", "olol", "pril", "sartan", "azole", "mycin", "cillin",
	"cycline", "floxacin", "dronate", "gliptin", "gliflozin", "glutide", "xaban", "gatran", "lukast", "tidine", "prazole",
	"semide", "thiazide", "triptan", "setron", "azepam", "zolam", "oxetine", "afil", "terol", "sone", "olone", "asone",
	"oxime", "idime", "epime", "axone", "penem", "bactam", "micin", "vudine", "navir", "tegravir", "buvir", "fungin",
	"grel", "grelor", "dipine", "oxone",
	// Departments in other languages (since 1.13.0): "Neurologie", "Cardiologia".
	"ologie", "ologia"}

// medicalEnds indexes medicalSuffixes by their last three letters, so
// that flags, called for every word, tests one or two suffixes, not all.
var medicalEnds = func() map[string][]string {
	m := map[string][]string{}
	for _, s := range medicalSuffixes {
		m[s[len(s)-3:]] = append(m[s[len(s)-3:]], s)
	}
	return m
}()

// medicalWord reports a word that ends in one of medicalSuffixes.
func medicalWord(w string) bool {
	if len(w) < 3 {
		return false
	}
	for _, s := range medicalEnds[w[len(w)-3:]] {
		if strings.HasSuffix(w, s) {
			return true
		}
	}
	return false
}

// abbreviation reports a word written as an abbreviation of
// abbreviations.txt: in capitals, in lower case or with an inner capital
// ("OPAT", "neph", "HBsAg"), not in Title Case ("Tia" may be a person).
func (lx *lexicon) abbreviation(w string) bool {
	if !lx.abbrevs[strings.ToLower(w)] {
		return false
	}
	return len(w) < 2 || !(isUpperByte(w[0]) && strings.ToLower(w[1:]) == w[1:])
}
