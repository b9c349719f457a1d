package eval_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/internal/shared"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/eval"
)

// TestEmbeddedTaggerMatchesItsCorpora retrains the tagger on the corpora
// pipeline/phi/model/corpora.txt lists and checks that the result is the
// committed model byte for byte: a change to the corpora, the features or
// the trainer that is not followed by `make phi-model` fails here, and so
// does a committed model nobody can rebuild.
func TestEmbeddedTaggerMatchesItsCorpora(t *testing.T) {
	const root = "../../.."
	paths, err := eval.ReadCorpusList(filepath.Join(root, "pipeline/phi/model/corpora.txt"), root)
	if err != nil {
		t.Fatal(err)
	}
	b, err := phi.NewBuiltin(phi.WithoutTagger())
	if err != nil {
		t.Fatal(err)
	}
	adapters := eval.Adapters(b.NotPHIPlace)
	var docs []phi.TrainingDoc
	for _, path := range paths {
		file, _, _ := strings.Cut(path, "#")
		if _, err := os.Stat(file); err != nil {
			shared.Missing(t, file, err)
			return
		}
		c, _, err := eval.Load(path, adapters)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, c.TrainingDocs()...)
	}
	var got bytes.Buffer
	if _, err := phi.TrainTagger(context.Background(), docs, phi.TrainOptions{}, &got); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(root, "pipeline/phi/model/tagger.bin.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("the committed tagger model (%d bytes) is not what its corpora give (%d bytes): run make phi-model", len(want), got.Len())
	}
}
