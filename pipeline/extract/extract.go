// Package extract turns clinical documents into plain text for the document
// pipeline: PDFs (text layer, and OCR for pages that have none), DOCX, plain
// text, HTML, C-CDA narrative and scanned images.
//
// Uploaded files come from outside and may be broken or hostile, so the type
// is sniffed from the bytes (the client's content type is advisory), every
// format has limits on size, pages and decompressed size, PDFs are parsed by
// pdfium inside a WebAssembly sandbox with capped memory, and any failure,
// panic included, comes back as an *Error with a code and a reason for the
// Task rather than taking the worker down.
package extract

import (
	"context"
	"fmt"
	"mime"
	"runtime"
)

// Defaults for the zero values of Options.
const (
	DefaultMaxBytes        = 50 << 20
	DefaultMaxPages        = 500
	DefaultMaxDecompressed = 200 << 20
	// DefaultMaxImagePixels allows a US Letter page scanned at 600 DPI
	// (5100×6600 ≈ 34 Mpx) with room to spare; OCR memory grows with it.
	DefaultMaxImagePixels = 64 << 20
	// DefaultOCRDPI is the resolution PDF pages are rendered at for OCR:
	// Tesseract is most accurate with 10–12 pt text at about 300 DPI.
	DefaultOCRDPI = 300
)

// maxEmbedDepth bounds documents inside documents (a PDF in a C-CDA
// nonXMLBody): one level is what C-CDA needs, more is an attack.
const maxEmbedDepth = 1

// Options configures an Extractor. Zero values take the defaults above.
type Options struct {
	// MaxBytes is the largest input accepted.
	MaxBytes int64
	// MaxPages is the most pages a PDF or TIFF may have; it is checked
	// before any page is read.
	MaxPages int
	// MaxDecompressed caps what compressed input may expand to: the DOCX
	// parts read from the ZIP, a compressed C-CDA body, and the extracted
	// text as a whole.
	MaxDecompressed int64
	// MaxImagePixels caps an image's width×height before it is decoded,
	// and the size PDF pages are rendered at for OCR.
	MaxImagePixels int64
	// OCR reads text from images. Nil disables OCR: images are then
	// refused (CodeOCRUnavailable) and PDF pages without a text layer come
	// back empty with a warning.
	OCR OCR
	// OCRDPI is the highest resolution scanned PDF pages are rendered at
	// for OCR; a scan whose own resolution is lower is rendered at that
	// (but at least 200 DPI), and MaxImagePixels may lower it further.
	OCRDPI int
	// PDFWorkers is how many PDFs are parsed at once, each in its own
	// WebAssembly instance; more wait. Default: GOMAXPROCS.
	PDFWorkers int
}

func (o *Options) setDefaults() {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxDecompressed <= 0 {
		o.MaxDecompressed = DefaultMaxDecompressed
	}
	if o.MaxImagePixels <= 0 {
		o.MaxImagePixels = DefaultMaxImagePixels
	}
	if o.OCRDPI <= 0 {
		o.OCRDPI = DefaultOCRDPI
	}
	if o.PDFWorkers <= 0 {
		o.PDFWorkers = runtime.GOMAXPROCS(0)
	}
}

// Extractor extracts text from documents. It is safe for concurrent use;
// create one per process, since starting its PDF engine takes seconds, and
// Close it when done.
type Extractor struct {
	opts Options
	pdf  *pdfEngine
}

// New starts an Extractor, including its PDF engine (compiling pdfium's
// WebAssembly takes a few seconds, once).
func New(opts Options) (*Extractor, error) {
	opts.setDefaults()
	pdf, err := newPDFEngine(opts.PDFWorkers)
	if err != nil {
		return nil, fmt.Errorf("extract: start PDF engine: %w", err)
	}
	return &Extractor{opts: opts, pdf: pdf}, nil
}

// Close stops the PDF engine. It does not close Options.OCR, which the
// caller owns.
func (e *Extractor) Close() error {
	return e.pdf.close()
}

// Result is the text of one document.
type Result struct {
	// Type is the media type sniffed from the content (one of the Type
	// constants), whatever the client declared.
	Type string
	// Text is the whole text, pages separated by "\n\f\n". It is
	// normalised: UTF-8, "\n" line ends, no trailing blanks, at most one
	// empty line in a row.
	Text string
	// Pages are the PDF's or image's pages; every other format is one page.
	Pages []Page
	// Warnings are things a reviewer should know (OCR was off, a part was
	// skipped, the declared type was wrong); they do not fail the Task.
	Warnings []string
}

