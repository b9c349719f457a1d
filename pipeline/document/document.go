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
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/pipeline/blob"
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
}

// Processor processes DocumentReferences. It is safe for concurrent use.
type Processor struct {
	engine    *engine.Engine
	jobs      store.Jobs
	extractor *extract.Extractor
	detector  phi.Detector
	vault     *vault.Vault
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
	return &Processor{engine: eng, jobs: jobs, extractor: x, detector: d, vault: v, opts: opts}
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

// Committed is an engine.Options.Committed hook: every DocumentReference
// written with attachment content (that is not itself a redaction) gets a
// Task and a job. The write has committed already, so a failure to queue
// cannot fail it: it is logged, and the document can be queued again by
// writing it again.
func (p *Processor) Committed(ctx context.Context, tenant string, written []store.Resource) {
	for _, r := range written {
		if r.Type != "DocumentReference" {
			continue
		}
		var doc docRef
		if json.Unmarshal(r.Body, &doc) != nil || doc.redacted() || !doc.hasContent() {
			continue
		}
		if err := p.Enqueue(context.WithoutCancel(ctx), tenant, r.ID); err != nil {
			p.opts.Log.Error("document not queued for processing", "tenant", tenant, "document", r.ID, "error", err.Error())
		}
	}
}

// Enqueue records a requested Task for the document and queues its job
// (one live job per document).
func (p *Processor) Enqueue(ctx context.Context, tenant, docID string) error {
	if err := p.putTask(ctx, tenant, docID, "requested", "queued", nil, ""); err != nil {
		return err
	}
	body, _ := json.Marshal(payload{Document: docID})
	if _, _, err := p.jobs.EnqueueJob(ctx, store.Job{Tenant: tenant, Kind: JobKind, Key: docID, Payload: body}); err != nil {
		return fmt.Errorf("document: queue %s: %w", docID, err)
	}
	if p.opts.Queued != nil {
		p.opts.Queued()
	}
	return nil
}

// permanent marks errors that retrying cannot fix.
type permanent struct{ err error }

func (e permanent) Error() string   { return e.err.Error() }
func (e permanent) Unwrap() error   { return e.err }
func (e permanent) Permanent() bool { return true }

// Handle processes one job (a worker.Handler). On a permanent failure the
// Task says why, and nothing is deleted.
func (p *Processor) Handle(ctx context.Context, job store.Job) error {
	var pl payload
	if err := json.Unmarshal(job.Payload, &pl); err != nil || pl.Document == "" {
		return permanent{fmt.Errorf("document: bad job payload")}
	}
	err := p.process(ctx, job.Tenant, pl.Document)
	if err == nil {
		return nil
	}
	var perm interface{ Permanent() bool }
	final := errors.As(err, &perm) && perm.Permanent() || job.Attempt >= job.MaxAttempts
	if final {
		_ = p.putTask(ctx, job.Tenant, pl.Document, "failed", "failed", nil, reason(err))
		p.event(ctx, job.Tenant, pl.Document, "processing failed", err)
	}
	return err
}

// reason is a failure as the Task shows it: the extractor's and the
// pipeline's own messages (no document content), a generic text otherwise.
func reason(err error) string {
	var xe *extract.Error
	if errors.As(err, &xe) {
		return xe.Error()
	}
	var pe permanent
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return "processing failed; it will not be retried"
}

func (p *Processor) process(ctx context.Context, tenant, docID string) error {
	sys := system(ctx)
	task, err := p.engine.Read(sys, tenant, "Task", TaskID(docID))
	if err == nil && strings.Contains(string(task.Body), `"status":"completed"`) {
		// Done by an earlier attempt, which may have died before deleting
		// an uploaded original.
		return p.deleteUploaded(sys, tenant, docID)
	}
	src, err := p.engine.Read(sys, tenant, "DocumentReference", docID)
	if err != nil {
		if fe := fhir.AsError(err); fe.Status == http.StatusNotFound || fe.Status == http.StatusGone {
			return permanent{fmt.Errorf("document: DocumentReference/%s is gone", docID)}
		}
		return err
	}
	var doc docRef
	if err := json.Unmarshal(src.Body, &doc); err != nil {
		return permanent{fmt.Errorf("document: DocumentReference/%s cannot be read: %v", docID, err)}
	}
	if err := p.putTask(ctx, tenant, docID, "in-progress", "extracting", nil, ""); err != nil {
		return err
	}
	p.event(ctx, tenant, docID, "processing started", nil)

	data, contentType, err := p.content(sys, tenant, doc)
	if err != nil {
		return err
	}
	res, err := p.extractor.Extract(ctx, data, contentType)
	if err != nil {
		var xe *extract.Error
		if errors.As(err, &xe) && xe.Permanent() {
			return permanent{err}
		}
		return err
	}

	patientID, hints, err := p.hints(sys, tenant, doc)
	if err != nil {
		return err
	}
	if err := p.putTask(ctx, tenant, docID, "in-progress", "detecting", nil, ""); err != nil {
		return err
	}
	spans, err := p.detector.Detect(ctx, res.Text, hints)
	if err != nil {
		return fmt.Errorf("document: detect: %w", err)
	}
	counts := map[phi.Category]int{}
	for _, s := range spans {
		counts[s.Category]++
	}
	p.event(ctx, tenant, docID, "PHI detected "+countText(counts), nil)

	mapping, err := p.vault.Tokens(ctx, tenant, patientID)
	if err != nil {
		return fmt.Errorf("document: vault: %w", err)
	}
	redacted := phi.Redact(res.Text, spans, func(c phi.Category, original string) string {
		if c == phi.Age {
			return "90+"
		}
		return mapping.Token(string(c), original)
	})
	if err := mapping.Save(ctx); err != nil {
		return fmt.Errorf("document: vault: %w", err)
	}

	if err := p.writeOutputs(sys, tenant, docID, src, doc, redacted, counts); err != nil {
		return err
	}
	p.event(ctx, tenant, docID, "redaction written", nil)
	if err := p.deleteUploaded(sys, tenant, docID); err != nil {
		// The job is retried, and the retry (the Task being completed)
		// only deletes.
		return err
	}
	if !p.opts.KeepOriginals {
		p.event(ctx, tenant, docID, "original deleted", nil)
	}
	p.event(ctx, tenant, docID, "processing completed", nil)
	return nil
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
			return nil, "", permanent{fmt.Errorf("document: attachment data is not base64")}
		}
		return b, a.ContentType, nil
	}
	id, ok := strings.CutPrefix(a.URL, "Binary/")
	if !ok {
		return nil, "", permanent{fmt.Errorf("document: attachment url %q is not a Binary of this tenant", a.URL)}
	}
	bin, err := p.engine.Read(ctx, tenant, "Binary", id)
	if err != nil {
		if fe := fhir.AsError(err); fe.Status < 500 {
			return nil, "", permanent{fmt.Errorf("document: Binary/%s: %s", id, fe.Issues[0].Diagnostics)}
		}
		return nil, "", err
	}
	var b struct {
		ContentType string `json:"contentType"`
		Data        string `json:"data"`
	}
	if err := json.Unmarshal(bin.Body, &b); err != nil {
		return nil, "", permanent{fmt.Errorf("document: Binary/%s cannot be read", id)}
	}
	data, err := base64.StdEncoding.DecodeString(b.Data)
	if err != nil {
		return nil, "", permanent{fmt.Errorf("document: Binary/%s data is not base64", id)}
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
// and the completed Task.
func (p *Processor) writeOutputs(ctx context.Context, tenant, docID string, src store.Resource, doc docRef, redacted string, counts map[phi.Category]int) error {
	now := fhir.FormatInstant(p.opts.Now().UTC())
	redID := RedactedID(docID)
	red := map[string]any{
		"resourceType": "DocumentReference",
		"id":           redID,
		"meta": map[string]any{"security": []map[string]any{{
			"system": systemObservationValue, "code": "REDACTED", "display": "redacted",
		}}},
		"status":    "current",
		"relatesTo": []map[string]any{{"code": "transforms", "target": map[string]any{"reference": "DocumentReference/" + docID}}},
		"content": []map[string]any{{"attachment": map[string]any{
			"contentType": "text/plain; charset=utf-8",
			"data":        base64.StdEncoding.EncodeToString([]byte(redacted)),
			"title":       "Redacted text",
		}}},
		"description": "Text of DocumentReference/" + docID + " with PHI replaced by vault tokens",
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
	task := p.task(docID, "completed", "completed", []string{"DocumentReference/" + redID, "Provenance/prov-" + redID}, "")
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
// to which document, with counts by category and never values.
func (p *Processor) event(ctx context.Context, tenant, docID, what string, err error) {
	agent := audit.Agent{Who: "kiln-pipeline", Display: "Kiln document pipeline " + Version, System: true}
	if err != nil {
		err = fhir.Errorf(http.StatusUnprocessableEntity, fhir.IssueProcessing, "%s", reason(err))
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
