package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/pgtest"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/phi"
)

// The patient of the killed job's document, and the PHI strings that must
// not survive its redaction. All synthetic.
const (
	killPatient = `{"resourceType":"Patient","name":[{"family":"Quartermaine","given":["Zebulon"]}],"birthDate":"1961-03-14",
		"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"77310042"}]}`
	killNoteHeader = "Progress note\nPatient: Zebulon Quartermaine   DOB: 03/14/1961   MRN: 77310042\n"
	killNoteVisit  = "Seen today for follow-up of hypertension. Mr. Quartermaine reports good adherence to lisinopril and a low-salt diet.\n" +
		"Blood pressure is better controlled; no chest pain, dyspnoea or oedema. Renal function and potassium are within range.\n" +
		"Call back number (617) 555-0142. Lives at 41 Larkspur Lane, Wendover, MA 02481.\n" +
		"Plan: continue current dose, repeat labs before the next review, home readings twice a week.\n\n"
)

var killPHI = []string{"Zebulon", "Quartermaine", "03/14/1961", "77310042", "555-0142", "41 Larkspur Lane", "Wendover", "02481"}

// killTarget is how long the test wants one worker to spend on the
// document. The document is sized for it by timing the detector here, so
// that the kill lands mid-job on fast and slow machines alike.
const killTarget = 4 * time.Second

// TestWorkerKilledMidJob is the queue's promise end to end: a `kiln worker`
// process killed (SIGKILL) in the middle of a document job leaves it to
// another worker process, which finishes it once the dead one's lease runs
// out, with exactly one set of outputs.
func TestWorkerKilledMidJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kiln binary and runs worker processes")
	}
	bin := buildKiln(t)
	note := slowNote(t)

	backends := []struct {
		name string
		open func(t *testing.T) storageFlags
	}{
		{"sqlite", func(t *testing.T) storageFlags { return storageFlags{dataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) storageFlags { return storageFlags{databaseURL: pgtest.NewDatabase(t)} }},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			sf := b.open(t) // skips when PostgreSQL is unreachable (fails under CI=true)
			storage := []string{"--data", sf.dataDir}
			if sf.databaseURL != "" {
				storage = []string{"--database-url", sf.databaseURL}
			}
			testWorkerKilledMidJob(t, bin, sf, storage, note)
		})
	}
}

