package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// Presidio reads the JSON of Microsoft's presidio-research data sets
// (synth_dataset_v2.json): a list of {full_text, spans: [{entity_type,
// entity_value, start_position, end_position}]} with offsets in code
// points, end exclusive.
//
// Its labels are general PII, not Safe Harbor PHI, so the mapping (see
// Mapping) sends some of them to "not PHI" and splits others by value.
type Presidio struct {
	// NotPHIPlace reports countries and states (not PHI). Nil treats every
	// place as PHI.
	NotPHIPlace func(string) bool
}

// Name implements Adapter.
func (Presidio) Name() string { return "presidio" }

// Mapping implements Adapter.
func (Presidio) Mapping() []string {
	return []string{
		"PERSON -> NAME, except an honorific before the name or a credential after it (Dr., Mrs., MD, DDS: not PHI, as in the i2b2 de-identification guidelines)",
		"STREET_ADDRESS -> LOCATION, except the words of it that name a state or country, a country's qualifier or demonym (\"Cyprus (Greek)\", \"Greenlander\") and a lead-in such as \"the corner of\" (not PHI)",
		"ZIP_CODE -> LOCATION",
		"GPE, LOCATION -> LOCATION if smaller than a state; a country (with or without a qualifier or as its demonym), continent, US state or Canadian province -> not PHI",
		"DATE_TIME -> DATE if it has a day or month (a month name, or a numeric date with day and month); a year, weekday or other time expression alone -> not PHI",
		"AGE -> AGE if over 89; other ages -> not PHI",
		"PHONE_NUMBER -> PHONE (the set does not tell fax numbers apart)",
		"EMAIL_ADDRESS -> EMAIL",
		"US_SSN -> SSN; US_ITIN -> ID",
		"CREDIT_CARD, IBAN_CODE, US_BANK_NUMBER -> ACCOUNT",
		"IP_ADDRESS -> IP",
		"DOMAIN_NAME, URL -> URL",
		"US_DRIVER_LICENSE, MEDICAL_LICENSE -> LICENSE",
		"US_PASSPORT, UK_NHS -> ID",
		"ORGANIZATION, TITLE, NRP (nationality, religion, politics) -> not PHI",
	}
}

// Detect implements Adapter: a .json file that is a list whose items have
// full_text.
func (Presidio) Detect(path string) bool {
	if !strings.HasSuffix(strings.ToLower(path), ".json") {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, _ := f.Read(head)
	head = bytes.TrimSpace(head[:n])
	return bytes.HasPrefix(head, []byte("[")) && bytes.Contains(head, []byte(`"full_text"`))
}

type presidioRecord struct {
	FullText string `json:"full_text"`
	Spans    []struct {
		EntityType  string `json:"entity_type"`
		EntityValue string `json:"entity_value"`
		Start       int    `json:"start_position"`
		End         int    `json:"end_position"`
	} `json:"spans"`
	TemplateID json.RawMessage `json:"template_id"`
}

// Load implements Adapter.
func (p Presidio) Load(path string) (*Corpus, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var recs []presidioRecord
	if err := json.Unmarshal(raw, &recs); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	c := &Corpus{Path: path, Format: p.Name()}
	for i, r := range recs {
		doc := Document{ID: "presidio-" + strconv.Itoa(i), Text: r.FullText}
		offsets := byteOffsets(r.FullText)
		for _, s := range r.Spans {
			if s.Start < 0 || s.End > len(offsets)-1 || s.End <= s.Start {
				return nil, fmt.Errorf("record %d: span %s [%d,%d) outside the text", i, s.EntityType, s.Start, s.End)
			}
			start, end := offsets[s.Start], offsets[s.End]
			if got := r.FullText[start:end]; got != s.EntityValue {
				return nil, fmt.Errorf("record %d: span %s [%d,%d) is %q, labelled %q", i, s.EntityType, s.Start, s.End, got, s.EntityValue)
			}
			labels, err := p.mapLabel(s.EntityType, r.FullText, start, end)
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", i, err)
			}
			doc.Labels = append(doc.Labels, labels...)
		}
		c.Documents = append(c.Documents, doc)
	}
	return c, nil
}

