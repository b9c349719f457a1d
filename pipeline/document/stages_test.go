package document_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/worker"
)

// A note whose dates come in the formats date shifting keeps, one it
// cannot parse, and an age over 89. All synthetic.
const datedNote = `Discharge summary for Zebulon Quartermaine, DOB 03/14/1961, MRN 77310042.
Admitted 2021-03-15 with chest pain; discharged March 16, 2021.
Follow-up visit on 17 Mar 2021. Family gathering on the 4th of July.
His father is 92 years old.
`

const zebulon = `{"resourceType":"Patient","name":[{"family":"Quartermaine","given":["Zebulon"]}],"birthDate":"1961-03-14",
	"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"77310042"}]}`

func postNote(r *rig, patient, text string) string {
	r.t.Helper()
	return r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
		"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`, patient, base64.StdEncoding.EncodeToString([]byte(text))))
}

// redactedText is the decoded text of a document's redaction, and the
// redaction.
func redactedText(r *rig, doc string) (string, map[string]any) {
	r.t.Helper()
	red := r.read("DocumentReference", document.RedactedID(doc))
	data, err := base64.StdEncoding.DecodeString(red["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(data), red
}

// dateTag is the date method a redaction records in meta.tag.
func dateTag(red map[string]any) string {
	tags, _ := red["meta"].(map[string]any)["tag"].([]any)
	for _, tg := range tags {
		if m := tg.(map[string]any); m["system"] == document.SystemDateMethod {
			return m["code"].(string)
		}
	}
	return ""
}

func TestDateShifting(t *testing.T) {
	x, d := parts(t, extract.Options{})
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			r := newRig(t, st, x, d)
			pat := r.post("Patient", zebulon)

			// By default dates are tokenised.
			if s, err := document.LoadSettings(ctx, st, "t"); err != nil || s.DateMethod() != document.DatesToken {
				t.Fatalf("default settings: %+v, %v", s, err)
			}
			tokenDoc := postNote(r, pat, datedNote)
			if errs := r.runJobs(); len(errs) > 0 {
				t.Fatal(errs)
			}
			text, red := redactedText(r, tokenDoc)
			if dateTag(red) != "token" || !strings.Contains(text, "[DATE_") || strings.Contains(text, "2021") {
				t.Errorf("token mode: tag %q, text:\n%s", dateTag(red), text)
			}

			// Shift: every process reads the setting from the store.
			if err := document.SaveSettings(ctx, st, "t", document.Settings{Dates: document.DatesShift}); err != nil {
				t.Fatal(err)
			}
			if s, err := document.LoadSettings(ctx, st, "t"); err != nil || s.DateMethod() != document.DatesShift {
				t.Fatalf("settings after saving: %+v, %v", s, err)
			}
			doc := postNote(r, pat, datedNote)
			if errs := r.runJobs(); len(errs) > 0 {
				t.Fatal(errs)
			}
			text, red = redactedText(r, doc)
			if dateTag(red) != "shift" {
				t.Errorf("shift mode: tag %q", dateTag(red))
			}
			shift, err := r.v.DateShift(ctx, "t", pat)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct{ original, layout string }{
				{"03/14/1961", "01/02/2006"}, {"2021-03-15", "2006-01-02"}, {"March 16, 2021", "January 2, 2006"}, {"17 Mar 2021", "2 Jan 2006"},
			} {
				at, err := time.Parse(c.layout, c.original)
				if err != nil {
					t.Fatal(err)
				}
				want := at.AddDate(0, 0, shift).Format(c.layout)
				if strings.Contains(text, c.original) || !strings.Contains(text, want) {
					t.Errorf("%s: want it shifted by %d days to %s in the same format:\n%s", c.original, shift, want, text)
				}
			}
			// The date it cannot parse is tokenised; the old age is 90+.
			for _, s := range []string{"4th of July", "Zebulon", "77310042", "92 years"} {
				if strings.Contains(text, s) {
					t.Errorf("shifted redaction still holds %q:\n%s", s, text)
				}
			}
			if !strings.Contains(text, "on the [DATE_") || !strings.Contains(text, "90+") {
				t.Errorf("shifted redaction: want the unparsable date tokenised and 90+:\n%s", text)
			}

			// $reidentify gives the exact original back, shifted dates included.
			res, err := r.eng.Read(r.sys, "t", "DocumentReference", document.RedactedID(doc))
			if err != nil {
				t.Fatal(err)
			}
			out, err := r.proc.Reidentify(ctx, "t", res)
			if err != nil {
				t.Fatal(err)
			}
			var params struct {
				Parameter []struct {
					Name        string `json:"name"`
					ValueString string `json:"valueString"`
				} `json:"parameter"`
			}
			if err := json.Unmarshal(out, &params); err != nil {
				t.Fatal(err)
			}
			// (Ages over 89 are aggregated, not tokenised: they stay 90+.)
			// (Extraction normalises the final newline away.)
			if got, want := params.Parameter[0].ValueString, strings.Replace(datedNote, "92 years", "90+ years", 1); strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("$reidentify text:\n%s\nwant:\n%s", got, want)
			}
			dates := 0
			for _, p := range params.Parameter {
				if p.Name == "date" {
					dates++
				}
			}
			if dates != 4 {
				t.Errorf("$reidentify lists %d shifted dates; want 4: %s", dates, out)
			}
		})
	}
}

