package extract

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPDFTextLayer(t *testing.T) {
	e := testExtractor(t)
	data := readFile(t, documentsDir+"/Unstructured/CDA_with_Embedded_PDF_1/C-CDA_R2_UD_sample.pdf")
	res := extract(t, e, data, "application/pdf")
	if res.Type != TypePDF || len(res.Pages) != 3 {
		t.Fatalf("type %s, %d pages; want PDF, 3", res.Type, len(res.Pages))
	}
	for _, p := range res.Pages {
		if p.OCR {
			t.Errorf("page %d was OCR'd though it has a text layer", p.Number)
		}
	}
	wantContains(t, res.Pages[0].Text, "Community Health Hospital", "Patient Name: Levin, Henry L.", "Hypercholesterolemia.")
	if strings.Contains(res.Text, "\r") {
		t.Error("text keeps carriage returns")
	}
	if n := strings.Count(res.Text, "\f"); n != 2 {
		t.Errorf("%d page separators, want 2", n)
	}
}

func TestPDFGenerated(t *testing.T) {
	e := testExtractor(t)
	res := extract(t, e, textPDF(3), "")
	if len(res.Pages) != 3 {
		t.Fatalf("%d pages, want 3", len(res.Pages))
	}
	wantContains(t, res.Pages[2].Text, "Synthetic progress note, page 3 of 3", "lisinopril 10 mg daily (not a real prescription)")

	// A blank page is neither OCR'd nor warned about.
	res = extract(t, e, buildPDF([]pdfPageSpec{{lines: []string{"Before the blank page"}}, {}, {lines: []string{"After it"}}}), "")
	if len(res.Pages) != 3 || res.Pages[1].OCR || res.Pages[1].Text != "" || len(res.Warnings) != 0 {
		t.Errorf("pages %+v warnings %q", res.Pages, res.Warnings)
	}
}

// A PDF whose only page is an image goes through OCR.
func TestPDFScannedPageOCR(t *testing.T) {
	e := testExtractor(t)
	res := extract(t, e, scannedPDF(t), "application/pdf")
	if len(res.Pages) != 1 || !res.Pages[0].OCR {
		t.Fatalf("pages %+v; want one OCR'd page", res.Pages)
	}
	wantContains(t, res.Text, scanLines...)
}

// Mixed document: a text page, then a scanned page; only the second is OCR'd.
func TestPDFMixedPages(t *testing.T) {
	e := testExtractor(t)
	img, _ := scanImage(t)
	b := img.Bounds()
	data := buildPDF([]pdfPageSpec{
		{lines: []string{"Cover sheet for a synthetic fax"}},
		{jpeg: toJPEG(t, img), imgW: b.Dx(), imgH: b.Dy(), wPt: 612, hPt: 792},
	})
	res := extract(t, e, data, "")
	if len(res.Pages) != 2 || res.Pages[0].OCR || !res.Pages[1].OCR {
		t.Fatalf("pages %+v; want text then OCR", res.Pages)
	}
	wantContains(t, res.Pages[0].Text, "Cover sheet for a synthetic fax")
	wantContains(t, res.Pages[1].Text, scanLines...)
}

func TestPDFScannedWithoutOCR(t *testing.T) {
	e := withOptions(t, func(o *Options) { o.OCR = nil })
	res := extract(t, e, scannedPDF(t), "")
	if res.Text != "" || len(res.Warnings) == 0 || !strings.Contains(strings.Join(res.Warnings, "\n"), "OCR is disabled") {
		t.Fatalf("text %q warnings %q; want empty text and an OCR warning", res.Text, res.Warnings)
	}
}

func TestPNG(t *testing.T) {
	e := testExtractor(t)
	_, data := scanImage(t)
	res := extract(t, e, data, "image/png")
	if res.Type != TypePNG || len(res.Pages) != 1 || !res.Pages[0].OCR {
		t.Fatalf("type %s pages %+v", res.Type, res.Pages)
	}
	wantContains(t, res.Text, scanLines...)
}

func TestJPEG(t *testing.T) {
	e := testExtractor(t)
	img, _ := scanImage(t)
	res := extract(t, e, toJPEG(t, img), "image/jpeg")
	if res.Type != TypeJPEG {
		t.Fatalf("type %s", res.Type)
	}
	wantContains(t, res.Text, scanLines...)
}

