package phi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The tagger is the built-in detector's learned part: an averaged
// perceptron that labels each word or number of a text NAME, LOCATION,
// DATE, an identifier or nothing, from features of the token, its neighbours, the
// lexicon's flags and the two labels it gave before (greedy decoding left
// to right, as in Collins 2002 and the taggers of NLTK and spaCy 1.x).
//
// Why a model beside the rules: the rules are written from the misses of
// the corpora they were measured on, and on text written after them
// (testdata/phi-blind) they miss what no rule anticipated, mostly names
// and places with no cue a rule keys on. The perceptron weighs hundreds
// of thousands of small pieces of evidence instead, learned from every
// labelled corpus Kiln has, and its spans meet the rules' in Merge at a
// lower confidence, so where the two disagree on a category the rules
// win. `kiln phi train` rebuilds the model (make phi-model); it is
// embedded, so the detector needs no file at run time.

// taggerClasses are the labels the tagger predicts; index 0 is "not PHI".
// ID stands for every identifier category (see classOf), 1.17.0.
var taggerClasses = []Category{"", Name, Location, Date, ID}

const nTaggerClasses = 5

// taggerModel is a trained perceptron: per hashed feature, one weight per
// class.
type taggerModel struct {
	index   map[uint64]int32
	weights []float32 // len(index) * nTaggerClasses
	// threshold is the least softmax probability for which a token is
	// reported.
	threshold float32
	// digest names the model in the detector's version: the first bytes
	// of the SHA-256 of its file, in hex.
	digest string
}

//go:embed model/tagger.bin.gz
var embeddedTagger []byte

// sharedTagger decodes the embedded model once per process.
var sharedTagger = sync.OnceValues(func() (*taggerModel, error) {
	return readTaggerModel(bytes.NewReader(embeddedTagger))
})

// taggerMagic heads a model file; KILNTAG3 (1.18.0) holds the weights of
// both passes (see tag), KILNTAG2 (1.17.0) only the left-to-right one's,
// and KILNTAG1 had four classes a row instead of five.
const taggerMagic = "KILNTAG3"

// writeTo stores the model: magic, threshold, count, then (hash, weights)
// rows sorted by hash, gzipped, so the same model gives the same bytes.
func (m *taggerModel) writeTo(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	keys := make([]uint64, 0, len(m.index))
	for h := range m.index {
		keys = append(keys, h)
	}
	slices.Sort(keys)
	buf := make([]byte, 0, 8+4*nTaggerClasses)
	buf = append(buf, taggerMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(m.threshold))
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(keys)))
	if _, err := zw.Write(buf); err != nil {
		return err
	}
	for _, h := range keys {
		buf = binary.LittleEndian.AppendUint64(buf[:0], h)
		row := m.weights[int(m.index[h])*nTaggerClasses:][:nTaggerClasses]
		for _, v := range row {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		if _, err := zw.Write(buf); err != nil {
			return err
		}
	}
	return zw.Close()
}

// readTaggerModel reads what writeTo wrote.
func readTaggerModel(r io.Reader) (*taggerModel, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("phi: tagger model: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("phi: tagger model: %w", err)
	}
	sum := sha256.Sum256(raw)
	if len(raw) < len(taggerMagic)+8 || string(raw[:len(taggerMagic)]) != taggerMagic {
		return nil, errors.New("phi: tagger model: not a Kiln tagger model")
	}
	raw = raw[len(taggerMagic):]
	m := &taggerModel{threshold: math.Float32frombits(binary.LittleEndian.Uint32(raw)), digest: hex.EncodeToString(sum[:4])}
	n := int(binary.LittleEndian.Uint32(raw[4:]))
	raw = raw[8:]
	const row = 8 + 4*nTaggerClasses
	if len(raw) != n*row {
		return nil, fmt.Errorf("phi: tagger model: %d bytes of rows for %d features", len(raw), n)
	}
	m.index = make(map[uint64]int32, n)
	m.weights = make([]float32, n*nTaggerClasses)
	for i := range n {
		b := raw[i*row:]
		m.index[binary.LittleEndian.Uint64(b)] = int32(i)
		for c := range nTaggerClasses {
			m.weights[i*nTaggerClasses+c] = math.Float32frombits(binary.LittleEndian.Uint32(b[8+4*c:]))
		}
	}
	return m, nil
}

