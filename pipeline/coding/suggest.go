package coding

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Suggestion is one proposed code with the text that supports it. It is a
// proposal for a clinician to accept or reject, never a coded fact.
type Suggestion struct {
	Code       Code
	Confidence float64 // 0..1
	// Start and End are Unicode code-point offsets of the supporting span
	// in the input (end exclusive): the text given to SuggestText, or for
	// Basis "condition" the display text in Evidence.
	Start, End int
	// Evidence is the span's text; for Basis "condition" it is the whole
	// display text the code came from.
	Evidence string
	Basis    string // BasisText or BasisCondition
}

// Suggestion bases.
const (
	BasisText      = "text"
	BasisCondition = "condition"
)

// mention is one lexicon match in token positions [a, b).
type mention struct {
	a, b  int
	code  int32
	conf  float64
	isBMI bool
}

// SuggestText proposes codes for the conditions a text mentions about its
// patient: one suggestion per code (its best-supported mention), in text
// order. Negated mentions and mentions that name a test or vaccine are left
// out; hedged ones get a lower confidence; conditions of relatives become
// family-history codes (ICD-10-CM Z80–Z84) or are left out. Vault tokens
// ("[NAME_1]") are never part of a match.
func (t *Table) SuggestText(text string) []Suggestion {
	return t.suggest(text, BasisText)
}

func (t *Table) suggest(text, basis string) []Suggestion {
	toks := tokenize(text)
	if len(toks) == 0 {
		return nil
	}
	ms := t.scan(toks)
	if len(ms) == 0 {
		return nil
	}
	covered := make([]bool, len(toks))
	for _, m := range ms {
		for i := m.a; i < m.b; i++ {
			covered[i] = true
		}
	}
	cues := findCues(toks, covered)

	best := map[int32]int{} // code → index in out
	var out []Suggestion
	for _, m := range ms {
		mc := contextOf(toks, cues, m.a, m.b)
		if mc.negated || mc.notCondition || mc.other {
			continue
		}
		code, conf := m.code, m.conf*mc.factor
		if mc.family {
			fh := t.familyHistory(code)
			if fh < 0 {
				continue
			}
			if fh != code {
				code, conf = fh, conf*familyFactor
			}
		}
		from, to := mc.from, mc.to
		if !mc.family && mc.factor == 1 {
			from, to = m.a, m.b
		}
		s := Suggestion{
			Code:       t.codes[code],
			Confidence: round2(conf),
			Start:      toks[from].start,
			End:        toks[to-1].end,
			Evidence:   text[toks[from].bstart:toks[to-1].bend],
			Basis:      basis,
		}
		if i, seen := best[code]; seen {
			if s.Confidence > out[i].Confidence {
				out[i] = s
			}
			continue
		}
		best[code] = len(out)
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int { return a.Start - b.Start })
	return out
}

// familyHistory is the code to propose for a relative's condition: the
// condition's family-history code, the code itself when it already is one
// (Z80–Z84), or -1.
func (t *Table) familyHistory(code int32) int32 {
	c := t.codes[code].Code
	if t.system != ICD10CMSystem {
		return -1
	}
	if c >= "Z80" && c < "Z85" {
		return code
	}
	fh := familyHistoryCode(c)
	if fh == "" {
		return -1
	}
	i, ok := t.index[fh]
	if !ok {
		return -1
	}
	return int32(i)
}

// scan finds the lexicon's mentions, leftmost-longest and without overlap:
// at each word the trie is walked as far as the text follows it and the
// longest complete form wins, so "type 2 diabetes mellitus with diabetic
// chronic kidney disease" is one mention of E11.22, not E11.9 and N18.9.
// A mention stays inside one sentence and never spans a vault token.
func (t *Table) scan(toks []token) []mention {
	l := t.lex
	var out []mention
	for i := 0; i < len(toks); {
		if toks[i].placeholder {
			i++
			continue
		}
		if m, ok := t.bmiAt(toks, i); ok {
			out = append(out, m)
			i = m.b
			continue
		}
		node, hit, end := int32(0), int32(-1), 0
		for j := i; j < len(toks); j++ {
			if toks[j].placeholder || toks[j].sent != toks[i].sent {
				break
			}
			next, ok := l.child(node, toks[j].norm)
			if !ok {
				break
			}
			node = next
			if e := l.terminal[node]; e >= 0 {
				hit, end = e, j+1
			}
		}
		if hit < 0 {
			i++
			continue
		}
		e := l.entries[hit]
		out = append(out, mention{a: i, b: end, code: e.code, conf: e.conf})
		i = end
	}
	return out
}

