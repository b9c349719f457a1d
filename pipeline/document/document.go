// Package document is the document pipeline's processing of one
// DocumentReference: extract its text, detect PHI (aware of the document's
// patient), replace it with the patient's consistent vault tokens, write
// the redacted DocumentReference with its Provenance, remove the original
// bytes when the tenant's policy says so, and keep a Task up to date.
//
// Every stage is idempotent: outputs have ids derived from the source
// (PUT, not POST), so a job that a killed worker left half done is
// finished by another worker with exactly one set of outputs.
package document

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/blob"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/vault"
)

// JobKind is the kind of the queue's document jobs.
const JobKind = "document.process"

// Version names this pipeline in Provenance.
const Version = "1.0.0"

// Security labels.
const (
	systemObservationValue = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
	extRemoved             = "https://kiln.health/fhir/StructureDefinition/attachment-removed"
	extRemovedObject       = "https://kiln.health/fhir/StructureDefinition/attachment-removed-object"
)

// Options configure a Processor.
type Options struct {
	// KeepOriginals keeps the original attachment after a successful
	// redaction; by default it is removed (HIPAA minimum necessary).
	KeepOriginals bool
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Queued, if set, is called after a job is queued (to wake an
	// in-process worker at once).
	Queued func()
	// Blobs holds uploaded documents (DocumentReference/$upload-url); nil
	// turns uploads off.
	Blobs blob.Store
	// Log receives intake failures (ids only, never content); slog's
	// default logger when nil.
	Log *slog.Logger
	// Settings is where the tenants' pipeline settings are read (see
	// LoadSettings), once per job. Nil means the jobs store when it is
	// also a store.Records (a store.Store is), or the defaults otherwise.
	Settings store.Records
	// Redacted, if set, is the post-redaction stage (grounding the
	// redacted text in the patient's record, say). It runs after the
	// redaction is committed and before the Task completes, at least once
	// per successfully processed document: a retry may call it again with
	// the same Redaction, so it must be idempotent. An error retries the
	// job (a Permanent() error fails it) without writing the outputs
	// again; see finish. Its error text is never stored: the Task and the
	// job show the stage and an error class only.
	Redacted func(ctx context.Context, tenant string, doc Redaction) error
}

// Redaction is what the post-redaction stage (Options.Redacted) gets.
type Redaction struct {
	// Document is the redaction, "DocumentReference/redacted-{id}"; it is
	// committed before the stage runs.
	Document string
	// Source is the processed document, "DocumentReference/{id}".
	Source string
	// Patient is the document's subject, "Patient/{id}", or "" when it
	// has none.
	Patient string
	// Text is the redacted text (the redaction's attachment).
	Text string
}

// Processor processes DocumentReferences. It is safe for concurrent use.
type Processor struct {
	engine    *engine.Engine
	jobs      store.Jobs
	extractor *extract.Extractor
	detector  phi.Detector
	vault     *vault.Vault
	settings  store.Records // nil: every tenant has the default settings
	opts      Options
}

// New returns a Processor writing through eng.
func New(eng *engine.Engine, jobs store.Jobs, x *extract.Extractor, d phi.Detector, v *vault.Vault, opts Options) *Processor {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	settings := opts.Settings
	if settings == nil {
		settings, _ = jobs.(store.Records)
	}
	return &Processor{engine: eng, jobs: jobs, extractor: x, detector: d, vault: v, settings: settings, opts: opts}
}

// payload is a job's payload.
type payload struct {
	Document string `json:"document"` // DocumentReference id
}

// system is the caller of the pipeline's own reads and writes.
func system(ctx context.Context) context.Context {
	return engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "kiln-pipeline", Display: "Kiln document pipeline " + Version, System: true}})
}

// TaskID is the id of the Task that reports on a document's processing.
func TaskID(docID string) string { return "docproc-" + docID }

// RedactedID is the id of a document's redacted DocumentReference.
func RedactedID(docID string) string { return "redacted-" + docID }

