package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

const (
	// pdfMemoryPages caps each pdfium instance's WebAssembly memory (64 KiB
	// pages): 1 GiB holds a 64 Mpx render with room for pdfium itself, and
	// a PDF built to exhaust memory hits this wall instead of the host's.
	pdfMemoryPages = 1 << 14
	// minOCRDPI is the lowest resolution worth OCR; a page too large to
	// render sharper within MaxImagePixels is left empty with a warning.
	minOCRDPI = 100
	// minScanDPI is the least a scan is rendered at for OCR even when its
	// own resolution is lower, since Tesseract's documentation advises
	// upsampling low-resolution images; fax-resolution (200 DPI) pages are
	// then read at their own size.
	minScanDPI = 200
	// sparseTextRunes: a page with fewer visible characters than this and
	// an image on it is treated as scanned (a scanner's stamped page number
	// is not a text layer).
	sparseTextRunes = 16
	// maxObjectsScanned bounds the search for an image on a sparse page.
	maxObjectsScanned = 1000
)

// pdfEngine is pdfium compiled to WebAssembly and run by wazero: pure Go, no
// cgo, and each document is parsed in a fresh instance with no filesystem
// and capped memory, so a hostile PDF can neither read files nor corrupt
// state another document sees.
type pdfEngine struct {
	pool pdfium.Pool
}

func newPDFEngine(workers int) (*pdfEngine, error) {
	pool, err := webassembly.Init(webassembly.Config{
		MinIdle:  0,
		MaxIdle:  workers,
		MaxTotal: workers,
		// A non-nil, empty FSConfig: the default would mount the host's /.
		FSConfig: wazero.NewFSConfig(),
		Stdout:   io.Discard,
		Stderr:   io.Discard,
		// Exception handling is needed by this pdfium build; closing on
		// context done is what lets Instance.Kill stop a runaway call.
		RuntimeConfig: wazero.NewRuntimeConfig().
			WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
			WithCloseOnContextDone(true).
			WithMemoryLimitPages(pdfMemoryPages),
		// A fresh instance per document: reusing instances is about 15%
		// faster on short PDFs (BenchmarkPDFPages: 96 vs 82 pages/s on a
		// 3-page sample), but a hostile PDF that corrupted pdfium's heap
		// could then reach the next patient's document.
		ReuseWorkers: false,
	})
	if err != nil {
		return nil, err
	}
	return &pdfEngine{pool: pool}, nil
}

func (p *pdfEngine) close() error { return p.pool.Close() }

// pdfDoc is one open document in one instance.
type pdfDoc struct {
	e    *Extractor
	ctx  context.Context
	inst pdfium.Pdfium
	doc  references.FPDF_DOCUMENT
	text *budget
}

// readPDF extracts each page's text layer, and OCRs pages that have none.
// The page limit is checked before any page is read. When ctx ends, the
// instance is killed, which aborts whatever pdfium is doing.
func (e *Extractor) readPDF(ctx context.Context, data []byte) (pages []pageText, warnings []string, xerr *Error) {
	inst, err := e.pdf.pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ce := ctxError(ctx); ce != nil {
			return nil, nil, ce
		}
		return nil, nil, wrapError(CodeInternal, err, "no PDF engine instance")
	}
	stop := context.AfterFunc(ctx, func() { _ = inst.Kill() })
	defer func() {
		if stop() { // not killed: release normally
			_ = inst.Close()
		}
	}()

	opened, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		return nil, nil, openError(ctx, err)
	}
	d := &pdfDoc{e: e, ctx: ctx, inst: inst, doc: opened.Document, text: &budget{left: e.opts.MaxDecompressed}}
	defer func() { _, _ = inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: d.doc}) }()

	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.doc})
	if err != nil {
		return nil, nil, asError(ctx, err, CodeCorrupt, "damaged PDF: cannot count its pages")
	}
	switch {
	case count.PageCount > e.opts.MaxPages:
		return nil, nil, newError(CodeTooManyPages, "PDF has %d pages, over the %d-page limit", count.PageCount, e.opts.MaxPages)
	case count.PageCount <= 0:
		return nil, nil, newError(CodeCorrupt, "PDF has no pages")
	}

	var unread []string
	for i := range count.PageCount {
		if err := ctxError(ctx); err != nil {
			return nil, nil, err
		}
		p, warn, err := d.page(i)
		if err != nil {
			return nil, nil, err
		}
		if warn != "" {
			warnings = append(warnings, warn)
		}
		if p.needsOCR && e.opts.OCR == nil {
			unread = append(unread, fmt.Sprint(i+1))
		}
		pages = append(pages, p.pageText)
	}
	if len(unread) > 0 {
		warnings = append(warnings, fmt.Sprintf("page(s) %s have no text layer and OCR is disabled; their text is missing", strings.Join(unread, ", ")))
	}
	return pages, warnings, nil
}

