package eval

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// fixedDetector predicts the spans it holds, whatever the text.
type fixedDetector []phi.Span

func (f fixedDetector) Name() string    { return "fixed" }
func (f fixedDetector) Version() string { return "0" }
func (f fixedDetector) Detect(context.Context, string, phi.Hints) ([]phi.Span, error) {
	return append([]phi.Span(nil), f...), nil
}

// TestPHIEvalMetricsOnTinyCorpus checks every tally against numbers
// worked out by hand (see the comments).
func TestPHIEvalMetricsOnTinyCorpus(t *testing.T) {
	//              0         1         2         3
	//              0123456789012345678901234567890123456
	const text = "John Smith saw Ann on 3/4 in Boston."
	doc := Document{ID: "d", Text: text, Labels: []Label{
		{0, 10, phi.Name, "NAME"}, {15, 18, phi.Name, "NAME"}, {22, 25, phi.Date, "DATE"},
		{29, 35, phi.Location, "LOCATION"}, {11, 14, "", "TITLE"},
	}}
	pred := fixedDetector{
		{Start: 0, End: 4, Category: phi.Name, Confidence: 1},       // "John": half of an entity
		{Start: 11, End: 14, Category: phi.Name, Confidence: 1},     // "saw": a false positive on a not-PHI label
		{Start: 22, End: 25, Category: phi.Phone, Confidence: 1},    // "3/4": found, wrong category
		{Start: 29, End: 35, Category: phi.Location, Confidence: 1}, // "Boston"
	}
	rep, err := Evaluate(context.Background(), pred, &Corpus{Path: "tiny", Format: "test", Documents: []Document{doc}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[phi.Category]Counts{
		// gold tokens John Smith Ann; only John covered; predicted John, saw.
		phi.Name: {GoldTokens: 3, FoundTokens: 1, FoundTokensCat: 1, PredTokens: 2, CorrectTokens: 1, CorrectTokensCat: 1,
			GoldEntities: 2, FoundEntities: 0, FoundEntitiesCat: 0, PredEntities: 2, CorrectEntities: 1, CorrectEntitiesCat: 1},
		// 3 and 4 covered, by a PHONE span.
		phi.Date:  {GoldTokens: 2, FoundTokens: 2, FoundTokensCat: 0, GoldEntities: 1, FoundEntities: 1, FoundEntitiesCat: 0},
		phi.Phone: {PredTokens: 2, CorrectTokens: 2, CorrectTokensCat: 0, PredEntities: 1, CorrectEntities: 1, CorrectEntitiesCat: 0},
		phi.Location: {GoldTokens: 1, FoundTokens: 1, FoundTokensCat: 1, PredTokens: 1, CorrectTokens: 1, CorrectTokensCat: 1,
			GoldEntities: 1, FoundEntities: 1, FoundEntitiesCat: 1, PredEntities: 1, CorrectEntities: 1, CorrectEntitiesCat: 1},
	}
	for c, w := range want {
		if got := rep.ByCategory[c]; got == nil || *got != w {
			t.Errorf("%s counts = %+v, want %+v", c, got, w)
		}
	}
	all := rep.All
	if all.TokenRecall() != (Ratio{4, 6}) || all.TokenPrecision() != (Ratio{4, 5}) || all.EntityRecall() != (Ratio{2, 4}) || all.EntityPrecision() != (Ratio{3, 4}) {
		t.Errorf("all = %+v", all)
	}
	if f := F1(all.TokenPrecision(), all.TokenRecall()); f < 0.7272 || f > 0.7273 { // 2·0.8·0.667/1.467
		t.Errorf("token F1 = %v", f)
	}
	if rep.NotPHIHits["TITLE"] != 1 {
		t.Errorf("not-PHI hits = %v", rep.NotPHIHits)
	}
	if len(rep.Misses) != 2 || len(rep.FalsePos) != 1 || rep.FalsePos[0].Text != "saw" || len(rep.WrongCategory) != 1 {
		t.Errorf("misses %v, false positives %v, wrong category %v", rep.Misses, rep.FalsePos, rep.WrongCategory)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"6 gold PHI tokens", "66.7%", "80.0%", "TITLE 1"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, b.String())
		}
	}
}

func TestPHIRatioUndefined(t *testing.T) {
	if r := (Ratio{0, 0}); r.Value() != 1 || r.String() != "-" {
		t.Errorf("0/0 = %v %q", r.Value(), r.String())
	}
}