// Rule is the engine rule for DocumentReferences: a document written with
// attachment content (that is not itself a redaction) gets its Task, at
// status requested, in the same transaction as the document. The Task is
// the durable record that the document awaits processing (an outbox): if
// the process dies between the commit and queueing the job, Reconcile
// finds the Task and queues it.
func (p *Processor) Rule(_ context.Context, c engine.Change) ([]engine.Derived, error) {
	if c.Body == nil {
		return nil, nil
	}
	var doc docRef
	if json.Unmarshal(c.Body, &doc) != nil || doc.redacted() || !doc.hasContent() {
		return nil, nil
	}
	body, err := json.Marshal(p.task(c.ID, "requested", stageQueued, nil, ""))
	if err != nil {
		return nil, err
	}
	return []engine.Derived{{Type: "Task", ID: TaskID(c.ID), Body: body}}, nil
}

// Committed is an engine.Options.Committed hook: every DocumentReference
// written with attachment content (that is not itself a redaction) gets a
// job. The write and its requested Task have committed already (see
// Rule), so a failure to queue cannot fail it: it is logged, and
// Reconcile queues the document later.
func (p *Processor) Committed(ctx context.Context, tenant string, written []store.Resource) {
	var docs []string
	for _, r := range written {
		if r.Type != "DocumentReference" {
			continue
		}
		var doc docRef
		if json.Unmarshal(r.Body, &doc) != nil || doc.redacted() || !doc.hasContent() {
			continue
		}
		docs = append(docs, r.ID)
	}
	if err := p.queue(context.WithoutCancel(ctx), tenant, docs...); err != nil {
		p.opts.Log.Error("documents not queued for processing; reconciliation will queue them", "tenant", tenant, "documents", len(docs), "error", err.Error())
	}
}

// Enqueue records a requested Task for the document and queues its job
// (one live job per document).
func (p *Processor) Enqueue(ctx context.Context, tenant, docID string) error {
	if err := p.putTask(ctx, tenant, docID, "requested", stageQueued, nil, ""); err != nil {
		return err
	}
	return p.queue(ctx, tenant, docID)
}

// queue queues the documents' jobs (one live job per document) together:
// a transaction Bundle of many documents costs one enqueue.
func (p *Processor) queue(ctx context.Context, tenant string, docIDs ...string) error {
	if len(docIDs) == 0 {
		return nil
	}
	jobs := make([]store.Job, len(docIDs))
	for i, id := range docIDs {
		body, _ := json.Marshal(payload{Document: id})
		jobs[i] = store.Job{Tenant: tenant, Kind: JobKind, Key: id, Payload: body}
	}
	if _, err := p.jobs.EnqueueJobs(ctx, jobs); err != nil {
		return fmt.Errorf("document: queue %d documents: %w", len(docIDs), err)
	}
	if p.opts.Queued != nil {
		p.opts.Queued()
	}
	return nil
}

// Reconcile queues the documents of a tenant whose Task has been requested
// for longer than grace without a live job: what a crash between a
// document's commit and its job being queued leaves behind. Queueing is
// idempotent (one live job per document), so running it while jobs are
// queued or running changes nothing. It returns how many Tasks it saw.
func (p *Processor) Reconcile(ctx context.Context, tenant string, grace time.Duration) (int, error) {
	before := p.opts.Now().Add(-grace).UTC().Format(time.RFC3339Nano)
	q := url.Values{"status": {"requested"}, "_lastUpdated": {"lt" + before}, "_count": {"500"}}
	res, err := p.engine.Search(system(ctx), tenant, engine.SearchRequest{Type: "Task", Params: q, Strict: true})
	if err != nil {
		return 0, fmt.Errorf("document: reconcile: %w", err)
	}
	var docs []string
	for _, m := range res.Matches {
		if docID, ok := strings.CutPrefix(m.ID, "docproc-"); ok {
			docs = append(docs, docID)
		}
	}
	return len(docs), p.queue(ctx, tenant, docs...)
}

