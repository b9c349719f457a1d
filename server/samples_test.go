package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/internal/shared"
)

// The shared samples live beside the repository (../shared from its root).
const samplesDir = "../../shared/fhir-samples"

// knownInvalidExamples are official R4 examples that break R4 rules the
// validator enforces (the official HL7 validator reports them too): each
// references a resource type its element does not allow.
var knownInvalidExamples = map[string]string{
	"MedicationRequest-medrx0301.json": "MedicationRequest.dispenseRequest.performer",
	"Observation-clinical-gender.json": "Observation.performer[0]",
}

func readSamples(t *testing.T, pattern string) map[string][]byte {
	t.Helper()
	files := readFiles(t, filepath.Join(samplesDir, pattern))
	if len(files) == 0 {
		shared.Missing(t, "samples at "+filepath.Join(samplesDir, pattern), os.ErrNotExist)
	}
	return files
}

// readFiles reads the files a glob pattern matches, by base name.
func readFiles(t *testing.T, pattern string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// comparable strips what the server owns (id, meta) and maps references
// through refs, so a sent resource and its stored copy compare equal.
func comparable(v any, refs map[string]string) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range t {
			if s, ok := c.(string); ok && k == "reference" {
				if to, ok := refs[s]; ok {
					s = to
				}
				out[k] = s
				continue
			}
			out[k] = comparable(c, refs)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, c := range t {
			out[i] = comparable(c, refs)
		}
		return out
	}
	return v
}

func stripServerFields(v any) any {
	m := v.(map[string]any)
	delete(m, "id")
	delete(m, "meta")
	return m
}

type sentEntry struct {
	FullURL  string          `json:"fullUrl"`
	Resource json.RawMessage `json:"resource"`
	Request  struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
}

// loadAndCompare posts a transaction, requires every entry 201, reads every
// resource back and compares it with what was sent.
func loadAndCompare(t *testing.T, h *harness, name string, bundle []byte) int {
	t.Helper()
	var in struct {
		Entry []sentEntry `json:"entry"`
	}
	if err := json.Unmarshal(bundle, &in); err != nil {
		t.Fatal(err)
	}
	r := h.do("POST", "", string(bundle))
	expect(t, r, http.StatusOK)
	es := entries(t, r)
	if len(es) != len(in.Entry) {
		t.Fatalf("%s: %d response entries for %d sent", name, len(es), len(in.Entry))
	}
	refs := map[string]string{}
	for i, e := range es {
		if st := str(e, "response", "status"); st != "201 Created" {
			t.Fatalf("%s entry %d: status %s", name, i, st)
		}
		loc := strings.Split(str(e, "response", "location"), "/")
		refs[in.Entry[i].FullURL] = loc[0] + "/" + loc[1]
	}
	for i, e := range in.Entry {
		got := h.do("GET", refs[e.FullURL], "")
		expect(t, got, http.StatusOK)
		want := stripServerFields(comparable(decode(t, e.Resource), refs))
		have := stripServerFields(decode(t, got.body))
		if !reflect.DeepEqual(want, have) {
			t.Fatalf("%s entry %d (%s) reads back different:\nsent   %s\nstored %s", name, i, refs[e.FullURL], e.Resource, got.body)
		}
	}
	return len(in.Entry)
}

func TestSyntheaBundlesLoad(t *testing.T) {
	samples := readSamples(t, "synthea/*.json")
	eachBackend(t, func(t *testing.T, h *harness) {
		names := make([]string, 0, len(samples))
		for n := range samples {
			names = append(names, n)
		}
		sort.Strings(names)
		total := 0
		for _, n := range names {
			total += loadAndCompare(t, h, n, samples[n])
		}
		t.Logf("%d Synthea resources loaded and read back equal", total)
		if total < 1500 {
			t.Fatalf("only %d resources in the Synthea samples", total)
		}
	})
}

func TestSpecExamplesLoad(t *testing.T) {
	samples := readSamples(t, "r4-examples/examples/*.json")
	eachBackend(t, func(t *testing.T, h *harness) {
		// Every example as a PUT (keeping its id) in one transaction, except
		// the known-invalid ones, which must each be refused with 422 naming
		// the offending element.
		var entriesJSON []string
		names := make([]string, 0, len(samples))
		for n := range samples {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			obj := decode(t, samples[n]).(map[string]any)
			typ, id := obj["resourceType"].(string), obj["id"].(string)
			entry := `{"fullUrl":"` + typ + `/` + id + `","resource":` + string(samples[n]) + `,"request":{"method":"PUT","url":"` + typ + `/` + id + `"}}`
			if where, bad := knownInvalidExamples[n]; bad {
				r := h.do("PUT", typ+"/"+id, string(samples[n]))
				expectOutcome(t, r, http.StatusUnprocessableEntity, where)
				continue
			}
			entriesJSON = append(entriesJSON, entry)
		}
		bundle := `{"resourceType":"Bundle","type":"transaction","entry":[` + strings.Join(entriesJSON, ",") + `]}`
		n := loadAndCompare(t, h, "r4-examples", []byte(bundle))
		t.Logf("%d of %d R4 examples loaded and read back equal; %d refused as invalid", n, len(samples), len(knownInvalidExamples))
		if n != len(samples)-len(knownInvalidExamples) {
			t.Fatalf("loaded %d examples", n)
		}
	})
}