func TestPHIParseInline(t *testing.T) {
	text, labels, err := ParseInline("Dr. {{NAME:José Núñez}} on {{DATE:3/4}}.")
	if err != nil {
		t.Fatal(err)
	}
	if text != "Dr. José Núñez on 3/4." {
		t.Errorf("text = %q", text)
	}
	want := []Label{{4, 17, phi.Name, "NAME"}, {21, 24, phi.Date, "DATE"}} // é, ú and ñ take two bytes
	if !reflect.DeepEqual(labels, want) || text[labels[0].Start:labels[0].End] != "José Núñez" {
		t.Errorf("labels = %+v", labels)
	}
	for _, bad := range []string{"{{NAME:x", "{{COLOUR:red}}", "{{NAME x}}", "{{NAME:a {{DATE:b}}}}"} {
		if _, _, err := ParseInline(bad); err == nil {
			t.Errorf("ParseInline(%q) succeeded", bad)
		}
	}
}

func TestPHIKilnInlineAdapter(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes")
	must(t, os.MkdirAll(notes, 0o755))
	must(t, os.WriteFile(filepath.Join(notes, "a.txt"), []byte("Seen {{DATE:3/4/2024}}."), 0o644))
	must(t, os.WriteFile(filepath.Join(notes, "b.txt"), []byte("{{NAME:Ann}}"), 0o644))
	must(t, os.WriteFile(filepath.Join(notes, "b.patient.json"), []byte(`{"resourceType":"Patient","name":[{"family":"Lee","given":["Ann"]}]}`), 0o644))
	must(t, os.WriteFile(filepath.Join(notes, "b.related.json"), []byte(`[{"resourceType":"RelatedPerson","name":[{"family":"Lee"}]}]`), 0o644))
	c, a, err := Load(dir, Adapters(nil))
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "kiln-inline" || len(c.Documents) != 2 || c.Documents[1].ID != "b" || c.Documents[1].Patient == nil || len(c.Documents[1].Related) != 1 {
		t.Fatalf("corpus = %+v", c)
	}
	if _, _, err := Load(filepath.Join(dir, "missing"), Adapters(nil)); err == nil {
		t.Error("loading a missing corpus succeeded")
	}
}

func TestPHIPresidioAdapterMapping(t *testing.T) {
	// Offsets are code points: "Zoë" is three code points, four bytes.
	const data = `[
	 {"full_text": "Zoë Lee, 95, from Lyon, France: 12 Rue X\nLyon, France 69001. Born 3/4/1990, in 1990, on Thursday. Age 45. Works at Acme.",
	  "spans": [
	   {"entity_type": "PERSON", "entity_value": "Zoë Lee", "start_position": 0, "end_position": 7},
	   {"entity_type": "AGE", "entity_value": "95", "start_position": 9, "end_position": 11},
	   {"entity_type": "GPE", "entity_value": "Lyon", "start_position": 18, "end_position": 22},
	   {"entity_type": "GPE", "entity_value": "France", "start_position": 24, "end_position": 30},
	   {"entity_type": "STREET_ADDRESS", "entity_value": "12 Rue X\nLyon, France 69001", "start_position": 32, "end_position": 59},
	   {"entity_type": "DATE_TIME", "entity_value": "3/4/1990", "start_position": 66, "end_position": 74},
	   {"entity_type": "DATE_TIME", "entity_value": "1990", "start_position": 79, "end_position": 83},
	   {"entity_type": "DATE_TIME", "entity_value": "Thursday", "start_position": 88, "end_position": 96},
	   {"entity_type": "AGE", "entity_value": "45", "start_position": 102, "end_position": 104},
	   {"entity_type": "ORGANIZATION", "entity_value": "Acme", "start_position": 115, "end_position": 119}
	  ]}]`
	path := filepath.Join(t.TempDir(), "set.json")
	must(t, os.WriteFile(path, []byte(data), 0o644))
	notPHI := func(s string) bool { return s == "France" }
	c, a, err := Load(path, Adapters(notPHI))
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "presidio" {
		t.Fatalf("adapter %s", a.Name())
	}
	doc := c.Documents[0]
	got := map[string]phi.Category{}
	for _, l := range doc.Labels {
		got[doc.Text[l.Start:l.End]] = l.Category
	}
	want := map[string]phi.Category{
		"Zoë Lee": phi.Name, "95": phi.Age, "Lyon": phi.Location, "France": "", "12 Rue X\nLyon, ": phi.Location,
		" 69001": phi.Location, "3/4/1990": phi.Date, "1990": "", "Thursday": "", "45": "", "Acme": "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("labels = %q\nwant     %q", got, want)
	}
	bad := strings.Replace(data, `"entity_value": "Zoë Lee"`, `"entity_value": "Zoe Lee"`, 1)
	must(t, os.WriteFile(path, []byte(bad), 0o644))
	if _, _, err := Load(path, Adapters(notPHI)); err == nil || !strings.Contains(err.Error(), "labelled") {
		t.Errorf("mismatched entity value: %v", err)
	}
	unknown := strings.Replace(data, `"ORGANIZATION"`, `"CRYPTO"`, 1)
	must(t, os.WriteFile(path, []byte(unknown), 0o644))
	if _, _, err := Load(path, Adapters(notPHI)); err == nil || !strings.Contains(err.Error(), "no mapping") {
		t.Errorf("unknown label: %v", err)
	}
}