// Stages of a document's processing, as the Task's businessStatus shows
// them: queued → extracting → detecting → [indexing →] completed (or
// failed). indexing is the post-redaction stage (Options.Redacted) and
// only appears when one is configured.
const (
	stageQueued     = "queued"
	stageExtracting = "extracting"
	stageDetecting  = "detecting"
	stageIndexing   = "indexing"
	stageCompleted  = "completed"
	stageFailed     = "failed"
)

// Handle processes one job (a worker.Handler). On a permanent failure the
// Task says why, and nothing is deleted.
//
// The error it returns becomes the job's LastError (and, when final, the
// Task's statusReason), so it is sanitised: its text comes from the
// pipeline's and the extractor's own vocabulary, never from the document
// or from an error that could quote it (see safeError).
func (p *Processor) Handle(ctx context.Context, job store.Job) error {
	var pl payload
	if err := json.Unmarshal(job.Payload, &pl); err != nil || pl.Document == "" {
		return &jobError{msg: "document: the job payload is invalid", permanent: true}
	}
	err := p.process(ctx, job.Tenant, pl.Document)
	if err == nil {
		return nil
	}
	safe := safeError(err)
	if safe.permanent || job.Attempt >= job.MaxAttempts {
		_ = p.putTask(ctx, job.Tenant, pl.Document, "failed", stageFailed, nil, safe.msg)
		p.event(ctx, job.Tenant, pl.Document, "processing failed", safe.msg)
	}
	return safe
}

func (p *Processor) process(ctx context.Context, tenant, docID string) error {
	sys := system(ctx)
	task, err := p.engine.Read(sys, tenant, "Task", TaskID(docID))
	if err == nil {
		var t taskState
		_ = json.Unmarshal(task.Body, &t)
		switch {
		case t.Status == "completed":
			// Done by an earlier attempt, which may have died before
			// deleting an uploaded original.
			return stageErr("cleanup", p.deleteUploaded(sys, tenant, docID))
		case t.Status == "in-progress" && t.BusinessStatus.Text == stageIndexing && p.opts.Redacted != nil:
			// An earlier attempt committed the outputs; only the
			// post-redaction stage and the Task's completion are left.
			// The source's bytes may be gone already, so the text comes
			// from the redaction.
			red, err := p.committedRedaction(sys, tenant, docID)
			if err != nil {
				return err
			}
			return p.finish(ctx, tenant, docID, red)
		}
	}
	src, err := p.engine.Read(sys, tenant, "DocumentReference", docID)
	if err != nil {
		if fe := fhir.AsError(err); fe.Status == http.StatusNotFound || fe.Status == http.StatusGone {
			return permanent{fmt.Sprintf("document: DocumentReference/%s is gone", docID)}
		}
		return stageErr("read", err)
	}
	var doc docRef
	if err := json.Unmarshal(src.Body, &doc); err != nil {
		return permanent{fmt.Sprintf("document: DocumentReference/%s cannot be parsed", docID)}
	}
	if err := p.putTask(ctx, tenant, docID, "in-progress", stageExtracting, nil, ""); err != nil {
		return stageErr("task", err)
	}
	p.event(ctx, tenant, docID, "processing started", "")

	data, contentType, err := p.content(sys, tenant, doc)
	if err != nil {
		return stageErr("content", err)
	}
	res, err := p.extractor.Extract(ctx, data, contentType)
	if err != nil {
		return err // an *extract.Error: safeError knows its vocabulary
	}

	patientID, hints, err := p.hints(sys, tenant, doc)
	if err != nil {
		return stageErr("patient", err)
	}
	settings, err := p.tenantSettings(ctx, tenant)
	if err != nil {
		return stageErr("settings", err)
	}
	if err := p.putTask(ctx, tenant, docID, "in-progress", stageDetecting, nil, ""); err != nil {
		return stageErr("task", err)
	}
	// A detector outside Kiln may only see the text where the tenant allows it.
	spans, err := p.detector.Detect(egress.WithTenant(ctx, tenant), res.Text, hints)
	if err != nil {
		return stageErr("detect", err)
	}
	counts := map[phi.Category]int{}
	for _, s := range spans {
		counts[s.Category]++
	}
	p.event(ctx, tenant, docID, "PHI detected "+countText(counts), "")

	mapping, err := p.vault.Tokens(ctx, tenant, patientID)
	if err != nil {
		return stageErr("vault", err)
	}
	method := settings.DateMethod()
	shift := 0
	if method == DatesShift {
		if shift, err = p.vault.DateShift(ctx, tenant, patientID); err != nil {
			return stageErr("vault", err)
		}
	}
	out := redact(res.Text, spans, mapping, method, shift)
	if err := mapping.Save(ctx); err != nil {
		return stageErr("vault", err)
	}

	hook := p.opts.Redacted != nil
	if err := p.writeOutputs(sys, tenant, docID, src, doc, out, method, !hook); err != nil {
		return stageErr("write", err)
	}
	p.event(ctx, tenant, docID, "redaction written", "")
	if !hook {
		if err := p.deleteUploaded(sys, tenant, docID); err != nil {
			// The job is retried, and the retry (the Task being completed)
			// only deletes.
			return stageErr("cleanup", err)
		}
		if !p.opts.KeepOriginals {
			p.event(ctx, tenant, docID, "original deleted", "")
		}
		p.event(ctx, tenant, docID, "processing completed", "")
		return nil
	}
	if !p.opts.KeepOriginals {
		p.event(ctx, tenant, docID, "original deleted", "")
	}
	red := Redaction{Document: "DocumentReference/" + RedactedID(docID), Source: "DocumentReference/" + docID, Text: out.text}
	if strings.HasPrefix(doc.Subject.Reference, "Patient/") {
		red.Patient = doc.Subject.Reference
	}
	return p.finish(ctx, tenant, docID, red)
}

