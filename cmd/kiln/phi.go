package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/phi/eval"
)

// phiCmd is `kiln phi`: PHI detection without the server.
func phiCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "phi", Short: "Detect PHI in text (scan, eval)"}
	cmd.AddCommand(phiScanCmd(), phiEvalCmd(), phiTrainCmd())
	return cmd
}

// phiScanRecord is one line of `kiln phi scan` input.
type phiScanRecord struct {
	ID      json.RawMessage   `json:"id"`
	Text    *string           `json:"text"`
	Patient json.RawMessage   `json:"patient"`
	Related []json.RawMessage `json:"related"`
}

// phiScanSpan is a span in `kiln phi scan` output: offsets in Unicode
// code points of the input text, end exclusive.
type phiScanSpan struct {
	Start      int          `json:"start"`
	End        int          `json:"end"`
	Category   phi.Category `json:"category"`
	Confidence float64      `json:"confidence"`
}

type phiScanResult struct {
	ID       json.RawMessage `json:"id"`
	Spans    []phiScanSpan   `json:"spans"`
	Redacted string          `json:"redacted"`
}

func phiScanCmd() *cobra.Command {
	var minConf float64
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Find and redact PHI in JSON Lines read from standard input",
		Long: `Reads JSON Lines {"id": ..., "text": ..., "patient": {FHIR Patient}, "related": [{FHIR Practitioner or
RelatedPerson}, ...]} ("patient" and "related" are optional) and writes one line per input line:
{"id": ..., "spans": [{"start", "end", "category", "confidence"}], "redacted": ...}. Offsets count Unicode
code points of the input text, end exclusive. Redaction tokens ([NAME_1], ...) are numbered per record.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := phi.NewBuiltin()
			if err != nil {
				return err
			}
			return phiScan(cmd, d, cmd.InOrStdin(), cmd.OutOrStdout(), minConf)
		},
	}
	cmd.Flags().Float64Var(&minConf, "min-confidence", 0, "report only spans at least this confident (0-1)")
	return cmd
}

// phiScan runs d over every record of in and writes the results to out.
func phiScan(cmd *cobra.Command, d phi.Detector, in io.Reader, out io.Writer, minConf float64) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 1<<20))
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		var rec phiScanRecord
		if err := dec.Decode(&rec); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("phi scan: record %d: %w", n, err)
		}
		if rec.Text == nil {
			return fmt.Errorf("phi scan: record %d: no \"text\"", n)
		}
		if !utf8.ValidString(*rec.Text) {
			return fmt.Errorf("phi scan: record %d: text is not valid UTF-8", n)
		}
		var related [][]byte
		for _, r := range rec.Related {
			related = append(related, r)
		}
		patient := []byte(rec.Patient)
		if string(patient) == "null" {
			patient = nil
		}
		hints, err := phi.HintsFromResources(patient, related...)
		if err != nil {
			return fmt.Errorf("phi scan: record %d: %w", n, err)
		}
		spans, err := d.Detect(cmd.Context(), *rec.Text, hints)
		if err != nil {
			return fmt.Errorf("phi scan: record %d: %w", n, err)
		}
		kept := spans[:0]
		for _, s := range spans {
			if s.Confidence >= minConf {
				kept = append(kept, s)
			}
		}
		res := phiScanResult{ID: rec.ID, Spans: codePointSpans(*rec.Text, kept), Redacted: phi.Redact(*rec.Text, kept, nil)}
		if res.ID == nil {
			res.ID = json.RawMessage("null")
		}
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("phi scan: record %d: %w", n, err)
		}
	}
	return w.Flush()
}

// codePointSpans converts byte-offset spans (sorted) to code-point offsets
// for the JSON Lines interface, the boundary where Kiln stops speaking
// bytes.
func codePointSpans(text string, spans []phi.Span) []phiScanSpan {
	out := make([]phiScanSpan, 0, len(spans))
	cp, pos := 0, 0 // pos is the byte offset matching cp code points
	advance := func(to int) int {
		cp += utf8.RuneCountInString(text[pos:to])
		pos = to
		return cp
	}
	for _, s := range spans {
		if s.Start < pos { // not sorted: count from the start
			cp, pos = 0, 0
		}
		start := advance(s.Start)
		end := advance(s.End)
		out = append(out, phiScanSpan{Start: start, End: end, Category: s.Category, Confidence: s.Confidence})
	}
	return out
}

func phiEvalCmd() *cobra.Command {
	var (
		corpora  []string
		errs     int
		model    string
		noTagger bool
	)
	cmd := &cobra.Command{
		Use:   "eval",
		Short: "Measure the PHI detector on labelled corpora",
		Long: `Runs the built-in detector over each labelled corpus (a directory of inline-labelled notes such as
testdata/phi, or a Presidio JSON data set) and prints token-level and entity-level recall, precision and F1
per category. Definitions: go doc github.com/kiln-health/kiln/pipeline/phi/eval.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(corpora) == 0 {
				return errors.New("phi eval: give at least one --corpus")
			}
			opts, err := taggerOptions(model, noTagger)
			if err != nil {
				return err
			}
			b, err := phi.NewBuiltin(opts...)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "detector %s %s\n\n", b.Name(), b.Version())
			adapters := eval.Adapters(b.NotPHIPlace)
			for _, path := range corpora {
				c, a, err := eval.Load(path, adapters)
				if err != nil {
					return fmt.Errorf("phi eval: %w", err)
				}
				rep, err := eval.Evaluate(cmd.Context(), b, c, a)
				if err != nil {
					return fmt.Errorf("phi eval: %s: %w", path, err)
				}
				if err := rep.WriteTable(out); err != nil {
					return err
				}
				if errs > 0 {
					rep.WriteErrors(out, errs)
				}
			}
			fmt.Fprintln(out, "label mappings:")
			for _, a := range adapters {
				for _, m := range a.Mapping() {
					fmt.Fprintf(out, "  %s: %s\n", a.Name(), m)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&corpora, "corpus", nil, "labelled corpus to evaluate on (repeatable)")
	cmd.Flags().IntVar(&errs, "errors", 0, "also print up to this many missed entities and false positives per corpus")
	cmd.Flags().StringVar(&model, "model", "", "tagger model file (from kiln phi train) instead of the embedded one")
	cmd.Flags().BoolVar(&noTagger, "no-tagger", false, "leave the learned tagger out: measure the rules alone")
	return cmd
}

