package extract

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// readCDA extracts a C-CDA document's human-readable content: the document
// title, then for a structuredBody each section's title and narrative block
// (section/text) in document order, nested sections included. Coded entries
// are skipped: their meaning is in the narrative, which is what a clinician
// signed. A nonXMLBody's embedded document (base64 PDF, text, …) is
// extracted in turn, one level deep.
func (e *Extractor) readCDA(ctx context.Context, text string, depth int) ([]pageText, []string, *Error) {
	r := &cdaReader{e: e, ctx: ctx, depth: depth, w: newXMLWalker(strings.NewReader(text), "C-CDA document"), out: newTextWriter()}
	if err := r.document(); err != nil {
		return nil, nil, err
	}
	if r.embedded != nil {
		return r.embeddedPages(), r.warnings, nil
	}
	return []pageText{{text: r.out.String()}}, r.warnings, nil
}

type cdaReader struct {
	e        *Extractor
	ctx      context.Context
	depth    int
	w        *xmlWalker
	out      *textWriter
	warnings []string
	embedded *Result
}

func isV3(se xml.StartElement, local string) bool {
	return se.Name.Space == nsHL7V3 && se.Name.Local == local
}

func (r *cdaReader) document() *Error {
	for {
		tok, err := r.w.next()
		if err != nil {
			return r.w.unexpectedEOF(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if !isV3(se, "ClinicalDocument") {
				return newError(CodeCorrupt, "not a C-CDA document: root element is %s", se.Name.Local)
			}
			break
		}
	}
	if err := r.w.children(func(se xml.StartElement) *Error {
		switch {
		case isV3(se, "title"):
			if err := r.inline(); err != nil {
				return err
			}
			r.out.blankLine()
			return nil
		case isV3(se, "component"):
			return r.w.children(r.body, nil)
		}
		return r.w.skip()
	}, nil); err != nil {
		return err
	}
	// Anything after the root other than comments is malformed.
	for {
		tok, err := r.w.next()
		if isEOF(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.StartElement); ok {
			return newError(CodeCorrupt, "malformed C-CDA document: content after the root element")
		}
	}
}

func (r *cdaReader) body(se xml.StartElement) *Error {
	switch {
	case isV3(se, "structuredBody"):
		return r.w.children(func(se xml.StartElement) *Error {
			if isV3(se, "component") {
				return r.w.children(r.sectionIn, nil)
			}
			return r.w.skip()
		}, nil)
	case isV3(se, "nonXMLBody"):
		return r.w.children(func(se xml.StartElement) *Error {
			if isV3(se, "text") {
				return r.nonXMLText(se)
			}
			return r.w.skip()
		}, nil)
	}
	return r.w.skip()
}

// sectionIn handles a component's child: a section, or something to skip.
func (r *cdaReader) sectionIn(se xml.StartElement) *Error {
	if !isV3(se, "section") {
		return r.w.skip()
	}
	if err := ctxError(r.ctx); err != nil {
		return err
	}
	err := r.w.children(func(se xml.StartElement) *Error {
		switch {
		case isV3(se, "title"):
			r.out.newline()
			if err := r.inline(); err != nil {
				return err
			}
			r.out.newline()
			return nil
		case isV3(se, "text"):
			if err := r.narrative(); err != nil {
				return err
			}
			r.out.newline()
			return nil
		case isV3(se, "component"):
			return r.w.children(r.sectionIn, nil)
		}
		return r.w.skip() // code, entry, author, …
	}, nil)
	r.out.blankLine()
	return err
}

// inline writes all the text inside the current element.
func (r *cdaReader) inline() *Error {
	return r.w.children(func(xml.StartElement) *Error { return r.inline() }, func(cd xml.CharData) { r.out.text(string(cd)) })
}

// narrativeBlocks are the CDA narrative block elements that start a line.
var narrativeBlocks = map[string]bool{
	"paragraph": true, "list": true, "item": true, "table": true, "caption": true,
	"thead": true, "tbody": true, "tfoot": true, "tr": true, "footnote": true, "br": true,
}

// narrative writes a section's narrative block (CDA's small XHTML-like
// language): paragraphs, list items and table rows on their own lines, table
// cells separated by tabs, multimedia references dropped.
func (r *cdaReader) narrative() *Error {
	return r.w.children(func(se xml.StartElement) *Error {
		name := se.Name.Local
		switch {
		case name == "renderMultiMedia":
			return r.w.skip()
		case narrativeBlocks[name]:
			r.out.newline()
		}
		if err := r.narrative(); err != nil {
			return err
		}
		switch {
		case name == "td" || name == "th":
			r.out.tab()
		case narrativeBlocks[name]:
			r.out.newline()
		}
		return nil
	}, func(cd xml.CharData) { r.out.text(string(cd)) })
}

// nonXMLText reads the body of an unstructured document and extracts it.
func (r *cdaReader) nonXMLText(se xml.StartElement) *Error {
	mediaType := attr(se, "mediaType")
	representation := attr(se, "representation")
	compression := attr(se, "compression")
	var content strings.Builder
	var reference string
	err := r.w.children(func(child xml.StartElement) *Error {
		if isV3(child, "reference") {
			reference = attr(child, "value")
		}
		return r.w.skip()
	}, func(cd xml.CharData) { content.Write(cd) })
	if err != nil {
		return err
	}
	if reference != "" && strings.TrimSpace(content.String()) == "" {
		r.warnings = append(r.warnings, fmt.Sprintf("the document body is an external file (%q) that was not supplied; only the header was extracted", reference))
		return nil
	}
	if r.depth >= maxEmbedDepth {
		r.warnings = append(r.warnings, "an embedded document inside an embedded document was not extracted")
		return nil
	}
	payload := []byte(content.String())
	if strings.EqualFold(representation, "B64") {
		clean := strings.Map(func(c rune) rune {
			if c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				return -1
			}
			return c
		}, content.String())
		payload, err = decodeBase64(clean)
		if err != nil {
			return err
		}
	}
	if compression != "" {
		if payload, err = r.decompress(compression, payload); err != nil {
			return err
		}
	}
	res, err := r.e.extract(r.ctx, payload, mediaType, r.depth+1)
	if err != nil {
		return &Error{Code: err.Code, Reason: "embedded document: " + err.Reason, Err: err.Err}
	}
	for _, w := range res.Warnings {
		r.warnings = append(r.warnings, "embedded document: "+w)
	}
	r.embedded = &res
	return nil
}