// finish runs the post-redaction stage and completes the Task.
//
// The order is what makes the stage run at least once per successful
// processing without ever duplicating outputs:
//
//  1. the outputs (redaction, Provenance, stripped source) commit in one
//     transaction with the Task in-progress at stage "indexing";
//  2. uploaded originals are deleted (idempotent);
//  3. the stage runs;
//  4. the Task is completed.
//
// A failure or a crash anywhere after 1 leaves the Task at "indexing": the
// retry sees that, skips extraction and redaction (the source's bytes may
// already be gone, and the outputs exist), reads the committed redaction
// back, and resumes at 2. The Task is only completed after the stage has
// returned nil, so "completed" implies the stage ran; a retry after 3 and
// before 4 calls it again, which is why it must be idempotent. Running
// the stage before the outputs commit instead would hand it a redaction
// that may never exist (a failed write), and putting it inside the
// transaction is impossible (it is not a store write).
func (p *Processor) finish(ctx context.Context, tenant, docID string, red Redaction) error {
	sys := system(ctx)
	if err := p.deleteUploaded(sys, tenant, docID); err != nil {
		return stageErr("cleanup", err)
	}
	if err := p.opts.Redacted(ctx, tenant, red); err != nil {
		return stageErr(stageIndexing, err)
	}
	if err := p.putTask(ctx, tenant, docID, "completed", stageCompleted, p.outputs(docID), ""); err != nil {
		return stageErr("task", err)
	}
	p.event(ctx, tenant, docID, "processing completed", "")
	return nil
}