// Page is one page of Result.Text.
type Page struct {
	Number int    // 1-based
	Text   string // equal to Result.Text[Start:Start+len(Text)]
	Start  int    // byte offset of the page's text in Result.Text
	OCR    bool   // the text was read from an image of the page
}

// Extract reads the text of data. declared is the client's content type; it
// is only compared with what the bytes are, and a mismatch is a warning.
// Errors are always *Error.
func (e *Extractor) Extract(ctx context.Context, data []byte, declared string) (Result, error) {
	res, err := e.extract(ctx, data, declared, 0)
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// extract is Extract at an embedding depth, returning the concrete type so
// callers inside the package need no assertion.
func (e *Extractor) extract(ctx context.Context, data []byte, declared string, depth int) (res Result, err *Error) {
	if int64(len(data)) > e.opts.MaxBytes {
		return Result{}, newError(CodeTooLarge, "document is %d bytes, over the %d-byte limit", len(data), e.opts.MaxBytes)
	}
	if err := ctxError(ctx); err != nil {
		return Result{}, err
	}
	s, err := sniff(data)
	if err != nil {
		return Result{}, err
	}
	var warnings []string
	if s.warn != "" {
		warnings = append(warnings, s.warn)
	}
	if w := declaredMismatch(declared, s.typ); w != "" {
		warnings = append(warnings, w)
	}

	// A parser bug or a pathological input must fail this document, not the
	// worker that runs it.
	defer func() {
		if r := recover(); r != nil {
			res, err = Result{}, newError(CodeCorrupt, "the %s parser failed on this document: %v", s.typ, r)
		}
	}()
	pages, more, err := e.read(ctx, s, data, depth)
	if err != nil {
		return Result{}, err
	}
	res = assemble(s.typ, pages, append(warnings, more...))
	if int64(len(res.Text)) > e.opts.MaxDecompressed {
		return Result{}, newError(CodeDecompressionBomb, "extracted text is %d bytes, over the %d-byte decompressed size limit", len(res.Text), e.opts.MaxDecompressed)
	}
	return res, nil
}

// read dispatches to the reader for the sniffed type.
func (e *Extractor) read(ctx context.Context, s sniffed, data []byte, depth int) ([]pageText, []string, *Error) {
	switch s.typ {
	case TypePDF:
		return e.readPDF(ctx, data)
	case TypeDOCX:
		return e.readDOCX(ctx, data)
	case TypePNG, TypeJPEG, TypeTIFF:
		return e.readImage(ctx, s.typ, data)
	case TypeHTML:
		return readHTML(s.text)
	case TypeCDA:
		return e.readCDA(ctx, s.text, depth)
	case TypeXML:
		return e.readXML(ctx, s.text)
	case TypeText:
		return []pageText{{text: s.text}}, nil, nil
	}
	return nil, nil, newError(CodeInternal, "no reader for %s", s.typ)
}

// declaredMismatch words a warning when the client's content type names a
// different format than the content has. Generic or unparsable declarations
// are not worth one.
func declaredMismatch(declared, sniffedType string) string {
	if declared == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return fmt.Sprintf("declared content type %q is not a valid media type; it was ignored", declared)
	}
	if mt == sniffedType || mt == "application/octet-stream" || compatible(mt, sniffedType) {
		return ""
	}
	return fmt.Sprintf("declared content type %q does not match the content (%s); the declared type was ignored", mt, sniffedType)
}

// compatible lists declarations that are right in practice though not the
// type we report: C-CDA is usually sent as application/xml or text/xml.
func compatible(declared, sniffedType string) bool {
	switch sniffedType {
	case TypeCDA, TypeXML:
		return declared == "application/xml" || declared == "text/xml" || declared == TypeCDA || declared == "application/hl7-cda+xml"
	case TypeHTML:
		return declared == "application/xhtml+xml"
	case TypeJPEG:
		return declared == "image/jpg" || declared == "image/pjpeg"
	case TypeTIFF:
		return declared == "image/tif"
	}
	return false
}
