package phi_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/eval"
)

// updateSpans rewrites testdata/spans.golden from the current detector:
// go test ./pipeline/phi -run TestPHISpansSnapshot -update-spans
var updateSpans = flag.Bool("update-spans", false, "rewrite testdata/spans.golden")

// TestPHISpansSnapshot pins the built-in detector's exact output (every
// span's offsets, category, confidence and rule) on both corpora, one
// digest per document. A change meant to be output-neutral (a speed-up)
// must leave it green; a change to the rules updates the file with
// -update-spans, and the diff of the file shows which documents moved.
func TestPHISpansSnapshot(t *testing.T) {
	const golden = "testdata/spans.golden"
	corpora := []string{"../../testdata/phi"}
	presidio := "../../../shared/phi-dev/synth_dataset_v2.json"
	if _, err := os.Stat(presidio); err == nil {
		corpora = append(corpora, presidio)
	}
	d, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, path := range corpora {
		c, _, err := eval.Load(path, eval.Adapters(d.NotPHIPlace))
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range c.Documents {
			spans, err := d.Detect(context.Background(), doc.Text, hintsOf(t, doc))
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			for _, s := range spans {
				fmt.Fprintf(h, "%d %d %s %.6f %s\n", s.Start, s.End, s.Category, s.Confidence, s.Detector)
			}
			got[fmt.Sprintf("%s#%04d", filepath.Base(path), i)] = hex.EncodeToString(h.Sum(nil))[:16]
		}
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if *updateSpans {
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", k, got[k])
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(golden)
	if err != nil {
		t.Fatalf("%v (create it with -update-spans)", err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		want[k] = v
	}
	diff := 0
	for _, k := range keys {
		w, ok := want[k]
		if !ok {
			// The Presidio set is optional: only its documents may be absent.
			continue
		}
		if w != got[k] {
			diff++
			if diff <= 20 {
				t.Errorf("%s: spans changed", k)
			}
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d documents changed spans", diff, len(keys))
	}
}

func hintsOf(t *testing.T, doc eval.Document) phi.Hints {
	t.Helper()
	if len(doc.Patient) == 0 && len(doc.Related) == 0 {
		return phi.Hints{}
	}
	h, err := phi.HintsFromResources(doc.Patient, doc.Related...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
