package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// This file scales the Synthea sample bundles up to a data set of a chosen
// size for BenchmarkSearch: copy c of each patient bundle is a distinct
// synthetic patient with a family name, identifiers, fullUrls and dates of
// its own. The hospital and practitioner bundles stand alone (no patient
// bundle refers to them) and are loaded once, unscaled.

// syllables extend family names: copy c's family is the original followed
// by the syllables of c in base len(syllables), lowest digit first, at
// least two of them ("Herman" → "Hermankoba"). A prefix of the original
// family and the first syllable then matches one copy in len(syllables).
var syllables = []string{"ba", "ko", "ri", "mu", "te", "lo", "sa", "ni", "pe", "du", "ga", "vi", "zo", "he", "ja", "fu"}

// copyTag is the family-name suffix of copy c.
func copyTag(c int) string {
	var sb strings.Builder
	n := len(syllables)
	for i := 0; i < 2 || c > 0; i++ {
		sb.WriteString(syllables[c%n])
		c /= n
	}
	return sb.String()
}

// copyShift is the number of days copy c's dates are moved: distinct for
// the first 1461 copies, spread over four years (-730 to +730 days) so a
// month's window holds a realistic share of the data.
func copyShift(c int) int { return c*389%1461 - 730 }

// slotKind says what a template slot holds.
type slotKind int

const (
	slotUUID    slotKind = iota // a bundle-local uuid, bare or as urn:uuid:
	slotDate                    // the YYYY-MM-DD start of a date, dateTime or instant
	slotLiteral                 // nothing to rewrite (the tail of the template)
)

// slot is one rewritable string inside a resource's JSON text.
type slot struct {
	start, end int // the bytes replaced: the uuid (after any urn:uuid:), or the date
	kind       slotKind
}

// template is one resource of a patient bundle, ready to be written out
// for any copy.
type template struct {
	typ     string
	raw     []byte // the resource's JSON as in the sample
	slots   []slot // in order, not overlapping
	request json.RawMessage
	fullURL string // urn:uuid:<uuid>
}

// patientBundle is a sample patient bundle as templates.
type patientBundle struct {
	name      string
	entries   []template
	family    string   // the patient's (first) family name
	obsDates  []string // YYYY-MM-DD of every Observation's effective[x]
	obsCodes  []string // LOINC codes of every Observation
	resources int
}

// scaled is the data set: patient bundles to copy and the bundles loaded
// once.
type scaled struct {
	patients []patientBundle
	once     []bundle // hospital and practitioner bundles
	perCopy  int      // resources in one copy of all patient bundles
	onceN    int      // resources in the once bundles
}

var (
	uuidRE = regexp.MustCompile(`"(?:urn:uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"`)
	dateRE = regexp.MustCompile(`"([0-9]{4}-[0-9]{2}-[0-9]{2})[T"]`)
)

