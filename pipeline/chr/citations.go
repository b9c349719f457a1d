package chr

import (
	"fmt"

	"github.com/kiln-health/kiln/fhir"
)

// Citation is one source of one statement of a CHR, as the statement's
// chr-statement extension records it.
type Citation struct {
	Section   string // the section's code (LOINC, or Kiln's for suggested codes)
	Statement string
	Reference string // "Condition/…", "DocumentReference/redacted-…"
	// Start and End are the cited code-point range of a redacted
	// document's text; -1 when a whole resource is cited.
	Start, End int
}

// Citations lists the citations of every statement of a CHR, in order: what
// a reviewer's screen shows beside each sentence, and what tests check
// against the sources.
func Citations(composition []byte) ([]Citation, error) {
	comp, err := fhir.ParseObject(composition)
	if err != nil {
		return nil, fmt.Errorf("chr: citations: %w", err)
	}
	var out []Citation
	for _, s := range list(comp, "section") {
		code := firstCode(get(s, "code"))
		for _, ext := range list(s, "extension") {
			if str(ext, "url") != ExtStatement {
				continue
			}
			var text string
			var cites []Citation
			for _, part := range list(ext, "extension") {
				switch str(part, "url") {
				case "text":
					text = str(part, "valueString")
				case "citation":
					c := Citation{Section: code, Start: -1, End: -1}
					for _, x := range list(part, "extension") {
						switch str(x, "url") {
						case "source":
							c.Reference = str(x, "valueReference", "reference")
						case "start":
							c.Start = intOf(get(x, "valueInteger"))
						case "end":
							c.End = intOf(get(x, "valueInteger"))
						}
					}
					cites = append(cites, c)
				}
			}
			for _, c := range cites {
				c.Statement = text
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// intOf reads a decoded JSON integer (json.Number or float64).
func intOf(v any) int {
	var n int
	if _, err := fmt.Sscan(fmt.Sprint(v), &n); err != nil {
		return -1
	}
	return n
}