func testWorkerKilledMidJob(t *testing.T, bin string, sf storageFlags, storage []string, note string) {
	ctx := context.Background()
	st, err := sf.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const tenant = "clinic"
	if err := st.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}

	// Worker A starts first, while the test seeds: both take seconds to
	// load the validator and the detector.
	blobs := t.TempDir()
	args := append([]string{"worker", "--lease", "2s", "--concurrency", "1", "--log-format", "json", "--ocr", "off", "--blob", blobs}, storage...)
	start := time.Now()
	since := func() string { return time.Since(start).Round(10 * time.Millisecond).String() }
	a := startWorker(t, bin, "A", args)

	// Seed as kiln serve would: an engine whose committed
	// DocumentReferences are queued. The development vault KEK is kept in
	// the database, so the workers share it.
	pf := pipelineFlags{ocr: "off", blob: blobs}
	eng, pipe, err := pf.newEngine(ctx, st, sf, "http://localhost:8080", engine.Options{}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pipe.Close)
	sys := engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
	post := func(typ, body string) string {
		t.Helper()
		res, err := eng.Do(sys, tenant, engine.Interaction{Method: "POST", Type: typ, Body: []byte(body)})
		if err != nil {
			t.Fatalf("POST %s: %v", typ, err)
		}
		return res.Resource.ID
	}
	pat := post("Patient", killPatient)
	doc := post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
		"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`, pat, base64.StdEncoding.EncodeToString([]byte(note))))
	if _, ok := current(t, st, tenant, "Task", document.TaskID(doc)); !ok {
		t.Fatal("creating the DocumentReference queued no Task")
	}
	seededAt := since()

	// Worker A claims the job and gets past extraction; it dies in PHI
	// detection, the long stage.
	var claimedA string
	waitFor(t, 30*time.Second, "worker A to reach PHI detection", []*workerProc{a}, func() bool {
		stage := taskStage(t, st, tenant, doc)
		if claimedA == "" && stage != "queued" {
			claimedA = since()
		}
		return stage == "detecting"
	})
	job := onlyJob(t, st, tenant)
	if job.State != store.JobRunning || job.Attempt != 1 || !a.owns(t, job) {
		t.Fatalf("job while A works: %+v; want running, attempt 1, worker A (pid %d)", job, a.cmd.Process.Pid)
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.exited
	killedAt := since()
	t.Logf("%s: seeded; %s: worker A (pid %d) started the job; %s: A killed (SIGKILL) in PHI detection",
		seededAt, claimedA, a.cmd.Process.Pid, killedAt)
	if ws, ok := a.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("worker A ended with %v; want killed by SIGKILL", a.cmd.ProcessState)
	}
	// The kill must land before the outputs, or the test proves nothing.
	if task, _ := current(t, st, tenant, "Task", document.TaskID(doc)); task["status"] == "completed" {
		t.Fatalf("the Task was completed before worker A was killed: the document is too fast to prove anything; make slowNote's document slower")
	}
	if _, ok := current(t, st, tenant, "DocumentReference", document.RedactedID(doc)); ok {
		t.Fatalf("the redacted document exists before worker A was killed: make slowNote's document slower")
	}

	// Worker B takes the job over once A's lease has run out.
	b := startWorker(t, bin, "B", args)
	var claimedAt string
	waitFor(t, 60*time.Second, "worker B to finish the job", []*workerProc{b}, func() bool {
		j := onlyJob(t, st, tenant)
		if claimedAt == "" && j.Attempt == 2 && j.State == store.JobRunning {
			claimedAt = since()
		}
		return j.State == store.JobCompleted || j.State == store.JobDead
	})
	doneAt := since()
	t.Logf("%s: worker B (pid %d) claimed the job (attempt 2); %s: B completed it", claimedAt, b.cmd.Process.Pid, doneAt)

	// B stops cleanly.
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.exited:
		if !b.cmd.ProcessState.Success() {
			t.Errorf("worker B after SIGTERM: %v", b.cmd.ProcessState)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("worker B did not stop within 15 s of SIGTERM")
	}

	// The job: completed, by B, on its second attempt.
	job = onlyJob(t, st, tenant)
	if job.State != store.JobCompleted || job.Attempt != 2 || !b.owns(t, job) {
		t.Fatalf("job at the end: %+v; want completed, attempt 2, worker B (pid %d)", job, b.cmd.Process.Pid)
	}
	if want := "attempt 1: lease of " + a.id(t) + " expired"; job.LastError != want {
		t.Errorf("job's last error %q; want %q", job.LastError, want)
	}

	// The Task: completed, naming both outputs.
	task, _ := current(t, st, tenant, "Task", document.TaskID(doc))
	outputs, _ := task["output"].([]any)
	if task["status"] != "completed" || len(outputs) != 2 {
		t.Errorf("Task at the end: status %v, %d outputs; want completed, 2", task["status"], len(outputs))
	}

	// Exactly one set of outputs: the source and one redaction, written
	// once; one Provenance.
	var redacted []store.Resource
	docs := search(t, st, tenant, "DocumentReference")
	for _, r := range docs {
		if strings.Contains(string(r.Body), `"code":"REDACTED"`) {
			redacted = append(redacted, r)
		}
	}
	if len(docs) != 2 || len(redacted) != 1 {
		t.Fatalf("%d DocumentReferences, %d redacted; want the source and one redaction", len(docs), len(redacted))
	}
	if red := redacted[0]; red.ID != document.RedactedID(doc) || red.Version != 1 {
		t.Errorf("redaction %s version %d; want %s version 1 (written once)", red.ID, red.Version, document.RedactedID(doc))
	}
	// The patient's automatic CHR draft, which the processed document
	// queues, has a Provenance of its own: only the redaction's count here.
	var provs []store.Resource
	for _, p := range search(t, st, tenant, "Provenance") {
		var prov struct {
			Target []struct {
				Reference string `json:"reference"`
			} `json:"target"`
		}
		if err := json.Unmarshal(p.Body, &prov); err != nil {
			t.Fatal(err)
		}
		if len(prov.Target) > 0 && strings.HasPrefix(prov.Target[0].Reference, "DocumentReference/") {
			provs = append(provs, p)
		}
	}
	if len(provs) != 1 || provs[0].ID != "prov-"+document.RedactedID(doc) || provs[0].Version != 1 ||
		!strings.Contains(string(provs[0].Body), `"reference":"DocumentReference/`+document.RedactedID(doc)+`"`) {
		t.Errorf("Provenances: %d (%v); want one, prov-%s version 1, targeting the redaction", len(provs), ids(provs), document.RedactedID(doc))
	}

	// The redacted text keeps the note without its PHI.
	red, _ := current(t, st, tenant, "DocumentReference", document.RedactedID(doc))
	data, err := base64.StdEncoding.DecodeString(red["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, s := range killPHI {
		if strings.Contains(text, s) {
			t.Errorf("the redacted text still holds %q", s)
		}
	}
	if strings.Count(text, "hypertension") != strings.Count(note, "hypertension") || !strings.Contains(text, "[NAME_1]") {
		t.Errorf("the redacted text lost content or tokens: %d bytes, starting %.300q", len(text), text)
	}

	// The source keeps its metadata without its bytes.
	src, _ := current(t, st, tenant, "DocumentReference", doc)
	att := src["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
	if att["data"] != nil || att["extension"] == nil {
		t.Errorf("source attachment at the end: data present %v, extension %v; want removed", att["data"] != nil, att["extension"])
	}

	// The audit trail: two attempts started, one completed.
	events := pipelineAudit(t, st, tenant)
	if started, completed := events["processing started"], events["processing completed"]; started != 2 || completed != 1 {
		t.Errorf("pipeline AuditEvents: %d started, %d completed; want 2, 1 (%v)", started, completed, events)
	}
}

func TestWorkerLeaseFlag(t *testing.T) {
	runErr(t, "--lease 0s: want a positive duration", "worker", "--lease", "0", "--data", t.TempDir())
	runErr(t, "--lease -1s: want a positive duration", "worker", "--lease", "-1s", "--data", t.TempDir())
	t.Setenv("KILN_WORKER_LEASE", "0s")
	runErr(t, "--lease 0s", "worker", "--data", t.TempDir())
}

// buildKiln builds the kiln command into a temporary directory.
func buildKiln(t *testing.T) string {
	t.Helper()
	return buildKilnWith(t)
}

// buildKilnWith builds the kiln binary with env added to the environment
// (CGO_ENABLED=0: as built without Tesseract).
func buildKilnWith(t *testing.T, env ...string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build kiln: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "kiln")
	cmd := exec.Command(goCmd, "build", "-o", bin, "./cmd/kiln")
	cmd.Dir = filepath.Join("..", "..") // the module root
	cmd.Env = append(append(os.Environ(), "GOTOOLCHAIN=local"), env...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kiln: %v\n%s", err, out)
	}
	t.Logf("built kiln in %s", time.Since(start).Round(10*time.Millisecond))
	return bin
}

