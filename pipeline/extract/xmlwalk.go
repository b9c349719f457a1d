package extract

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// maxXMLDepth bounds element nesting. Real C-CDA and DOCX stay well under
// 100 levels; the recursive readers below use Go stack per level.
const maxXMLDepth = 256

// newXMLDecoder returns a decoder for text that is already UTF-8 (sniff
// decoded it), so any declared encoding is accepted as-is. HTML entity names
// such as &nbsp; are tolerated because narrative blocks are often written by
// HTML tools; encoding/xml never reads DTDs, so there is no entity expansion
// to exploit.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	d.Entity = xml.HTMLEntity
	return d
}

// xmlWalker reads tokens while keeping the nesting depth, so every reader
// gets the same depth limit and the same error for broken XML.
type xmlWalker struct {
	d     *xml.Decoder
	depth int
	what  string // "C-CDA document", "DOCX part word/document.xml", …
}

func newXMLWalker(r io.Reader, what string) *xmlWalker {
	return &xmlWalker{d: newXMLDecoder(r), what: what}
}

// next returns the next token; at the end of input it returns io.EOF.
func (w *xmlWalker) next() (xml.Token, *Error) {
	tok, err := w.d.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			if w.depth > 0 {
				return nil, newError(CodeCorrupt, "malformed %s: unexpected end of input", w.what)
			}
			return nil, &Error{Code: CodeCorrupt, Reason: "end of input", Err: io.EOF}
		}
		var le *limitError
		if errors.As(err, &le) {
			return nil, le.err
		}
		return nil, wrapError(CodeCorrupt, err, "malformed %s", w.what)
	}
	switch tok.(type) {
	case xml.StartElement:
		w.depth++
		if w.depth > maxXMLDepth {
			return nil, newError(CodeCorrupt, "malformed %s: elements nested deeper than %d levels", w.what, maxXMLDepth)
		}
	case xml.EndElement:
		w.depth--
	}
	return tok, nil
}

// isEOF tells the end-of-input marker from next apart from real errors.
func isEOF(err *Error) bool { return err != nil && errors.Is(err.Err, io.EOF) }

// skip consumes the rest of the element whose start was just read.
func (w *xmlWalker) skip() *Error {
	target := w.depth - 1
	for w.depth > target {
		if _, err := w.next(); err != nil {
			return w.unexpectedEOF(err)
		}
	}
	return nil
}

// unexpectedEOF reports end of input inside an element as malformed XML.
func (w *xmlWalker) unexpectedEOF(err *Error) *Error {
	if isEOF(err) {
		return newError(CodeCorrupt, "malformed %s: unexpected end of input", w.what)
	}
	return err
}

// children calls fn for each child element of the element just started and
// returns after its end tag; character data between children goes to text
// when text is not nil. fn must consume the child (read to its end or skip).
func (w *xmlWalker) children(fn func(se xml.StartElement) *Error, text func(xml.CharData)) *Error {
	end := w.depth - 1
	for {
		tok, err := w.next()
		if err != nil {
			return w.unexpectedEOF(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			if w.depth == end {
				return nil
			}
		case xml.CharData:
			if text != nil {
				text(t)
			}
		}
	}
}

// attr returns the value of the attribute with the given local name.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// limitError carries an *Error through io.Reader interfaces, which can only
// return error.
type limitError struct{ err *Error }

func (l *limitError) Error() string { return l.err.Error() }

// textWriter builds text the way a browser lays out inline content:
// whitespace runs collapse to one space, and block boundaries become line
// breaks.
type textWriter struct {
	sb        strings.Builder
	pending   bool // a space is owed before the next visible character
	lineStart bool
	afterTab  bool // a tab already separates, so no space is owed
}

func newTextWriter() *textWriter { return &textWriter{lineStart: true} }

func (t *textWriter) text(s string) {
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			t.pending = true
			continue
		}
		if t.pending && !t.lineStart && !t.afterTab {
			t.sb.WriteByte(' ')
		}
		t.pending, t.lineStart, t.afterTab = false, false, false
		t.sb.WriteRune(r)
	}
}

// raw writes s unchanged (preformatted text).
func (t *textWriter) raw(s string) {
	if s == "" {
		return
	}
	if t.pending && !t.lineStart && !t.afterTab {
		t.sb.WriteByte(' ')
	}
	t.sb.WriteString(s)
	t.pending, t.afterTab = false, false
	t.lineStart = strings.HasSuffix(s, "\n")
}

// newline ends the current line if it has anything on it.
func (t *textWriter) newline() {
	if !t.lineStart {
		t.sb.WriteByte('\n')
	}
	t.pending, t.afterTab = false, false
	t.lineStart = true
}

// blankLine ends the line and leaves one empty line after it.
func (t *textWriter) blankLine() {
	t.newline()
	if s := t.sb.String(); len(s) > 0 && !strings.HasSuffix(s, "\n\n") {
		t.sb.WriteByte('\n')
	}
}

// tab separates table cells.
func (t *textWriter) tab() {
	if !t.lineStart {
		t.sb.WriteByte('\t')
		t.afterTab = true
	}
	t.pending = false
}

func (t *textWriter) String() string { return t.sb.String() }
