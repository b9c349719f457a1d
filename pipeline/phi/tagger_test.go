package phi

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
)

// trainingDocs builds small synthetic documents in which a name from the
// lexicon follows "Spoke with" and a town follows "drove in from": the
// contexts a tagger must learn, with distractor sentences of the same
// shape whose words are not PHI.
func trainingDocs(names, towns []string) []TrainingDoc {
	var docs []TrainingDoc
	for i := range names {
		var b strings.Builder
		var spans []Span
		add := func(s string, c Category) {
			start := b.Len()
			b.WriteString(s)
			if c != "" {
				spans = append(spans, Span{Start: start, End: b.Len(), Category: c})
			}
		}
		add("Progress note.\nSpoke with ", "")
		add(names[i], Name)
		add(" about the plan. Her daughter drove in from ", "")
		add(towns[i%len(towns)], Location)
		add(" on Tuesday. Metformin was continued and Lasix held.\n", "")
		docs = append(docs, TrainingDoc{Text: b.String(), Spans: spans})
	}
	return docs
}

func TestTrainTaggerIsDeterministicAndRoundTrips(t *testing.T) {
	docs := trainingDocs([]string{"Maria", "Thomas", "Aisha"}, []string{"Springfield", "Dayton"})
	var a, b bytes.Buffer
	statsA, err := TrainTagger(context.Background(), docs, TrainOptions{Epochs: 3}, &a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TrainTagger(context.Background(), docs, TrainOptions{Epochs: 3}, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same documents and options gave two different model files")
	}
	if statsA.Documents != 3 || statsA.Features == 0 || len(statsA.Errors) != 3 {
		t.Fatalf("stats %+v", statsA)
	}
	m, err := readTaggerModel(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.index) != statsA.Features || m.threshold != 0.5 || len(m.digest) != 8 {
		t.Fatalf("read back %d features, threshold %v, digest %q; trained %d", len(m.index), m.threshold, m.digest, statsA.Features)
	}
	var again bytes.Buffer
	if err := m.writeTo(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), again.Bytes()) {
		t.Fatal("a model read and written again changed")
	}
}

