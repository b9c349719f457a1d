package extract

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"
)

// cdaOutline is what the independent decoder below expects to find: the
// document title and every section title, in document order.
type cdaSection struct {
	Title      string `xml:"title"`
	Components []struct {
		Section *cdaSection `xml:"section"`
	} `xml:"component"`
}

type cdaDoc struct {
	Title string `xml:"title"`
	Body  []struct {
		Section *cdaSection `xml:"section"`
	} `xml:"component>structuredBody>component"`
}

func (s *cdaSection) titles(out []string) []string {
	if t := strings.Join(strings.Fields(s.Title), " "); t != "" {
		out = append(out, t)
	}
	for _, c := range s.Components {
		if c.Section != nil {
			out = c.Section.titles(out)
		}
	}
	return out
}

func TestCCDADocuments(t *testing.T) {
	e := testExtractor(t)
	files, _ := filepath.Glob(documentsDir + "/Documents/*/*.xml")
	more, _ := filepath.Glob(documentsDir + "/Documents/*/*/*.[xX][mM][lL]")
	files = append(files, more...)
	if len(files) < 12 {
		readFile(t, documentsDir+"/Documents/Care_Plan/Care_Plan.xml") // reports the missing data
		t.Fatalf("found %d C-CDA documents, want 12", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f)), func(t *testing.T) {
			data := readFile(t, f)
			var doc cdaDoc
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			res := extract(t, e, data, "application/xml")
			if res.Type != TypeCDA {
				t.Fatalf("type %s", res.Type)
			}
			want := []string{strings.Join(strings.Fields(doc.Title), " ")}
			for _, c := range doc.Body {
				if c.Section != nil {
					want = c.Section.titles(want)
				}
			}
			if len(want) < 4 {
				t.Fatalf("only %d titles in the sample", len(want))
			}
			// Titles in document order (each found after the previous one).
			text, at := squash(res.Text), 0
			for _, w := range want {
				i := strings.Index(text[at:], squash(w))
				if i < 0 {
					t.Fatalf("section title %q missing or out of order", w)
				}
				at += i + len(squash(w))
			}
			if len(res.Text) < 500 {
				t.Errorf("only %d bytes of narrative", len(res.Text))
			}
		})
	}
}

func TestCCDANarrativeShape(t *testing.T) {
	e := testExtractor(t)
	res := extract(t, e, readFile(t, documentsDir+"/Documents/Progress_Note/Progress_Note.xml"), "")
	// The allergies table: a row's cells on one line, tab-separated.
	found := false
	for _, line := range strings.Split(res.Text, "\n") {
		if strings.Contains(line, "\t") && strings.Contains(strings.ToLower(line), "penicillin") {
			found = true
		}
	}
	if !found {
		t.Errorf("no tab-separated table row mentioning penicillin in:\n%s", res.Text[:min(len(res.Text), 3000)])
	}
	// Coded entries are not narrative: their codes do not appear.
	if strings.Contains(res.Text, "2.16.840.1.113883") {
		t.Error("OIDs from entries leaked into the text")
	}
}

func TestCCDANested(t *testing.T) {
	e := testExtractor(t)
	doc := `<?xml version="1.0"?>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Synthetic Note</title>
<recordTarget><patientRole><patient><name>Not narrative</name></patient></patientRole></recordTarget>
<component><structuredBody>
 <component><section><title>OUTER</title><text><paragraph>Outer text.</paragraph></text>
  <entry><observation><text>entry text must not appear</text></observation></entry>
  <component><section><title>INNER</title><text><list><item>first</item><item>second</item></list></text></section></component>
 </section></component>
 <component><section><title>LAST</title><text>Last<br/>two lines</text></section></component>
</structuredBody></component></ClinicalDocument>`
	res := extract(t, e, []byte(doc), "")
	want := "Synthetic Note\n\nOUTER\nOuter text.\nINNER\nfirst\nsecond\n\nLAST\nLast\ntwo lines"
	if res.Text != want {
		t.Errorf("text\n%q\nwant\n%q", res.Text, want)
	}
}

