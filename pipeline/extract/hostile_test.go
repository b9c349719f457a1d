package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func newFlateWriter(tb testing.TB, w io.Writer) *flate.Writer {
	zw, err := flate.NewWriter(w, flate.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	return zw
}

// bombDOCX is a Word document whose main part is size bytes of one
// repeated character: it deflates about 1000 to 1.
func bombDOCX(tb testing.TB, size int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(docxMainPart)
	if err != nil {
		tb.Fatal(err)
	}
	io.WriteString(w, wmlHeader+"<w:body><w:p><w:r><w:t>")
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for written := 0; written < size; written += len(chunk) {
		w.Write(chunk)
	}
	io.WriteString(w, "</w:t></w:r></w:p></w:body></w:document>")
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostileDOCX(t *testing.T) {
	e := testExtractor(t)
	ctx := context.Background()

	// Over the decompressed limit (200 MiB) by its declared size.
	big := bombDOCX(t, 300<<20)
	t.Logf("300 MiB bomb is %d bytes", len(big))
	extractErr(t, e, ctx, big, CodeDecompressionBomb)

	// Under the limit, but expanding over 100×.
	extractErr(t, e, ctx, bombDOCX(t, 20<<20), CodeDecompressionBomb)

	// The directory lies: it declares a small entry that inflates to more.
	lying := bombDOCX(t, 4<<20)
	zr, _ := zip.NewReader(bytes.NewReader(lying), int64(len(lying)))
	var fixed bytes.Buffer
	zw := zip.NewWriter(&fixed)
	for _, f := range zr.File {
		raw, _ := f.OpenRaw()
		h := f.FileHeader
		h.UncompressedSize64 = h.CompressedSize64 // claims 1:1
		w, _ := zw.CreateRaw(&h)
		io.Copy(w, raw)
	}
	zw.Close()
	xe := extractErr(t, e, ctx, fixed.Bytes(), CodeCorrupt)
	t.Logf("lying sizes: %v", xe)

	// Many parts that add up over a small limit: the shared budget stops it.
	small := withOptions(t, func(o *Options) { o.MaxDecompressed = 64 << 10 })
	files := docxFiles(`<w:p><w:r><w:t>` + strings.Repeat("synthetic words ", 3000) + `</w:t></w:r></w:p>`)
	files = append(files, zipFile{"word/header1.xml", files[2].body})
	extractErr(t, small, ctx, buildZip(t, files...), CodeDecompressionBomb)

	// A truncated archive.
	good := buildZip(t, docxFiles(`<w:p><w:r><w:t>synthetic</w:t></w:r></w:p>`)...)
	extractErr(t, e, ctx, good[:len(good)/2], CodeCorrupt)

	// A ZIP that is not a Word document.
	extractErr(t, e, ctx, buildZip(t, zipFile{"content.xml", "<x/>"}), CodeUnsupportedType)

	// Malformed document.xml.
	broken := docxFiles(`<w:p><w:r><w:t>unclosed`)
	extractErr(t, e, ctx, buildZip(t, broken...), CodeCorrupt)
}

func TestHostilePDF(t *testing.T) {
	e := testExtractor(t)
	ctx := context.Background()
	sample := readFile(t, documentsDir+"/Unstructured/CDA_with_Embedded_PDF_1/C-CDA_R2_UD_sample.pdf")

	// Truncated: the header survives, the body does not.
	for _, n := range []int{20, 1000, len(sample) / 50} {
		extractErr(t, e, ctx, sample[:n], CodeCorrupt)
	}
	// Page limit, enforced before any page is read.
	limited := withOptions(t, func(o *Options) { o.MaxPages = 10 })
	xe := extractErr(t, limited, ctx, textPDF(11), CodeTooManyPages)
	if !strings.Contains(xe.Reason, "11 pages") {
		t.Errorf("reason %q does not give the page count", xe.Reason)
	}
	extract(t, limited, textPDF(10), "")

	// Garbage after a PDF header.
	junk := append([]byte("%PDF-1.7\n"), randomBytes(64<<10, 1)...)
	extractErr(t, e, ctx, junk, CodeCorrupt)

	// A page so large that rendering it for OCR would exceed the pixel
	// limit even at the lowest useful DPI: warned about, not rendered.
	img, _ := scanImage(t)
	b := img.Bounds()
	huge := buildPDF([]pdfPageSpec{{jpeg: toJPEG(t, img), imgW: b.Dx(), imgH: b.Dy(), wPt: 14400, hPt: 14400}})
	res := extract(t, e, huge, "")
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "too large to OCR") {
		t.Errorf("warnings %q", res.Warnings)
	}

	// Already past its deadline: the instance is killed, the call returns.
	dead, cancel := context.WithTimeout(ctx, -time.Second)
	defer cancel()
	extractErr(t, e, dead, sample, CodeTimeout)
	canceled, cancel2 := context.WithCancel(ctx)
	cancel2()
	xe = extractErr(t, e, canceled, sample, CodeCanceled)
	if xe.Permanent() {
		t.Error("cancellation reported as the document's fault")
	}
	// The engine still works afterwards.
	extract(t, e, sample, "")
}

// A deadline that expires while pdfium is working kills its instance.
func TestPDFDeadlineMidDocument(t *testing.T) {
	e := withOptions(t, func(o *Options) { o.MaxPages = 5000 })
	data := textPDF(3000)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	extractErr(t, e, ctx, data, CodeTimeout)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to give up", d)
	}
	extract(t, e, textPDF(2), "")
}

