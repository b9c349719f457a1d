package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runPhi runs `kiln phi ...` in-process with stdin and returns stdout and
// the error.
func runPhi(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs(append([]string{"phi"}, args...))
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.Execute()
	return out.String(), err
}

type scanLine struct {
	ID    json.RawMessage `json:"id"`
	Spans []struct {
		Start, End int
		Category   string
		Confidence float64
	} `json:"spans"`
	Redacted string `json:"redacted"`
}

func TestPhiScanCodePointOffsets(t *testing.T) {
	texts := []string{
		// é and ü take two bytes, the emoji four: byte and code-point
		// offsets part ways before every span.
		"Café visit 🙂: Renée Dubois called (617) 555-0142 on 03/14/2021 from Zürich.",
		"pt przybylski seen; DOB 12/3/1949.",
		"No PHI here.",
	}
	patient := `{"resourceType":"Patient","name":[{"family":"Przybylski","given":["Zbigniew"]}],"birthDate":"1949-12-03"}`
	var in strings.Builder
	for i, text := range texts {
		rec := map[string]any{"id": i, "text": text}
		if i == 1 {
			rec["id"] = "note-2"
			rec["patient"] = json.RawMessage(patient)
		}
		line, _ := json.Marshal(rec)
		in.Write(line)
		in.WriteByte('\n')
	}
	out, err := runPhi(t, in.String(), "scan")
	if err != nil {
		t.Fatalf("phi scan: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%d output lines for %d inputs:\n%s", len(lines), len(texts), out)
	}
	wants := []map[string]string{
		{"Renée Dubois": "NAME", "(617) 555-0142": "PHONE", "03/14/2021": "DATE"},
		{"przybylski": "NAME", "12/3/1949": "DATE"},
		{},
	}
	wantIDs := []string{`0`, `"note-2"`, `2`}
	for i, l := range lines {
		var got scanLine
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v: %s", i, err, l)
		}
		if string(got.ID) != wantIDs[i] {
			t.Errorf("line %d: id %s, want %s", i, got.ID, wantIDs[i])
		}
		runes := []rune(texts[i])
		found := map[string]string{}
		for _, s := range got.Spans {
			if s.Start < 0 || s.End > len(runes) || s.Start >= s.End || s.Confidence <= 0 || s.Confidence > 1 {
				t.Fatalf("line %d: bad span %+v", i, s)
			}
			found[string(runes[s.Start:s.End])] = s.Category
		}
		for text, cat := range wants[i] {
			if found[text] != cat {
				t.Errorf("line %d: want %s %q (code points); got %v", i, cat, text, found)
			}
		}
		if len(wants[i]) == 0 && len(got.Spans) != 0 {
			t.Errorf("line %d: spans in a text without PHI: %v", i, found)
		}
	}
	var first scanLine
	_ = json.Unmarshal([]byte(lines[0]), &first)
	if want := "Café visit 🙂: [NAME_1] called [PHONE_1] on [DATE_1] from [LOCATION_1]."; first.Redacted != want {
		t.Errorf("redacted = %q, want %q", first.Redacted, want)
	}
}

func TestPhiScanMinConfidenceAndErrors(t *testing.T) {
	out, err := runPhi(t, `{"id":1,"text":"Code AB12345 and MRN 7730114"}`, "scan", "--min-confidence", "0.5")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"redacted":"Code AB12345 and MRN [MRN_1]"`) {
		t.Errorf("low-confidence span kept or MRN lost: %s", out)
	}
	for _, bad := range []struct{ in, want string }{
		{"{\"id\":1,\"text\":\"ok\"}\n{not json}\n", "record 2"},
		{`{"id":1}`, `no "text"`},
		{`{"id":1,"text":"x","patient":{"resourceType":"Observation"}}`, "record 1: patient"},
	} {
		if _, err := runPhi(t, bad.in, "scan"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("scan %q: err %v, want it to mention %q", bad.in, err, bad.want)
		}
	}
}

func TestPhiEvalCommand(t *testing.T) {
	dir := t.TempDir()
	note := "Seen by Dr. {{NAME:Priya Raman}} on {{DATE:03/14/2021}}; call {{PHONE:(617) 555-0142}}.\n"
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte(note), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runPhi(t, "", "eval", "--corpus", dir, "--errors", "5")
	if err != nil {
		t.Fatalf("phi eval: %v\n%s", err, out)
	}
	for _, want := range []string{"kiln-inline", "8 gold PHI tokens", "NAME", "DATE", "PHONE", "all", "missed entities (0)", "label mappings:", "presidio: PERSON -> NAME"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runPhi(t, "", "eval"); err == nil {
		t.Error("eval without --corpus succeeded")
	}
	if _, err := runPhi(t, "", "eval", "--corpus", filepath.Join(dir, "missing")); err == nil {
		t.Error("eval of a missing corpus succeeded")
	}
}
