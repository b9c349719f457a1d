package document_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/auth"
	"github.com/kiln-health/kiln/auth/scope"
	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/shared"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/blob"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/vault"
)

// The synthetic note and the PHI strings that must not survive redaction.
const note = `Progress note
Patient: Zebulon Quartermaine   DOB: 03/14/1961   MRN: 77310042
Seen today for follow-up of hypertension. Mr. Quartermaine reports good adherence.
Call back number (617) 555-0142. Lives at 41 Larkspur Lane, Wendover, MA 02481.
`

var phiStrings = []string{"Zebulon", "Quartermaine", "03/14/1961", "77310042", "555-0142", "41 Larkspur Lane", "Wendover", "02481"}

// rig is a real engine, store, extractor, detector and vault.
type rig struct {
	t    *testing.T
	st   store.Store
	eng  *engine.Engine
	proc *document.Processor
	v    *vault.Vault
	sys  context.Context
}

func newRig(t *testing.T, st store.Store, x *extract.Extractor, d phi.Detector, blobs ...blob.Store) *rig {
	t.Helper()
	opts := document.Options{}
	if len(blobs) > 0 {
		opts.Blobs = blobs[0]
	}
	return newRigOpts(t, st, x, d, opts)
}

// newRigOpts is newRig with the Processor's options.
func newRigOpts(t *testing.T, st store.Store, x *extract.Extractor, d phi.Detector, opts document.Options) *rig {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateTenant(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	val, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	kek, err := vault.NewLocalKEK(map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)}, "k1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.New(st, kek, vault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st, v: v}
	eopts := engine.Options{Audit: true}
	document.Attach(&eopts, func() *document.Processor { return r.proc })
	r.eng = engine.New(st, val, eopts)
	r.proc = document.New(r.eng, st, x, d, v, opts)
	r.sys = engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
	return r
}

func (r *rig) post(typ, body string) string {
	r.t.Helper()
	res, err := r.eng.Do(r.sys, "t", engine.Interaction{Method: "POST", Type: typ, Body: []byte(body)})
	if err != nil {
		r.t.Fatalf("POST %s: %v", typ, err)
	}
	return res.Resource.ID
}

func (r *rig) read(typ, id string) map[string]any {
	r.t.Helper()
	res, err := r.eng.Read(r.sys, "t", typ, id)
	if err != nil {
		r.t.Fatalf("read %s/%s: %v", typ, id, err)
	}
	var m map[string]any
	if err := json.Unmarshal(res.Body, &m); err != nil {
		r.t.Fatal(err)
	}
	return m
}

// runJobs claims and handles every queued document job, as a worker does.
func (r *rig) runJobs() (errs []error) {
	r.t.Helper()
	jobs, err := r.st.ClaimJobs(context.Background(), "test-worker", []string{document.JobKind}, 10, time.Minute)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, j := range jobs {
		if err := r.proc.Handle(context.Background(), j); err != nil {
			errs = append(errs, err)
			_ = r.st.FailJob(context.Background(), j, err.Error(), time.Time{})
			continue
		}
		if err := r.st.CompleteJob(context.Background(), j); err != nil {
			r.t.Fatal(err)
		}
	}
	return errs
}