func decodeBase64(s string) ([]byte, *Error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Some producers drop the padding.
		if b2, err2 := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 == nil {
			return b2, nil
		}
		return nil, wrapError(CodeCorrupt, err, "the embedded document's base64 is invalid")
	}
	return b, nil
}

// decompress undoes a nonXMLBody's compression attribute (HL7 V3 data type
// ED: DF deflate, GZ gzip, ZL zlib), within the decompressed size limit.
func (r *cdaReader) decompress(method string, payload []byte) ([]byte, *Error) {
	var rd io.Reader
	var err error
	switch strings.ToUpper(method) {
	case "DF":
		rd = flate.NewReader(bytes.NewReader(payload))
	case "GZ":
		rd, err = gzip.NewReader(bytes.NewReader(payload))
	case "ZL":
		rd, err = zlib.NewReader(bytes.NewReader(payload))
	default:
		return nil, newError(CodeUnsupportedType, "embedded document uses unsupported compression %q", method)
	}
	if err != nil {
		return nil, wrapError(CodeCorrupt, err, "the embedded document's %s compression is damaged", method)
	}
	limit := min(r.e.opts.MaxDecompressed, r.e.opts.MaxBytes)
	out, err := io.ReadAll(io.LimitReader(rd, limit+1))
	if err != nil {
		return nil, wrapError(CodeCorrupt, err, "the embedded document's %s compression is damaged", method)
	}
	if int64(len(out)) > limit {
		return nil, newError(CodeDecompressionBomb, "the embedded document decompresses to more than %d bytes", limit)
	}
	return out, nil
}

// embeddedPages puts the C-CDA header text (the title) in front of the
// embedded document's first page and keeps its pages and OCR flags.
func (r *cdaReader) embeddedPages() []pageText {
	header := r.out.String()
	pages := make([]pageText, 0, len(r.embedded.Pages))
	for i, p := range r.embedded.Pages {
		text := p.Text
		if i == 0 && strings.TrimSpace(header) != "" {
			text = header + "\n" + text
		}
		pages = append(pages, pageText{text: text, ocr: p.OCR})
	}
	if len(pages) == 0 {
		pages = append(pages, pageText{text: header})
	}
	return pages
}