// scores adds the weights of feats into out.
func (m *taggerModel) scores(feats []uint64, out *[nTaggerClasses]float32) {
	*out = [nTaggerClasses]float32{}
	for _, f := range feats {
		i, ok := m.index[f]
		if !ok {
			continue
		}
		row := m.weights[int(i)*nTaggerClasses:][:nTaggerClasses]
		for c := range nTaggerClasses {
			out[c] += row[c]
		}
	}
}

// softmax turns scores into probabilities.
func softmax(s [nTaggerClasses]float32) [nTaggerClasses]float32 {
	top := s[0]
	for _, v := range s[1:] {
		top = max(top, v)
	}
	var sum float32
	var p [nTaggerClasses]float32
	for c, v := range s {
		p[c] = float32(math.Exp(float64(v - top)))
		sum += p[c]
	}
	for c := range p {
		p[c] /= sum
	}
	return p
}

// notPHIMargin is taken off the "not PHI" class's score before the
// tagger decides (1.16.0): a word is labelled a name, place or date unless
// "not PHI" wins by this much. The perceptron's scores are sure of
// themselves, and a missed name costs more than a word redacted in vain.
// On the development sets (phi-train/g, h, i and l held out of training,
// five orders each) a margin of 2 gave +0.2 points of token recall at the
// same precision; 3 and 4 gave a little more recall for more precision.
// With two passes (1.18.0) 1 and 3 moved recall and precision by 0.1 at
// most.
const notPHIMargin = 2

// tag labels the word and number tokens of text: class index and its
// probability per token (0 for punctuation). Two greedy passes score each
// token, one left to right that knows the labels it gave before the token
// and one right to left that knows those it gave after it (1.18.0); the
// label is the best of their mean scores. Why: a greedy pass decides a
// word before it sees the labels of the words after it ("Lone Tree ,
// Iowa"). On the development sets the two passes gave +0.05 points of
// token recall and +0.2 of precision over the left-to-right one alone
// (+0.7 on phi-train/g), for twice the model's size and 12-22 % more
// of the detector's time (the features are shared, the weight lookups
// are not).
func (m *taggerModel) tag(fx *featurizer, text string, toks []token) ([]uint8, []float32) {
	labels := make([]uint8, len(toks))
	probs := make([]float32, len(toks))
	// The features that do not depend on the labels given before are
	// computed once for both passes.
	var shared []uint64
	at := make([]int, len(toks)+1)
	for i, t := range toks {
		at[i] = len(shared)
		if t.shape != shPunct {
			shared = fx.tokenFeatures(shared, text, toks, i)
		}
	}
	at[len(toks)] = len(shared)
	fwd := m.pass(text, toks, shared, at, false)
	bwd := m.pass(text, toks, shared, at, true)
	for i, t := range toks {
		if t.shape == shPunct {
			continue
		}
		var s [nTaggerClasses]float32
		for c := range s {
			s[c] = (fwd[i][c] + bwd[i][c]) / 2
		}
		best := 0
		for c := 1; c < nTaggerClasses; c++ {
			if s[c] > s[best] {
				best = c
			}
		}
		labels[i], probs[i] = uint8(best), softmax(s)[best]
	}
	return labels, probs
}