func TestDocumentPipeline(t *testing.T) {
	x, d := parts(t, extract.Options{})
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			r := newRig(t, b.Open(t), x, d)
			pat := r.post("Patient", `{"resourceType":"Patient","name":[{"family":"Quartermaine","given":["Zebulon"]}],"birthDate":"1961-03-14",
				"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"77310042"}]}`)
			doc := r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
				"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`, pat, base64.StdEncoding.EncodeToString([]byte(note))))

			// Creating the document queued it, with a requested Task.
			if task := r.read("Task", document.TaskID(doc)); task["status"] != "requested" {
				t.Fatalf("Task after intake: %v", task["status"])
			}
			if errs := r.runJobs(); len(errs) > 0 {
				t.Fatalf("processing failed: %v", errs)
			}

			task := r.read("Task", document.TaskID(doc))
			if task["status"] != "completed" || len(task["output"].([]any)) != 2 {
				t.Fatalf("Task after processing: %v", task)
			}
			red := r.read("DocumentReference", document.RedactedID(doc))
			sec := red["meta"].(map[string]any)["security"].([]any)[0].(map[string]any)
			if sec["code"] != "REDACTED" {
				t.Errorf("redacted document's security label = %v", sec)
			}
			data, _ := base64.StdEncoding.DecodeString(red["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
			text := string(data)
			for _, s := range phiStrings {
				if strings.Contains(text, s) {
					t.Errorf("redacted text still holds %q:\n%s", s, text)
				}
			}
			if !strings.Contains(text, "hypertension") || !strings.Contains(text, "[NAME_1]") {
				t.Errorf("redacted text lost its content or tokens:\n%s", text)
			}
			// The vault gives the originals back for the tokens.
			orig, err := r.v.Reveal(context.Background(), "t", pat, vault.TokensIn(text))
			if err != nil {
				t.Fatal(err)
			}
			found := strings.Join(mapValues(orig), " | ")
			for _, s := range []string{"Zebulon", "77310042"} {
				if !strings.Contains(found, s) {
					t.Errorf("vault does not reveal %q (revealed %d values)", s, len(orig))
				}
			}
			// The source keeps its metadata, without its bytes.
			src := r.read("DocumentReference", doc)
			att := src["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)
			if att["data"] != nil || att["extension"] == nil {
				t.Errorf("source attachment after processing: %v", att)
			}
			// Provenance names the source version and the pipeline.
			prov := r.read("Provenance", "prov-"+document.RedactedID(doc))
			if ent := prov["entity"].([]any)[0].(map[string]any); ent["role"] != "source" || !strings.HasPrefix(ent["what"].(map[string]any)["reference"].(string), "DocumentReference/"+doc+"/_history/") {
				t.Errorf("Provenance entity: %v", ent)
			}
			// PHI events were audited, without values.
			events := pipelineEvents(t, r)
			for _, want := range []string{"processing started", "PHI detected", "redaction written", "original deleted", "processing completed"} {
				if !strings.Contains(events, want) {
					t.Errorf("no %q AuditEvent; events: %s", want, events)
				}
			}
			for _, s := range phiStrings {
				if strings.Contains(events, s) {
					t.Errorf("an AuditEvent holds PHI %q", s)
				}
			}

			// $reidentify: an admin gets the originals back, an analyst (who
			// may read the redacted document) is refused; both are audited.
			svc, err := auth.New(context.Background(), r.st, auth.Options{})
			if err != nil {
				t.Fatal(err)
			}
			scopes, err := scope.ParseSet("system/*.cruds")
			if err != nil {
				t.Fatal(err)
			}
			as := func(role string) context.Context {
				p := auth.Principal{Tenant: "t", Kind: auth.KindAPIKey, ID: "apikey:" + role, Roles: []string{role}, Scopes: scopes}
				return engine.WithCaller(context.Background(), svc.Caller(context.Background(), p, "http://kiln.test/fhir/t"))
			}
			out, err := r.eng.Invoke(as("admin"), "t", "DocumentReference", document.RedactedID(doc), "reidentify", engine.ActionOperation, r.proc.Reidentify)
			if err != nil {
				t.Fatalf("admin $reidentify: %v", err)
			}
			if !strings.Contains(string(out), "Zebulon Quartermaine") || !strings.Contains(string(out), `"Parameters"`) {
				t.Errorf("$reidentify for an admin does not restore the text: %s", out)
			}
			if _, err := r.eng.Read(as("analyst"), "t", "DocumentReference", document.RedactedID(doc)); err != nil {
				t.Fatalf("the analyst cannot read the redacted document: %v", err)
			}
			_, err = r.eng.Invoke(as("analyst"), "t", "DocumentReference", document.RedactedID(doc), "reidentify", engine.ActionOperation, r.proc.Reidentify)
			if fe := fhir.AsError(err); err == nil || fe.Status != 403 {
				t.Errorf("analyst $reidentify: %v, want 403", err)
			}
			if ops := operationAudits(t, r); ops["apikey:admin 0"] != 1 || ops["apikey:analyst 4"] != 1 {
				t.Errorf("$reidentify AuditEvents (agent outcome → count): %v", ops)
			}

			// Running the job again (a worker that died after writing) changes nothing.
			j, _, err := r.st.EnqueueJob(context.Background(), store.Job{Tenant: "t", Kind: document.JobKind, Key: doc + "-again", Payload: []byte(`{"document":"` + doc + `"}`)})
			if err != nil || j.ID == 0 {
				t.Fatal(err)
			}
			if errs := r.runJobs(); len(errs) > 0 {
				t.Fatalf("re-run: %v", errs)
			}
			var n int
			err = r.st.View(context.Background(), "t", func(tx store.Tx) error {
				rs, _, err := tx.Search(context.Background(), store.Query{Types: []string{"DocumentReference"}, Limit: 10})
				n = len(rs)
				return err
			})
			if err != nil || n != 2 {
				t.Errorf("DocumentReferences after a re-run: %d, %v; want the source and one redaction", n, err)
			}
		})
	}
}