// bmiAt reads an adult BMI value at token i ("BMI 32.4", "body mass index
// of 41", "BMI: 28") as its Z68 code. A range ("BMI 30+") or a percentile
// (children's BMI) is not a value.
func (t *Table) bmiAt(toks []token, i int) (mention, bool) {
	l := t.lex
	if len(l.bmi) == 0 {
		return mention{}, false
	}
	j := i
	switch {
	case toks[i].norm == "bmi":
		j = i + 1
	case i+2 < len(toks) && toks[i].norm == "body" && toks[i+1].norm == "mass" && toks[i+2].norm == "index":
		j = i + 3
		if j < len(toks) && toks[j].norm == "bmi" {
			j++
		}
	default:
		return mention{}, false
	}
	for skip := 0; j < len(toks) && skip < 2 && !toks[j].num; skip++ {
		switch toks[j].norm {
		case "of", "is", "was", "now", "today", "currently", "at", "about", "approximately", "around":
			j++
		default:
			return mention{}, false
		}
	}
	if j >= len(toks) || !toks[j].num || toks[j].plus || toks[j].sent != toks[i].sent {
		return mention{}, false
	}
	if j+1 < len(toks) && (toks[j+1].norm == "percentile" || toks[j+1].norm == "th") {
		return mention{}, false
	}
	v, err := strconv.ParseFloat(toks[j].norm, 64)
	if err != nil {
		return mention{}, false
	}
	band := bmiBand(v)
	if band < 0 {
		return mention{}, false
	}
	return mention{a: i, b: j + 1, code: l.bmi[band], conf: 0.9, isBMI: true}, true
}

// SuggestCondition proposes codes for a FHIR R4 Condition (JSON). An
// ICD-10-CM coding already present (in a table of another system: a coding
// of that system) is returned as it is, with confidence 1, if the table
// knows it. Otherwise code.text and each coding's display are matched like
// text: Evidence is the display text and [Start, End) the supporting span
// in it. A refuted or entered-in-error Condition gives nothing; a
// provisional or differential one gets a hedged confidence. Input that is
// not a Condition gives nothing.
func (t *Table) SuggestCondition(condition []byte) []Suggestion {
	var c struct {
		ResourceType       string `json:"resourceType"`
		Code               *codeableConcept
		VerificationStatus *codeableConcept `json:"verificationStatus"`
	}
	if err := json.Unmarshal(condition, &c); err != nil || c.ResourceType != "Condition" || c.Code == nil {
		return nil
	}
	factor := 1.0
	if c.VerificationStatus != nil {
		for _, v := range c.VerificationStatus.Coding {
			switch v.Code {
			case "refuted", "entered-in-error":
				return nil
			case "provisional", "differential", "unconfirmed":
				factor = hedgeFactor
			}
		}
	}

	var out []Suggestion
	for _, cd := range c.Code.Coding {
		if cd.System != t.system {
			continue
		}
		code, ok := t.Lookup(cd.Code)
		if !ok {
			continue
		}
		ev := cd.Display
		if ev == "" {
			ev = cd.Code
		}
		out = append(out, Suggestion{Code: code, Confidence: round2(factor), End: utf8.RuneCountInString(ev), Evidence: ev, Basis: BasisCondition})
	}
	if len(out) > 0 {
		return out
	}

	texts := []string{c.Code.Text}
	for _, cd := range c.Code.Coding {
		texts = append(texts, cd.Display)
	}
	seen := map[string]bool{}
	best := map[string]int{}
	for _, text := range texts {
		if text == "" || seen[text] {
			continue
		}
		seen[text] = true
		for _, s := range t.suggest(text, BasisCondition) {
			s.Evidence = text
			s.Confidence = round2(s.Confidence * factor)
			if i, dup := best[s.Code.Code]; dup {
				if s.Confidence > out[i].Confidence {
					out[i] = s
				}
				continue
			}
			best[s.Code.Code] = len(out)
			out = append(out, s)
		}
	}
	return out
}

type codeableConcept struct {
	Coding []struct {
		System  string `json:"system"`
		Code    string `json:"code"`
		Display string `json:"display"`
	} `json:"coding"`
	Text string `json:"text"`
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }
