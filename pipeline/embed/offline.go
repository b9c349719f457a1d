package embed

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// DefaultOfflineDimensions is the length of Offline's vectors when
// NewOffline is given 0: small enough to store and compare cheaply, large
// enough that hashed features rarely collide in a chunk of ~800 characters.
const DefaultOfflineDimensions = 384

// Offline embeds text by feature hashing, with no network and no model
// files: every lower-cased word, pair of adjacent words and character
// trigram of a word adds a signed weight to one coordinate chosen by its
// hash. Texts that share words and word parts ("hypertension",
// "hypertensive") get similar vectors; it knows no synonyms. It is
// deterministic across processes and platforms, so vectors stored by one
// release stay comparable with queries of the next as long as Model()
// does not change: change the version in Model() with the algorithm.
type Offline struct {
	dims int
}

var _ Embedder = Offline{}

// NewOffline returns an Offline embedder of dims dimensions (0: the default).
func NewOffline(dims int) (Offline, error) {
	if dims == 0 {
		dims = DefaultOfflineDimensions
	}
	if dims < 16 || dims > 16384 {
		return Offline{}, fmt.Errorf("embed: offline dimensions %d out of range 16-16384", dims)
	}
	return Offline{dims: dims}, nil
}

func (o Offline) dimensions() int {
	if o.dims == 0 {
		return DefaultOfflineDimensions
	}
	return o.dims
}

// Model returns "kiln-hash-<dims>-v1".
func (o Offline) Model() string { return fmt.Sprintf("kiln-hash-%d-v1", o.dimensions()) }

// Dimensions returns the vectors' length.
func (o Offline) Dimensions() int { return o.dimensions() }

// Embed returns one unit vector per text; a text with no words gets the
// zero vector, which is similar to nothing.
func (o Offline) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("embed: offline: %w", err)
			}
		}
		out[i] = o.vector(t)
	}
	return out, nil
}

// Feature weights: words carry the meaning; bigrams add a little word
// order; trigrams match inflections and misspellings but are many per
// word, so each counts less.
const (
	unigramWeight = 1.0
	bigramWeight  = 0.7
	trigramWeight = 0.3
)

func (o Offline) vector(text string) []float32 {
	dims := o.dimensions()
	counts := map[string]float64{} // feature -> raw count
	weights := map[string]float64{}
	add := func(feature string, w float64) {
		counts[feature]++
		weights[feature] = w
	}
	words := tokenize(text)
	prev := ""
	for _, w := range words {
		if stopword(w) {
			prev = ""
			continue
		}
		add("w:"+w, unigramWeight)
		if prev != "" {
			add("b:"+prev+" "+w, bigramWeight)
		}
		prev = w
		padded := []rune("<" + w + ">")
		for i := 0; i+3 <= len(padded); i++ {
			add("c:"+string(padded[i:i+3]), trigramWeight)
		}
	}

	v := make([]float64, dims)
	for f, n := range counts {
		h := fnv.New64a()
		h.Write([]byte(f))
		var sum [8]byte
		x := binary.BigEndian.Uint64(h.Sum(sum[:0]))
		idx := int(x % uint64(dims))
		sign := 1.0
		if x>>63 == 1 { // the top bit is independent of the index for dims < 2^63
			sign = -1
		}
		// Sublinear term frequency: the tenth mention of a word adds less
		// than the first.
		v[idx] += sign * weights[f] * (1 + math.Log(n))
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// tokenize returns the lower-cased words of text: runs of letters and
// digits. Vault tokens ("[NAME_12]") become one word ("name_12"), so the
// same redacted person or date matches across chunks of a patient.
func tokenize(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
	})
}

// stopword reports whether w is an English function word, which would
// make every pair of sentences look alike.
func stopword(w string) bool {
	switch w {
	case "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from",
		"had", "has", "have", "he", "her", "his", "in", "is", "it", "its", "of", "on",
		"or", "she", "that", "the", "their", "they", "this", "to", "was", "were", "which",
		"will", "with":
		return true
	}
	return false
}