// slowNote is a synthetic progress note long enough that a worker spends
// about killTarget on it, judged by timing this machine's detector on a
// sample. Detection is most of a text document's processing and the only
// stage that grows with it.
func slowNote(t *testing.T) string {
	t.Helper()
	det, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	hints, err := phi.HintsFromResources([]byte(killPatient))
	if err != nil {
		t.Fatal(err)
	}
	note := func(visits int) string {
		return killNoteHeader + strings.Repeat(killNoteVisit, visits)
	}
	const sampleVisits = 200
	sample := note(sampleVisits)
	det.Detect(context.Background(), sample, hints) // warm up
	start := time.Now()
	if _, err := det.Detect(context.Background(), sample, hints); err != nil {
		t.Fatal(err)
	}
	perVisit := time.Since(start) / sampleVisits
	visits := min(max(int(killTarget/max(perVisit, time.Microsecond)), 500), 20000)
	n := note(visits)
	t.Logf("document: %d visits, %d KB (detector: %s per visit here)", visits, len(n)>>10, perVisit)
	return n
}

// workerProc is a running `kiln worker`.
type workerProc struct {
	name   string
	cmd    *exec.Cmd
	log    string        // its stdout and stderr
	exited chan struct{} // closed when it has exited; cmd.ProcessState is then set
}