// TestTrainTaggerAveragesOrders: the model of two document orders is the
// mean of the two models each order gives alone.
func TestTrainTaggerAveragesOrders(t *testing.T) {
	docs := trainingDocs([]string{"Maria", "Thomas", "Aisha", "Kwame"}, []string{"Springfield", "Dayton", "Lorain"})
	train := func(seed uint64, orders int) *taggerModel {
		t.Helper()
		var buf bytes.Buffer
		if _, err := TrainTagger(context.Background(), docs, TrainOptions{Epochs: 2, Seed: seed, Orders: orders, MinWeight: 1e-9}, &buf); err != nil {
			t.Fatal(err)
		}
		m, err := readTaggerModel(&buf)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a, b, both := train(0, 1), train(1, 1), train(0, 2)
	weight := func(m *taggerModel, f uint64, c int) float32 {
		if i, ok := m.index[f]; ok {
			return m.weights[int(i)*nTaggerClasses+c]
		}
		return 0
	}
	if len(both.index) < max(len(a.index), len(b.index)) {
		t.Fatalf("the averaged model has %d features, the single orders %d and %d", len(both.index), len(a.index), len(b.index))
	}
	differ := false
	for f := range both.index {
		for c := range nTaggerClasses {
			wa, wb, got := weight(a, f, c), weight(b, f, c), weight(both, f, c)
			differ = differ || wa != wb
			if want := (wa + wb) / 2; math.Abs(float64(got-want)) > 2e-5 {
				t.Fatalf("feature %x class %d: averaged weight %v, want the mean of %v and %v", f, c, got, wa, wb)
			}
		}
	}
	if !differ {
		t.Fatal("the two orders gave the same model: the test shows nothing")
	}
}

func TestReadTaggerModelRejectsBadFiles(t *testing.T) {
	var good bytes.Buffer
	if _, err := TrainTagger(context.Background(), trainingDocs([]string{"Maria"}, []string{"Dayton"}), TrainOptions{Epochs: 1}, &good); err != nil {
		t.Fatal(err)
	}
	raw := gunzipForTest(t, good.Bytes())
	truncated := gzipForTest(t, raw[:len(raw)-3])
	for name, file := range map[string][]byte{
		"not gzip":    []byte("KILNTAG1"),
		"wrong magic": gzipForTest(t, []byte("SOMETHING ELSE ENTIRELY")),
		// A model of four classes a row (before 1.17.0) is refused by
		// its magic rather than read with its rows misaligned.
		"four-class model": gzipForTest(t, append([]byte("KILNTAG1"), raw[len(taggerMagic):]...)),
		// A one-pass model (before 1.18.0) has no right-to-left weights:
		// read, it would score every token at half its strength.
		"one-pass model": gzipForTest(t, append([]byte("KILNTAG2"), raw[len(taggerMagic):]...)),
		"truncated row":  truncated,
	} {
		if _, err := readTaggerModel(bytes.NewReader(file)); err == nil {
			t.Errorf("%s: read without error", name)
		}
		if _, err := NewBuiltin(WithTaggerModel(bytes.NewReader(file))); err == nil {
			t.Errorf("%s: NewBuiltin accepted the model", name)
		}
	}
}

// TestTaggerLearnsContext trains on one context and checks that the
// model generalises to names and towns it never saw, and that its spans
// reach Detect through the built-in detector; the same detector without
// the tagger (rules alone) is the control.
func TestTaggerLearnsContext(t *testing.T) {
	names := []string{"Maria", "Thomas", "Aisha", "Daniel", "Fatima", "George", "Olga", "Pedro", "Mei", "Samuel", "Nadia", "Victor"}
	towns := []string{"Springfield", "Dayton", "Fresno", "Tulsa", "Omaha", "Tacoma"}
	var model bytes.Buffer
	if _, err := TrainTagger(context.Background(), trainingDocs(names, towns), TrainOptions{}, &model); err != nil {
		t.Fatal(err)
	}
	b, err := NewBuiltin(WithTaggerModel(bytes.NewReader(model.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Version(), BuiltinVersion+"+tagger.") {
		t.Errorf("version %q does not name the tagger model", b.Version())
	}
	// "Rose" and "Hope" are names that are also words; "Lima" a town.
	text := "Progress note.\nSpoke with Rose about the plan. Her son drove in from Lima on Friday. Metformin was continued.\n"
	toks := tokenize(text)
	got := b.tagged(text, toks, nil)
	want := map[string]Category{"Rose": Name, "Lima": Location}
	for _, s := range got {
		w := text[s.Start:s.End]
		if want[w] != s.Category {
			t.Errorf("tagger span %s %q is not one of %v", s.Category, w, want)
		}
		if s.Detector != "tagger" || s.Confidence < 0.3 || s.Confidence > 0.55 {
			t.Errorf("span %v: detector %q, confidence outside the tagger's band", s, s.Detector)
		}
		delete(want, w)
	}
	if len(want) > 0 {
		t.Errorf("tagger missed %v; found %s", want, describe(text, got))
	}

	rules, err := NewBuiltin(WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	if rules.Version() != BuiltinVersion+"+rules" {
		t.Errorf("rules-only version %q", rules.Version())
	}
	if spans := rules.tagged(text, toks, nil); spans != nil {
		t.Errorf("WithoutTagger still tags: %v", spans)
	}
}

// TestTaggerLearnsIdentifiers: identifiers of every kind teach one
// class (1.17.0), so a number after a key the training text gave to
// several kinds is found after that key in new text, while a dose beside
// it is not; and idSpan keeps only the value of a run.
func TestTaggerLearnsIdentifiers(t *testing.T) {
	kinds := []Category{Vehicle, Device, Account, License, HealthPlan, ID}
	var docs []TrainingDoc
	for i := range 24 {
		var b strings.Builder
		var spans []Span
		b.WriteString("Visit note.\nMember pass ")
		start := b.Len()
		fmt.Fprintf(&b, "%08d", 31000000+i*7919)
		spans = append(spans, Span{Start: start, End: b.Len(), Category: kinds[i%len(kinds)]})
		fmt.Fprintf(&b, " renewed at the desk. Took %d mg of ibuprofen and %d tablets.\n", 200+i*50, 2+i%3)
		docs = append(docs, TrainingDoc{Text: b.String(), Spans: spans})
	}
	var model bytes.Buffer
	if _, err := TrainTagger(context.Background(), docs, TrainOptions{}, &model); err != nil {
		t.Fatal(err)
	}
	b, err := NewBuiltin(WithTaggerModel(bytes.NewReader(model.Bytes())))
	if err != nil {
		t.Fatal(err)
	}
	text := "Visit note.\nMember pass 77102458 renewed at the desk. Took 1200 mg of ibuprofen and 3 tablets.\n"
	got := b.tagged(text, tokenize(text), nil)
	if len(got) != 1 || text[got[0].Start:got[0].End] != "77102458" || got[0].Category != ID || got[0].Detector != "tagger" {
		t.Fatalf("tagger spans %s, want the pass number alone as ID", describe(text, got))
	}

	lx, err := sharedLexicon()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, run, want string // want: the spans' texts joined by "|", "" for none
	}{
		{"Member pass 77102458 renewed.", "pass 77102458", "77102458"},           // the key's word is not the value
		{"Plan (AARP) 39018227-11 on file.", "AARP) 39018227-11", "39018227-11"}, // a bracket parts note and value
		{"Case 2026-004417 opened.", "2026-004417", "2026-004417"},               // a year glued to the number is part of it
		{"VL 2026 high.", "VL 2026", ""},                                         // a year apart is a date's; "VL" alone no value
		{"Billed CPT 97110 twice.", "97110", ""},                                 // a CPT code
		{"Ordered E0431 today.", "E0431", ""},                                    // a HCPCS code
		{"NDC 61314-0454-02 dispensed.", "61314-0454-02", ""},                    // an NDC
		{"Gravida G3P1011 now.", "G3P1011", ""},                                  // an obstetric history
		{"Doses at 0600 1200 1800 2400 daily.", "0600 1200 1800 2400", ""},       // clock times
		{"Budget FY-2026 set.", "FY-2026", ""},                                   // a form's or year's name
		{"Bus 14 stop.", "14", ""},                                               // too short for an identifier
		{"Seen 0450  99284  QX7-22K9 ok", "0450  99284  QX7-22K9", "QX7-22K9"},   // table columns part a run
		{"Code: LKW 0800 today", "LKW 0800", ""},                                 // an abbreviation is a key; 0800 alone is too short
	} {
		toks := tokenize(tc.text)
		at := strings.Index(tc.text, tc.run)
		first, last := tokenAt(toks, at), tokenAt(toks, at+len(tc.run))-1
		var got []string
		for _, s := range idSpans(tc.text, toks, first, last, newFeaturizer(lx, tc.text)) {
			got = append(got, tc.text[s.Start:s.End])
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("idSpans(%q in %q) = %q, want %q", tc.run, tc.text, got, tc.want)
		}
	}
}

func TestTaggerCarries(t *testing.T) {
	lx, err := sharedLexicon()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, word string
		cat        Category
		sure       bool // the tagger's mean probability reached sureProb
		want       bool
	}{
		{"Seen with Hope today.", "Hope", Name, false, true},
		{"Seen with Tukema Selilse today.", "Selilse", Name, false, true},    // no list knows it: the model decides
		{"Gave 5000 Units of heparin.", "Units", Location, false, false},     // an English word no list calls a place
		{"History of Crohn disease.", "Crohn", Name, false, false},           // an eponym
		{"Switched to Eliquis.", "Eliquis", Name, false, false},              // a drug brand
		{"He moved to Springfield.", "Springfield", Location, false, true},   // a town
		{"Drove from Wanblee today.", "Wanblee", Location, false, true},      // a town no list knows
		{"He lives in Texas with Hope.", "Texas", Location, false, false},    // a state is not PHI
		{"He lives in Texas with Hope.", "Texas", Name, false, true},         // ... though a name may be
		{"Labs: CRP 184, Na 131.", "184", Name, false, false},                // a number
		{"Member pass 48213907 renewed.", "48213907", ID, false, true},       // a number may be an identifier
		{"Member pass QX7-22K9 renewed.", "QX7", ID, false, true},            // ... and so may a code of letters and digits
		{"Member pass renewed by Hope.", "Hope", ID, false, false},           // a word alone never is
		{"Moved back to Liberal in May.", "Liberal", Location, false, false}, // an English word no list calls a place ...
		{"Moved back to Liberal in May.", "Liberal", Location, true, true},   // ... carries where the tagger is sure
		{"ASSESSMENT: COLT HARMS, 9 Y", "HARMS", Name, true, true},           // and so does one no list calls a name
		{"History of Crohn disease.", "Crohn", Name, true, false},            // an eponym never does
		{"He lives in Texas with Hope.", "Texas", Location, true, false},     // nor a state
		{"Plan: selma to follow up.", "selma", Name, true, false},            // nor, in mixed case, a lower-case word
		{"Member pass renewed by Hope.", "Hope", ID, true, false},            // nor a word as an identifier
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.word, tc.cat), func(t *testing.T) {
			fx := newFeaturizer(lx, tc.text)
			toks := tokenize(tc.text)
			for _, tok := range toks {
				if tc.text[tok.start:tok.end] == tc.word {
					if got := fx.carries(tok, tc.cat, fx.caseMode, tc.sure); got != tc.want {
						t.Errorf("carries(%q, %s, sure %v) = %v, want %v", tc.word, tc.cat, tc.sure, got, tc.want)
					}
					return
				}
			}
			t.Fatalf("%q not a token of %q", tc.word, tc.text)
		})
	}
}

func gzipForTest(t *testing.T, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gunzipForTest(t *testing.T, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
