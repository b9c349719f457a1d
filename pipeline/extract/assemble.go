package extract

import (
	"strings"
	"unicode"
)

// pageSeparator goes between pages in Result.Text: a form feed on a line of
// its own, so splitting on lines never glues two pages together and
// splitting on "\f" recovers the pages.
const pageSeparator = "\n\f\n"

// pageText is one page as a format reader produced it, before normalising.
type pageText struct {
	text string
	ocr  bool
}

// assemble normalises every page and lays them out in one string, recording
// where each page starts.
func assemble(typ string, pages []pageText, warnings []string) Result {
	res := Result{Type: typ, Warnings: warnings}
	var sb strings.Builder
	for i, p := range pages {
		if i > 0 {
			sb.WriteString(pageSeparator)
		}
		text := normalize(p.text)
		res.Pages = append(res.Pages, Page{Number: i + 1, Text: text, Start: sb.Len(), OCR: p.ocr})
		sb.WriteString(text)
	}
	res.Text = sb.String()
	if strings.TrimSpace(res.Text) == "" {
		res.Warnings = append(res.Warnings, "no text was found in the document")
	}
	return res
}

// normalize gives every format the same shape of text: valid UTF-8, "\n"
// line ends, no control characters but tab, no trailing blanks, at most one
// empty line in a row, no-break spaces as plain spaces, nothing before the
// first or after the last line. Downstream matchers (PHI detection, search)
// then need no per-format cases.
func normalize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var sb strings.Builder
	sb.Grow(len(s))
	newlines := 0
	var pendingSpace strings.Builder
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n' || r == '\f' || r == '\v' || r == 0x2028 || r == 0x2029:
			pendingSpace.Reset()
			newlines++
			continue
		case r == '\u00A0':
			r = ' '
		case r == '\t':
		case unicode.IsControl(r) || r == '\uFEFF':
			continue
		}
		if r == ' ' || r == '\t' {
			pendingSpace.WriteRune(r)
			continue
		}
		if sb.Len() > 0 && newlines > 0 {
			sb.WriteString("\n\n"[:min(newlines, 2)])
		}
		sb.WriteString(pendingSpace.String()) // indentation stays, trailing blanks do not
		newlines = 0
		pendingSpace.Reset()
		sb.WriteRune(r)
	}
	return sb.String()
}

// budget caps the text a document may expand into, so a small compressed
// input cannot turn into gigabytes of output.
type budget struct{ left int64 }

func (b *budget) take(n int) *Error {
	b.left -= int64(n)
	if b.left < 0 {
		return newError(CodeDecompressionBomb, "extracted content exceeds the decompressed size limit")
	}
	return nil
}
