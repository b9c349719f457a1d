package phi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// TrainingDoc is a labelled text for TrainTagger: Spans are the gold PHI
// spans (byte offsets, end exclusive). Names, locations, dates and
// identifiers teach the tagger; every other token is an example of "not
// one of these".
type TrainingDoc struct {
	Text  string
	Spans []Span
}

// TrainOptions set how TrainTagger learns.
type TrainOptions struct {
	// Epochs is the number of passes over the documents (default 8).
	Epochs int
	// Seed fixes the order the documents are visited in, so that the same
	// documents and options give the same model, byte for byte.
	Seed uint64
	// Threshold is the least probability for which the trained tagger
	// reports a span (default 0.5).
	Threshold float64
	// MinWeight drops features whose averaged weights are all smaller in
	// magnitude: they change no decision worth keeping (default 0.3; with
	// the context pairs of 1.16.0, 0.01 kept a 3 MB model that measured the
	// same as the 2 MB one).
	MinWeight float64
	// Orders is the number of document orders (seeds Seed, Seed+1, ...)
	// whose models are averaged (default 5), in each direction: the
	// left-to-right and the right-to-left pass (see tag) learn from the
	// same orders.
	Orders int
}

// TrainStats describes a training run.
type TrainStats struct {
	Documents, Tokens, Features int
	// Errors is the number of token mistakes in each epoch, before the
	// update that corrects them, in the first document order, left to right.
	Errors []int
}

// TrainTagger trains the built-in detector's tagger on docs and writes the
// model to w in the form the detector embeds (pipeline/phi/model) and
// WithTaggerModel reads.
func TrainTagger(ctx context.Context, docs []TrainingDoc, opts TrainOptions, w io.Writer) (TrainStats, error) {
	if opts.Epochs <= 0 {
		opts.Epochs = 8
	}
	if opts.Threshold <= 0 {
		opts.Threshold = 0.5
	}
	if opts.Orders <= 0 {
		opts.Orders = 5
	}
	if opts.MinWeight <= 0 {
		opts.MinWeight = 0.3
	}
	lx, err := sharedLexicon()
	if err != nil {
		return TrainStats{}, fmt.Errorf("phi: train tagger: %w", err)
	}
	examples := make([]trainExample, 0, len(docs))
	stats := TrainStats{Documents: len(docs)}
	for _, d := range docs {
		toks := tokenize(d.Text)
		examples = append(examples, trainExample{text: d.Text, toks: toks, gold: goldClasses(toks, d.Spans)})
		for _, t := range toks {
			if t.shape != shPunct {
				stats.Tokens++
			}
		}
	}

	// Models learned from several orders of the same documents are
	// averaged (1.16.0): one order's model depends on the order more than
	// it should (seeds moved held-out place recall by 0.6 points), and the
	// average is steadier and, on the development sets, half a point more
	// precise on names.
	// The orders train side by side, each with its own featurizers (they
	// keep per-text scratch state); the first Orders runs learn the
	// left-to-right pass, the others the right-to-left one, whose features
	// are hashed apart (backwardFeatures), so one sum holds both.
	models := make([]*taggerModel, 2*opts.Orders)
	errs := make([][]int, 2*opts.Orders)
	fails := make([]error, 2*opts.Orders)
	var wg sync.WaitGroup
	for r := range 2 * opts.Orders {
		own := slices.Clone(examples)
		for i := range own {
			own[i].fx = newFeaturizer(lx, own[i].text)
		}
		wg.Go(func() {
			models[r], errs[r], fails[r] = trainOrder(ctx, own, opts, opts.Seed+uint64(r%opts.Orders), r >= opts.Orders)
		})
	}
	wg.Wait()
	if err := errors.Join(fails...); err != nil {
		return stats, err
	}
	stats.Errors = errs[0]
	var sum *taggerModel
	for _, m := range models {
		sum = addModels(sum, m)
	}
	m := sum.scaled(1/float32(opts.Orders), float32(opts.MinWeight))
	m.threshold = float32(opts.Threshold)
	stats.Features = len(m.index)
	if err := m.writeTo(w); err != nil {
		return stats, fmt.Errorf("phi: train tagger: write model: %w", err)
	}
	return stats, nil
}

// goldClasses gives each token the tagger class of the gold span it
// overlaps (0 when none, or when the span's category is not one the
// tagger learns).
func goldClasses(toks []token, spans []Span) []uint8 {
	gold := make([]uint8, len(toks))
	for _, s := range spans {
		c := classOf(s.Category)
		if c == 0 {
			continue
		}
		for i := tokenAt(toks, s.Start); i < len(toks) && toks[i].start < s.End; i++ {
			gold[i] = c
		}
		// A token that starts before the span but reaches into it.
		if i := tokenAt(toks, s.Start) - 1; i >= 0 && toks[i].end > s.Start {
			gold[i] = c
		}
	}
	return gold
}

func classOf(c Category) uint8 {
	switch c {
	case SSN, MRN, HealthPlan, Account, License, Vehicle, Device:
		// One class for every identifier (1.17.0): what tells an
		// identifier from a number is much the same for all of them (a
		// key word before it, its length and make-up), and the rules,
		// which win in Merge, name the kind where they know it.
		c = ID
	}
	for i, k := range taggerClasses {
		if i > 0 && k == c {
			return uint8(i)
		}
	}
	return 0
}

