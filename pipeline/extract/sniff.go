package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"

	"golang.org/x/net/html/atom"
)

// Media types Extract reports in Result.Type. TypeCDA is the IANA
// registration for HL7 CDA documents (application/cda+xml).
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeText = "text/plain"
	TypeHTML = "text/html"
	TypeXML  = "application/xml"
	TypeCDA  = "application/cda+xml"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeTIFF = "image/tiff"
)

const (
	nsHL7V3 = "urn:hl7-org:v3"
	nsXHTML = "http://www.w3.org/1999/xhtml"
)

// sniffed is what the bytes turned out to be. For the text-based types, text
// holds the content decoded to UTF-8, so the parsers never see another
// encoding.
type sniffed struct {
	typ  string
	text string
	warn string
}

// sniff decides the type from the content alone: magic numbers for the binary
// formats, then a text decoding and a look at the markup. The client's
// declared type is never consulted, since a mislabelled upload (or a hostile
// one) must not pick its own parser.
func sniff(data []byte) (sniffed, *Error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return sniffed{}, newError(CodeCorrupt, "the document is empty")
	}
	head := data[:min(len(data), 1024)]
	switch {
	case bytes.Contains(head, []byte("%PDF-")):
		// The PDF specification lets readers accept junk before the header;
		// pdfium does, so the first KiB counts.
		return sniffed{typ: TypePDF}, nil
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return sniffZip(data)
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return sniffed{typ: TypePNG}, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return sniffed{typ: TypeJPEG}, nil
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return sniffed{typ: TypeTIFF}, nil
	}
	if name, ok := knownBinary(data); ok {
		return sniffed{}, newError(CodeUnsupportedType, "%s documents are not supported", name)
	}
	text, warn, ok := decodeText(data)
	if !ok {
		return sniffed{}, newError(CodeUnsupportedType, "binary content of an unknown type")
	}
	if strings.HasPrefix(text, `{\rtf`) {
		return sniffed{}, newError(CodeUnsupportedType, "RTF documents are not supported")
	}
	return sniffed{typ: classifyText(text), text: text, warn: warn}, nil
}

// knownBinary names formats we recognise but do not read, so the Task says
// what the file was rather than "unknown".
func knownBinary(data []byte) (string, bool) {
	for _, m := range []struct{ magic, name string }{
		{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "legacy Microsoft Office (OLE2, .doc/.xls)"},
		{"GIF87a", "GIF image"},
		{"GIF89a", "GIF image"},
		{"II+\x00", "BigTIFF image"},
		{"MM\x00+", "BigTIFF image"},
		{"BM", "BMP image"},
		{"\x1F\x8B", "gzip-compressed"},
		{"7z\xBC\xAF\x27\x1C", "7-Zip archive"},
		{"Rar!\x1A\x07", "RAR archive"},
		{"DICM", "DICOM"},
	} {
		if strings.HasPrefix(string(data[:min(len(data), 16)]), m.magic) {
			return m.name, true
		}
	}
	// DICOM files carry their magic after a 128-byte preamble.
	if len(data) > 132 && string(data[128:132]) == "DICM" {
		return "DICOM", true
	}
	return "", false
}

// sniffZip accepts a ZIP only when it is a Word document. Reading the central
// directory is cheap and decompresses nothing.
func sniffZip(data []byte) (sniffed, *Error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return sniffed{}, wrapError(CodeCorrupt, err, "damaged ZIP archive")
	}
	for _, f := range zr.File {
		if f.Name == docxMainPart {
			return sniffed{typ: TypeDOCX}, nil
		}
	}
	return sniffed{}, newError(CodeUnsupportedType, "ZIP archive that is not a Word (DOCX) document")
}

// classifyText tells C-CDA, HTML, other XML and plain text apart by the first
// element, not by file extension or declared type.
func classifyText(text string) string {
	trimmed := strings.TrimLeft(text, " \t\r\n")
	if !strings.HasPrefix(trimmed, "<") {
		return TypeText
	}
	looksHTML := strings.HasPrefix(http.DetectContentType([]byte(trimmed[:min(len(trimmed), 512)])), "text/html")
	root, ok := xmlRoot(trimmed)
	switch {
	case !ok && looksHTML:
		return TypeHTML
	case !ok:
		return TypeText
	case root.Space == nsHL7V3 && root.Local == "ClinicalDocument":
		return TypeCDA
	case strings.EqualFold(root.Local, "html") && (root.Space == "" || root.Space == nsXHTML):
		return TypeHTML
	case root.Space == "" && atom.Lookup([]byte(strings.ToLower(root.Local))) != 0 && looksHTML:
		// An HTML fragment (<div>, <p>, <table>) that happens to be
		// well-formed XML.
		return TypeHTML
	}
	return TypeXML
}

// xmlRoot returns the name of the first element, reading no further.
func xmlRoot(text string) (xml.Name, bool) {
	d := newXMLDecoder(strings.NewReader(text))
	for range 1000 {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}, false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, true
		}
	}
	return xml.Name{}, false
}
