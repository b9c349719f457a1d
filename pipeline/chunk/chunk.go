// Package chunk splits a document's redacted text into overlapping pieces
// small enough to embed and to quote as grounding for a Client Health
// Report.
//
// Chunks follow the text's own structure: Split breaks it into paragraphs
// (blank lines), paragraphs into sentences and lines, and packs whole
// sentences into chunks of about Options.Target code points, starting a new
// chunk at a paragraph break when the next paragraph would not fit. Each
// chunk repeats the last sentence of the one before it, so a fact that
// spans a boundary is still retrievable in one piece. A sentence longer
// than a chunk is cut at spaces. No cut ever falls inside a vault token
// ("[NAME_12]"), which would leave half a token that neither the vault nor
// a reader can resolve.
//
// Offsets are Unicode code points, not bytes, because they are stored and
// later used to highlight the quoted text in clients (JavaScript and FHIR
// count characters, not UTF-8 bytes): []rune(text)[c.Start:c.End] is c.Text.
package chunk

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

// Chunk is one piece of a text.
type Chunk struct {
	Seq   int // 0, 1, 2... in text order
	Start int // code-point offset of the first character in the text
	End   int // code-point offset just after the last character
	Text  string
}

// Options tune Split. The zero value asks for the defaults.
type Options struct {
	// Target is the most code points a chunk holds (default 800; at
	// least 64, so that any vault token fits). Chunks are usually shorter,
	// as they end between sentences.
	Target int
	// Overlap is how many trailing sentences of a chunk the next one
	// repeats (default 1; negative for none). The overlap is left out
	// when it would leave too little room for new text.
	Overlap int
}

const defaultTarget = 800

func (o Options) target() int {
	if o.Target <= 0 {
		return defaultTarget
	}
	// Below this a vault token (up to 44 code points) would not fit.
	return max(o.Target, 64)
}

func (o Options) overlap() int {
	switch {
	case o.Overlap < 0:
		return 0
	case o.Overlap == 0:
		return 1
	}
	return o.Overlap
}

// tokenPattern matches a vault token; it is pipeline/vault's token syntax
// (the test checks that both agree on what a token is).
var tokenPattern = regexp.MustCompile(`\[[A-Z][A-Z0-9_]{0,31}_[1-9][0-9]{0,8}\]`)

// unit is a sentence or line: a span of runes that Split never breaks
// (unless it is longer than a chunk). paraEnd marks the last unit of a
// paragraph.
type unit struct {
	start, end int
	paraEnd    bool
}

// Split splits text into chunks in text order. Whitespace between chunks
// belongs to none, and a text of only whitespace has no chunks.
func Split(text string, opts Options) []Chunk {
	runes := []rune(text)
	target := opts.target()
	units := sentences(runes)
	units = cutLong(runes, units, target, tokenSpans(text))

	var out []Chunk
	emit := func(us []unit) {
		start, end := us[0].start, us[len(us)-1].end
		out = append(out, Chunk{Seq: len(out), Start: start, End: end, Text: string(runes[start:end])})
	}
	// cur holds the units of the chunk being built: the overlap repeated
	// from the previous chunk, then at least one new unit.
	var cur []unit
	for i, u := range units {
		if len(cur) > 0 && !fits(cur, u, target, units[i:]) {
			emit(cur)
			cur = overlapTail(cur, opts.overlap(), u, target)
		}
		cur = append(cur, u)
	}
	if len(cur) > 0 {
		emit(cur)
	}
	return out
}

// fits reports whether u may join the chunk cur. rest is u and the units
// after it: at a paragraph break, a chunk that already holds something
// ends rather than take the start of a paragraph that fits whole in the
// next chunk but not in this one.
func fits(cur []unit, u unit, target int, rest []unit) bool {
	if u.end-cur[0].start > target {
		return false
	}
	if !cur[len(cur)-1].paraEnd {
		return true
	}
	paraEnd := u.end
	for _, r := range rest {
		paraEnd = r.end
		if r.paraEnd {
			break
		}
	}
	return paraEnd-cur[0].start <= target || paraEnd-u.start > target
}

// overlapTail returns the last n units of cur that the next chunk starts
// with, so that it still has room for next; none if they would take more
// than half the chunk.
func overlapTail(cur []unit, n int, next unit, target int) []unit {
	n = min(n, len(cur))
	for ; n > 0; n-- {
		tail := cur[len(cur)-n:]
		if tail[0].start < next.start && next.end-tail[0].start <= target && tail[len(tail)-1].end-tail[0].start <= target/2 {
			return append([]unit(nil), tail...)
		}
	}
	return nil
}