// taggerOptions turns --model and --no-tagger into detector options.
func taggerOptions(model string, noTagger bool) ([]phi.BuiltinOption, error) {
	switch {
	case noTagger && model != "":
		return nil, errors.New("phi: --model and --no-tagger exclude each other")
	case noTagger:
		return []phi.BuiltinOption{phi.WithoutTagger()}, nil
	case model != "":
		m, err := os.ReadFile(model)
		if err != nil {
			return nil, fmt.Errorf("phi: tagger model: %w", err)
		}
		return []phi.BuiltinOption{phi.WithTaggerModel(bytes.NewReader(m))}, nil
	}
	return nil, nil
}

func phiTrainCmd() *cobra.Command {
	var (
		corpora []string
		list    string
		out     string
		opts    phi.TrainOptions
	)
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the PHI detector's tagger on labelled corpora",
		Long: `Trains the built-in detector's learned tagger (an averaged perceptron over words, shapes, neighbours
and the lexicon) on labelled corpora in any format kiln phi eval reads, and writes the model to --out. The
same corpora and options give the same file. make phi-model rebuilds the embedded model
(pipeline/phi/model/tagger.bin.gz); kiln phi eval --model measures another one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if list != "" {
				listed, err := eval.ReadCorpusList(list, ".")
				if err != nil {
					return fmt.Errorf("phi train: %w", err)
				}
				corpora = append(corpora, listed...)
			}
			if len(corpora) == 0 || out == "" {
				return errors.New("phi train: give at least one --corpus (or --corpora) and --out")
			}
			b, err := phi.NewBuiltin(phi.WithoutTagger())
			if err != nil {
				return err
			}
			adapters := eval.Adapters(b.NotPHIPlace)
			var docs []phi.TrainingDoc
			for _, path := range corpora {
				c, _, err := eval.Load(path, adapters)
				if err != nil {
					return fmt.Errorf("phi train: %w", err)
				}
				docs = append(docs, c.TrainingDocs()...)
			}
			var buf bytes.Buffer
			stats, err := phi.TrainTagger(cmd.Context(), docs, opts, &buf)
			if err != nil {
				return err
			}
			if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
				return fmt.Errorf("phi train: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "trained on %d documents, %d tokens; %d features kept; errors per epoch %v; wrote %s (%d bytes)\n",
				stats.Documents, stats.Tokens, stats.Features, stats.Errors, out, buf.Len())
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&corpora, "corpus", nil, "labelled corpus to learn from (repeatable; FILE#FROM:TO keeps a range)")
	cmd.Flags().StringVar(&list, "corpora", "", "file listing corpora, one per line (# comments), as pipeline/phi/model/corpora.txt")
	cmd.Flags().StringVar(&out, "out", "", "file to write the model to")
	cmd.Flags().IntVar(&opts.Epochs, "epochs", 8, "passes over the documents")
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 0, "seed of the document order")
	cmd.Flags().IntVar(&opts.Orders, "orders", 5, "document orders (seeds from --seed on) whose models are averaged")
	cmd.Flags().Float64Var(&opts.Threshold, "threshold", 0.5, "least probability for which the tagger reports a span")
	cmd.Flags().Float64Var(&opts.MinWeight, "min-weight", 0.3, "drop features whose averaged weights are all smaller")
	return cmd
}