// committedRedaction reads back the redaction an earlier attempt
// committed, for finish.
func (p *Processor) committedRedaction(ctx context.Context, tenant, docID string) (Redaction, error) {
	r, err := p.engine.Read(ctx, tenant, "DocumentReference", RedactedID(docID))
	if err != nil {
		return Redaction{}, stageErr("read", err)
	}
	var d docRef
	if err := json.Unmarshal(r.Body, &d); err != nil || len(d.Content) == 0 {
		return Redaction{}, permanent{fmt.Sprintf("document: DocumentReference/%s cannot be parsed", RedactedID(docID))}
	}
	text, err := base64.StdEncoding.DecodeString(d.Content[0].Attachment.Data)
	if err != nil {
		return Redaction{}, permanent{fmt.Sprintf("document: DocumentReference/%s content cannot be decoded", RedactedID(docID))}
	}
	red := Redaction{Document: "DocumentReference/" + RedactedID(docID), Source: "DocumentReference/" + docID, Text: string(text)}
	if strings.HasPrefix(d.Subject.Reference, "Patient/") {
		red.Patient = d.Subject.Reference
	}
	return red, nil
}

// tenantSettings reads the tenant's pipeline settings for one job.
func (p *Processor) tenantSettings(ctx context.Context, tenant string) (Settings, error) {
	if p.settings == nil {
		return Settings{}, nil
	}
	return LoadSettings(ctx, p.settings, tenant)
}

// taskState is the part of a Task process reads.
type taskState struct {
	Status         string `json:"status"`
	BusinessStatus struct {
		Text string `json:"text"`
	} `json:"businessStatus"`
}

// content returns the document's bytes: inline data, or a Binary of the
// same tenant.
func (p *Processor) content(ctx context.Context, tenant string, doc docRef) ([]byte, string, error) {
	a := doc.Content[0].Attachment
	if key, ok, err := blobKey(tenant, a.URL); ok || err != nil {
		if err != nil {
			return nil, "", err
		}
		return p.readBlob(ctx, key)
	}
	if a.Data != "" {
		b, err := base64.StdEncoding.DecodeString(a.Data)
		if err != nil {
			return nil, "", permanent{"document: attachment data is not base64"}
		}
		return b, a.ContentType, nil
	}
	id, ok := strings.CutPrefix(a.URL, "Binary/")
	if !ok {
		return nil, "", permanent{"document: the attachment url is not a Binary of this tenant"}
	}
	bin, err := p.engine.Read(ctx, tenant, "Binary", id)
	if err != nil {
		if fe := fhir.AsError(err); fe.Status < 500 {
			return nil, "", permanent{fmt.Sprintf("document: Binary/%s cannot be read (HTTP %d)", id, fe.Status)}
		}
		return nil, "", err
	}
	var b struct {
		ContentType string `json:"contentType"`
		Data        string `json:"data"`
	}
	if err := json.Unmarshal(bin.Body, &b); err != nil {
		return nil, "", permanent{fmt.Sprintf("document: Binary/%s cannot be parsed", id)}
	}
	data, err := base64.StdEncoding.DecodeString(b.Data)
	if err != nil {
		return nil, "", permanent{fmt.Sprintf("document: Binary/%s data is not base64", id)}
	}
	return data, b.ContentType, nil
}

// hints reads the document's subject Patient (and its authors) for
// patient-aware detection. The vault keys tokens by the patient; a
// document without one gets tokens of its own.
func (p *Processor) hints(ctx context.Context, tenant string, doc docRef) (string, phi.Hints, error) {
	patientID, ok := strings.CutPrefix(doc.Subject.Reference, "Patient/")
	if !ok {
		return "document-" + doc.ID, phi.Hints{}, nil
	}
	pat, err := p.engine.Read(ctx, tenant, "Patient", patientID)
	if err != nil {
		if fe := fhir.AsError(err); fe.Status < 500 {
			return patientID, phi.Hints{}, nil
		}
		return "", phi.Hints{}, err
	}
	var related [][]byte
	for _, a := range doc.Author {
		typ, id, ok := strings.Cut(a.Reference, "/")
		if !ok || (typ != "Practitioner" && typ != "RelatedPerson") {
			continue
		}
		if r, err := p.engine.Read(ctx, tenant, typ, id); err == nil {
			related = append(related, r.Body)
		}
	}
	h, err := phi.HintsFromResources(pat.Body, related...)
	if err != nil {
		return "", phi.Hints{}, fmt.Errorf("document: patient hints: %w", err)
	}
	return patientID, h, nil
}