// testdata/scan-2p.tiff has two pages; both are read.
func TestTIFFMultiPage(t *testing.T) {
	e := testExtractor(t)
	res := extract(t, e, readFile(t, "testdata/scan-2p.tiff"), "image/tiff")
	if res.Type != TypeTIFF || len(res.Pages) != 2 {
		t.Fatalf("type %s, %d pages; want TIFF, 2", res.Type, len(res.Pages))
	}
	wantContains(t, res.Pages[0].Text, scanLines...)
	wantContains(t, res.Pages[1].Text, "Page two of a synthetic fax", "No known drug allergies.")
}

func TestImageWithoutOCR(t *testing.T) {
	e := withOptions(t, func(o *Options) { o.OCR = nil })
	_, data := scanImage(t)
	extractErr(t, e, context.Background(), data, CodeOCRUnavailable)
}

func TestDOCX(t *testing.T) {
	e := testExtractor(t)
	body := `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
		`<w:r><w:t>Patient:</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">Carol  Synthetic</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>Line one</w:t><w:br/><w:t>line two</w:t></w:r></w:p>` +
		`<w:p><w:del><w:r><w:delText>deleted words</w:delText></w:r></w:del><w:ins><w:r><w:t>inserted words</w:t></w:r></w:ins></w:p>` +
		`<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>7</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Sodium</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>140 mmol/L</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:t>Text box once</w:t></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><w:t>Text box once</w:t></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>`
	files := append(docxFiles(body),
		zipFile{"word/header1.xml", `<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:r><w:t>Synthetic Clinic letterhead</w:t></w:r></w:p></w:hdr>`},
		zipFile{"word/media/image1.xml", `<not-text>ignored</not-text>`},
	)
	res := extract(t, e, buildZip(t, files...), "application/octet-stream")
	if res.Type != TypeDOCX {
		t.Fatalf("type %s", res.Type)
	}
	want := "Patient:\tCarol  Synthetic\nLine one\nline two\ninserted words\n7\nSodium\n140 mmol/L\nText box once\n\nSynthetic Clinic letterhead"
	if res.Text != want {
		t.Errorf("text\n%q\nwant\n%q", res.Text, want)
	}
}