// pass scores every word and number token greedily in one direction,
// feeding each decision to the next token's history features; the "not
// PHI" score already has notPHIMargin taken off. shared[at[i]:at[i+1]]
// are token i's features that do not depend on the history.
func (m *taggerModel) pass(text string, toks []token, shared []uint64, at []int, backward bool) [][nTaggerClasses]float32 {
	out := make([][nTaggerClasses]float32, len(toks))
	var feats []uint64
	prev1, prev2 := uint8(0), uint8(0)
	for j := range toks {
		i := passIndex(len(toks), j, backward)
		if toks[i].shape == shPunct {
			continue
		}
		feats = append(historyFeatures(feats[:0], text, toks[i], prev1, prev2), shared[at[i]:at[i+1]]...)
		if backward {
			feats = backwardFeatures(feats)
		}
		s := &out[i]
		m.scores(feats, s)
		s[0] -= notPHIMargin
		best := 0
		for c := 1; c < nTaggerClasses; c++ {
			if s[c] > s[best] {
				best = c
			}
		}
		prev2, prev1 = prev1, uint8(best)
	}
	return out
}

// passIndex is the token a pass visits at step j of n.
func passIndex(n, j int, backward bool) int {
	if backward {
		return n - 1 - j
	}
	return j
}

// backwardFeatures rehashes features in place into the right-to-left
// pass's own space: both passes' weights live in one table.
func backwardFeatures(feats []uint64) []uint64 {
	const prime = 1099511628211
	for k, f := range feats {
		feats[k] = (f ^ 0x9e3779b97f4a7c15) * prime
	}
	return feats
}

// spans turns token labels into spans: runs of one class whose words are
// joined by at most two characters of punctuation or space on one line
// ("St. Louis", "12 Main St"), reported when the run's mean probability
// reaches the model's threshold and the run holds a word that can carry
// the category (see carries). NAME, LOCATION and, since 1.17.0,
// identifiers are reported (see idSpan); the rules' patterns and calendar
// checks do better on dates than the model, and DATE stays a class so
// that the tagger's history features know a date from the rest.
func (m *taggerModel) spans(fx *featurizer, text string, toks []token, labels []uint8, probs []float32) []Span {
	var out []Span
	var lower []bool // per token, whether its line is written without case (lowerCaseLines)
	for i := 0; i < len(toks); i++ {
		c := labels[i]
		if c == 0 || toks[i].shape == shPunct {
			continue
		}
		last := i
		sum, n := probs[i], 1
		if lower == nil && fx.caseMode == 'm' {
			lower = lowerCaseLines(text, toks)
		}
		mode := fx.caseMode
		if lower != nil && lower[i] {
			mode = 'l'
		}
		for k := i + 1; k < len(toks); k++ {
			t := toks[k]
			if t.nl || t.start-toks[last].end > 2 || t.shape == shPunct && strings.ContainsRune(",;/:", rune(text[t.start])) ||
				t.sent && toks[last].end-toks[last].start > 2 {
				// Nor does a span run on into the next sentence
				// ("Lafourche Parish. The County"), though an
				// abbreviation's period is no sentence end ("St. Louis").
				// A comma parts an address as the labelling guidelines
				// do, and makes each part carry itself: "Na 131, K 5.4"
				// is not an address because "Na" is a name. A slash
				// parts two people ("IL/ckw"), and so does a colon, a
				// label's end or a typist code's ("BTO:lm", 1.11.0).
				break
			}
			if t.shape == shPunct {
				continue
			}
			if labels[k] != c {
				break
			}
			last, sum, n = k, sum+probs[k], n+1
		}
		cat := taggerClasses[c]
		mean := sum / float32(n)
		// A lone word is sure only with a capital that says name or
		// place, and when it names no kind of place: in mixed case an
		// upper-case word is an acronym ("by EMS"), without case one
		// English word after "in" is a word as often as a town ("the
		// store in spring"), and "The County agreed" names no county.
		sure := mean >= sureProb && (n > 1 || (toks[i].shape == shCap || mode == 'u') && !placeHeadWords[toks[i].key])
		carried := false
		for k := i; k <= last && !carried; k++ {
			carried = fx.carries(toks[k], cat, mode, sure)
		}
		if mean >= m.threshold && carried && cat != Date {
			start, end := i, last
			if cat == ID {
				for _, s := range idSpans(text, toks, start, end, fx) {
					s.Confidence = taggerConfidence(mean)
					out = append(out, s)
				}
				i = last
				continue
			}
			// Numbers at a name's edges are something else's, and a year
			// beside a town is no part of it ("Boston 2019").
			for start < end && (cat == Name && toks[start].shape >= shNum || isYear(text, toks[start])) {
				start++
			}
			for end > start && (cat == Name && toks[end].shape >= shNum || isYear(text, toks[end]) || isZIP(text, toks[end]) || cat == Location && fx.stateOrCountry(toks[end])) {
				end--
			}
			// In mixed case a name starts with a capital ("ª Inês" after
			// "Dr." is the title's ordinal and the name).
			for start < end && cat == Name && mode == 'm' && !toks[start].isCap() {
				start++
			}
			// Without case, a dictionary word that no list calls a name
			// does not end one ("OKONKWO AGREES").
			for end > start && cat == Name && fx.caseMode != 'm' && fx.plainWord(toks[end]) {
				end--
			}

			out = append(out, Span{Start: toks[start].start, End: toks[end].end, Category: cat, Confidence: taggerConfidence(mean), Detector: "tagger"})
		}
		i = last
	}
	return out
}