func startWorker(t *testing.T, bin, name string, args []string) *workerProc {
	t.Helper()
	w := &workerProc{name: name, log: filepath.Join(t.TempDir(), "worker-"+name+".log"), exited: make(chan struct{})}
	f, err := os.Create(w.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w.cmd = exec.Command(bin, args...)
	w.cmd.Stdout, w.cmd.Stderr = f, f
	// The flags alone configure the worker: a KILN_DATABASE_URL in the
	// developer's environment must not move the SQLite case to PostgreSQL.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KILN_") {
			w.cmd.Env = append(w.cmd.Env, kv)
		}
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("start worker %s: %v", name, err)
	}
	go func() {
		w.cmd.Wait()
		close(w.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-w.exited:
		default:
			w.cmd.Process.Kill()
			<-w.exited
		}
		if t.Failed() {
			out, _ := os.ReadFile(w.log)
			t.Logf("worker %s (pid %d) log:\n%s", name, w.cmd.Process.Pid, out)
		}
	})
	return w
}

// owns reports whether the job's latest attempt is this worker's.
func (w *workerProc) owns(t *testing.T, j store.Job) bool {
	t.Helper()
	return j.Worker == w.id(t)
}

// id is the worker's name in the queue, from its start-up log line.
func (w *workerProc) id(t *testing.T) string {
	t.Helper()
	out, err := os.ReadFile(w.log)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(out)) {
		var l struct{ Msg, Worker string }
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "kiln worker running" && l.Worker != "" {
			return l.Worker
		}
	}
	t.Fatalf("worker %s has not logged its id", w.name)
	return ""
}

// waitFor polls cond until it holds, failing after timeout or when one of
// the workers exits.
func waitFor(t *testing.T, timeout time.Duration, what string, workers []*workerProc, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		for _, w := range workers {
			select {
			case <-w.exited:
				t.Fatalf("waiting for %s: worker %s exited: %v", what, w.name, w.cmd.ProcessState)
			default:
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// onlyJob is the tenant's one document job.
func onlyJob(t *testing.T, st store.Store, tenant string) store.Job {
	t.Helper()
	jobs, err := st.ListJobs(context.Background(), tenant, store.JobQuery{Kind: document.JobKind, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 {
		t.Fatalf("%d document jobs; want 1: %+v", len(jobs), jobs)
	}
	return jobs[0]
}

// current is a resource's current body, read from the store (engine reads
// would audit every poll); false if it does not exist or is deleted.
func current(t *testing.T, st store.Store, tenant, typ, id string) (map[string]any, bool) {
	t.Helper()
	var r store.Resource
	err := st.View(context.Background(), tenant, func(tx store.Tx) error {
		var err error
		r, err = tx.Current(context.Background(), typ, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || err == nil && r.Deleted {
		return nil, false
	}
	if err != nil {
		t.Fatalf("read %s/%s: %v", typ, id, err)
	}
	m, err := fhir.ParseObject(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return m, true
}

// taskStage is the document Task's businessStatus.
func taskStage(t *testing.T, st store.Store, tenant, doc string) string {
	t.Helper()
	task, _ := current(t, st, tenant, "Task", document.TaskID(doc))
	bs, _ := task["businessStatus"].(map[string]any)
	s, _ := bs["text"].(string)
	return s
}

// search returns every current resource of a type.
func search(t *testing.T, st store.Store, tenant, typ string) []store.Resource {
	t.Helper()
	const limit = 10000
	var out []store.Resource
	err := st.View(context.Background(), tenant, func(tx store.Tx) error {
		var err error
		out, _, err = tx.Search(context.Background(), store.Query{Types: []string{typ}, Limit: limit})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == limit {
		t.Fatalf("more than %d %s resources: the counts would be wrong", limit-1, typ)
	}
	return out
}

func ids(rs []store.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// pipelineAudit counts the document pipeline's AuditEvents by what they
// record ("processing started", ...).
func pipelineAudit(t *testing.T, st store.Store, tenant string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, e := range search(t, st, tenant, "AuditEvent") {
		var ev struct {
			Entity []struct{ Query string } `json:"entity"`
		}
		if err := json.Unmarshal(e.Body, &ev); err != nil {
			t.Fatal(err)
		}
		for _, en := range ev.Entity {
			q, err := base64.StdEncoding.DecodeString(en.Query)
			if what, ok := strings.CutPrefix(string(q), "document-pipeline "); err == nil && ok {
				if strings.HasPrefix(what, "PHI detected") {
					what = "PHI detected"
				}
				counts[what]++
			}
		}
	}
	return counts
}
