// Package comprehend is a phi.Detector backed by Amazon Comprehend
// Medical's DetectPHI operation, called through the AWS SDK for Go v2. It
// is optional: Kiln's built-in detector works alone, and phi.Combine runs
// this one beside it and merges their spans.
//
// # Requests
//
// DetectPHI takes fewer than 20,000 bytes of UTF-8 text per request, so
// Detect cuts longer text into chunks of at most Options.MaxChunkBytes,
// at a blank line, line break, sentence end or space where one falls in
// the second half of the window (at a code point boundary otherwise), and
// sends them one after another. The SDK's retryer repeats requests that
// were throttled (TooManyRequestsException) or met a 5xx answer; the
// context bounds the whole call.
//
// # Offsets
//
// The service gives each entity's BeginOffset and EndOffset in characters
// of the request's text, which its API reference defines as code points
// ("The offset returns the UTF-8 code point in the string"; Amazon
// Comprehend's own reference adds that "a multi-byte UTF-8 character maps
// to a single code point"): "é" counts one, an emoji one, not the two
// UTF-16 units of a surrogate pair. Detect converts them to byte offsets
// into the whole text. It checks each conversion against the entity's
// Text, and should the service ever count UTF-16 units instead, takes the
// UTF-16 reading when that alone matches.
//
// # Categories
//
// See Mapping. DetectPHI's types are coarser than Kiln's categories (one
// ID for SSNs, MRNs and account numbers); Merge settles overlaps with the
// built-in detector's finer spans by confidence.
//
// # Errors
//
// A failed request returns an *Error, whose message names the chunk, the
// service's error code, HTTP status and request ID, never the text or the
// service's own message (which might quote it).
package comprehend

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/comprehendmedical"
	"github.com/aws/aws-sdk-go-v2/service/comprehendmedical/types"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// Version changes whenever this package's requests or mapping change its
// output for the same service answers. Detector.Version adds the options
// and the service's model version.
const Version = "1.0.0"

// RequestLimit is DetectPHI's limit on one request's text: it must be
// fewer than this many UTF-8 bytes.
const RequestLimit = 20000

// DefaultMaxChunkBytes is the chunk size when Options.MaxChunkBytes is 0:
// the largest that DetectPHI accepts.
const DefaultMaxChunkBytes = RequestLimit - 1

// Options tune a Detector. The zero Options is valid.
type Options struct {
	// MinScore drops entities whose score is below it (0 keeps all).
	// Amazon recommends a low threshold for de-identification: an entity
	// dropped here is PHI left in the text unless another detector finds
	// it.
	MinScore float64
	// MaxChunkBytes is the most UTF-8 bytes of text sent in one request;
	// 0 means DefaultMaxChunkBytes, and larger values are lowered to it.
	MaxChunkBytes int
	// NotPHIPlace, when set, reports the words of an ADDRESS that name a
	// state, province or country (not PHI under Safe Harbor), which then
	// stay out of the LOCATION spans; (*phi.Builtin).NotPHIPlace fits.
	NotPHIPlace func(string) bool
}

// Detector implements phi.Detector with DetectPHI. It is safe for
// concurrent use.
type Detector struct {
	client *comprehendmedical.Client
	opts   Options
	// model is the ModelVersion of the last answer, for Version.
	model atomic.Pointer[string]
}

var _ phi.Detector = (*Detector)(nil)

// New returns a Detector that calls DetectPHI with client.
func New(client *comprehendmedical.Client, opts Options) *Detector {
	if opts.MaxChunkBytes <= 0 || opts.MaxChunkBytes > DefaultMaxChunkBytes {
		opts.MaxChunkBytes = DefaultMaxChunkBytes
	}
	return &Detector{client: client, opts: opts}
}