// lowerCaseLines reports, per token, whether its line of a mixed-case
// text is itself written without capitals (1.17.0): a chat message typed
// in lower case under a capitalised sender ("[9:05 AM] Leilani K.: kai
// you ready"), where a lower-case word may be a name as in a text with no
// capitals at all. What counts is the line after a chat or label prefix
// (up to its first ": " in the first 60 bytes): three words or more, none
// capitalised.
func lowerCaseLines(text string, toks []token) []bool {
	out := make([]bool, len(toks))
	for i := 0; i < len(toks); {
		j := i + 1
		for j < len(toks) && !toks[j].nl {
			j++
		}
		body := i
		lineStart := toks[i].start
		for k := i; k < j && toks[k].start-lineStart < 60; k++ {
			if toks[k].shape == shPunct && text[toks[k].start:toks[k].end] == ":" && k+1 < j && toks[k+1].start > toks[k].end {
				body = k + 1
				break
			}
		}
		words, caps := 0, 0
		for k := body; k < j; k++ {
			switch toks[k].shape {
			case shLower:
				words++
			case shCap, shUpper:
				caps++
			}
		}
		if caps == 0 && words >= 3 {
			for k := i; k < j; k++ {
				out[k] = true
			}
		}
		i = j
	}
	return out
}

// idSpans makes the tagger's identifier spans of the run toks[start..end]:
// a bracket parts a key's note from the value ("(AARP) 39018227-11") and a
// gap of two spaces or more parts a table's columns ("0450  99284"), and
// each part is a span if idSpan keeps it.
func idSpans(text string, toks []token, start, end int, fx *featurizer) []Span {
	var out []Span
	from := start
	for k := start; k <= end; k++ {
		bracket := toks[k].shape == shPunct && strings.ContainsAny(text[toks[k].start:toks[k].end], "()[]{}")
		gap := k < end && toks[k+1].start-toks[k].end >= 2
		if !bracket && !gap && k < end {
			continue
		}
		to := k
		if bracket {
			to = k - 1
		}
		if from <= to {
			if s, ok := idSpan(text, toks, from, to, fx); ok {
				out = append(out, s)
			}
		}
		from = k + 1
	}
	return out
}