// byteOffsets maps code-point offsets to byte offsets (one entry per code
// point plus the end).
func byteOffsets(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}

var (
	reMonthName   = regexp.MustCompile(`(?i)\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b`)
	reNumericDate = regexp.MustCompile(`\d{1,4}[/.\-]\d{1,2}(?:[/.\-]\d{1,4})?`)
)

// mapLabel maps one Presidio span to Kiln labels (see Mapping).
func (p Presidio) mapLabel(entity, text string, start, end int) ([]Label, error) {
	v := text[start:end]
	one := func(c phi.Category) []Label {
		return []Label{{Start: start, End: end, Category: c, Source: entity}}
	}
	switch entity {
	case "PERSON":
		return splitTitles(entity, text, start, end), nil
	case "STREET_ADDRESS":
		var out []Label
		if n := leadIn(v); n > 0 {
			out = append(out, Label{Start: start, End: start + n, Category: "", Source: entity + " (lead-in)"})
			start += n
		}
		return append(out, p.splitPlaces(entity, text, start, end)...), nil
	case "ZIP_CODE":
		return one(phi.Location), nil
	case "GPE", "LOCATION":
		if p.notPHIPlace(v) {
			return one(""), nil
		}
		return one(phi.Location), nil
	case "DATE_TIME":
		if reMonthName.MatchString(v) || reNumericDate.MatchString(v) {
			return one(phi.Date), nil
		}
		return one(""), nil
	case "AGE":
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 89 {
			return one(phi.Age), nil
		}
		return one(""), nil
	case "PHONE_NUMBER":
		return one(phi.Phone), nil
	case "EMAIL_ADDRESS":
		return one(phi.Email), nil
	case "US_SSN":
		return one(phi.SSN), nil
	case "US_ITIN", "US_PASSPORT", "UK_NHS":
		return one(phi.ID), nil
	case "CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER":
		return one(phi.Account), nil
	case "IP_ADDRESS":
		return one(phi.IP), nil
	case "DOMAIN_NAME", "URL":
		return one(phi.URL), nil
	case "US_DRIVER_LICENSE", "MEDICAL_LICENSE":
		return one(phi.License), nil
	case "ORGANIZATION", "TITLE", "NRP":
		return one(""), nil
	}
	return nil, fmt.Errorf("label %q has no mapping to a Kiln category: add it to the Presidio adapter", entity)
}

