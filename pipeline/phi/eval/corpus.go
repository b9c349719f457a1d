// Package eval measures a phi.Detector against labelled corpora and prints
// recall, precision and F1 per category, token-level and entity-level.
//
// A corpus is read by an Adapter, one per format, which maps the corpus's
// own labels to Kiln categories (or to "not PHI" for labels that Safe
// Harbor does not require removing): adding a corpus means adding an
// adapter, nothing else. Two are built in: the inline-labelled notes of
// testdata/phi (KilnInline) and Presidio's JSON (Presidio).
//
// # Definitions
//
// Tokens are the maximal runs of letters and digits of the text; spaces
// and punctuation separate them and are never counted.
//
// A gold token of category C is a token that overlaps a gold label of C.
// A token is found (covered) when every one of its bytes lies inside a
// predicted span, of any category for "R" and of category C for "R/c".
// A predicted token of category C is a token that overlaps a predicted
// span of C; it is correct ("P") when it is a gold token of any category,
// and correct for its category ("P/c") when it is a gold token of C.
// Token recall asks "was it redacted?", token precision "was what we
// redacted PHI?".
//
// A gold entity is one gold label; it is found ("R") when all its tokens
// are found, of its category for "R/c". A predicted entity is one merged
// predicted span with at least one token; it is correct ("P") when one of
// its tokens is a gold token, of its category for "P/c".
//
// F1 is 2PR/(P+R) of the category-agnostic R and P. The "all" row pools
// every category; tokens of labels mapped to "not PHI" are negatives, and
// the report counts how many predicted tokens fell on each such label.
package eval

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// Label is one labelled stretch of a document.
type Label struct {
	// Start and End are byte offsets into Document.Text, end exclusive.
	Start, End int
	// Category is the Kiln category, or "" when the corpus's label is not
	// PHI under Safe Harbor (a country, a job title, an organisation).
	Category phi.Category
	// Source is the corpus's own label ("PERSON", "GPE").
	Source string
}

// Document is one labelled text, with the FHIR resources of its subject
// when the corpus has them (for patient-aware detection).
type Document struct {
	ID      string
	Text    string
	Labels  []Label
	Patient []byte
	Related [][]byte
}

// Corpus is a labelled set of documents read by an adapter.
type Corpus struct {
	Path      string
	Format    string
	Documents []Document
}

// Adapter reads one corpus format and maps its labels to Kiln
// categories.
type Adapter interface {
	// Name names the format ("kiln-inline", "presidio").
	Name() string
	// Detect reports whether path looks like this format.
	Detect(path string) bool
	// Load reads the corpus at path.
	Load(path string) (*Corpus, error)
	// Mapping describes, for reports, how the format's labels become Kiln
	// categories.
	Mapping() []string
}

// Adapters returns the built-in adapters. notPHIPlace reports names of
// places not smaller than a state (countries, states), which Safe Harbor
// does not require removing; adapters whose corpora label such places
// use it to map them to "not PHI".
func Adapters(notPHIPlace func(string) bool) []Adapter {
	return []Adapter{KilnInline{}, Presidio{NotPHIPlace: notPHIPlace}}
}

// Load reads the corpus at path with the first adapter that recognises
// it. A path may end in "#FROM:TO" to keep only the documents with those
// indices (in the corpus's order, TO exclusive; either may be left out):
// "synth_dataset_v2.json#1000:1500" scores a held-out part of a corpus
// whose other part was used to tune the detector.
func Load(path string, adapters []Adapter) (*Corpus, Adapter, error) {
	file, from, to, err := splitRange(path)
	if err != nil {
		return nil, nil, fmt.Errorf("corpus %s: %w", path, err)
	}
	if _, err := os.Stat(file); err != nil {
		return nil, nil, fmt.Errorf("corpus %s: %w", path, err)
	}
	for _, a := range adapters {
		if a.Detect(file) {
			c, err := a.Load(file)
			if err != nil {
				return nil, nil, fmt.Errorf("corpus %s (%s): %w", path, a.Name(), err)
			}
			if to < 0 || to > len(c.Documents) {
				to = len(c.Documents)
			}
			if from > to {
				return nil, nil, fmt.Errorf("corpus %s: range starts after its end (%d documents)", path, len(c.Documents))
			}
			c.Documents = c.Documents[from:to]
			c.Path = path
			return c, a, nil
		}
	}
	return nil, nil, errors.New("corpus " + path + ": no adapter recognises its format")
}

// splitRange splits "file#FROM:TO" into the file and the range of
// document indices; to is -1 for "to the end". A path without "#" keeps
// every document.
func splitRange(path string) (file string, from, to int, err error) {
	file, rng, ok := strings.Cut(path, "#")
	if !ok {
		return path, 0, -1, nil
	}
	a, b, ok := strings.Cut(rng, ":")
	if !ok {
		return "", 0, 0, fmt.Errorf("range %q: want FROM:TO", rng)
	}
	from, to = 0, -1
	if a != "" {
		if from, err = strconv.Atoi(a); err != nil || from < 0 {
			return "", 0, 0, fmt.Errorf("range %q: bad start", rng)
		}
	}
	if b != "" {
		if to, err = strconv.Atoi(b); err != nil || to < from {
			return "", 0, 0, fmt.Errorf("range %q: bad end", rng)
		}
	}
	return file, from, to, nil
}

// TrainingDocs returns the corpus as training documents for
// phi.TrainTagger: labels with a Kiln category become gold spans; labels
// mapped to "not PHI" stay out, so their tokens teach "not PHI".
func (c *Corpus) TrainingDocs() []phi.TrainingDoc {
	docs := make([]phi.TrainingDoc, 0, len(c.Documents))
	for _, d := range c.Documents {
		td := phi.TrainingDoc{Text: d.Text}
		for _, l := range d.Labels {
			if l.Category != "" {
				td.Spans = append(td.Spans, phi.Span{Start: l.Start, End: l.End, Category: l.Category})
			}
		}
		docs = append(docs, td)
	}
	return docs
}

// ReadCorpusList reads a list of corpora, one path per line, with blank
// lines and lines starting with "#" left out (pipeline/phi/model/
// corpora.txt). Relative paths are joined to root.
func ReadCorpusList(path, root string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("corpus list: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !filepath.IsAbs(line) {
			line = filepath.Join(root, line)
		}
		out = append(out, line)
	}
	return out, nil
}