// idSpan makes the tagger's identifier span of toks[start..end]: words at
// its edges are the key's ("serial", "No", "LKW"), not the value's, and
// what is left must hold three digits and five letters or digits in all,
// as the identifiers of the labelled corpora do, so that a count, a dose
// or a room number next to a key word is no identifier.
func idSpan(text string, toks []token, start, end int, fx *featurizer) (Span, bool) {
	// A word in lower or mixed case apart from the rest is the key's
	// ("pass 77102458"), while capitals may be a plate's letters ("941
	// KBT"); a year apart from the rest is a date's ("VL 2026/10/14"),
	// while one glued to it is the identifier's ("2026-004417").
	keyWord := func(t token) bool {
		return t.isWord() && (t.shape == shLower || t.shape == shCap && t.end-t.start > 1 || fx.plainWord(t) || fx.lx.abbreviation(text[t.start:t.end]))
	}
	for start < end && (toks[start+1].start > toks[start].end && (keyWord(toks[start]) || isYear(text, toks[start])) || toks[start].shape == shPunct) {
		start++
	}
	for end > start && (toks[end-1].end < toks[end].start && (keyWord(toks[end]) || isYear(text, toks[end])) || toks[end].shape == shPunct) {
		end--
	}
	v := text[toks[start].start:toks[end].end]
	digits, alnum := 0, 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
			alnum++
		case isLetter(r):
			alnum++
		}
	}
	if prefix, _, ok := strings.Cut(v, "-"); ok && formPrefix(prefix) || digits < 3 || alnum < 5 || reStandardCode.MatchString(v) || reClockTimes.MatchString(v) {
		return Span{}, false
	}
	return Span{Start: toks[start].start, End: toks[end].end, Category: ID, Detector: "tagger"}, true
}

// reStandardCode matches the public codes a note's numbers are as often
// as an identifier: a CPT code or a ZIP code alone (five digits), a HCPCS
// code ("E0431", "J0178"), an NDC ("61314-0454-02") and an obstetric
// history ("G3P1011"). None of them names a person; nor does a form's
// name ("CMS-1500", formPrefix) or a schedule's times.
// reClockTimes matches a row of 24-hour clock times, a schedule's
// ("0600 1200 1800 2400").
var reClockTimes = regexp.MustCompile(`^(?:(?:[01]\d|2[0-4])[0-5]\d[ \t]+)+(?:[01]\d|2[0-4])[0-5]\d$`)

var reStandardCode = regexp.MustCompile(`^(?:\d{5}|\d{4}[FTU]|[A-V]\d{4}|\d{4,5}-\d{3,4}-\d{1,2}|G\d{1,2}P\d{1,4})$`)

// stateOrCountry reports a state, province or country word, which the
// labelling guidelines leave out of a place ("calgary alberta").
func (fx *featurizer) stateOrCountry(t token) bool {
	return t.isWord() && fx.lx.flags(t.key)&(wState|wCountry) != 0
}

// plainWord reports a word of the English dictionary that no list calls
// a name, a place or a street word.
func (fx *featurizer) plainWord(t token) bool {
	f := fx.lx.flags(t.key)
	return t.isWord() && f&wEnglish != 0 && f&(wFirst|wLast|wCity|wCityExt|wStreetSuffix|wStreetPrefix|wState|wCountry) == 0
}

// carries reports whether the word t can by itself make a span of cat:
// any word but an eponym or a drug brand ("Crohn", "Eliquis"), which the
// lists know to be no person or place wherever it stands, and an English
// word that no list knows as a name or place ("Units", "Flat", "lane"),
// which needs a word beside it that carries; for LOCATION not a state or
// country either, which the labelling guidelines leave out.
//
// Until 1.9.0 only words the lists knew as names or places carried, and
// with case and length guards beside: unknown words were most of the
// tagger's false positives when it learned from a few hundred documents.
// Trained on 1,200, it tells them apart well enough that the lists cost
// more than they save: on training sets held out of training
// (phi-train/g, h, i) and the held-out Presidio records, letting every
// word carry raised token recall by 1.1–2.3 points for 0.1–0.7 of
// precision.
//
// sure is set when the tagger's mean probability for the run reaches
// sureProb (and a lone word has a capital, see spans): then an English
// word carries too (1.18.0). The tagger is most often right about towns
// and people named with words ("Liberal", "Lone Tree", "Colt Harms"),
// and the list held them back.
func (fx *featurizer) carries(t token, cat Category, mode byte, sure bool) bool {
	if cat == ID {
		return t.shape == shNum || t.shape == shAlnum
	}
	if !t.isWord() || !sure && fx.plainWord(t) || mode == 'm' && t.shape == shLower {
		// In mixed case a lower-case word is an ordinary one ("Plan:
		// selma to follow up" is a typo's doing).
		return false
	}
	f := fx.lx.flags(t.key)
	if t.sent && f&wAmbiguous != 0 {
		return false // a name that is a word, where a capital says nothing: "Hope is that..."
	}
	if mode != 'm' && f&wStreetSuffix != 0 && f&wEnglish != 0 {
		return false // without case, street words are ordinary words: "2 lane road"
	}
	return f&wEponym == 0 && (cat != Location || f&(wCountry|wState) == 0)
}