// splitPlaces labels a street address as LOCATION except for the runs of
// one to three words in it that name a state or country, which become
// "not PHI" labels.
func (p Presidio) splitPlaces(entity, text string, start, end int) []Label {
	if p.NotPHIPlace == nil {
		return []Label{{Start: start, End: end, Category: phi.Location, Source: entity}}
	}
	words := wordRanges(text[start:end])
	var out []Label
	cur := start
	for i := 0; i < len(words); {
		n := 0
		for k := min(3, len(words)-i); k >= 1; k-- {
			phrase := text[start+words[i][0] : start+words[i+k-1][1]]
			if !strings.ContainsAny(phrase, "\n,") && p.notPHIPlace(phrase) {
				n = k
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		ps, pe := start+words[i][0], start+words[i+n-1][1]
		// A qualifier in brackets right after the country ("Cyprus (Greek)")
		// belongs to it.
		if m := reQualifier.FindStringIndex(text[pe:end]); m != nil {
			for i+n < len(words) && start+words[i+n][1] <= pe+m[1] {
				n++
			}
			pe += m[1]
		}
		if ps > cur {
			out = append(out, Label{Start: cur, End: ps, Category: phi.Location, Source: entity})
		}
		out = append(out, Label{Start: ps, End: pe, Category: "", Source: entity + " (state or country)"})
		cur = pe
		i += n
	}
	if cur < end {
		out = append(out, Label{Start: cur, End: end, Category: phi.Location, Source: entity})
	}
	return out
}

var (
	// reQualifier is a bracketed qualifier after a place: "Cyprus (Greek)".
	reQualifier = regexp.MustCompile(`^[ \t]*\([\pL ]+\)`)
	// reLeadIn is the wording some labellers include at the start of an
	// address: "the corner of Main St and 2nd Ave" names two streets,
	// "the corner of" names nothing.
	reLeadIn = regexp.MustCompile(`(?i)^(?:the\s+)?(?:corner|intersection|junction)\s+of\s+`)
	// Honorifics before a name and credentials after it: not part of the
	// name (the i2b2 2014 de-identification guidelines leave titles such
	// as "Dr." and "Mr." out of NAME annotations).
	honorifics  = wordSet("mr mrs ms miss mx dr prof professor sir dame madam mister")
	credentials = wordSet("md do dds dmd phd rn np pa pharmd mph dvm jd esq facs facp lpn cnm crna")
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// leadIn returns the length of the lead-in at the start of an address
// (see reLeadIn), or 0.
func leadIn(v string) int {
	if m := reLeadIn.FindStringIndex(v); m != nil && m[1] < len(v) {
		return m[1]
	}
	return 0
}

// splitTitles labels a person's name as NAME, except honorifics before it
// and credentials after it (with their full stops and commas), which
// become "not PHI" labels.
func splitTitles(entity, text string, start, end int) []Label {
	v := text[start:end]
	words := wordRanges(v)
	lo, hi := 0, len(words)
	for lo < hi-1 && honorifics[strings.ToLower(v[words[lo][0]:words[lo][1]])] {
		lo++
	}
	for hi-1 > lo && credentials[strings.ToLower(v[words[hi-1][0]:words[hi-1][1]])] {
		hi--
	}
	if lo == 0 && hi == len(words) {
		return []Label{{Start: start, End: end, Category: phi.Name, Source: entity}}
	}
	ns, ne := start+words[lo][0], start+words[hi-1][1]
	var out []Label
	if ns > start {
		out = append(out, Label{Start: start, End: ns, Category: "", Source: entity + " (title)"})
	}
	out = append(out, Label{Start: ns, End: ne, Category: phi.Name, Source: entity})
	if ne < end {
		out = append(out, Label{Start: ne, End: end, Category: "", Source: entity + " (title)"})
	}
	return out
}

// notPHIPlace reports a place not smaller than a state, also with a
// bracketed qualifier ("Cyprus (Greek)") or named by its demonym
// ("Greenlander", "Australian").
func (p Presidio) notPHIPlace(v string) bool {
	if p.NotPHIPlace == nil {
		return false
	}
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '('); i > 0 && reQualifier.MatchString(v[i:]) && strings.HasSuffix(v, ")") {
		v = strings.TrimSpace(v[:i])
	}
	if p.NotPHIPlace(v) {
		return true
	}
	return p.isDemonym(v)
}

// isDemonym reports whether v is the name for the people of a country, by
// the regular English endings: Greenland-er, Australia-n, Canad(a)-ian,
// Japan-ese, Chin(a)-ese, Pakistan-i.
func (p Presidio) isDemonym(v string) bool {
	if strings.ContainsAny(v, " \n") {
		return false
	}
	for _, e := range []struct{ suffix, restore string }{
		{"er", ""}, {"n", ""}, {"ian", "a"}, {"an", "a"}, {"ese", ""}, {"ese", "a"}, {"i", ""},
	} {
		if stem, ok := strings.CutSuffix(v, e.suffix); ok && len(stem) >= 3 && p.NotPHIPlace(stem+e.restore) {
			return true
		}
	}
	return false
}

// wordRanges returns the byte ranges of the letter runs of s.
func wordRanges(s string) [][2]int {
	var out [][2]int
	start := -1
	for i, r := range s {
		if unicode.IsLetter(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, [2]int{start, len(s)})
	}
	return out
}

// splitJSONArray returns the elements of a JSON array.
func splitJSONArray(raw []byte) ([][]byte, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([][]byte, len(items))
	for i, it := range items {
		out[i] = it
	}
	return out, nil
}
