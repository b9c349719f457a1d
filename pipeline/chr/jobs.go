package chr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
)

// payload is a draft job's payload.
type payload struct {
	Patient     string `json:"patient"`
	Composition string `json:"composition,omitempty"` // empty: the patient's automatic draft
	// Visible, when Scoped, are the resources ("Type/id") of the chart the
	// requesting caller may read, as read when the draft was requested:
	// the draft uses no others.
	Scoped  bool     `json:"scoped,omitempty"`
	Visible []string `json:"visible,omitempty"`
}

// visibleSet is p's visible resources, or nil for the whole chart.
func (p payload) visibleSet() map[string]bool {
	if !p.Scoped {
		return nil
	}
	m := make(map[string]bool, len(p.Visible))
	for _, v := range p.Visible {
		m[v] = true
	}
	return m
}

// TaskID is the id of the Task reporting on a draft of Composition/id, or
// of the automatic draft of a patient.
func TaskID(key string) string { return "chrdraft-" + key }

// Request queues a new draft of the patient's CHR, as $chr-draft does: it
// returns the Task that reports on it and the Composition's id.
//
// The draft holds only what the caller may read: for a caller whose access
// covers part of the chart, the part they may read is taken now (their
// reads audited as theirs) and the job drafts from that part alone.
func (d *Drafter) Request(ctx context.Context, tenant, patient string) (task, composition string, err error) {
	p, err := d.callerPayload(ctx, tenant, patient)
	if err != nil {
		return "", "", err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", "", err
	}
	composition = "chr-" + id.String()
	p.Composition = composition
	if err := d.enqueue(ctx, tenant, p, composition); err != nil {
		return "", "", err
	}
	return TaskID(composition), composition, nil
}

// DocumentsChanged queues the patient's automatic draft: the document
// pipeline calls it when one of the patient's documents was processed. A
// burst of documents makes one job (one live job per patient).
func (d *Drafter) DocumentsChanged(ctx context.Context, tenant, patient string) error {
	return d.enqueue(ctx, tenant, payload{Patient: patient}, "auto-"+keyOf(patient))
}

func (d *Drafter) enqueue(ctx context.Context, tenant string, p payload, key string) error {
	if err := d.putTask(ctx, tenant, key, p, "requested", "queued", nil, ""); err != nil {
		return err
	}
	body, _ := json.Marshal(p)
	if _, _, err := d.jobs.EnqueueJob(ctx, store.Job{Tenant: tenant, Kind: JobKind, Key: key, Payload: body}); err != nil {
		return fmt.Errorf("chr: queue draft: %w", err)
	}
	if d.opts.Queued != nil {
		d.opts.Queued()
	}
	return nil
}

type permanent struct{ err error }

func (e permanent) Error() string   { return e.err.Error() }
func (e permanent) Unwrap() error   { return e.err }
func (e permanent) Permanent() bool { return true }

// Handle runs one draft job (a worker.Handler).
func (d *Drafter) Handle(ctx context.Context, job store.Job) error {
	var p payload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.Patient == "" {
		return permanent{errors.New("chr: bad job payload")}
	}
	key := p.Composition
	if key == "" {
		key = "auto-" + keyOf(p.Patient)
	}
	if err := d.putTask(ctx, job.Tenant, key, p, "in-progress", "drafting", nil, ""); err != nil {
		return err
	}
	res, skipped, err := d.run(ctx, job.Tenant, p)
	if err != nil {
		fe := fhir.AsError(err)
		final := (fe.Status >= 400 && fe.Status < 500 && fe.Status != http.StatusConflict && fe.Status != http.StatusPreconditionFailed) ||
			job.Attempt >= job.MaxAttempts
		if final {
			_ = d.putTask(ctx, job.Tenant, key, p, "failed", "failed", nil, "drafting failed: "+failure(err))
			return permanent{err}
		}
		return err
	}
	if skipped != "" {
		return d.putTask(ctx, job.Tenant, key, p, "completed", skipped, nil, "")
	}
	stage := fmt.Sprintf("drafted by %s: %d statements, %d dropped, %d code suggestions", res.Composer, res.Statements, res.Dropped, res.Suggestions)
	if res.Fallback != "" {
		stage += "; fallback: " + res.Fallback
	}
	outputs := []string{"Composition/" + res.Composition, fmt.Sprintf("Provenance/prov-%s-%d", res.Composition, res.Version)}
	return d.putTask(ctx, job.Tenant, key, p, "completed", stage, outputs, "")
}

// failure is a failure as the Task shows it: the FHIR error's own
// diagnostics (written for clients, no content), else a generic text.
func failure(err error) string {
	var fe *fhir.Error
	if errors.As(err, &fe) && fe.Status < 500 && len(fe.Issues) > 0 {
		return fe.Issues[0].Diagnostics
	}
	return "internal error"
}