// sureProb is the tagger's mean probability over a run from which an
// English word carries it (see carries). On the development sets it gave
// +0.1 to +0.8 points of token recall for at most 0.1 of precision; 0.9,
// 0.97 and 0.999 measured within 0.1 of it.
const sureProb = 0.99

// isZIP reports a number of five digits: a postal code, which the
// labelling guidelines keep apart from the town before it.
func isZIP(text string, t token) bool {
	return t.shape == shNum && t.end-t.start == 5
}

// isYear reports a four-digit number from 1900 to 2099.
func isYear(text string, t token) bool {
	if t.shape != shNum || t.end-t.start != 4 {
		return false
	}
	y, err := strconv.Atoi(text[t.start:t.end])
	return err == nil && y >= 1900 && y < 2100
}

// taggerConfidence maps the model's probability below the rules'
// confidences (0.6 and up for most), so the rules settle a conflict.
func taggerConfidence(p float32) float64 {
	return math.Round(float64(0.3+0.25*p)*100) / 100
}

// featurizer computes the tagger's features; it needs the lexicon and
// what the whole text says about case.
type featurizer struct {
	lx *lexicon
	// caseMode is "m" (mixed case), "l" (no capitals) or "u" (no lower
	// case letters): in the last two a capital says nothing.
	caseMode byte
	// bits is scratch space for flagBits.
	bits []string
	// phrase holds, per token, where it stands in a place phrase of the
	// lexicon (placePhrases); made on the first features call.
	phrase []phrasePos
}

// phrasePos is a token's place in a multi-word place of the lexicon: its
// kind ("c" curated city, "x" GeoNames town, "t" town of English words,
// "s" state or country) and whether it begins the phrase. Single words
// reach the tagger through their flags; phrases need this.
type phrasePos struct {
	kind  string
	first bool
}

// placePhrases finds the longest place phrase starting at each word of
// one line (1.14.0): "saint cloud", "winter haven", "new mexico".
func (fx *featurizer) placePhrases(toks []token) []phrasePos {
	out := make([]phrasePos, len(toks))
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		h := int(fx.lx.phraseHeads[toks[i].key])
		if h < 2 || !toks[i].isWord() {
			continue
		}
		b.Reset()
		b.WriteString(toks[i].key)
		best, kind := 0, ""
		for j := i + 1; j < len(toks) && j-i < h && toks[j].isWord() && !toks[j].nl; j++ {
			b.WriteByte(' ')
			b.WriteString(toks[j].key)
			f := fx.lx.phrases[b.String()]
			switch {
			case f&(wState|wCountry) != 0:
				best, kind = j, "s"
			case f&wCity != 0:
				best, kind = j, "c"
			case f&wCityExt != 0:
				best, kind = j, "x"
			case f&wTownWord != 0:
				best, kind = j, "t"
			}
		}
		if best == 0 {
			continue
		}
		for k := i; k <= best; k++ {
			out[k] = phrasePos{kind: kind, first: k == i}
		}
		i = best
	}
	return out
}

func newFeaturizer(lx *lexicon, text string) *featurizer {
	// The rules' reading of the text's case (docCase), and a short text
	// with no capital or no lower-case letter at all reads as one case
	// too.
	mode := docCase(text)
	if mode == 'm' {
		switch lower, upper := letterCases(text); {
		case upper == 0:
			mode = 'l'
		case lower == 0:
			mode = 'u'
		}
	}
	return &featurizer{lx: lx, caseMode: mode}
}

