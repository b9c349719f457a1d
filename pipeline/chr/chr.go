// Package chr drafts Client Health Reports: a FHIR Composition per patient,
// conforming to Kiln's CHR profile, that a clinician reviews, edits and
// signs.
//
// A draft is built from the patient's chart (Conditions, medications,
// allergies, results, vital signs, immunizations, procedures, encounters,
// care plans) and from the patient's redacted documents, which the
// document pipeline hands over chunked and embedded (Grounding). Kiln
// owns the structure: sections, entries, narrative XHTML and Provenance;
// a Composer only words the statements, and every statement must cite a
// source the composer was given, or it is dropped. The default composer
// is offline and deterministic; an LLM composer may be configured, and
// only ever receives de-identified facts and redacted passages (the
// tenant's egress policy decides whether it may run at all).
//
// Writes are idempotent: a draft job writes its Composition, Provenance,
// suggested Conditions and Task in one transaction at ids fixed when the
// job was queued, so a retried job writes the same resources again.
package chr

import (
	"context"
	"log/slog"
	"time"

	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/coding"
)

// Version names the drafter in Provenance.
const Version = "1.0.0"

// JobKind is the kind of the queue's draft jobs.
const JobKind = "chr.draft"

// Grounding finds passages of a patient's redacted documents.
type Grounding interface {
	// Index makes a redacted document searchable (replacing what was
	// indexed for it before).
	Index(ctx context.Context, tenant, patient, document, text string) error
	// Search returns the k passages of the patient's documents closest to
	// query, best first.
	Search(ctx context.Context, tenant, patient, query string, k int) ([]Hit, error)
	// Describe says how passages are embedded and searched, for Provenance.
	Describe() string
}

// Hit is one retrieved passage.
type Hit struct {
	Document   string // the redacted DocumentReference's id
	Start, End int    // code-point offsets into its text
	Text       string
	Score      float64
}

// Coder suggests codes (a *coding.Table: ICD-10-CM, or a tenant's
// licensed table).
type Coder interface {
	// SuggestText suggests codes supported by spans of text.
	SuggestText(text string) []coding.Suggestion
	// SuggestCondition suggests codes for a Condition resource.
	SuggestCondition(condition []byte) []coding.Suggestion
}

// Options configure a Drafter.
type Options struct {
	// Composer words the draft; nil means the offline composer.
	Composer Composer
	// Grounding retrieves passages of redacted documents; nil drafts from
	// the structured record alone.
	Grounding Grounding
	// Coder suggests codes; nil leaves the coding section empty.
	Coder Coder
	// TenantCoders, if set, returns the tenant's own code tables (a
	// licensed CPT table, say): their suggestions from the notes join the
	// coding section, citing their spans.
	TenantCoders func(ctx context.Context, tenant string) ([]Coder, error)
	// TopK passages per section (default 4; the narrative gets twice that).
	TopK int
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Queued, if set, is called after a job is queued.
	Queued func()
	// Log receives failures (ids only).
	Log *slog.Logger
}

// Drafter drafts, signs and renders CHRs. It is safe for concurrent use.
type Drafter struct {
	engine *engine.Engine
	jobs   store.Jobs
	opts   Options
}

// New returns a Drafter writing through eng.
func New(eng *engine.Engine, jobs store.Jobs, opts Options) *Drafter {
	if opts.Composer == nil {
		opts.Composer = Offline{}
	}
	if opts.TopK <= 0 {
		opts.TopK = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Drafter{engine: eng, jobs: jobs, opts: opts}
}

// drafterAgent is who the drafter's own reads and writes are by.
var drafterAgent = audit.Agent{Who: "kiln-chr", Display: "Kiln CHR drafter " + Version, System: true}

// system is the caller of the drafter's own reads and writes.
func system(ctx context.Context) context.Context {
	return engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: drafterAgent})
}

// Engine is the engine the drafter writes through.
func (d *Drafter) Engine() *engine.Engine { return d.engine }

// TenantTables adapts a loader of tenants' code tables to
// Options.TenantCoders.
func TenantTables(tt *coding.TenantTables) func(ctx context.Context, tenant string) ([]Coder, error) {
	return func(ctx context.Context, tenant string) ([]Coder, error) {
		ts, err := tt.Tables(ctx, tenant)
		coders := make([]Coder, len(ts))
		for i, t := range ts {
			coders[i] = t
		}
		return coders, err
	}
}