// openError explains why pdfium would not open a document.
func openError(ctx context.Context, err error) *Error {
	if ce := ctxError(ctx); ce != nil {
		return ce
	}
	switch {
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return wrapError(CodeUnsupportedType, err, "PDF is password-protected")
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return wrapError(CodeUnsupportedType, err, "PDF uses an unsupported encryption")
	}
	return wrapError(CodeCorrupt, err, "damaged PDF: pdfium cannot open it")
}

type pdfPage struct {
	pageText
	needsOCR bool
}

// page reads page i (0-based): its text layer, or OCR of its rendering when
// the layer is all but empty on a page with an image, or empty on a page
// that still draws something (a scan, or text turned into outlines).
func (d *pdfDoc) page(i int) (pdfPage, string, *Error) {
	loaded, err := d.inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: d.doc, Index: i})
	if err != nil {
		return pdfPage{}, "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: cannot load page %d", i+1)
	}
	ref := loaded.Page
	defer func() { _, _ = d.inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: ref}) }()
	page := requests.Page{ByReference: &ref}

	text, xerr := d.textLayer(page, i)
	if xerr != nil {
		return pdfPage{}, "", xerr
	}
	visible := utf8.RuneCountInString(strings.Join(strings.Fields(text), ""))
	if visible >= sparseTextRunes {
		return pdfPage{pageText: pageText{text: text}}, "", nil
	}
	objects, hasImage, dpi := d.scanDPI(page)
	if (visible > 0 && !hasImage) || objects == 0 {
		return pdfPage{pageText: pageText{text: text}}, "", nil // text, or a blank page
	}
	if d.e.opts.OCR == nil {
		return pdfPage{pageText: pageText{text: text}, needsOCR: true}, "", nil
	}
	img, warn, xerr := d.render(page, i, dpi)
	if xerr != nil || img == nil {
		return pdfPage{pageText: pageText{text: text}}, warn, xerr
	}
	ocrText, xerr := d.e.ocrPage(d.ctx, img, i+1)
	if xerr != nil {
		return pdfPage{}, "", xerr
	}
	if xerr := d.text.take(len(ocrText)); xerr != nil {
		return pdfPage{}, "", xerr
	}
	return pdfPage{pageText: pageText{text: ocrText, ocr: true}}, warn, nil
}

// textLayer returns the page's text in reading order as pdfium sees it.
func (d *pdfDoc) textLayer(page requests.Page, i int) (string, *Error) {
	tp, err := d.inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: page})
	if err != nil {
		return "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: cannot read the text of page %d", i+1)
	}
	defer func() { _, _ = d.inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage}) }()
	n, err := d.inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: cannot read the text of page %d", i+1)
	}
	if n.Count <= 0 {
		return "", nil
	}
	// Charge the character count before pdfium allocates the text, so a
	// page claiming millions of characters stops here; Extract checks the
	// final byte length again.
	if xerr := d.text.take(n.Count); xerr != nil {
		return "", xerr
	}
	t, err := d.inst.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: tp.TextPage, StartIndex: 0, Count: n.Count})
	if err != nil {
		return "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: cannot read the text of page %d", i+1)
	}
	return t.Text, nil
}