// perceptron is the averaged perceptron being trained: current weights,
// plus per weight the running total and when it last changed, so the
// average is kept without touching every weight at every step.
type perceptron struct {
	index  map[uint64]int
	w      []float64
	total  []float64
	stamp  []int
	clock  int
	scores [nTaggerClasses]float64
}

func newPerceptron() *perceptron { return &perceptron{index: map[uint64]int{}} }

func (p *perceptron) predict(feats []uint64) uint8 {
	p.scores = [nTaggerClasses]float64{}
	for _, f := range feats {
		i, ok := p.index[f]
		if !ok {
			continue
		}
		for c := range nTaggerClasses {
			p.scores[c] += p.w[i*nTaggerClasses+c]
		}
	}
	best := 0
	for c := 1; c < nTaggerClasses; c++ {
		if p.scores[c] > p.scores[best] {
			best = c
		}
	}
	return uint8(best)
}

func (p *perceptron) update(feats []uint64, gold, guess uint8) {
	for _, f := range feats {
		i, ok := p.index[f]
		if !ok {
			i = len(p.index)
			p.index[f] = i
			p.w = append(p.w, make([]float64, nTaggerClasses)...)
			p.total = append(p.total, make([]float64, nTaggerClasses)...)
			p.stamp = append(p.stamp, make([]int, nTaggerClasses)...)
		}
		p.add(i*nTaggerClasses+int(gold), 1)
		p.add(i*nTaggerClasses+int(guess), -1)
	}
}

func (p *perceptron) add(k int, v float64) {
	p.total[k] += float64(p.clock-p.stamp[k]) * p.w[k]
	p.stamp[k] = p.clock
	p.w[k] += v
}

func (p *perceptron) tick() { p.clock++ }

// average returns the model of averaged weights.
func (p *perceptron) average() *taggerModel {
	m := &taggerModel{index: make(map[uint64]int32, len(p.index)), weights: make([]float32, len(p.index)*nTaggerClasses)}
	for f, i := range p.index {
		m.index[f] = int32(i)
		for c := range nTaggerClasses {
			k := i*nTaggerClasses + c
			total := p.total[k] + float64(p.clock-p.stamp[k])*p.w[k]
			m.weights[k] = float32(total / float64(max(p.clock, 1)))
		}
	}
	return m
}

// trainExample is a training document, tokenised, with its gold classes.
type trainExample struct {
	text string
	toks []token
	gold []uint8
	fx   *featurizer
}

// trainOrder trains one perceptron, visiting examples in the order seed
// gives and each example's tokens from the last when backward is set, and
// returns its averaged weights (none dropped) and its mistakes per epoch.
func trainOrder(ctx context.Context, examples []trainExample, opts TrainOptions, seed uint64, backward bool) (*taggerModel, []int, error) {
	var epochErrs []int
	p := newPerceptron()
	rng := rand.New(rand.NewPCG(seed, 0x6b696c6e))
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	var feats []uint64
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		errs := 0
		for _, e := range order {
			if err := ctx.Err(); err != nil {
				return nil, nil, fmt.Errorf("phi: train tagger: %w", err)
			}
			ex := examples[e]
			prev1, prev2 := uint8(0), uint8(0)
			for j := range ex.toks {
				i := passIndex(len(ex.toks), j, backward)
				if ex.toks[i].shape == shPunct {
					continue
				}
				feats = ex.fx.features(feats[:0], ex.text, ex.toks, i, prev1, prev2)
				if backward {
					feats = backwardFeatures(feats)
				}
				guess := p.predict(feats)
				if guess != ex.gold[i] {
					errs++
					p.update(feats, ex.gold[i], guess)
				}
				p.tick()
				prev2, prev1 = prev1, guess
			}
		}
		epochErrs = append(epochErrs, errs)
	}
	return p.average(), epochErrs, nil
}

// addModels adds b's weights into sum (a new model when sum is nil).
func addModels(sum, b *taggerModel) *taggerModel {
	if sum == nil {
		sum = &taggerModel{index: map[uint64]int32{}}
	}
	for f, i := range b.index {
		j, ok := sum.index[f]
		if !ok {
			j = int32(len(sum.index))
			sum.index[f] = j
			sum.weights = append(sum.weights, make([]float32, nTaggerClasses)...)
		}
		for c := range nTaggerClasses {
			sum.weights[int(j)*nTaggerClasses+c] += b.weights[int(i)*nTaggerClasses+c]
		}
	}
	return sum
}

// scaled returns m's weights times k, without the features whose weights
// all stay under minWeight in magnitude.
func (m *taggerModel) scaled(k, minWeight float32) *taggerModel {
	out := &taggerModel{index: map[uint64]int32{}}
	for f, i := range m.index {
		var row [nTaggerClasses]float32
		keep := false
		for c := range nTaggerClasses {
			row[c] = roundWeight(m.weights[int(i)*nTaggerClasses+c] * k)
			keep = keep || row[c] >= minWeight || row[c] <= -minWeight
		}
		if keep {
			out.index[f] = int32(len(out.index))
			out.weights = append(out.weights, row[:]...)
		}
	}
	return out
}

// roundWeight rounds a weight so that the stored model does not depend on
// the last bits of float summation order.
func roundWeight(v float32) float32 {
	return float32(math.Round(float64(v)*1e5) / 1e5)
}