func TestPlainText(t *testing.T) {
	e := testExtractor(t)
	res := extract(t, e, []byte("\xEF\xBB\xBFSynthetic note\r\nLine 2   \r\n\r\n\r\n\r\nLine 3\n"), "text/plain")
	if res.Type != TypeText || res.Text != "Synthetic note\nLine 2\n\nLine 3" {
		t.Fatalf("type %s text %q", res.Type, res.Text)
	}

	// UTF-16 with a byte-order mark, as Windows tools write it.
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "Naïve café note" {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	if res := extract(t, e, utf16, ""); res.Text != "Naïve café note" {
		t.Errorf("UTF-16: %q", res.Text)
	}

	// Windows-1252 from an old system: decoded, with a warning.
	res = extract(t, e, []byte("Caf\xe9 \x93quoted\x94"), "")
	if res.Text != "Café “quoted”" || len(res.Warnings) == 0 {
		t.Errorf("Windows-1252: %q %q", res.Text, res.Warnings)
	}
}

func TestHTML(t *testing.T) {
	e := testExtractor(t)
	page := `<!DOCTYPE html><html><head><title>Visit summary</title><style>p{color:red}</style>
<script>var secret = "not text";</script></head><body>
<h1>Synthetic   visit</h1><p>Patient: Dana&nbsp;Example<br>DOB 1980-02-02</p>
<table><tr><th>Test</th><th>Result</th></tr><tr><td>Glucose</td><td>5.4 mmol/L</td></tr></table>
<pre>  pre  formatted
  block</pre><ul><li>one</li><li>two</li></ul></body></html>`
	res := extract(t, e, []byte(page), "text/plain")
	if res.Type != TypeHTML {
		t.Fatalf("type %s", res.Type)
	}
	want := "Visit summary\nSynthetic visit\nPatient: Dana Example\nDOB 1980-02-02\nTest\tResult\nGlucose\t5.4 mmol/L\n  pre  formatted\n  block\none\ntwo"
	if res.Text != want {
		t.Errorf("text\n%q\nwant\n%q", res.Text, want)
	}
	if strings.Contains(res.Text, "secret") || strings.Contains(res.Text, "color") {
		t.Error("script or style leaked into the text")
	}
}

func TestGenericXML(t *testing.T) {
	e := testExtractor(t)
	res := extract(t, e, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><note><to>Synthetic Clinic</to><body>Call   back <b>today</b></body></note>`), "")
	if res.Type != TypeXML || res.Text != "Synthetic Clinic\nCall back\ntoday" {
		t.Fatalf("type %s text %q", res.Type, res.Text)
	}
}

// The client's declared type never chooses the parser.
func TestDeclaredTypeIgnored(t *testing.T) {
	e := testExtractor(t)
	cases := []struct {
		name, declared, want string
		data                 []byte
	}{
		{"pdf as text", "text/plain", TypePDF, textPDF(1)},
		{"text as pdf", "application/pdf", TypeText, []byte("just a synthetic note")},
		{"html as docx", TypeDOCX, TypeHTML, []byte("<html><body><p>synthetic</p></body></html>")},
		{"docx as image", "image/png", TypeDOCX, buildZip(t, docxFiles(`<w:p><w:r><w:t>synthetic</w:t></w:r></w:p>`)...)},
		{"cda as html", "text/html", TypeCDA, readFile(t, documentsDir+"/Documents/Care_Plan/Care_Plan.xml")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := extract(t, e, c.data, c.declared)
			if res.Type != c.want {
				t.Fatalf("type %s, want %s", res.Type, c.want)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), "does not match the content") {
				t.Errorf("no mismatch warning: %q", res.Warnings)
			}
		})
	}
	// A right or generic declaration is no warning.
	for _, declared := range []string{"application/pdf", "application/octet-stream", ""} {
		if res := extract(t, e, textPDF(1), declared); len(res.Warnings) != 0 {
			t.Errorf("declared %q: warnings %q", declared, res.Warnings)
		}
	}
}

func TestOCRTimeout(t *testing.T) {
	e := testExtractor(t)
	_, data := scanImage(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	extractErr(t, e, ctx, data, CodeTimeout)
	if d := time.Since(start); d > time.Second {
		t.Errorf("timeout took %v to return", d)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"\n\n  indented\t \r\nnext\u00a0word\n\n\n\nend  \n": "  indented\nnext word\n\nend",
		"a\x07b\ufeffc\fd": "abc\nd",
		"bad \xff utf8":    "bad \uFFFD utf8",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
	if bytes.Contains([]byte(normalize("x\r\ny")), []byte("\r")) {
		t.Error("CR kept")
	}
}

// fakeOCR stands in for Tesseract where the engine's behaviour is the
// point: failures, panics.
type fakeOCR func(ctx context.Context, image []byte) (string, error)

func (f fakeOCR) Text(ctx context.Context, image []byte) (string, error) { return f(ctx, image) }

func TestOCRFailures(t *testing.T) {
	_, png := scanImage(t)
	failing := withOptions(t, func(o *Options) {
		o.OCR = fakeOCR(func(context.Context, []byte) (string, error) { return "", errors.New("model missing") })
	})
	xe := extractErr(t, failing, context.Background(), png, CodeOCRUnavailable)
	if xe.Permanent() {
		t.Error("an OCR engine failure is not the document's fault")
	}
	panicking := withOptions(t, func(o *Options) {
		o.OCR = fakeOCR(func(context.Context, []byte) (string, error) { panic("engine bug") })
	})
	xe = extractErr(t, panicking, context.Background(), png, CodeCorrupt)
	if !strings.Contains(xe.Reason, "engine bug") {
		t.Errorf("reason %q", xe.Reason)
	}
}

// One Extractor serves concurrent callers (the worker pool) correctly.
func TestConcurrent(t *testing.T) {
	e := withOptions(t, func(o *Options) {
		o.OCR = fakeOCR(func(context.Context, []byte) (string, error) { return "fake OCR text", nil })
	})
	inputs := map[string][]byte{
		"fake OCR text":            scannedPDF(t),
		"page 2 of 2":              textPDF(2),
		"a plain synthetic note":   []byte("a plain synthetic note"),
		"synthetic docx paragraph": buildZip(t, docxFiles(`<w:p><w:r><w:t>synthetic docx paragraph</w:t></w:r></w:p>`)...),
		"synthetic html paragraph": []byte("<html><body><p>synthetic html paragraph</p></body></html>"),
	}
	var wg sync.WaitGroup
	for range 4 {
		for want, data := range inputs {
			wg.Go(func() {
				res, err := e.Extract(context.Background(), data, "")
				if err != nil || !strings.Contains(res.Text, want) {
					t.Errorf("want %q: text %q err %v", want, res.Text, err)
				}
			})
		}
	}
	wg.Wait()
}
