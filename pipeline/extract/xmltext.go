package extract

import (
	"context"
	"encoding/xml"
	"strings"
)

// readXML extracts the character data of an XML document that is not a
// C-CDA, one element's text per line. It knows nothing of the vocabulary, so
// it is a fallback: enough for search and PHI detection, not for reading.
func (e *Extractor) readXML(ctx context.Context, text string) ([]pageText, []string, *Error) {
	w := newXMLWalker(strings.NewReader(text), "XML document")
	out := newTextWriter()
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctxError(ctx); err != nil {
				return nil, nil, err
			}
		}
		tok, err := w.next()
		if isEOF(err) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			out.newline()
		case xml.CharData:
			out.text(string(t))
		}
	}
	return []pageText{{text: out.String()}}, nil, nil
}
