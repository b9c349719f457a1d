package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"sort"
	"strings"
)

const (
	docxMainPart = "word/document.xml"
	nsWML        = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsMC         = "http://schemas.openxmlformats.org/markup-compatibility/2006"

	// maxZipEntries bounds the archive's directory; Word writes a few dozen.
	maxZipEntries = 10000
	// maxCompressionRatio is far above what XML reaches (10–30×) and far
	// below what a zip bomb needs (1000× and up).
	maxCompressionRatio = 100
	// ratioFloor exempts small parts, where ratios are noisy and harmless.
	ratioFloor = 1 << 20
)

// readDOCX extracts a Word document's text: the body, then footnotes,
// endnotes, comments, headers and footers, since names and dates (PHI) often
// sit in headers. Only those XML parts are inflated, each through a reader
// that stops at the decompressed size limit, and entries whose declared
// compression ratio is absurd are refused before any inflation.
func (e *Extractor) readDOCX(ctx context.Context, data []byte) ([]pageText, []string, *Error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, wrapError(CodeCorrupt, err, "damaged ZIP archive")
	}
	if len(zr.File) > maxZipEntries {
		return nil, nil, newError(CodeDecompressionBomb, "ZIP archive has %d entries, over %d", len(zr.File), maxZipEntries)
	}
	parts := docxParts(zr.File)
	if parts == nil {
		return nil, nil, newError(CodeUnsupportedType, "ZIP archive that is not a Word (DOCX) document")
	}
	left := &budget{left: e.opts.MaxDecompressed}
	var sb strings.Builder
	for _, f := range parts {
		if err := ctxError(ctx); err != nil {
			return nil, nil, err
		}
		if err := checkZipEntry(f, left.left); err != nil {
			return nil, nil, err
		}
		text, err := e.readWMLPart(ctx, f, left)
		if err != nil {
			return nil, nil, err
		}
		if sb.Len() > 0 && strings.TrimSpace(text) != "" {
			sb.WriteString("\n\n")
		}
		sb.WriteString(text)
	}
	return []pageText{{text: sb.String()}}, nil, nil
}

// docxParts lists the parts that hold text, main document first, or nil
// when there is no main document.
func docxParts(files []*zip.File) []*zip.File {
	var main *zip.File
	var notes, others []*zip.File
	for _, f := range files {
		switch name := f.Name; {
		case name == docxMainPart:
			main = f
		case name == "word/footnotes.xml" || name == "word/endnotes.xml" || name == "word/comments.xml":
			notes = append(notes, f)
		case path.Dir(name) == "word" && path.Ext(name) == ".xml" &&
			(strings.HasPrefix(path.Base(name), "header") || strings.HasPrefix(path.Base(name), "footer")):
			others = append(others, f)
		}
	}
	byName := func(s []*zip.File) {
		sort.Slice(s, func(i, j int) bool { return s[i].Name < s[j].Name })
	}
	if main == nil {
		return nil
	}
	byName(notes)
	byName(others)
	return append(append([]*zip.File{main}, notes...), others...)
}

// checkZipEntry refuses an entry by its directory record alone.
func checkZipEntry(f *zip.File, left int64) *Error {
	if f.UncompressedSize64 > uint64(max(left, 0)) {
		return newError(CodeDecompressionBomb, "ZIP entry %s declares %d bytes uncompressed, over the decompressed size limit", f.Name, f.UncompressedSize64)
	}
	if f.UncompressedSize64 > ratioFloor && f.UncompressedSize64 > maxCompressionRatio*max(f.CompressedSize64, 1) {
		return newError(CodeDecompressionBomb, "ZIP entry %s expands %d bytes to %d (over %d×)", f.Name, f.CompressedSize64, f.UncompressedSize64, maxCompressionRatio)
	}
	return nil
}

// readWMLPart renders one WordprocessingML part: paragraphs end lines,
// w:tab and w:br are honoured, deleted text, field codes and the fallback
// copy of alternate content are skipped, and paragraph and run properties
// (which hold tab stops, not tabs) are ignored.
func (e *Extractor) readWMLPart(ctx context.Context, f *zip.File, left *budget) (string, *Error) {
	rc, err := f.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return "", wrapError(CodeUnsupportedType, err, "ZIP entry %s uses an unsupported compression method", f.Name)
		}
		return "", wrapError(CodeCorrupt, err, "damaged ZIP entry %s", f.Name)
	}
	defer rc.Close()
	w := newXMLWalker(&cappedReader{r: rc, left: left, name: f.Name}, "DOCX part "+f.Name)
	var sb strings.Builder
	inText := false
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctxError(ctx); err != nil {
				return "", err
			}
		}
		tok, err := w.next()
		if isEOF(err) {
			return sb.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space == nsMC && t.Name.Local == "Fallback" {
				if err := w.skip(); err != nil {
					return "", err
				}
				continue
			}
			if t.Name.Space != nsWML {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab", "ptab":
				sb.WriteByte('\t')
			case "br", "cr":
				sb.WriteByte('\n')
			case "noBreakHyphen":
				sb.WriteByte('-')
			case "pPr", "rPr", "sectPr", "tblPr", "trPr", "tcPr", "delText", "instrText", "del":
				if err := w.skip(); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			if t.Name.Space != nsWML {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				sb.WriteByte('\n')
			}
		case xml.CharData:
			if inText {
				sb.Write(t)
			}
		}
	}
}

// cappedReader charges what it reads to a shared budget and fails once the
// budget is spent, whatever sizes the ZIP directory declared.
type cappedReader struct {
	r    io.Reader
	left *budget
	name string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if e := c.left.take(n); e != nil {
		return n, &limitError{err: newError(CodeDecompressionBomb, "ZIP entry %s expands past the decompressed size limit", c.name)}
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, &limitError{err: wrapError(CodeCorrupt, err, "damaged ZIP entry %s", c.name)}
	}
	return n, err
}