// Load builds a Comprehend Medical client from the default AWS
// configuration (environment, shared config and credentials files, web
// identity, container and instance roles) for region, which overrides any
// configured region when not empty. optFns adjust the loading as in
// config.LoadDefaultConfig (config.WithBaseEndpoint, for one). Pass the
// client to New.
func Load(ctx context.Context, region string, optFns ...func(*config.LoadOptions) error) (*comprehendmedical.Client, error) {
	if region != "" {
		optFns = append(optFns, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, optFns...)
	if err != nil {
		return nil, fmt.Errorf("comprehend: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("comprehend: no AWS region: pass one or set AWS_REGION")
	}
	return comprehendmedical.NewFromConfig(cfg), nil
}

// Name implements phi.Detector.
func (d *Detector) Name() string { return "comprehend-medical" }

// Version implements phi.Detector: the package's Version, the options
// that change the output (the minimum score; the chunk size and
// NotPHIPlace when set), and the model version of the service's last
// answer once there is one.
func (d *Detector) Version() string {
	v := Version + " min-score=" + strconv.FormatFloat(d.opts.MinScore, 'g', -1, 64)
	if d.opts.MaxChunkBytes != DefaultMaxChunkBytes {
		v += " max-chunk=" + strconv.Itoa(d.opts.MaxChunkBytes)
	}
	if d.opts.NotPHIPlace != nil {
		v += " not-phi-places"
	}
	if m := d.model.Load(); m != nil {
		v += " model=" + *m
	}
	return v
}

// Detect implements phi.Detector. hints are not used: the service takes
// only the text. The spans are merged (phi.Merge), sorted and
// non-overlapping; each one's Detector is "comprehend-medical:" and the
// service's entity type.
func (d *Detector) Detect(ctx context.Context, text string, _ phi.Hints) ([]phi.Span, error) {
	chunks := split(text, d.opts.MaxChunkBytes)
	var spans []phi.Span
	for i, c := range chunks {
		if err := ctx.Err(); err != nil {
			return nil, &Error{Chunk: i + 1, Chunks: len(chunks), err: err}
		}
		out, err := d.client.DetectPHI(ctx, &comprehendmedical.DetectPHIInput{Text: aws.String(text[c.start:c.end])})
		if err != nil {
			return nil, newError(i+1, len(chunks), err)
		}
		if out.ModelVersion != nil {
			m := *out.ModelVersion
			d.model.Store(&m)
		}
		spans = append(spans, d.spans(text, c, out.Entities)...)
	}
	return phi.Merge(spans), nil
}

// spans converts the entities of one chunk's answer.
func (d *Detector) spans(text string, c chunk, entities []types.Entity) []phi.Span {
	body := text[c.start:c.end]
	var cps, units []int // built on first use
	var out []phi.Span
	for _, e := range entities {
		score := score(e.Score)
		if score < d.opts.MinScore || e.BeginOffset == nil || e.EndOffset == nil {
			continue
		}
		b, n := int(*e.BeginOffset), int(*e.EndOffset)
		if cps == nil {
			cps = codePoints(body)
		}
		start, end, ok := offsets(cps, b, n)
		if e.Text != nil && (!ok || body[start:end] != *e.Text) {
			if units == nil {
				units = utf16Units(body)
			}
			if s, t, ok16 := offsets(units, b, n); ok16 && body[s:t] == *e.Text {
				start, end, ok = s, t, true
			}
		}
		if !ok {
			continue
		}
		for _, p := range d.mapEntity(e.Type, text, c.start+start, c.start+end) {
			if p, ok := trim(text, p); ok {
				out = append(out, phi.Span{
					Start: p.start, End: p.end, Category: p.category, Confidence: score,
					Detector: d.Name() + ":" + string(e.Type),
				})
			}
		}
	}
	return out
}

// offsets converts [b, n) in the units that index maps to bytes.
func offsets(index []int, b, n int) (start, end int, ok bool) {
	if b < 0 || n <= b || n >= len(index) {
		return 0, 0, false
	}
	start, end = index[b], index[n]
	return start, end, start >= 0 && end >= 0
}

// score is the entity's score as the float64 whose shortest decimal form
// is the float32's (0.9, not 0.8999999761581421); a missing score is 0.
func score(s *float32) float64 {
	if s == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(*s), 'g', -1, 32), 64)
	return f
}