// newScaled splits the corpus into patient bundles (those with a Patient)
// and the rest, and makes templates of the patient bundles.
func newScaled(c *corpus) (*scaled, error) {
	s := &scaled{}
	for _, bd := range c.bundles {
		var in struct {
			Entry []struct {
				FullURL  string          `json:"fullUrl"`
				Resource json.RawMessage `json:"resource"`
				Request  json.RawMessage `json:"request"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(bd.body, &in); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", bd.name, err)
		}
		local := map[string]bool{} // the uuids of the bundle's fullUrls
		for _, e := range in.Entry {
			if u, ok := strings.CutPrefix(e.FullURL, "urn:uuid:"); ok {
				local[u] = true
			}
		}
		pb := patientBundle{name: bd.name}
		hasPatient := false
		for _, e := range in.Entry {
			var head struct {
				ResourceType string          `json:"resourceType"`
				Name         json.RawMessage `json:"name"` // a string in some types
				Code         struct {
					Coding []struct {
						System, Code string
					} `json:"coding"`
				} `json:"code"`
				EffectiveDateTime string `json:"effectiveDateTime"`
				EffectivePeriod   struct {
					Start string `json:"start"`
				} `json:"effectivePeriod"`
			}
			if err := json.Unmarshal(e.Resource, &head); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", bd.name, err)
			}
			switch head.ResourceType {
			case "Patient":
				hasPatient = true
				var names []struct {
					Family string `json:"family"`
				}
				if err := json.Unmarshal(head.Name, &names); err != nil || len(names) == 0 || names[0].Family == "" {
					return nil, fmt.Errorf("bench: %s: Patient without a family name", bd.name)
				}
				pb.family = names[0].Family
			case "Observation":
				if d := cmpOr(head.EffectiveDateTime, head.EffectivePeriod.Start); len(d) >= 10 {
					pb.obsDates = append(pb.obsDates, d[:10])
				}
				for _, cd := range head.Code.Coding {
					if cd.System == "http://loinc.org" {
						pb.obsCodes = append(pb.obsCodes, cd.Code)
					}
				}
			}
			if _, ok := strings.CutPrefix(e.FullURL, "urn:uuid:"); !ok {
				return nil, fmt.Errorf("bench: %s: fullUrl %q is not a urn:uuid", bd.name, e.FullURL)
			}
			t := template{typ: head.ResourceType, raw: e.Resource, request: e.Request, fullURL: e.FullURL}
			for _, m := range uuidRE.FindAllSubmatchIndex(e.Resource, -1) {
				if local[string(e.Resource[m[2]:m[3]])] {
					t.slots = append(t.slots, slot{m[2], m[3], slotUUID})
				}
			}
			for _, m := range dateRE.FindAllSubmatchIndex(e.Resource, -1) {
				t.slots = append(t.slots, slot{m[2], m[3], slotDate})
			}
			slices.SortFunc(t.slots, func(a, b slot) int { return a.start - b.start })
			pb.entries = append(pb.entries, t)
		}
		pb.resources = len(pb.entries)
		if hasPatient {
			s.patients = append(s.patients, pb)
			s.perCopy += pb.resources
		} else {
			s.once = append(s.once, bd)
			s.onceN += len(bd.resources)
		}
	}
	if len(s.patients) == 0 {
		return nil, fmt.Errorf("bench: no patient bundles among the samples")
	}
	return s, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// copies is how many copies of the patient bundles make at least want
// resources with the once bundles.
func (s *scaled) copies(want int) int {
	return max(1, (want-s.onceN+s.perCopy-1)/s.perCopy)
}

// copyNamespace seeds the uuids of the copies.
var copyNamespace = uuid.MustParse("6f0c8a43-25d2-4f6e-9d7e-9b8f5b1d0c11")

// generate writes copy c of pb as a transaction Bundle.
func (pb *patientBundle) generate(c int) ([]byte, error) {
	ids := map[string]string{}
	newID := func(old string) string {
		id, ok := ids[old]
		if !ok {
			id = uuid.NewSHA1(copyNamespace, []byte(strconv.Itoa(c)+"/"+old)).String()
			ids[old] = id
		}
		return id
	}
	shift := copyShift(c)
	var out bytes.Buffer
	out.WriteString(`{"resourceType":"Bundle","type":"transaction","entry":[`)
	var res bytes.Buffer
	for i, t := range pb.entries {
		res.Reset()
		prev := 0
		for _, sl := range t.slots {
			res.Write(t.raw[prev:sl.start])
			v := string(t.raw[sl.start:sl.end])
			switch sl.kind {
			case slotUUID:
				res.WriteString(newID(v))
			case slotDate:
				d, err := time.Parse(time.DateOnly, v)
				if err != nil {
					return nil, fmt.Errorf("bench: %s: date %q: %w", pb.name, v, err)
				}
				res.WriteString(d.AddDate(0, 0, shift).Format(time.DateOnly))
			}
			prev = sl.end
		}
		res.Write(t.raw[prev:])
		body := res.Bytes()
		if t.typ == "Patient" {
			var err error
			if body, err = renamePatient(body, c); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", pb.name, err)
			}
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteString(`{"fullUrl":"urn:uuid:`)
		out.WriteString(newID(strings.TrimPrefix(t.fullURL, "urn:uuid:")))
		out.WriteString(`","resource":`)
		out.Write(body)
		out.WriteString(`,"request":`)
		out.Write(t.request)
		out.WriteByte('}')
	}
	out.WriteString(`]}`)
	return out.Bytes(), nil
}

// renamePatient gives the Patient of copy c its family names and
// identifiers.
func renamePatient(body []byte, c int) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p map[string]any
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	names, _ := p["name"].([]any)
	for _, n := range names {
		if n, ok := n.(map[string]any); ok {
			if f, ok := n["family"].(string); ok {
				n["family"] = f + copyTag(c)
			}
		}
	}
	idents, _ := p["identifier"].([]any)
	for _, id := range idents {
		if id, ok := id.(map[string]any); ok {
			if v, ok := id["value"].(string); ok {
				id["value"] = v + "-" + strconv.Itoa(c)
			}
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(out.Bytes()), nil
}

// benchResources is the data set's size: KILN_BENCH_SEARCH_RESOURCES,
// default 100,000.
func benchResources() (int, error) {
	v := os.Getenv("KILN_BENCH_SEARCH_RESOURCES")
	if v == "" {
		return 100_000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bench: KILN_BENCH_SEARCH_RESOURCES=%q is not a positive number", v)
	}
	return n, nil
}
