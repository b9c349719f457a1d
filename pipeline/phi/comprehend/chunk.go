package comprehend

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// chunk is the byte range [start, end) of the text that one DetectPHI
// request carries.
type chunk struct{ start, end int }

// split cuts text into consecutive chunks of at most max bytes that
// together cover it. Each cut falls, by preference, after a blank line,
// after a line break, after a sentence end, after any space, and failing
// those (no such boundary in the second half of the window) at the last
// code point boundary that fits, so a request never carries half a UTF-8
// sequence. Chunks holding only white space are left out: there is
// nothing in them to find, and the service refuses empty text.
func split(text string, max int) []chunk {
	var out []chunk
	add := func(start, end int) {
		if strings.TrimSpace(text[start:end]) != "" {
			out = append(out, chunk{start, end})
		}
	}
	start := 0
	for len(text)-start > max {
		limit := start + max
		for limit > start && !utf8.RuneStart(text[limit]) {
			limit--
		}
		if limit == start { // max is smaller than one code point
			_, n := utf8.DecodeRuneInString(text[start:])
			limit = start + n
		}
		end := cutBefore(text, start, limit)
		add(start, end)
		start = end
	}
	if start < len(text) {
		add(start, len(text))
	}
	return out
}

// cutBefore returns where to end the chunk that starts at start and may
// not pass limit (a code point boundary): the best boundary in the
// second half of the window, or limit.
func cutBefore(text string, start, limit int) int {
	floor := start + (limit-start)/2
	window := text[floor:limit]
	if i := strings.LastIndex(window, "\n\n"); i >= 0 {
		return floor + i + 2
	}
	if i := strings.LastIndexByte(window, '\n'); i >= 0 {
		return floor + i + 1
	}
	if i := lastSentenceEnd(window); i > 0 {
		return floor + i
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i >= 0 {
		_, n := utf8.DecodeRuneInString(window[i:])
		return floor + i + n
	}
	return limit
}

// lastSentenceEnd returns the offset just past the last sentence end in
// s: ".", "?" or "!" followed by a space (the cut goes after the space),
// or a full-width "。", "？" or "！", which need none. It returns 0 when
// there is none.
func lastSentenceEnd(s string) int {
	for i := len(s); i > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
		switch r {
		case '。', '？', '！':
			return i + n
		case ' ', '\t':
			if i > 0 {
				if p, _ := utf8.DecodeLastRuneInString(s[:i]); p == '.' || p == '?' || p == '!' {
					return i + n
				}
			}
		}
	}
	return 0
}

// codePoints maps the code-point offsets of s to byte offsets: entry k is
// where code point k starts, and the last entry is len(s). A byte that is
// not valid UTF-8 counts as one code point, as it does both for Go's range
// loop and for the SDK's JSON encoder, which sends it as U+FFFD.
func codePoints(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}

// utf16Units maps UTF-16 code-unit offsets of s to byte offsets; a unit
// in the middle of a surrogate pair maps to -1.
func utf16Units(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i, r := range s {
		out = append(out, i)
		if r >= 0x10000 && r <= utf8.MaxRune {
			out = append(out, -1)
		}
	}
	return append(out, len(s))
}