func TestHostileImages(t *testing.T) {
	e := testExtractor(t)
	ctx := context.Background()
	_, png := scanImage(t)
	extractErr(t, e, ctx, png[:len(png)/2], CodeCorrupt)
	extractErr(t, e, ctx, png[:40], CodeCorrupt)

	// Pixel limit from the header, before decoding.
	small := withOptions(t, func(o *Options) { o.MaxImagePixels = 1 << 20 })
	extractErr(t, small, ctx, png, CodeTooLarge)

	img, _ := scanImage(t)
	jpg := toJPEG(t, img)
	extractErr(t, e, ctx, jpg[:len(jpg)/3], CodeCorrupt)

	tiff := readFile(t, "testdata/scan-2p.tiff")
	extractErr(t, e, ctx, tiff[:len(tiff)/2], CodeCorrupt)
	onePage := withOptions(t, func(o *Options) { o.MaxPages = 1 })
	extractErr(t, onePage, ctx, tiff, CodeTooManyPages)
	// A directory chain that loops back on itself.
	if _, err := parseTIFF(loopTIFF(tiff), 100); err == nil || err.Code != CodeCorrupt {
		t.Errorf("looping TIFF: %v", err)
	}
}

// loopTIFF points the last page's next-directory offset at the first page.
func loopTIFF(tiff []byte) []byte {
	t, err := parseTIFF(tiff, 100)
	if err != nil {
		panic(err)
	}
	b := bytes.Clone(tiff)
	last := t.pages[len(t.pages)-1].ifd
	n := uint32(t.order.Uint16(b[last:]))
	t.order.PutUint32(b[last+2+12*n:], t.pages[0].ifd)
	return b
}

func TestHostileXML(t *testing.T) {
	e := testExtractor(t)
	ctx := context.Background()
	cda := func(body string) []byte {
		return []byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><title>T</title><component><structuredBody>` + body + `</structuredBody></component></ClinicalDocument>`)
	}
	// Deep nesting, in the narrative and in a generic document.
	deep := strings.Repeat("<component><section>", 200) + strings.Repeat("</section></component>", 200)
	extractErr(t, e, ctx, cda(deep), CodeCorrupt)
	extractErr(t, e, ctx, []byte(strings.Repeat("<x>", 100000)+strings.Repeat("</x>", 100000)), CodeCorrupt)
	// Malformed: unclosed and mismatched elements, bad entity, truncated.
	extractErr(t, e, ctx, cda(`<component><section><title>x</title>`), CodeCorrupt)
	extractErr(t, e, ctx, cda(`<component><section><text>a</b></text></section></component>`), CodeCorrupt)
	extractErr(t, e, ctx, cda(`<component><section><text>&undefined;</text></section></component>`), CodeCorrupt)
	care := readFile(t, documentsDir+"/Documents/Care_Plan/Care_Plan.xml")
	extractErr(t, e, ctx, care[:len(care)/2], CodeCorrupt)
	// Billion laughs: encoding/xml reads no DTD, so entities stay undefined.
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
		`<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol2;</title></ClinicalDocument>`
	extractErr(t, e, ctx, []byte(laughs), CodeCorrupt)
	// Bad base64 and a compressed bomb in a nonXMLBody.
	body := func(attrs, payload string) []byte {
		return []byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><component><nonXMLBody><text mediaType="text/plain" ` + attrs + `>` + payload + `</text></nonXMLBody></component></ClinicalDocument>`)
	}
	extractErr(t, e, ctx, body(`representation="B64"`, "!!!not base64!!!"), CodeCorrupt)
	var z bytes.Buffer
	zw := newFlateWriter(t, &z)
	zeros := make([]byte, 1<<20)
	for range 60 {
		zw.Write(zeros)
	}
	zw.Close()
	extractErr(t, e, ctx, body(`representation="B64" compression="DF"`, base64.StdEncoding.EncodeToString(z.Bytes())), CodeDecompressionBomb)
}

func TestHostileMisc(t *testing.T) {
	e := testExtractor(t)
	ctx := context.Background()
	for seed := range uint64(20) {
		data := randomBytes(4096+int(seed)*100, seed)
		res, err := e.Extract(ctx, data, "application/pdf")
		if err == nil {
			t.Errorf("seed %d: random bytes extracted as %s", seed, res.Type)
			continue
		}
		if xe := err.(*Error); xe.Code != CodeUnsupportedType && xe.Code != CodeCorrupt {
			t.Errorf("seed %d: %v", seed, err)
		}
	}
	extractErr(t, e, ctx, randomBytes(8192, 99), CodeUnsupportedType)
	extractErr(t, e, ctx, nil, CodeCorrupt)
	extractErr(t, e, ctx, []byte(" \n\t "), CodeCorrupt)
	extractErr(t, e, ctx, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an old .doc"), CodeUnsupportedType)
	extractErr(t, e, ctx, []byte(`{\rtf1\ansi synthetic}`), CodeUnsupportedType)

	limited := withOptions(t, func(o *Options) { o.MaxBytes = 1 << 20 })
	xe := extractErr(t, limited, ctx, bytes.Repeat([]byte("a"), 1<<20+1), CodeTooLarge)
	if !xe.Permanent() {
		t.Error("too-large is the document's fault")
	}
	extract(t, limited, bytes.Repeat([]byte("a "), 1<<19), "")
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