// writeOutputs writes, in one transaction, the redacted DocumentReference,
// its Provenance, the source with its attachment removed (unless kept),
// and the Task: completed, or in-progress at stage indexing when a
// post-redaction stage is still to run (see finish).
func (p *Processor) writeOutputs(ctx context.Context, tenant, docID string, src store.Resource, doc docRef, out redaction, method DateMethod, complete bool) error {
	now := fhir.FormatInstant(p.opts.Now().UTC())
	redID := RedactedID(docID)
	red := map[string]any{
		"resourceType": "DocumentReference",
		"id":           redID,
		"meta": map[string]any{
			"security": []map[string]any{{"system": systemObservationValue, "code": "REDACTED", "display": "redacted"}},
			"tag":      []map[string]any{{"system": SystemDateMethod, "code": string(method), "display": "dates: " + string(method)}},
		},
		"status":    "current",
		"relatesTo": []map[string]any{{"code": "transforms", "target": map[string]any{"reference": "DocumentReference/" + docID}}},
		"content": []map[string]any{{"attachment": map[string]any{
			"contentType": "text/plain; charset=utf-8",
			"data":        base64.StdEncoding.EncodeToString([]byte(out.text)),
			"title":       "Redacted text",
		}}},
		"description": "Text of DocumentReference/" + docID + " with PHI replaced by vault tokens",
	}
	// Redaction removes identifiers, not what the text is about: a source
	// labelled restricted (a psychotherapy or substance-use note) keeps
	// its confidentiality label on the redacted copy, so the access rules
	// that keep it from a reader keep its redacted text from them too.
	for _, sec := range doc.Meta.Security {
		if sec.System == systemConfidentiality {
			meta := red["meta"].(map[string]any)
			meta["security"] = append(meta["security"].([]map[string]any), map[string]any{"system": sec.System, "code": sec.Code})
		}
	}
	if len(out.shifted) > 0 {
		red["extension"] = shiftedExtension(out.shifted)
	}
	if doc.Subject.Reference != "" {
		red["subject"] = map[string]any{"reference": doc.Subject.Reference}
	}
	if len(doc.Type) > 0 {
		red["type"] = json.RawMessage(doc.Type)
	}
	prov := map[string]any{
		"resourceType": "Provenance",
		"id":           "prov-" + redID,
		"target":       []map[string]any{{"reference": "DocumentReference/" + redID}},
		"recorded":     now,
		"activity": map[string]any{"coding": []map[string]any{{
			"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "REDACTED", "display": "redacted",
		}}},
		"agent": []map[string]any{{
			"type": map[string]any{"coding": []map[string]any{{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type", "code": "assembler"}}},
			"who":  map[string]any{"display": "Kiln document pipeline " + Version + "; detector " + p.detector.Name() + " " + p.detector.Version()},
		}},
		"entity": []map[string]any{{"role": "source", "what": map[string]any{"reference": fmt.Sprintf("DocumentReference/%s/_history/%d", docID, src.Version)}}},
	}
	entries := []map[string]any{put(red), put(prov)}
	if !p.opts.KeepOriginals {
		stripped, err := removeAttachments(src.Body, now)
		if err != nil {
			return err
		}
		e := put(json.RawMessage(stripped))
		e["request"] = map[string]any{"method": "PUT", "url": "DocumentReference/" + docID, "ifMatch": fmt.Sprintf(`W/"%d"`, src.Version)}
		entries = append(entries, e)
		if id, ok := strings.CutPrefix(doc.Content[0].Attachment.URL, "Binary/"); ok {
			entries = append(entries, map[string]any{"request": map[string]any{"method": "DELETE", "url": "Binary/" + id}})
		}
	}
	task := p.task(docID, "completed", stageCompleted, p.outputs(docID), "")
	if !complete {
		task = p.task(docID, "in-progress", stageIndexing, p.outputs(docID), "")
	}
	entries = append(entries, put(task))
	body, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": entries})
	if err != nil {
		return fmt.Errorf("document: outputs: %w", err)
	}
	if _, err := p.engine.Bundle(ctx, tenant, body, engine.BundleOptions{}); err != nil {
		return fmt.Errorf("document: write outputs: %w", err)
	}
	return nil
}

// outputs are the references a document's Task lists as its outputs.
func (p *Processor) outputs(docID string) []string {
	return []string{"DocumentReference/" + RedactedID(docID), "Provenance/prov-" + RedactedID(docID)}
}

// put is a transaction entry that PUTs r at its own id.
func put(r any) map[string]any {
	var meta struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
	}
	b, _ := json.Marshal(r)
	_ = json.Unmarshal(b, &meta)
	return map[string]any{"resource": json.RawMessage(b), "request": map[string]any{"method": "PUT", "url": meta.ResourceType + "/" + meta.ID}}
}

// removeAttachments drops the attachments' data and url and marks them
// removed, keeping the rest of the source's metadata.
func removeAttachments(body []byte, when string) ([]byte, error) {
	obj, err := fhir.ParseObject(body)
	if err != nil {
		return nil, err
	}
	delete(obj, "meta")
	contents, _ := obj["content"].([]any)
	for _, c := range contents {
		cm, _ := c.(map[string]any)
		a, _ := cm["attachment"].(map[string]any)
		if a == nil {
			continue
		}
		ext := []any{map[string]any{"url": extRemoved, "valueDateTime": when}}
		if u, _ := a["url"].(string); strings.HasPrefix(u, BlobScheme) {
			// The object is deleted after this commits; the key stays so
			// that a retry can finish the deletion.
			ext = append(ext, map[string]any{"url": extRemovedObject, "valueUrl": u})
		}
		delete(a, "data")
		delete(a, "url")
		a["extension"] = ext
	}
	return json.Marshal(obj)
}

// putTask writes the document's Task at a stage.
func (p *Processor) putTask(ctx context.Context, tenant, docID, status, stage string, outputs []string, failure string) error {
	t := p.task(docID, status, stage, outputs, failure)
	body, _ := json.Marshal(t)
	_, err := p.engine.Do(system(ctx), tenant, engine.Interaction{Method: http.MethodPut, Type: "Task", ID: TaskID(docID), Body: body})
	if err != nil {
		return fmt.Errorf("document: task %s: %w", TaskID(docID), err)
	}
	return nil
}

func (p *Processor) task(docID, status, stage string, outputs []string, failure string) map[string]any {
	t := map[string]any{
		"resourceType":   "Task",
		"id":             TaskID(docID),
		"status":         status,
		"intent":         "order",
		"code":           map[string]any{"text": "Kiln document processing"},
		"focus":          map[string]any{"reference": "DocumentReference/" + docID},
		"businessStatus": map[string]any{"text": stage},
		"lastModified":   fhir.FormatInstant(p.opts.Now().UTC()),
	}
	for _, o := range outputs {
		t["output"] = append(asSlice(t["output"]), map[string]any{
			"type":           map[string]any{"text": strings.SplitN(o, "/", 2)[0]},
			"valueReference": map[string]any{"reference": o},
		})
	}
	if failure != "" {
		t["statusReason"] = map[string]any{"text": failure}
	}
	return t
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// event records one PHI processing event as an AuditEvent: what happened
// to which document, with counts by category and never values. failure,
// when not empty, is a safeError text.
func (p *Processor) event(ctx context.Context, tenant, docID, what string, failure string) {
	agent := audit.Agent{Who: "kiln-pipeline", Display: "Kiln document pipeline " + Version, System: true}
	var err error
	if failure != "" {
		err = fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueProcessing, "%s", failure)
	}
	_ = p.engine.Record(ctx, tenant, agent, "operation", err,
		audit.Entity{Reference: "DocumentReference/" + docID}, audit.Entity{Query: "document-pipeline " + what})
}

func countText(counts map[phi.Category]int) string {
	keys := make([]string, 0, len(counts))
	for c := range counts {
		keys = append(keys, string(c))
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[phi.Category(k)])
	}
	return strings.Join(parts, " ")
}

// systemConfidentiality is the code system of confidentiality labels.
const systemConfidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"

// docRef is the part of a DocumentReference the pipeline reads.
type docRef struct {
	ID   string `json:"id"`
	Meta struct {
		Security []struct{ System, Code string } `json:"security"`
	} `json:"meta"`
	Subject struct {
		Reference string `json:"reference"`
	} `json:"subject"`
	Author []struct {
		Reference string `json:"reference"`
	} `json:"author"`
	Type    json.RawMessage `json:"type"`
	Content []struct {
		Attachment struct {
			ContentType string `json:"contentType"`
			Data        string `json:"data"`
			URL         string `json:"url"`
		} `json:"attachment"`
	} `json:"content"`
}

func (d docRef) redacted() bool {
	for _, s := range d.Meta.Security {
		if s.System == systemObservationValue && s.Code == "REDACTED" {
			return true
		}
	}
	return false
}

func (d docRef) hasContent() bool {
	if len(d.Content) == 0 {
		return false
	}
	a := d.Content[0].Attachment
	return a.Data != "" || strings.HasPrefix(a.URL, "Binary/") || strings.HasPrefix(a.URL, BlobScheme)
}

// deleteUploaded deletes the uploaded originals a processed source names
// as removed (idempotent: a missing object is not an error).
func (p *Processor) deleteUploaded(ctx context.Context, tenant, docID string) error {
	if p.opts.KeepOriginals || p.opts.Blobs == nil {
		return nil
	}
	src, err := p.engine.Read(ctx, tenant, "DocumentReference", docID)
	if err != nil {
		if fe := fhir.AsError(err); fe.Status < 500 {
			return nil
		}
		return err
	}
	var doc struct {
		Content []struct {
			Attachment struct {
				Extension []struct {
					URL      string `json:"url"`
					ValueURL string `json:"valueUrl"`
				} `json:"extension"`
			} `json:"attachment"`
		} `json:"content"`
	}
	if err := json.Unmarshal(src.Body, &doc); err != nil {
		return nil
	}
	for _, c := range doc.Content {
		for _, e := range c.Attachment.Extension {
			if e.URL != extRemovedObject {
				continue
			}
			key, ok, err := blobKey(tenant, e.ValueURL)
			if !ok || err != nil {
				continue
			}
			if err := p.opts.Blobs.Delete(ctx, key); err != nil {
				return fmt.Errorf("document: delete original: %w", err)
			}
		}
	}
	return nil
}

// Attach sets opts' Committed hook and DocumentReference rule to the
// Processor that proc returns. The Processor needs the engine that these
// options build, hence the indirection: proc is called only once
// interactions run, after the Processor exists.
func Attach(opts *engine.Options, proc func() *Processor) {
	next := opts.Committed
	opts.Committed = func(ctx context.Context, tenant string, written []store.Resource) {
		if next != nil {
			next(ctx, tenant, written)
		}
		proc().Committed(ctx, tenant, written)
	}
	if opts.Rules == nil {
		opts.Rules = map[string]engine.Rule{}
	}
	opts.Rules["DocumentReference"] = func(ctx context.Context, c engine.Change) ([]engine.Derived, error) {
		return proc().Rule(ctx, c)
	}
}
