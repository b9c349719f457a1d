package embed

import (
	"encoding/binary"
	"hash/crc32"
	"math"
	"slices"
	"testing"
)

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func TestOfflineShape(t *testing.T) {
	tests := []struct {
		dims, want int
		model      string
	}{
		{0, 384, "kiln-hash-384-v1"},
		{128, 128, "kiln-hash-128-v1"},
	}
	for _, tt := range tests {
		e, err := NewOffline(tt.dims)
		if err != nil {
			t.Fatal(err)
		}
		if e.Dimensions() != tt.want || e.Model() != tt.model {
			t.Errorf("NewOffline(%d): %d dims, model %q; want %d, %q", tt.dims, e.Dimensions(), e.Model(), tt.want, tt.model)
		}
		vecs, err := e.Embed(t.Context(), []string{"Hypertension, on lisinopril.", "", "Hypertension, on lisinopril."})
		if err != nil {
			t.Fatal(err)
		}
		if len(vecs) != 3 {
			t.Fatalf("Embed of 3 texts returned %d vectors", len(vecs))
		}
		for i, v := range vecs {
			if len(v) != tt.want {
				t.Errorf("vector %d has %d dims, want %d", i, len(v), tt.want)
			}
		}
		if n := cosine(vecs[0], vecs[0]); math.Abs(n-1) > 1e-6 {
			t.Errorf("self-similarity %v, want 1 (unit vector)", n)
		}
		if !slices.Equal(vecs[0], vecs[2]) {
			t.Errorf("the same text embedded twice differs")
		}
		if slices.ContainsFunc(vecs[1], func(x float32) bool { return x != 0 }) {
			t.Errorf("empty text: want the zero vector")
		}
	}
	for _, dims := range []int{-1, 8, 20000} {
		if _, err := NewOffline(dims); err == nil {
			t.Errorf("NewOffline(%d) succeeded", dims)
		}
	}
	// The zero value is usable and the same as the default.
	var zero Offline
	def, _ := NewOffline(0)
	a, _ := zero.Embed(t.Context(), []string{"chest pain"})
	b, _ := def.Embed(t.Context(), []string{"chest pain"})
	if zero.Model() != def.Model() || !slices.Equal(a[0], b[0]) {
		t.Errorf("zero Offline differs from NewOffline(0)")
	}
}

// TestOfflineGolden pins the vectors: they are stored, so a change of the
// algorithm must come with a new Model() version (and a new checksum here).
func TestOfflineGolden(t *testing.T) {
	v, err := Offline{}.Embed(t.Context(), []string{"Type 2 diabetes mellitus, well controlled on metformin."})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4*len(v[0]))
	for i, x := range v[0] {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	// Recorded from kiln-hash-384-v1.
	if got, want := crc32.ChecksumIEEE(b), uint32(0x8b225c6a); got != want {
		t.Errorf("vector checksum %08x, want %08x: the algorithm changed; bump the version in Model()", got, want)
	}
}

// TestOfflineSimilarity checks that clinically related sentences are
// closer than unrelated ones.
func TestOfflineSimilarity(t *testing.T) {
	tests := []struct {
		query, related, unrelated string
	}{
		{
			"Patient has hypertension treated with lisinopril; blood pressure elevated.",
			"Hypertensive, blood pressure 150/95 despite lisinopril 20 mg.",
			"Fractured left wrist after a fall on ice; cast applied.",
		},
		{
			"Type 2 diabetes mellitus, HbA1c 8.1%, on metformin.",
			"Diabetic follow-up: metformin continued, HbA1c improving.",
			"Seasonal allergic rhinitis, uses a nasal spray in spring.",
		},
		{
			"Shortness of breath and wheezing, history of asthma.",
			"Asthma exacerbation with wheezing; albuterol inhaler given.",
			"Routine dental cleaning, no caries found.",
		},
		{
			"[NAME_1] reports chest pain radiating to the left arm.",
			"Chest pain on exertion, radiating to arm; ECG ordered.",
			"[NAME_1] asked about travel vaccinations for Kenya.",
		},
	}
	e := Offline{}
	for _, tt := range tests {
		v, err := e.Embed(t.Context(), []string{tt.query, tt.related, tt.unrelated})
		if err != nil {
			t.Fatal(err)
		}
		rel, unrel := cosine(v[0], v[1]), cosine(v[0], v[2])
		t.Logf("related %.3f, unrelated %.3f: %q", rel, unrel, tt.query)
		if rel <= unrel+0.05 {
			t.Errorf("%q:\n  related %q scores %.3f\n  unrelated %q scores %.3f; want related clearly higher", tt.query, tt.related, rel, tt.unrelated, unrel)
		}
	}
}