// Sentence is one sentence (or line) of a text and where it is: Unicode
// code-point offsets, end exclusive.
type Sentence struct {
	Start, End int
	Text       string
}

// Sentences splits text into the sentences and lines Split keeps whole,
// in text order (the same rules as Split, so a sentence quoted from a
// chunk is found in it).
func Sentences(text string) []Sentence {
	runes := []rune(text)
	units := sentences(runes)
	out := make([]Sentence, len(units))
	for i, u := range units {
		out[i] = Sentence{Start: u.start, End: u.end, Text: string(runes[u.start:u.end])}
	}
	return out
}

// sentences splits runes into units: paragraphs at blank lines, then
// sentences at ., ! or ? followed by space (not when the next word starts
// lower-case, as after "e.g." or "approx."), and lines at line breaks.
// Units are trimmed of surrounding whitespace; empty ones are dropped.
func sentences(runes []rune) []unit {
	var out []unit
	start := -1 // start of the current unit, -1 between units
	newlines := 0
	for i, r := range runes {
		if unicode.IsSpace(r) {
			if r == '\n' {
				newlines++
			}
			continue
		}
		if start >= 0 && newlines > 0 {
			// A line break ended the unit before this rune.
			out = append(out, unit{start: start, end: trimEnd(runes, start, i)})
			start = -1
		}
		if newlines >= 2 && len(out) > 0 {
			out[len(out)-1].paraEnd = true
		}
		newlines = 0
		if start < 0 {
			start = i
		}
		if sentenceEnd(runes, i) {
			out = append(out, unit{start: start, end: i + 1})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, unit{start: start, end: trimEnd(runes, start, len(runes))})
	}
	if len(out) > 0 {
		out[len(out)-1].paraEnd = true
	}
	return out
}

// sentenceEnd reports whether a sentence ends with runes[i]: it is
// terminal punctuation (or a closing quote or bracket after one), the
// next rune is a space and the next word does not start lower-case.
func sentenceEnd(runes []rune, i int) bool {
	j := i
	for j >= 0 && isCloser(runes[j]) {
		j--
	}
	if j < 0 || !isTerminal(runes[j]) {
		return false
	}
	if i+1 >= len(runes) || !unicode.IsSpace(runes[i+1]) {
		return false
	}
	for k := i + 1; k < len(runes); k++ {
		if !unicode.IsSpace(runes[k]) {
			return !unicode.IsLower(runes[k])
		}
	}
	return true
}

func isTerminal(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '。', '！', '？':
		return true
	}
	return false
}

func isCloser(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '”', '’', '»':
		return true
	}
	return false
}

func trimEnd(runes []rune, start, end int) int {
	for end > start && unicode.IsSpace(runes[end-1]) {
		end--
	}
	return end
}

// tokenSpans returns the code-point spans of the vault tokens in text.
func tokenSpans(text string) [][2]int {
	locs := tokenPattern.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return nil
	}
	spans := make([][2]int, len(locs))
	// Convert byte offsets to code-point offsets in one pass.
	b, cp := 0, 0
	for i, loc := range locs {
		cp += utf8.RuneCountInString(text[b:loc[0]])
		start := cp
		cp += utf8.RuneCountInString(text[loc[0]:loc[1]])
		spans[i] = [2]int{start, cp}
		b = loc[1]
	}
	return spans
}

// cutLong replaces every unit longer than target with pieces of at most
// target code points, cut after a space where there is one and never inside
// a token.
func cutLong(runes []rune, units []unit, target int, tokens [][2]int) []unit {
	var out []unit
	for _, u := range units {
		for u.end-u.start > target {
			cut := cutPoint(runes, u.start, u.start+target, tokens)
			piece := unit{start: u.start, end: trimEnd(runes, u.start, cut)}
			out = append(out, piece)
			next := cut
			for next < u.end && unicode.IsSpace(runes[next]) {
				next++
			}
			u.start = next
		}
		if u.end > u.start {
			out = append(out, u)
		}
	}
	return out
}

// cutPoint chooses where to cut a piece that starts at start and may end
// at limit: at the last space in the piece's second half, else at limit;
// moved back to the start of a token it would split (or past its end if
// the token starts the piece).
func cutPoint(runes []rune, start, limit int, tokens [][2]int) int {
	cut := limit
	for i := limit; i > start+(limit-start)/2; i-- {
		// runes[limit] exists: the unit is longer than the piece.
		if unicode.IsSpace(runes[i-1]) || unicode.IsSpace(runes[i]) {
			cut = i
			break
		}
	}
	for _, t := range tokens {
		if t[0] < cut && cut < t[1] {
			if t[0] > start {
				return t[0]
			}
			return t[1]
		}
	}
	return cut
}
