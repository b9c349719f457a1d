package openaitest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"unicode"

	openai "github.com/sashabaranov/go-openai"
)

// DefaultDimensions is the length of a vector when the request does not
// ask for "dimensions".
const DefaultDimensions = 64

// Vector returns the embedding the server answers for text: a unit vector
// of the given length built by feature hashing the text's lower-cased
// words (each word adds ±1 to one coordinate chosen by its FNV-1a hash).
// The same text always gets the same vector, and texts that share words
// get a positive cosine similarity, so retrieval tests rank sensibly. A
// text without words gets the first unit vector.
func Vector(text string, dims int) []float32 {
	v := make([]float64, dims)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		h := fnv.New64a()
		h.Write([]byte(w))
		sum := h.Sum64()
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%uint64(dims)] += sign
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

type embeddingRequest struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
}

type base64Embedding struct {
	Object    string `json:"object"`
	Embedding string `json:"embedding"`
	Index     int    `json:"index"`
}

func embeddings(w http.ResponseWriter, body []byte) {
	var req embeddingRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "We could not parse the JSON body of your request.")
		return
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(req.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil || len(inputs) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "input must be a string or a non-empty array of strings")
		return
	}
	if req.Model == "" {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "model is required")
		return
	}
	dims := req.Dimensions
	if dims == 0 {
		dims = DefaultDimensions
	}
	if dims < 1 || dims > 8192 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "dimensions must be between 1 and 8192")
		return
	}
	tokens := 0
	for _, in := range inputs {
		tokens += Tokens(in)
	}
	usage := openai.Usage{PromptTokens: tokens, TotalTokens: tokens}
	if req.EncodingFormat == string(openai.EmbeddingEncodingFormatBase64) {
		data := make([]base64Embedding, len(inputs))
		for i, in := range inputs {
			vec := Vector(in, dims)
			raw := make([]byte, 4*len(vec))
			for j, x := range vec {
				binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(x))
			}
			data[i] = base64Embedding{Object: "embedding", Embedding: base64.StdEncoding.EncodeToString(raw), Index: i}
		}
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": data, "model": req.Model, "usage": usage})
		return
	}
	data := make([]openai.Embedding, len(inputs))
	for i, in := range inputs {
		data[i] = openai.Embedding{Object: "embedding", Embedding: Vector(in, dims), Index: i}
	}
	writeJSON(w, http.StatusOK, openai.EmbeddingResponse{Object: "list", Data: data, Model: openai.EmbeddingModel(req.Model), Usage: usage})
}