// feature hashes a feature's name and values (64-bit FNV-1a, inline so
// that tagging allocates nothing per feature).
func feature(name string, vals ...string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * prime
	}
	for _, v := range vals {
		h = (h ^ 0xff) * prime
		for i := 0; i < len(v); i++ {
			h = (h ^ uint64(v[i])) * prime
		}
	}
	return h
}

// shapeCode is a token's shape as a short string: case for words, digit
// count for numbers.
func shapeCode(text string, t token) string {
	switch t.shape {
	case shLower:
		return "x"
	case shCap:
		if utf8.RuneCountInString(text[t.start:t.end]) == 1 {
			return "X1"
		}
		return "Xx"
	case shUpper:
		return "XX"
	case shNum:
		return "d" + strconv.Itoa(min(t.end-t.start, 5))
	case shAlnum:
		return "a"
	}
	return "p"
}

// tokenWord is what features call a token: its folded form for words,
// the shape for numbers, the character for punctuation.
func tokenWord(text string, t token) string {
	switch t.shape {
	case shNum, shAlnum:
		return shapeCode(text, t)
	case shPunct:
		return text[t.start:t.end]
	}
	return t.key
}

// charPattern is w's letters and digits as "A", "a" and "9", runs of one
// kind written once, at most eight long: "NM88412" is "A9", "3b" "9a".
func charPattern(w string) string {
	var b [8]byte
	n := 0
	for _, r := range w {
		c := byte('a')
		switch {
		case r >= '0' && r <= '9':
			c = '9'
		case r >= 'A' && r <= 'Z':
			c = 'A'
		}
		if n > 0 && b[n-1] == c {
			continue
		}
		if n == len(b) {
			break
		}
		b[n] = c
		n++
	}
	return string(b[:n])
}

// wordAt is tokenWord of toks[k], or "<>" beyond the text's ends.
func wordAt(text string, toks []token, k int) string {
	if k < 0 || k >= len(toks) {
		return "<>"
	}
	return tokenWord(text, toks[k])
}

var classNames = [nTaggerClasses]string{"O", "N", "L", "D", "I"}

// flagNames are the lexicon flags' bit numbers as strings, made once:
// features name flags on every word of every text.
var flagNames = func() [32]string {
	var n [32]string
	for b := range n {
		n[b] = strconv.Itoa(b)
	}
	return n
}()

// flagBits lists the lexicon flags a word has, as short strings, into
// dst.
func flagBits(dst []string, f wordFlag) []string {
	for b := 0; b < len(flagNames); b++ {
		if f&(1<<b) != 0 {
			dst = append(dst, flagNames[b])
		}
	}
	return dst
}

// features appends the hashed features of toks[i] to dst. prev1 and
// prev2 are the classes given to the two word tokens before it.
func (fx *featurizer) features(dst []uint64, text string, toks []token, i int, prev1, prev2 uint8) []uint64 {
	return fx.tokenFeatures(historyFeatures(dst, text, toks[i], prev1, prev2), text, toks, i)
}

// historyFeatures appends the features of the classes given to the two
// word tokens before t, in the pass's direction.
func historyFeatures(dst []uint64, text string, t token, prev1, prev2 uint8) []uint64 {
	return append(dst,
		feature("p1", classNames[prev1]),
		feature("p12", classNames[prev1], classNames[prev2]),
		feature("p1sh", classNames[prev1], shapeCode(text, t)),
	)
}