func TestDocumentPipelineFailsBrokenInput(t *testing.T) {
	x, d := parts(t, extract.Options{})
	b := testbackends.All()[0]
	r := newRig(t, b.Open(t), x, d)
	broken := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte{0xff, 0x00, 0x13}, 200)...)
	doc := r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current",
		"content":[{"attachment":{"contentType":"application/pdf","data":%q}}]}`, base64.StdEncoding.EncodeToString(broken)))
	if errs := r.runJobs(); len(errs) != 1 {
		t.Fatalf("want one failed job, got %v", errs)
	}
	task := r.read("Task", document.TaskID(doc))
	if task["status"] != "failed" || task["statusReason"] == nil {
		t.Fatalf("Task of a broken PDF: %v", task)
	}
	src := r.read("DocumentReference", doc)
	if src["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"] == nil {
		t.Errorf("a failed run deleted the original")
	}
	if !strings.Contains(pipelineEvents(t, r), "processing failed") {
		t.Errorf("no processing-failed AuditEvent")
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// pipelineEvents is the decoded queries of the pipeline's AuditEvents.
func pipelineEvents(t *testing.T, r *rig) string {
	t.Helper()
	var out []string
	err := r.st.View(context.Background(), "t", func(tx store.Tx) error {
		rs, _, err := tx.Search(context.Background(), store.Query{Types: []string{"AuditEvent"}, Limit: 1000})
		for _, e := range rs {
			var ev struct {
				Entity []struct{ Query string } `json:"entity"`
			}
			if err := json.Unmarshal(e.Body, &ev); err != nil {
				return err
			}
			for _, en := range ev.Entity {
				if q, err := base64.StdEncoding.DecodeString(en.Query); err == nil && strings.HasPrefix(string(q), "document-pipeline") {
					out = append(out, string(q))
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "; ")
}

// operationAudits counts the AuditEvents of $reidentify by agent and outcome.
func operationAudits(t *testing.T, r *rig) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := r.st.View(context.Background(), "t", func(tx store.Tx) error {
		rs, _, err := tx.Search(context.Background(), store.Query{Types: []string{"AuditEvent"}, Limit: 1000})
		for _, e := range rs {
			var ev struct {
				Outcome string `json:"outcome"`
				Agent   []struct {
					Who struct{ Display string } `json:"who"`
				} `json:"agent"`
				Entity []struct{ Query string } `json:"entity"`
			}
			if err := json.Unmarshal(e.Body, &ev); err != nil {
				return err
			}
			for _, en := range ev.Entity {
				if q, _ := base64.StdEncoding.DecodeString(en.Query); strings.HasSuffix(string(q), "$reidentify") {
					out[ev.Agent[0].Who.Display+" "+ev.Outcome]++
				}
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDocumentPipelineScanAndDOCX runs a scanned page (real Tesseract OCR)
// and a Word document through the pipeline: the redactions hold none of
// the patient's PHI.
func TestDocumentPipelineScanAndDOCX(t *testing.T) {
	ocr, err := extract.NewTesseract()
	if err != nil {
		shared.Missing(t, "Tesseract (libtesseract-dev, tesseract-ocr-eng)", err)
		return
	}
	t.Cleanup(func() { ocr.Close() })
	x, d := parts(t, extract.Options{OCR: ocr})
	r := newRig(t, testbackends.All()[0].Open(t), x, d)
	pat := r.post("Patient", `{"resourceType":"Patient","name":[{"family":"Testpatient","given":["Alice"]}],"birthDate":"1970-01-01"}`)
	scan, err := os.ReadFile("../extract/testdata/scan.png")
	if err != nil {
		t.Fatal(err)
	}
	docx := wordDocument(t, "Referral letter", "Dear colleague, I am referring Alice Testpatient (born 1970-01-01) for allergy testing.",
		"She can be reached at alice.testpatient@example.org or 555-013-2290.")
	cases := []struct {
		name, contentType string
		data              []byte
		keep, gone        []string
	}{
		{"scanned PNG", "image/png", scan, []string{"rhinitis"}, []string{"Testpatient", "1970-01-01", "2024-03-15"}},
		// The client's content type is wrong on purpose: the type is sniffed from the bytes.
		{"DOCX", "application/octet-stream", docx, []string{"allergy testing"}, []string{"Testpatient", "1970-01-01", "alice.testpatient@example.org", "555-013-2290"}},
	}
	ids := map[string]string{}
	for _, c := range cases {
		ids[c.name] = r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
			"content":[{"attachment":{"contentType":%q,"data":%q}}]}`, pat, c.contentType, base64.StdEncoding.EncodeToString(c.data)))
	}
	if errs := r.runJobs(); len(errs) > 0 {
		t.Fatalf("processing failed: %v", errs)
	}
	for _, c := range cases {
		red := r.read("DocumentReference", document.RedactedID(ids[c.name]))
		data, _ := base64.StdEncoding.DecodeString(red["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
		text := string(data)
		for _, s := range c.keep {
			if !strings.Contains(text, s) {
				t.Errorf("%s: redacted text lost %q:\n%s", c.name, s, text)
			}
		}
		for _, s := range c.gone {
			if strings.Contains(text, s) {
				t.Errorf("%s: redacted text still holds %q:\n%s", c.name, s, text)
			}
		}
		if !strings.Contains(text, "[NAME_1]") {
			t.Errorf("%s: the patient's name is not the patient's first name token:\n%s", c.name, text)
		}
	}
}

// wordDocument builds a minimal DOCX with one paragraph per line.
func wordDocument(t *testing.T, lines ...string) []byte {
	t.Helper()
	var body strings.Builder
	for _, l := range lines {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + l + `</w:t></w:r></w:p>`)
	}
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDocumentPipelineUpload uploads a document through a presigned URL
// from DocumentReference/$upload-url, references it from a
// DocumentReference, and checks that processing redacts it and deletes
// the uploaded original.
func TestDocumentPipelineUpload(t *testing.T) {
	x, d := parts(t, extract.Options{})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	local, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{PublicURL: srv.URL + "/blob", Secret: bytes.Repeat([]byte{9}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/blob/", local.Handler())
	r := newRig(t, testbackends.All()[0].Open(t), x, d, local)
	pat := r.post("Patient", `{"resourceType":"Patient","name":[{"family":"Quartermaine","given":["Zebulon"]}],"birthDate":"1961-03-14"}`)

	out, err := r.eng.InvokeType(r.sys, "t", "DocumentReference", "upload-url", engine.ActionCreate,
		[]byte(`{"resourceType":"Parameters","parameter":[{"name":"contentType","valueCode":"text/plain"}]}`), r.proc.UploadURL)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{}
	var p struct {
		Parameter []map[string]any `json:"parameter"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	for _, prm := range p.Parameter {
		for k, v := range prm {
			if k != "name" {
				params[prm["name"].(string)] = fmt.Sprint(v)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodPut, params["url"], strings.NewReader(note))
	req.Header.Set("Content-Type", "text/plain")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		t.Fatalf("upload: %s", res.Status)
	}
	key := strings.TrimPrefix(params["attachmentUrl"], document.BlobScheme)
	if _, err := local.Stat(context.Background(), key); err != nil {
		t.Fatalf("the upload is not in the blob store: %v", err)
	}

	doc := r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
		"content":[{"attachment":{"contentType":"text/plain","url":%q}}]}`, pat, params["attachmentUrl"]))

	// Before processing, a reader can download the original.
	out, err = r.eng.Invoke(r.sys, "t", "DocumentReference", doc, "download-url", engine.ActionRead, r.proc.DownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	var dl struct {
		Parameter []struct {
			Name     string `json:"name"`
			ValueURL string `json:"valueUrl"`
		} `json:"parameter"`
	}
	if err := json.Unmarshal(out, &dl); err != nil || dl.Parameter[0].ValueURL == "" {
		t.Fatalf("$download-url: %s, %v", out, err)
	}
	got, err := http.Get(dl.Parameter[0].ValueURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if got.StatusCode != 200 || string(body) != note {
		t.Fatalf("download: %s, %d bytes", got.Status, len(body))
	}

	if errs := r.runJobs(); len(errs) > 0 {
		t.Fatalf("processing failed: %v", errs)
	}
	red := r.read("DocumentReference", document.RedactedID(doc))
	data, _ := base64.StdEncoding.DecodeString(red["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
	for _, s := range phiStrings {
		if strings.Contains(string(data), s) {
			t.Errorf("redacted upload still holds %q", s)
		}
	}
	if _, err := local.Stat(context.Background(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the uploaded original is still in the blob store: %v", err)
	}
	// After redaction there is nothing left to download.
	_, err = r.eng.Invoke(r.sys, "t", "DocumentReference", doc, "download-url", engine.ActionRead, r.proc.DownloadURL)
	if fe := fhir.AsError(err); err == nil || fe.Status != 404 {
		t.Errorf("$download-url after redaction: %v, want 404", err)
	}
	// Another tenant's object is refused, never read.
	other := r.post("DocumentReference", `{"resourceType":"DocumentReference","status":"current",
		"content":[{"attachment":{"contentType":"text/plain","url":"urn:kiln:blob:other/uploads/x"}}]}`)
	if errs := r.runJobs(); len(errs) != 1 {
		t.Fatalf("a foreign object: want one failed job, got %v", errs)
	}
	if task := r.read("Task", document.TaskID(other)); task["status"] != "failed" {
		t.Errorf("Task of a foreign object: %v", task["status"])
	}
}

// parts are the real extractor and detector the pipeline runs with.
func parts(t *testing.T, opts extract.Options) (*extract.Extractor, phi.Detector) {
	t.Helper()
	x, err := extract.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	d, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	return x, d
}

// TestDocumentPipelinePDF redacts the public HL7 sample discharge summary
// (a PDF with a text layer; its patient, Henry Levin, is fictitious).
func TestDocumentPipelinePDF(t *testing.T) {
	pdf, err := os.ReadFile("../../../shared/documents/Unstructured/CDA_reference_PDF/UD_sample.pdf")
	if err != nil {
		shared.Missing(t, "../shared/documents (HL7 C-CDA examples)", err)
		return
	}
	x, d := parts(t, extract.Options{})
	r := newRig(t, testbackends.All()[0].Open(t), x, d)
	pat := r.post("Patient", `{"resourceType":"Patient","name":[{"family":"Levin","given":["Henry","L"]}],
		"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"12345"}]}`)
	doc := r.post("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
		"content":[{"attachment":{"contentType":"application/pdf","data":%q}}]}`, pat, base64.StdEncoding.EncodeToString(pdf)))
	if errs := r.runJobs(); len(errs) > 0 {
		t.Fatalf("processing failed: %v", errs)
	}
	red := r.read("DocumentReference", document.RedactedID(doc))
	data, _ := base64.StdEncoding.DecodeString(red["content"].([]any)[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
	text := string(data)
	for _, s := range []string{"Levin", "Henry", "12345", "03/26/2009", "March 27, 2009", "March 26, 2009"} {
		if strings.Contains(text, s) {
			t.Errorf("redacted PDF text still holds %q", s)
		}
	}
	for _, s := range []string{"Discharge Summary", "hypertension", "[NAME_1]"} {
		if !strings.Contains(text, s) {
			t.Errorf("redacted PDF text lost %q", s)
		}
	}
}

// A crash between a document's commit and its job being queued leaves the
// requested Task (written in the document's transaction); Reconcile
// queues the document, and processing completes once.
func TestReconcileQueuesOrphanedDocuments(t *testing.T) {
	x, d := parts(t, extract.Options{})
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			r := newRig(t, b.Open(t), x, d)
			// An engine with the rule but without the Committed hook: the
			// process "died" right after the commit.
			val, err := fhir.NewValidator()
			if err != nil {
				t.Fatal(err)
			}
			crashed := engine.New(r.st, val, engine.Options{Audit: true, Rules: map[string]engine.Rule{"DocumentReference": r.proc.Rule}})
			pat := r.post("Patient", `{"resourceType":"Patient","name":[{"family":"Quartermaine","given":["Zebulon"]}]}`)
			res, err := crashed.Do(r.sys, "t", engine.Interaction{Method: "POST", Type: "DocumentReference", Body: []byte(fmt.Sprintf(
				`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`,
				pat, base64.StdEncoding.EncodeToString([]byte(note))))})
			if err != nil {
				t.Fatal(err)
			}
			doc := res.Resource.ID
			if task := r.read("Task", document.TaskID(doc)); task["status"] != "requested" {
				t.Fatalf("Task committed with the document: %v", task["status"])
			}
			if jobs, _ := r.st.ListJobs(context.Background(), "t", store.JobQuery{Limit: 100}); len(jobs) != 0 {
				t.Fatalf("%d jobs before reconciliation", len(jobs))
			}
			// Within the grace period nothing is queued; after it, once.
			if n, err := r.proc.Reconcile(context.Background(), "t", time.Hour); err != nil || n != 0 {
				t.Fatalf("reconcile within grace: %d, %v", n, err)
			}
			for range 2 {
				if n, err := r.proc.Reconcile(context.Background(), "t", -time.Second); err != nil || n != 1 {
					t.Fatalf("reconcile: %d, %v", n, err)
				}
			}
			if errs := r.runJobs(); len(errs) > 0 {
				t.Fatal(errs)
			}
			if task := r.read("Task", document.TaskID(doc)); task["status"] != "completed" {
				t.Errorf("Task after reconciliation: %v", task["status"])
			}
			if n, err := r.proc.Reconcile(context.Background(), "t", -time.Second); err != nil || n != 0 {
				t.Errorf("reconcile after completion: %d, %v", n, err)
			}
		})
	}
}