func TestSettingsValidation(t *testing.T) {
	var s document.Settings
	for _, c := range []struct {
		name, value string
		ok          bool
	}{
		{"dates", "shift", true}, {"dates", "token", true}, {"dates", "blur", false}, {"colour", "red", false},
	} {
		if err := s.Set(c.name, c.value); (err == nil) != c.ok {
			t.Errorf("Set(%s, %s) = %v; want ok %v", c.name, c.value, err, c.ok)
		}
	}
	st := testbackends.All()[0].Open(t)
	if err := document.SaveSettings(context.Background(), st, "t", document.Settings{Dates: "blur"}); err == nil {
		t.Errorf("SaveSettings accepted dates=blur")
	}
	if err := st.PutRecord(context.Background(), store.Record{Tenant: "t", Kind: document.SettingsKind, Key: "document", Value: []byte(`{"dates":"blur"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := document.LoadSettings(context.Background(), st, "t"); err == nil {
		t.Errorf("LoadSettings accepted a stored dates=blur")
	}
}

// hookCalls records the post-redaction stage's calls; it fails the first
// failures calls with fail(doc).
type hookCalls struct {
	mu       sync.Mutex
	calls    []document.Redaction
	failures int
	fail     func(document.Redaction) error
}

func (h *hookCalls) hook(_ context.Context, tenant string, doc document.Redaction) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, doc)
	if len(h.calls) <= h.failures {
		return h.fail(doc)
	}
	return nil
}

func (h *hookCalls) snapshot() []document.Redaction {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]document.Redaction(nil), h.calls...)
}

// work runs a real worker (no backoff) over the rig's queue until the
// tenant's document jobs have all ended, and returns them with the
// worker's log.
func work(t *testing.T, r *rig) ([]store.Job, string) {
	t.Helper()
	var logBuf syncBuffer
	w, err := worker.New(r.st, r.proc.Handle, worker.Options{
		Kinds: []string{document.JobKind}, Poll: 10 * time.Millisecond,
		Backoff: func(int) time.Duration { return 0 },
		Log:     slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	var jobs []store.Job
	for {
		jobs, err = r.st.ListJobs(context.Background(), "t", store.JobQuery{Kind: document.JobKind, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		ended := len(jobs) > 0
		for _, j := range jobs {
			ended = ended && (j.State == store.JobCompleted || j.State == store.JobDead)
		}
		if ended {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs did not end: %+v", jobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	return jobs, logBuf.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// count is how many current resources of typ the tenant has, and their
// highest version.
func count(t *testing.T, r *rig, typ string) (n int, maxVersion int64) {
	t.Helper()
	err := r.st.View(context.Background(), "t", func(tx store.Tx) error {
		rs, _, err := tx.Search(context.Background(), store.Query{Types: []string{typ}, Limit: 100})
		for _, x := range rs {
			maxVersion = max(maxVersion, x.Version)
		}
		n = len(rs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, maxVersion
}

func TestPostRedactionHook(t *testing.T) {
	x, d := parts(t, extract.Options{})
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			h := &hookCalls{failures: 1, fail: func(document.Redaction) error { return errors.New("grounding service unavailable") }}
			r := newRigOpts(t, b.Open(t), x, d, document.Options{Redacted: h.hook})
			pat := r.post("Patient", zebulon)
			doc := postNote(r, pat, note)

			jobs, _ := work(t, r)
			if len(jobs) != 1 || jobs[0].State != store.JobCompleted || jobs[0].Attempt != 2 {
				t.Fatalf("job: %+v; want completed on its second attempt", jobs)
			}
			// The failed attempt is recorded by stage and class, not text.
			if want := "document: indexing failed (Internal Server Error, *errors.errorString)"; jobs[0].LastError != want {
				t.Errorf("LastError %q; want %q", jobs[0].LastError, want)
			}

			calls := h.snapshot()
			if len(calls) != 2 {
				t.Fatalf("hook called %d times; want 2 (a failure, then the retry)", len(calls))
			}
			text, _ := redactedText(r, doc)
			for i, c := range calls {
				want := document.Redaction{Document: "DocumentReference/" + document.RedactedID(doc), Source: "DocumentReference/" + doc, Patient: "Patient/" + pat, Text: text}
				if c != want {
					t.Errorf("hook call %d: %+v; want %+v", i, c, want)
				}
			}
			for _, s := range phiStrings {
				if strings.Contains(calls[0].Text, s) {
					t.Errorf("the hook got PHI %q", s)
				}
			}

			// Exactly one set of outputs, each written once; the source
			// stripped once.
			if n, v := count(t, r, "Provenance"); n != 1 || v != 1 {
				t.Errorf("Provenances: %d, highest version %d; want 1, 1", n, v)
			}
			red, err := r.eng.Read(r.sys, "t", "DocumentReference", document.RedactedID(doc))
			if err != nil || red.Version != 1 {
				t.Errorf("redaction version %d, %v; want 1", red.Version, err)
			}
			src, err := r.eng.Read(r.sys, "t", "DocumentReference", doc)
			if err != nil || src.Version != 2 {
				t.Errorf("source version %d, %v; want 2 (created, then stripped once)", src.Version, err)
			}
			if n, _ := count(t, r, "DocumentReference"); n != 2 {
				t.Errorf("%d DocumentReferences; want the source and one redaction", n)
			}
			task := r.read("Task", document.TaskID(doc))
			if task["status"] != "completed" || len(task["output"].([]any)) != 2 {
				t.Errorf("Task: %v", task)
			}
			// The Task went through the indexing stage.
			hist, err := r.eng.Read(r.sys, "t", "Task", document.TaskID(doc))
			if err != nil {
				t.Fatal(err)
			}
			if !sawStage(t, r, document.TaskID(doc), hist.Version, "indexing") {
				t.Errorf("the Task never showed businessStatus indexing")
			}
			if ev := pipelineEvents(t, r); strings.Count(ev, "processing completed") != 1 || strings.Count(ev, "redaction written") != 1 {
				t.Errorf("pipeline events: %s", ev)
			}
		})
	}
}

// sawStage reports whether any version of the Task up to last had
// businessStatus stage.
func sawStage(t *testing.T, r *rig, id string, last int64, stage string) bool {
	t.Helper()
	for v := int64(1); v <= last; v++ {
		res, err := r.eng.VRead(r.sys, "t", "Task", id, fmt.Sprint(v))
		if err != nil {
			continue
		}
		if strings.Contains(string(res.Body), `"businessStatus":{"text":"`+stage+`"}`) {
			return true
		}
	}
	return false
}

// TestErrorHygiene: a post-redaction stage whose write fails validation
// with the PHI it held quoted in the error (the engine quotes an invalid
// id) fails the job, and neither the job's LastError, nor the Task's
// statusReason, nor the worker's log holds any of it.
func TestErrorHygiene(t *testing.T) {
	x, d := parts(t, extract.Options{})
	var r *rig
	var raw []string
	h := &hookCalls{failures: 1000, fail: func(doc document.Redaction) error {
		body := `{"resourceType":"Observation","status":"final","code":{"text":"Zebulon Quartermaine"},"valueString":"MRN 77310042, (617) 555-0142"}`
		_, err := r.eng.Do(r.sys, "t", engine.Interaction{Method: "PUT", Type: "Observation", ID: "Zebulon Quartermaine 77310042", Body: []byte(body)})
		if err == nil {
			return errors.New("the invalid write succeeded")
		}
		raw = append(raw, err.Error())
		return fmt.Errorf("ground %s: %w", doc.Source, err)
	}}
	r = newRigOpts(t, testbackends.All()[0].Open(t), x, d, document.Options{Redacted: h.hook})
	pat := r.post("Patient", zebulon)
	doc := postNote(r, pat, note)

	jobs, log := work(t, r)
	if len(jobs) != 1 || jobs[0].State != store.JobDead {
		t.Fatalf("job: %+v; want dead after its attempts", jobs)
	}
	// The test can fail: the error the stage returned quotes PHI.
	if len(raw) == 0 || !strings.Contains(raw[0], "Quartermaine") {
		t.Fatalf("the engine error does not quote the PHI, so this test proves nothing: %q", raw)
	}
	task := r.read("Task", document.TaskID(doc))
	reason, _ := task["statusReason"].(map[string]any)["text"].(string)
	if task["status"] != "failed" || !strings.HasPrefix(reason, "document: indexing failed (HTTP 400") {
		t.Errorf("Task: status %v, statusReason %q", task["status"], reason)
	}
	for _, s := range append(phiStrings, "Zebulon Quartermaine 77310042") {
		for what, text := range map[string]string{"LastError": jobs[0].LastError, "statusReason": reason, "worker log": log, "audit": pipelineEvents(t, r)} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds PHI %q: %s", what, s, text)
			}
		}
	}
}

// TestRedactionKeepsConfidentiality: the redacted copy of a document
// labelled restricted is restricted too (and still REDACTED); the copy of
// an unlabelled document gets no confidentiality label.
func TestRedactionKeepsConfidentiality(t *testing.T) {
	x, d := parts(t, extract.Options{})
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			r := newRig(t, b.Open(t), x, d)
			pat := r.post("Patient", zebulon)
			restricted := r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current",
				"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},
				"subject":{"reference":"Patient/%s"},
				"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`, pat, base64.StdEncoding.EncodeToString([]byte(datedNote))))
			open := postNote(r, pat, datedNote)
			if errs := r.runJobs(); len(errs) > 0 {
				t.Fatal(errs)
			}
			labels := func(doc string) []string {
				_, red := redactedText(r, doc)
				var out []string
				for _, s := range red["meta"].(map[string]any)["security"].([]any) {
					out = append(out, s.(map[string]any)["code"].(string))
				}
				return out
			}
			if got := labels(restricted); !slices.Equal(got, []string{"REDACTED", "R"}) {
				t.Errorf("redaction of a restricted document: labels %v, want [REDACTED R]", got)
			}
			if got := labels(open); !slices.Equal(got, []string{"REDACTED"}) {
				t.Errorf("redaction of an unlabelled document: labels %v, want [REDACTED]", got)
			}
		})
	}
}