func TestCCDAUnstructured(t *testing.T) {
	e := testExtractor(t)
	dir := documentsDir + "/Unstructured/"

	res := extract(t, e, readFile(t, dir+"CDA_with_Embedded_Text_plain/CDA_Embedded_Text_Plain_Surgical_Consult.xml"), "")
	if res.Type != TypeCDA {
		t.Fatalf("type %s", res.Type)
	}
	wantContains(t, res.Text, "SURGICAL CONSULT")

	res = extract(t, e, readFile(t, dir+"CDA_with_Embedded_PDF_1/Unstructured_Document_embed.xml"), "")
	if len(res.Pages) != 3 {
		t.Fatalf("%d pages, want the embedded PDF's 3", len(res.Pages))
	}
	wantContains(t, res.Pages[0].Text, "Community Health and Hospitals: Discharge Summary", "Patient Name: Levin, Henry L.")

	res = extract(t, e, readFile(t, dir+"CDA_with_Embedded_PDF_2/CDA_with_Embedded_PDF.xml"), "")
	if len(res.Pages) != 7 {
		t.Fatalf("%d pages, want 7", len(res.Pages))
	}
	wantContains(t, res.Text, "Roger Rienman McBee", "Appointment of a Primary Healthcare Agent")

	res = extract(t, e, readFile(t, dir+"CDA_reference_PDF/Unstructured_Document_reference.xml"), "")
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "UD_sample.pdf") {
		t.Errorf("no warning about the external reference: %q", res.Warnings)
	}
}

// The C-CDA fragments in Notes/ and Results/ are not documents; whatever
// they are read as, they must not fail or panic the extractor badly.
func TestCCDAFragments(t *testing.T) {
	e := testExtractor(t)
	files, _ := filepath.Glob(documentsDir + "/Notes/*/*.xml")
	more, _ := filepath.Glob(documentsDir + "/Results/*/*.xml")
	for _, f := range append(files, more...) {
		res, err := e.Extract(t.Context(), readFile(t, f), "application/xml")
		t.Logf("%s: type %s, %d bytes, err %v", filepath.Base(f), res.Type, len(res.Text), err)
		if err == nil && res.Type == TypeCDA {
			t.Errorf("%s: a fragment was taken for a C-CDA document", f)
		}
	}
}

// An embedded document nests at most one level.
func TestCCDAEmbeddedDepth(t *testing.T) {
	e := testExtractor(t)
	wrap := func(payload []byte, mediaType string) []byte {
		return []byte(`<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Synthetic wrapper</title><component><nonXMLBody><text mediaType="` +
			mediaType + `" representation="B64">` + base64.StdEncoding.EncodeToString(payload) + `</text></nonXMLBody></component></ClinicalDocument>`)
	}
	inner := wrap([]byte("innermost synthetic text"), "text/plain")
	res := extract(t, e, wrap(inner, "text/xml"), "")
	if strings.Contains(res.Text, "innermost") || !strings.Contains(strings.Join(res.Warnings, "\n"), "inside an embedded document") {
		t.Errorf("text %q warnings %q: a second embedding level was followed", res.Text, res.Warnings)
	}
	res = extract(t, e, inner, "")
	if !strings.Contains(res.Text, "innermost synthetic text") {
		t.Errorf("one level: %q", res.Text)
	}
	// Compressed body (HL7 ED compression="DF").
	var z bytes.Buffer
	zw := newFlateWriter(t, &z)
	zw.Write([]byte("deflated synthetic body"))
	zw.Close()
	doc := bytes.Replace(wrap(z.Bytes(), "text/plain"), []byte(`representation="B64"`), []byte(`representation="B64" compression="DF"`), 1)
	if res := extract(t, e, doc, ""); !strings.Contains(res.Text, "deflated synthetic body") {
		t.Errorf("compressed body: %q", res.Text)
	}
}