// run drafts the job's Composition. The automatic draft of a patient is
// one Composition that each run refreshes while it is still the
// drafter's own; once a clinician edited it, it is left alone, and once
// it was signed, the next automatic draft starts a new Composition.
func (d *Drafter) run(ctx context.Context, tenant string, p payload) (Result, string, error) {
	if p.Composition != "" {
		res, err := d.draft(ctx, p.visibleSet(), tenant, p.Patient, p.Composition)
		return res, "", err
	}
	sys := system(ctx)
	base := "chr-auto-" + keyOf(p.Patient)
	for n := 1; n <= 1000; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		cur, err := d.engine.Read(sys, tenant, "Composition", id)
		if isNotFound(err) {
			res, err := d.Draft(ctx, tenant, p.Patient, id)
			return res, "", err
		}
		if err != nil {
			return Result{}, "", err
		}
		var c struct {
			Status string `json:"status"`
		}
		_ = json.Unmarshal(cur.Body, &c)
		if signed(c.Status) || c.Status == "entered-in-error" {
			continue
		}
		mine, err := d.draftedLast(sys, tenant, id, cur.Version)
		if err != nil {
			return Result{}, "", err
		}
		if !mine {
			return Result{}, "not redrafted: Composition/" + id + " has a clinician's edits; request a new draft with $chr-draft", nil
		}
		res, err := d.Draft(ctx, tenant, p.Patient, id)
		return res, "", err
	}
	return Result{}, "", fmt.Errorf("chr: too many automatic drafts of one patient")
}

// draftedLast reports whether version v of Composition/id was written by
// the drafter (its Provenance says so).
func (d *Drafter) draftedLast(ctx context.Context, tenant, id string, v int64) (bool, error) {
	prov, err := d.engine.Read(ctx, tenant, "Provenance", fmt.Sprintf("prov-%s-%d", id, v))
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.Contains(string(prov.Body), `"assembler"`) && strings.Contains(string(prov.Body), "Kiln CHR drafter"), nil
}

// putTask writes a draft's Task.
func (d *Drafter) putTask(ctx context.Context, tenant, key string, p payload, status, stage string, outputs []string, failure string) error {
	t := fhir.Object{
		"resourceType":   "Task",
		"id":             TaskID(key),
		"status":         status,
		"intent":         "order",
		"code":           map[string]any{"text": "Kiln CHR draft"},
		"for":            map[string]any{"reference": "Patient/" + p.Patient},
		"businessStatus": map[string]any{"text": stage},
		"lastModified":   fhir.FormatInstant(d.opts.Now().UTC()),
	}
	if p.Composition != "" {
		t["focus"] = map[string]any{"reference": "Composition/" + p.Composition}
	}
	var out []any
	for _, o := range outputs {
		out = append(out, map[string]any{
			"type":           map[string]any{"text": strings.SplitN(o, "/", 2)[0]},
			"valueReference": map[string]any{"reference": o},
		})
	}
	if len(out) > 0 {
		t["output"] = out
	}
	if failure != "" {
		t["statusReason"] = map[string]any{"text": failure}
	}
	body, err := t.Marshal()
	if err != nil {
		return err
	}
	if _, err := d.engine.Do(system(ctx), tenant, engine.Interaction{Method: http.MethodPut, Type: "Task", ID: TaskID(key), Body: body}); err != nil {
		return fmt.Errorf("chr: task %s: %w", TaskID(key), err)
	}
	return nil
}

// DraftNow drafts a new CHR of the patient in the caller's request, as
// $chr-draft without Prefer: respond-async does, with a Task like a queued
// draft's; it returns the Composition written. Like Request, it drafts only
// from what the caller may read.
func (d *Drafter) DraftNow(ctx context.Context, tenant, patient string) (store.Resource, error) {
	p, err := d.callerPayload(ctx, tenant, patient)
	if err != nil {
		return store.Resource{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return store.Resource{}, err
	}
	p.Composition = "chr-" + id.String()
	if err := d.putTask(ctx, tenant, p.Composition, p, "in-progress", "drafting", nil, ""); err != nil {
		return store.Resource{}, err
	}
	res, err := d.draft(ctx, p.visibleSet(), tenant, patient, p.Composition)
	if err != nil {
		_ = d.putTask(ctx, tenant, p.Composition, p, "failed", "failed", nil, "drafting failed: "+failure(err))
		return store.Resource{}, err
	}
	stage := fmt.Sprintf("drafted by %s: %d statements, %d dropped, %d code suggestions", res.Composer, res.Statements, res.Dropped, res.Suggestions)
	outputs := []string{"Composition/" + res.Composition, fmt.Sprintf("Provenance/prov-%s-%d", res.Composition, res.Version)}
	if err := d.putTask(ctx, tenant, p.Composition, p, "completed", stage, outputs, ""); err != nil {
		return store.Resource{}, err
	}
	return d.engine.Read(system(ctx), tenant, "Composition", p.Composition)
}
