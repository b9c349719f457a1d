package extract

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Run with:
//
//	go test -run '^$' -bench 'PDFPages|OCR' -benchtime 10x ./pipeline/extract/
//
// BenchmarkOCRPage and BenchmarkOCRTesseractCLI read the same image
// (testdata/scan.png, a US Letter page at 200 DPI) in the same run, so their
// ms/page compare the in-process engine with the command line.

// BenchmarkPDFPages extracts whole PDFs with a text layer (pdfium in
// WebAssembly, one fresh instance per document as in production) and
// reports pages per second.
func BenchmarkPDFPages(b *testing.B) {
	e := testExtractor(b)
	docs := map[string][]byte{"synthetic-100p": textPDF(100)}
	for _, f := range []string{
		"/Unstructured/CDA_with_Embedded_PDF_1/C-CDA_R2_UD_sample.pdf",
		"/Unstructured/CDA_with_Embedded_PDF_2/McBee_L1_20151116_Embedded.pdf",
		"/Results/Result_with_Multiple_Reference_Ranges/164947.pdf",
	} {
		docs[strings.TrimSuffix(filepath.Base(f), ".pdf")] = readFile(b, documentsDir+f)
	}
	for name, data := range docs {
		b.Run(name, func(b *testing.B) {
			pages := 0
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				res, err := e.Extract(context.Background(), data, "")
				if err != nil {
					b.Fatal(err)
				}
				pages += len(res.Pages)
			}
			b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(pages), "ms/page")
		})
	}
}

// BenchmarkOCRPage times one page of OCR: straight through the pooled
// gosseract client, through Extract (adds sniffing and a full Go decode
// that proves the image intact), and a scanned PDF page (adds rendering at
// 300 DPI, so Tesseract reads a larger image).
func BenchmarkOCRPage(b *testing.B) {
	e := testExtractor(b)
	_, png := scanImage(b)
	run := func(b *testing.B, ocr func() (string, error)) {
		for b.Loop() {
			text, err := ocr()
			if err != nil {
				b.Fatal(err)
			}
			if !strings.Contains(text, "cetirizine") {
				b.Fatalf("OCR missed the text: %q", text)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/page")
	}
	b.Run("gosseract", func(b *testing.B) {
		run(b, func() (string, error) { return e.opts.OCR.Text(context.Background(), png) })
	})
	b.Run("extract-png", func(b *testing.B) {
		run(b, func() (string, error) {
			res, err := e.Extract(context.Background(), png, "")
			return res.Text, err
		})
	})
	pdf := scannedPDF(b)
	b.Run("extract-scanned-pdf", func(b *testing.B) {
		run(b, func() (string, error) {
			res, err := e.Extract(context.Background(), pdf, "")
			return res.Text, err
		})
	})
}

// BenchmarkOCRTesseractCLI runs the tesseract command on the same image,
// process start and model load included, as a shell pipeline would: with
// OpenMP as installed, and limited to one thread as the in-process engine
// is (see singleThreadOpenMP).
func BenchmarkOCRTesseractCLI(b *testing.B) {
	bin, err := exec.LookPath("tesseract")
	if err != nil {
		b.Skip("tesseract command not installed")
	}
	for _, c := range []struct{ name, env string }{{"default", ""}, {"omp-1-thread", "OMP_THREAD_LIMIT=1"}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(bin, "testdata/scan.png", "stdout", "-l", "eng")
				if c.env != "" {
					cmd.Env = append(os.Environ(), c.env)
				}
				out, err := cmd.Output()
				if err != nil {
					b.Fatal(err)
				}
				if !strings.Contains(string(out), "cetirizine") {
					b.Fatalf("OCR missed the text: %q", out)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/page")
		})
	}
}
