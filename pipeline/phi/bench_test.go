package phi_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/eval"
)

// BenchmarkDetect measures the built-in detector's throughput on the
// notes of testdata/phi (without patient hints, and with them); b.SetBytes
// makes `go test -bench` print MB/s per core.
func BenchmarkDetect(b *testing.B) {
	d, err := phi.NewBuiltin()
	if err != nil {
		b.Fatal(err)
	}
	c, _, err := eval.Load(filepath.Join("..", "..", "testdata", "phi"), eval.Adapters(d.NotPHIPlace))
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	var all strings.Builder
	for _, doc := range c.Documents {
		texts = append(texts, doc.Text)
		all.WriteString(doc.Text)
	}
	hints, err := phi.HintsFromResources(c.Documents[10].Patient)
	if err != nil {
		b.Fatal(err)
	}
	rules, err := phi.NewBuiltin(phi.WithoutTagger())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		d     phi.Detector
		hints phi.Hints
	}{{"plain", d, phi.Hints{}}, {"patient-aware", d, hints}, {"rules-only", rules, phi.Hints{}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(all.Len()))
			ctx := context.Background()
			for b.Loop() {
				for _, t := range texts {
					if _, err := bc.d.Detect(ctx, t, bc.hints); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
