package document

import (
	"encoding/json"
	"sort"

	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/vault"
)

// SystemDateMethod is the meta.tag system that records, on a redacted
// DocumentReference, how its dates were redacted (code "token" or
// "shift").
const SystemDateMethod = "https://kiln.health/fhir/CodeSystem/redaction-date-method"

// Extensions of a redaction made with dates shifted: one ExtShiftedDate
// per shifted date, holding the vault token of its original and where the
// shifted date lies in the redacted text (byte offsets into the decoded
// attachment, end exclusive).
const (
	ExtShiftedDate = "https://kiln.health/fhir/StructureDefinition/shifted-date"
)

// shiftedDate is one shifted date of a redacted text.
type shiftedDate struct {
	Start, End int    // in the redacted text
	Token      string // the vault token of the original date
}

// redaction is a document's redacted text and its shifted dates.
type redaction struct {
	text    string
	shifted []shiftedDate
}

// redact replaces every span of text (sorted and non-overlapping, as
// phi.Merge returns them; an overlapping span is skipped, as phi.Redact
// does) with the patient's vault token, ages over 89 with "90+", and,
// with method DatesShift, each date it can parse with the date moved by
// shift days in the same format.
//
// $reidentify must give a shifted date's original back. Shifting back by
// the offset cannot do that reliably: day-first and month-first dates are
// ambiguous (04/03/2021), two-digit years lose their century, and the
// redacted text may hold dates the detector missed, which were never
// shifted. So a shifted date's original is stored in the vault like any
// other (mapping.Token, "[DATE_n]"), and the redaction records where each
// shifted date lies and which token holds its original (ExtShiftedDate):
// the vault maps shifted → original through that token.
func redact(text string, spans []phi.Span, mapping *vault.Mapping, method DateMethod, shift int) redaction {
	var out redaction
	buf := make([]byte, 0, len(text))
	prev := 0
	for _, s := range spans {
		if s.Start < prev || s.End > len(text) || s.End <= s.Start {
			continue
		}
		buf = append(buf, text[prev:s.Start]...)
		original := text[s.Start:s.End]
		switch {
		case s.Category == phi.Age:
			buf = append(buf, "90+"...)
		case s.Category == phi.Date && method == DatesShift:
			shifted, ok := shiftDate(original, shift)
			if !ok {
				buf = append(buf, mapping.Token(string(s.Category), original)...)
				break
			}
			tok := mapping.Token(string(s.Category), original)
			out.shifted = append(out.shifted, shiftedDate{Start: len(buf), End: len(buf) + len(shifted), Token: tok})
			buf = append(buf, shifted...)
		default:
			buf = append(buf, mapping.Token(string(s.Category), original)...)
		}
		prev = s.End
	}
	buf = append(buf, text[prev:]...)
	out.text = string(buf)
	return out
}

// shiftedExtension is the redaction's extension list for its shifted
// dates.
func shiftedExtension(dates []shiftedDate) []map[string]any {
	out := make([]map[string]any, len(dates))
	for i, d := range dates {
		out[i] = map[string]any{"url": ExtShiftedDate, "extension": []map[string]any{
			{"url": "token", "valueString": d.Token},
			{"url": "start", "valueInteger": d.Start},
			{"url": "end", "valueInteger": d.End},
		}}
	}
	return out
}

// parseShifted reads the shifted dates a redaction records, keeping those
// that lie within text, in order, without overlaps.
func parseShifted(raw json.RawMessage, textLen int) []shiftedDate {
	var exts []struct {
		URL       string `json:"url"`
		Extension []struct {
			URL          string `json:"url"`
			ValueString  string `json:"valueString"`
			ValueInteger *int   `json:"valueInteger"`
		} `json:"extension"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &exts) != nil {
		return nil
	}
	var out []shiftedDate
	for _, e := range exts {
		if e.URL != ExtShiftedDate {
			continue
		}
		d := shiftedDate{Start: -1, End: -1}
		for _, p := range e.Extension {
			switch {
			case p.URL == "token":
				d.Token = p.ValueString
			case p.URL == "start" && p.ValueInteger != nil:
				d.Start = *p.ValueInteger
			case p.URL == "end" && p.ValueInteger != nil:
				d.End = *p.ValueInteger
			}
		}
		if d.Token != "" && d.Start >= 0 && d.End > d.Start && d.End <= textLen {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	kept := out[:0]
	prev := 0
	for _, d := range out {
		if d.Start >= prev {
			kept = append(kept, d)
			prev = d.End
		}
	}
	return kept
}