// tokenFeatures appends the features of toks[i] that do not depend on the
// classes given before it, which both passes share.
func (fx *featurizer) tokenFeatures(dst []uint64, text string, toks []token, i int) []uint64 {
	t := toks[i]
	w := tokenWord(text, t)
	sh := shapeCode(text, t)
	mode := string(fx.caseMode)
	dst = append(dst,
		feature("b"),
		feature("w", w),
		feature("sh", sh, mode),
	)
	if t.sent {
		dst = append(dst, feature("sent", sh))
	}
	if t.nl {
		dst = append(dst, feature("nl"))
	}
	if t.key != "" {
		r := []rune(t.key)
		if len(r) > 3 {
			dst = append(dst, feature("suf3", string(r[len(r)-3:])), feature("pre3", string(r[:3])))
		}
		if len(r) > 2 {
			dst = append(dst, feature("suf2", string(r[len(r)-2:])))
		}
		dst = append(dst, feature("len", strconv.Itoa(min(len(r), 12))))
		f := fx.lx.flags(t.key)
		if f == 0 {
			dst = append(dst, feature("unk", sh, mode))
		}
		fx.bits = flagBits(fx.bits[:0], f)
		for _, b := range fx.bits {
			dst = append(dst, feature("f", b), feature("fsh", b, sh, mode))
		}
		// The word's GloVe cluster at three grains: what the perceptron
		// learns of a cluster reaches words of it that no labelled text
		// holds.
		if c := fx.lx.cluster(t.key); c != "" {
			dst = append(dst, feature("c1", c[:1]), feature("c2", c[:2]), feature("c3", c), feature("c2sh", c[:2], sh, mode))
		} else {
			dst = append(dst, feature("c-", sh, mode))
		}
	}
	if t.shape == shNum || t.shape == shAlnum {
		// An identifier is told from other numbers by its make-up (1.17.0):
		// its length, its pattern of letters and digits ("A9", "9"), and
		// whether it is glued to the tokens beside it ("NM-88412").
		tl, tr := i > 0 && toks[i-1].end == t.start, i+1 < len(toks) && toks[i+1].start == t.end
		dst = append(dst, feature("dl", strconv.Itoa(min(t.end-t.start, 16))), feature("pat", charPattern(text[t.start:t.end])),
			feature("tight", strconv.FormatBool(tl), strconv.FormatBool(tr)))
	}
	if len(fx.phrase) != len(toks) {
		fx.phrase = fx.placePhrases(toks)
	}
	if p := fx.phrase[i]; p.kind != "" {
		pos := "I"
		if p.first {
			pos = "B"
		}
		dst = append(dst, feature("ph", pos, p.kind), feature("phsh", pos, p.kind, sh, mode))
	}
	// Neighbours: two tokens either side, punctuation included, with their
	// words, shapes and flags.
	for _, d := range [...]int{-2, -1, 1, 2} {
		k := i + d
		name := strconv.Itoa(d)
		if k < 0 || k >= len(toks) {
			dst = append(dst, feature("n", name, "<>"))
			continue
		}
		n := toks[k]
		nw := tokenWord(text, n)
		dst = append(dst, feature("nw", name, nw), feature("nsh", name, shapeCode(text, n)))
		if d == -1 || d == 1 {
			dst = append(dst, feature("nww", name, nw, w))
			if n.key != "" {
				fx.bits = flagBits(fx.bits[:0], fx.lx.flags(n.key))
				for _, b := range fx.bits {
					dst = append(dst, feature("nf", name, b))
				}
				if c := fx.lx.cluster(n.key); c != "" {
					dst = append(dst, feature("nc2", name, c[:2]))
				}
			}
		}
	}
	// The two words before and the two after as pairs, and the words
	// three away (1.16.0): "lives in", "come from", "County ,".
	dst = append(dst,
		feature("l2", wordAt(text, toks, i-2), wordAt(text, toks, i-1)),
		feature("r2", wordAt(text, toks, i+1), wordAt(text, toks, i+2)),
		feature("lr", wordAt(text, toks, i-1), wordAt(text, toks, i+1)))
	for _, d := range [...]int{-3, 3} {
		if k := i + d; k >= 0 && k < len(toks) {
			dst = append(dst, feature("nw", strconv.Itoa(d), tokenWord(text, toks[k])))
		}
	}
	// The nearest word on each side, skipping punctuation.
	for _, d := range [...]int{-1, 1} {
		for k := i + d; k >= 0 && k < len(toks); k += d {
			if toks[k].shape == shPunct {
				continue
			}
			dst = append(dst, feature("ww", strconv.Itoa(d), tokenWord(text, toks[k])))
			break
		}
	}
	return dst
}