// scanDPI counts the page's objects and reports whether one is an image
// and, when pdfium can tell, the highest resolution an image is drawn at.
func (d *pdfDoc) scanDPI(page requests.Page) (objects int, hasImage bool, dpi float64) {
	n, err := d.inst.FPDFPage_CountObjects(&requests.FPDFPage_CountObjects{Page: page})
	if err != nil {
		return 0, false, 0
	}
	for j := range min(n.Count, maxObjectsScanned) {
		obj, err := d.inst.FPDFPage_GetObject(&requests.FPDFPage_GetObject{Page: page, Index: j})
		if err != nil {
			break
		}
		typ, err := d.inst.FPDFPageObj_GetType(&requests.FPDFPageObj_GetType{PageObject: obj.PageObject})
		if err != nil || typ.Type != enums.FPDF_PAGEOBJ_IMAGE {
			continue
		}
		hasImage = true
		md, err := d.inst.FPDFImageObj_GetImageMetadata(&requests.FPDFImageObj_GetImageMetadata{ImageObject: obj.PageObject, Page: page})
		if err == nil {
			dpi = max(dpi, float64(md.ImageMetadata.HorizontalDPI), float64(md.ImageMetadata.VerticalDPI))
		}
	}
	return n.Count, hasImage, dpi
}

// render draws the page in grey and encodes it for the OCR engine. The
// resolution is the scan's own (scanDPI) within [minScanDPI, OCRDPI], since
// rendering above it adds pixels but no detail and pdfium in WebAssembly
// takes about a second per 300-DPI page; it is lowered further when the
// page would exceed MaxImagePixels. A nil image with a warning means the
// page is too large to OCR legibly.
func (d *pdfDoc) render(page requests.Page, i int, scanDPI float64) ([]byte, string, *Error) {
	w, err := d.inst.FPDF_GetPageWidthF(&requests.FPDF_GetPageWidthF{Page: page})
	if err != nil {
		return nil, "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: page %d has no size", i+1)
	}
	h, err := d.inst.FPDF_GetPageHeightF(&requests.FPDF_GetPageHeightF{Page: page})
	if err != nil {
		return nil, "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: page %d has no size", i+1)
	}
	wIn, hIn := float64(w.PageWidth)/72, float64(h.PageHeight)/72
	if !(wIn > 0 && hIn > 0) || math.IsInf(wIn*hIn, 0) {
		return nil, "", newError(CodeCorrupt, "damaged PDF: page %d has an invalid size", i+1)
	}
	dpi := float64(d.e.opts.OCRDPI)
	if scanDPI > 0 {
		dpi = min(dpi, max(math.Ceil(scanDPI), minScanDPI))
	}
	if px := wIn * hIn * dpi * dpi; px > float64(d.e.opts.MaxImagePixels) {
		dpi = math.Floor(math.Sqrt(float64(d.e.opts.MaxImagePixels) / (wIn * hIn)))
	}
	if dpi < minOCRDPI {
		return nil, fmt.Sprintf("page %d (%.0f×%.0f in) is too large to OCR within the pixel limit; its text is missing", i+1, wIn, hIn), nil
	}
	r, err := d.inst.RenderPageInDPI(&requests.RenderPageInDPI{Page: page, DPI: int(dpi), ImageFormat: requests.RenderImageFormatGrayscale})
	if err != nil {
		return nil, "", asError(d.ctx, err, CodeCorrupt, "damaged PDF: cannot render page %d", i+1)
	}
	defer r.Cleanup()
	img, err := grayPNG(r.Result.RenderedImage)
	if err != nil {
		return nil, "", wrapError(CodeInternal, err, "encode page %d for OCR", i+1)
	}
	return img, "", nil
}
