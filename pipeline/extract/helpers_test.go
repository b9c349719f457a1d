package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/internal/shared"
)

// documentsDir holds the public HL7 C-CDA examples (fictitious patients)
// beside the repository.
const documentsDir = "../../../shared/documents"

// The PDF engine takes seconds to start, so the tests share one Extractor
// (and one Tesseract), made on first use and closed by TestMain.
var (
	sharedOnce sync.Once
	sharedExt  *Extractor
	sharedOCR  *Tesseract
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedExt != nil {
		sharedExt.Close()
	}
	if sharedOCR != nil {
		sharedOCR.Close()
	}
	os.Exit(code)
}

// testExtractor returns the shared Extractor, with Tesseract OCR.
func testExtractor(tb testing.TB) *Extractor {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedOCR, sharedErr = NewTesseract()
		if sharedErr != nil {
			return
		}
		sharedExt, sharedErr = New(Options{OCR: sharedOCR})
	})
	if sharedErr != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("extractor with OCR (required when CI=true): %v", sharedErr)
		}
		tb.Skipf("SKIPPED: extractor with OCR unavailable: %v", sharedErr)
	}
	return sharedExt
}

// withOptions returns an Extractor sharing the test engine with changed
// options (limits, OCR off), so tests of limits do not start pdfium again.
func withOptions(tb testing.TB, change func(*Options)) *Extractor {
	base := testExtractor(tb)
	opts := base.opts
	change(&opts)
	opts.setDefaults()
	return &Extractor{opts: opts, pdf: base.pdf}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if strings.HasPrefix(path, documentsDir) {
			shared.Missing(tb, path, err)
		}
		tb.Fatal(err)
	}
	return b
}

func extract(tb testing.TB, e *Extractor, data []byte, declared string) Result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := e.Extract(ctx, data, declared)
	if err != nil {
		tb.Fatalf("Extract: %v", err)
	}
	checkPages(tb, res)
	return res
}

// checkPages verifies the page offsets Result promises.
func checkPages(tb testing.TB, res Result) {
	tb.Helper()
	if len(res.Pages) == 0 {
		tb.Fatalf("no pages")
	}
	for i, p := range res.Pages {
		if p.Number != i+1 || res.Text[p.Start:p.Start+len(p.Text)] != p.Text {
			tb.Fatalf("page %d: number %d, start %d does not locate its text", i+1, p.Number, p.Start)
		}
	}
}

// extractErr runs Extract expecting an *Error with code.
func extractErr(tb testing.TB, e *Extractor, ctx context.Context, data []byte, code string) *Error {
	tb.Helper()
	res, err := e.Extract(ctx, data, "")
	if err == nil {
		tb.Fatalf("Extract succeeded (type %s, %d bytes of text), want %s", res.Type, len(res.Text), code)
	}
	var xe *Error
	if !errors.As(err, &xe) {
		tb.Fatalf("error %T %v is not *Error", err, err)
	}
	if xe.Code != code {
		tb.Fatalf("code %s (%v), want %s", xe.Code, err, code)
	}
	return xe
}

// squash lowers case and collapses whitespace, for comparing OCR output.
func squash(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

func wantContains(tb testing.TB, text string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(squash(text), squash(w)) {
			tb.Errorf("text lacks %q; text:\n%s", w, text)
		}
	}
}

// scanLines are lines of testdata/scan.png (see testdata/README.md) that
// OCR must find.
var scanLines = []string{
	"Patient: Alice Testpatient",
	"Assessment: seasonal allergic rhinitis.",
	"Plan: cetirizine 10 mg by mouth once daily.",
}

// --- synthetic fixtures -----------------------------------------------------

// pdfPageSpec is one page of a generated PDF: text lines drawn in
// Helvetica, or a JPEG drawn over the whole page (a scan).
type pdfPageSpec struct {
	lines []string
	jpeg  []byte
	imgW  int
	imgH  int
	wPt   float64
	hPt   float64
}

// buildPDF writes a minimal, valid PDF 1.4 with the given pages.
func buildPDF(pages []pdfPageSpec) []byte {
	var buf bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) int {
		offsets = append(offsets, buf.Len())
		n := len(offsets)
		fmt.Fprintf(&buf, "%d 0 obj\n%s\n", n, body)
		if stream != nil {
			buf.WriteString("stream\n")
			buf.Write(stream)
			buf.WriteString("\nendstream\n")
		}
		buf.WriteString("endobj\n")
		return n
	}
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// Objects 1 and 2 are the catalog and page tree, written first with the
	// kids' numbers computed ahead: each page takes 2 objects, plus 1 for an image.
	next := 4
	var kids []string
	for _, p := range pages {
		kids = append(kids, fmt.Sprintf("%d 0 R", next))
		next += 2
		if p.jpeg != nil {
			next++
		}
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>", nil)
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)), nil)
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", nil)
	for _, p := range pages {
		w, h := p.wPt, p.hPt
		if w == 0 {
			w, h = 612, 792
		}
		self := len(offsets) + 1
		var content bytes.Buffer
		resources := "/Font << /F1 3 0 R >>"
		if p.jpeg != nil {
			fmt.Fprintf(&content, "q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q\n", w, h)
			resources = fmt.Sprintf("/XObject << /Im1 %d 0 R >>", self+2)
		} else {
			content.WriteString("BT /F1 12 Tf 14 TL 72 720 Td\n")
			for _, l := range p.lines {
				r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
				fmt.Fprintf(&content, "(%s) Tj T*\n", r.Replace(l))
			}
			content.WriteString("ET\n")
		}
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << %s >> /Contents %d 0 R >>", w, h, resources, self+1), nil)
		obj(fmt.Sprintf("<< /Length %d >>", content.Len()), content.Bytes())
		if p.jpeg != nil {
			obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>", p.imgW, p.imgH, len(p.jpeg)), p.jpeg)
		}
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return buf.Bytes()
}

// textPDF is a PDF of n pages, each with a few synthetic lines.
func textPDF(n int) []byte {
	pages := make([]pdfPageSpec, n)
	for i := range pages {
		pages[i].lines = []string{
			fmt.Sprintf("Synthetic progress note, page %d of %d", i+1, n),
			"Patient: Bob Examplepatient (synthetic)",
			"Blood pressure 120/80 mmHg, pulse 72 per minute.",
			"Continue lisinopril 10 mg daily (not a real prescription).",
		}
	}
	return buildPDF(pages)
}

// scanPNG decodes testdata/scan.png.
func scanImage(tb testing.TB) (image.Image, []byte) {
	tb.Helper()
	data := readFile(tb, "testdata/scan.png")
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	return img, data
}

func toJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// scannedPDF is a one-page PDF holding only the scan image: no text layer.
func scannedPDF(tb testing.TB) []byte {
	img, _ := scanImage(tb)
	b := img.Bounds()
	return buildPDF([]pdfPageSpec{{jpeg: toJPEG(tb, img), imgW: b.Dx(), imgH: b.Dy(), wPt: float64(b.Dx()) * 72 / 200, hPt: float64(b.Dy()) * 72 / 200}})
}

// zipFile is one entry of a generated ZIP.
type zipFile struct {
	name string
	body string
}

func buildZip(tb testing.TB, files ...zipFile) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(f.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

const wmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">`

// docxFiles are the boilerplate parts of a Word document around body.
func docxFiles(body string) []zipFile {
	return []zipFile{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", wmlHeader + `<w:body>` + body + `</w:body></w:document>`},
	}
}