func TestPHILoadRange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "set.json")
	must(t, os.WriteFile(path, []byte(`[{"full_text": "a", "spans": []}, {"full_text": "b", "spans": []}, {"full_text": "c", "spans": []}]`), 0o644))
	for _, tc := range []struct {
		suffix string
		want   string // the texts kept; "error" when the range is refused
	}{
		{"", "abc"},
		{"#1:3", "bc"},
		{"#:1", "a"},
		{"#2:", "c"},
		{"#1:99", "bc"},
		{"#3:3", ""},
		{"#5:", "error"},
		{"#2:1", "error"},
		{"#x:2", "error"},
		{"#12", "error"},
	} {
		c, _, err := Load(path+tc.suffix, Adapters(nil))
		if tc.want == "error" {
			if err == nil {
				t.Errorf("Load(%q) succeeded", tc.suffix)
			}
			continue
		}
		if err != nil {
			t.Errorf("Load(%q): %v", tc.suffix, err)
			continue
		}
		got := ""
		for _, d := range c.Documents {
			got += d.Text
		}
		if got != tc.want {
			t.Errorf("Load(%q) kept %q, want %q", tc.suffix, got, tc.want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPHIPresidioNotPHIParts checks the parts of Presidio labels the
// mapping leaves out of PHI: titles around a name, an address's lead-in,
// a country's bracketed qualifier and a country's demonym.
func TestPHIPresidioNotPHIParts(t *testing.T) {
	notPHI := func(s string) bool { return s == "Cyprus" || s == "Greenland" || s == "Canada" }
	p := Presidio{NotPHIPlace: notPHI}
	for _, tc := range []struct {
		entity, text string
		want         map[string]phi.Category
	}{
		{"PERSON", "Mrs. Kathrine Filemonsen DDS", map[string]phi.Category{"Mrs. ": "", "Kathrine Filemonsen": phi.Name, " DDS": ""}},
		{"PERSON", "Dr. Jennifer Holst", map[string]phi.Category{"Dr. ": "", "Jennifer Holst": phi.Name}},
		{"PERSON", "Giovanna Rodrigues MD", map[string]phi.Category{"Giovanna Rodrigues": phi.Name, " MD": ""}},
		{"PERSON", "Drew Miss", map[string]phi.Category{"Drew Miss": phi.Name}}, // a name word, not a leading title
		{"PERSON", "Dr", map[string]phi.Category{"Dr": phi.Name}},               // never the whole label
		{"STREET_ADDRESS", "the corner of Main St and Oak Ave", map[string]phi.Category{"the corner of ": "", "Main St and Oak Ave": phi.Location}},
		{"STREET_ADDRESS", "Corner of Elm", map[string]phi.Category{"Corner of ": "", "Elm": phi.Location}},
		{"STREET_ADDRESS", "12 Corner Rd", map[string]phi.Category{"12 Corner Rd": phi.Location}},
		{"STREET_ADDRESS", "5 Ayiou Street, Limassol, Cyprus (Greek) 3036", map[string]phi.Category{
			"5 Ayiou Street, Limassol, ": phi.Location, "Cyprus (Greek)": "", " 3036": phi.Location}},
		{"STREET_ADDRESS", "Box 149\nNuuk\nGreenlander 52888", map[string]phi.Category{"Box 149\nNuuk\n": phi.Location, "Greenlander": "", " 52888": phi.Location}},
		{"GPE", "Cyprus (Greek)", map[string]phi.Category{"Cyprus (Greek)": ""}},
		{"GPE", "Canadian", map[string]phi.Category{"Canadian": ""}},
		{"GPE", "Greenfield", map[string]phi.Category{"Greenfield": phi.Location}},
		{"GPE", "Cyprusian Falls", map[string]phi.Category{"Cyprusian Falls": phi.Location}},
	} {
		labels, err := p.mapLabel(tc.entity, tc.text, 0, len(tc.text))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]phi.Category{}
		for _, l := range labels {
			got[tc.text[l.Start:l.End]] = l.Category
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %q: labels = %q\nwant %q", tc.entity, tc.text, got, tc.want)
		}
	}
}
