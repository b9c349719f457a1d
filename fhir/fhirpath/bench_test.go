package fhirpath

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// BenchmarkSearchIndex evaluates every R4 search parameter expression that
// applies to a resource type (its own and those of Resource and
// DomainResource) against one Synthea resource, as an indexer does on
// each write. One op is one resource fully indexed.
func BenchmarkSearchIndex(b *testing.B) {
	params := loadSearchParams(b)
	files, _ := filepath.Glob(filepath.Join(syntheaDir, "*.json"))
	if len(files) == 0 {
		b.Skip("no Synthea samples")
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		b.Fatal(err)
	}
	bundle := decodeJSON(b, data)
	first := map[string]map[string]any{}
	for _, e := range bundle["entry"].([]any) {
		r := e.(map[string]any)["resource"].(map[string]any)
		rt := r["resourceType"].(string)
		if _, ok := first[rt]; !ok {
			first[rt] = r
		}
	}
	for _, rt := range []string{"Patient", "Observation"} {
		var exprs []*Expression
		for _, p := range params {
			if p.Expression != "" && (slices.Contains(p.Base, rt) || slices.Contains(p.Base, "Resource") || slices.Contains(p.Base, "DomainResource")) {
				exprs = append(exprs, MustCompile(p.Expression))
			}
		}
		r := first[rt]
		b.Run(rt, func(b *testing.B) {
			b.ReportAllocs()
			values := 0
			for b.Loop() {
				values = 0
				for _, e := range exprs {
					v, err := e.Evaluate(r)
					if err != nil {
						b.Fatal(err)
					}
					values += len(v)
				}
			}
			b.ReportMetric(float64(len(exprs)), "exprs/op")
			b.ReportMetric(float64(values), "values/op")
		})
	}
}
