package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/extract"
)

// The e2e patient and her PHI as the three documents write it. All
// synthetic; the scan (pipeline/extract/testdata/scan.png) shows the same
// patient.
const (
	e2ePatient = `{"resourceType":"Patient","name":[{"family":"Testpatient","given":["Alice"]}],"birthDate":"1970-01-01",
		"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"55102938"}],
		"telecom":[{"system":"phone","value":"(617) 555-0199"},{"system":"email","value":"alice.testpatient@example.org"}]}`
)

// TestPipelineEndToEnd runs `kiln serve` with one in-process worker on
// SQLite and drives the document pipeline over HTTP only: a PDF with a
// text layer, a scanned PNG and a DOCX of one patient are redacted, their
// originals removed, a Provenance written for each and the PHI events
// audited; $reidentify gives the originals to an admin and refuses an
// analyst.
func TestPipelineEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the kiln binary and runs a server")
	}
	start := time.Now()
	bin := buildKiln(t)
	data := t.TempDir()
	addr := freeAddr(t)
	srv := startServe(t, bin, "--addr", addr, "--data", data, "--workers", "1", "--log-format", "json")
	admin := srv.devKey(t, 60*time.Second)
	analyst := createKey(t, bin, data, "analyst")
	base := "http://" + addr + "/fhir/default"
	c := &fhirClient{t: t, base: base}

	ocr := true
	if o, err := extract.NewTesseract(); err != nil {
		ocr = false // the binary is built by the same toolchain: no OCR there either
		t.Logf("OCR is unavailable (%v): the scanned PNG must fail its Task cleanly instead", err)
	} else {
		o.Close()
	}

	pat := c.create(admin, "Patient", e2ePatient)
	scan, err := os.ReadFile("../../pipeline/extract/testdata/scan.png")
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct {
		name, contentType string
		data              []byte
		phi               []string // strings that must not survive redaction
		keep              string   // clinical content that must
	}{
		{"PDF", "application/pdf", textPDF(
			"Progress note (synthetic test document)",
			"Patient: Alice Testpatient   DOB: 01/01/1970   MRN: 55102938",
			"Seen for seasonal allergic rhinitis; cetirizine helps.",
			"Call back number (617) 555-0199.",
		), []string{"Testpatient", "01/01/1970", "55102938", "555-0199"}, "rhinitis"},
		{"PNG", "image/png", scan, []string{"Testpatient", "1970-01-01", "2024-03-15"}, "rhinitis"},
		{"DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docxFile(t,
			"Referral letter (synthetic test document)",
			"Dear colleague, I am referring Alice Testpatient (born 1970-01-01, MRN 55102938) for allergy testing.",
			"She can be reached at alice.testpatient@example.org.",
		), []string{"Testpatient", "1970-01-01", "55102938", "alice.testpatient@example.org"}, "allergy testing"},
	}
	ids := map[string]string{}
	for _, d := range docs {
		ids[d.name] = c.create(admin, "DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current",
			"subject":{"reference":"Patient/%s"},"content":[{"attachment":{"contentType":%q,"data":%q}}]}`,
			pat, d.contentType, base64.StdEncoding.EncodeToString(d.data)))
	}

	// Poll the Tasks until each is done.
	for _, d := range docs {
		want := "completed"
		if d.name == "PNG" && !ocr {
			// Without OCR the job is retried with backoff; its first
			// failure is all this test waits for.
			want = "retrying"
		}
		srv.waitTask(t, c, admin, ids[d.name], want, 45*time.Second)
	}

	for _, d := range docs {
		id := ids[d.name]
		src := c.get(admin, "DocumentReference/"+id, http.StatusOK)
		att := attachment(t, src)
		if d.name == "PNG" && !ocr {
			if att["data"] == nil {
				t.Errorf("PNG: a failed document lost its original")
			}
			c.get(admin, "DocumentReference/"+document.RedactedID(id), http.StatusNotFound)
			continue
		}
		red := c.get(admin, "DocumentReference/"+document.RedactedID(id), http.StatusOK)
		text, err := base64.StdEncoding.DecodeString(attachment(t, red)["data"].(string))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range d.phi {
			if bytes.Contains(text, []byte(s)) {
				t.Errorf("%s: the redaction still holds %q:\n%s", d.name, s, text)
			}
		}
		if !bytes.Contains(text, []byte(d.keep)) || !bytes.Contains(text, []byte("[NAME_1]")) {
			t.Errorf("%s: the redaction lost %q or the name token:\n%s", d.name, d.keep, text)
		}
		if att["data"] != nil || att["extension"] == nil {
			t.Errorf("%s: the original's attachment was not removed: %v", d.name, att)
		}
		prov := c.get(admin, "Provenance/prov-"+document.RedactedID(id), http.StatusOK)
		if !strings.Contains(string(mustJSON(t, prov)), "DocumentReference/"+id+"/_history/") {
			t.Errorf("%s: Provenance does not name the source version: %v", d.name, prov)
		}

		// $reidentify: the admin gets the originals, the analyst a 403.
		out := c.get(admin, "DocumentReference/"+document.RedactedID(id)+"/$reidentify", http.StatusOK)
		restored := string(mustJSON(t, out))
		if !strings.Contains(restored, "Testpatient") {
			t.Errorf("%s: $reidentify for the admin does not restore the name: %.300s", d.name, restored)
		}
		c.get(analyst, "DocumentReference/"+document.RedactedID(id)+"/$reidentify", http.StatusForbidden)
	}

	// The pipeline's PHI events are audited (the store is read directly:
	// the AuditEvent search is not what is under test).
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "kiln.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events := pipelineAudit(t, st, "default")
	done := 2
	if ocr {
		done = 3
	}
	for what, n := range map[string]int{"processing started": done, "PHI detected": done, "redaction written": done, "original deleted": done, "processing completed": done} {
		if events[what] < n {
			t.Errorf("%d %q AuditEvents; want %d (%v)", events[what], what, n, events)
		}
	}
	t.Logf("end to end in %s", time.Since(start).Round(100*time.Millisecond))
}

// serveProc is a running `kiln serve`.
type serveProc struct {
	cmd    *exec.Cmd
	out    string // its stdout and stderr
	exited chan struct{}
}

func startServe(t *testing.T, bin string, args ...string) *serveProc {
	t.Helper()
	s := &serveProc{out: filepath.Join(t.TempDir(), "serve.log"), exited: make(chan struct{})}
	f, err := os.Create(s.out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KILN_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.exited:
			case <-time.After(20 * time.Second):
				s.cmd.Process.Kill()
				<-s.exited
			}
		}
		if t.Failed() {
			out, _ := os.ReadFile(s.out)
			t.Logf("kiln serve log:\n%s", out)
		}
	})
	return s
}

// devKey waits for the server to print its development key.
func (s *serveProc) devKey(t *testing.T, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, _ := os.ReadFile(s.out)
		if m := devKeyLine.FindStringSubmatch(string(out)); m != nil {
			return m[1]
		}
		select {
		case <-s.exited:
			t.Fatalf("kiln serve exited: %v\n%s", s.cmd.ProcessState, out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kiln serve printed no development key in %s:\n%s", timeout, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitTask polls GET Task?focus= until the document's Task is completed,
// or, for want "retrying", has failed an attempt (its job is queued again).
func (s *serveProc) waitTask(t *testing.T, c *fhirClient, key, doc, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b := c.get(key, "Task?focus=DocumentReference/"+doc, http.StatusOK)
		var bundle struct {
			Entry []struct {
				Resource struct {
					Status         string                `json:"status"`
					BusinessStatus struct{ Text string } `json:"businessStatus"`
					StatusReason   struct{ Text string } `json:"statusReason"`
				} `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(mustJSON(t, b), &bundle); err != nil {
			t.Fatal(err)
		}
		if len(bundle.Entry) == 1 {
			task := bundle.Entry[0].Resource
			switch {
			case task.Status == want:
				return
			case task.Status == "failed":
				t.Fatalf("Task of DocumentReference/%s failed: %s", doc, task.StatusReason.Text)
			case want == "retrying" && s.jobFailedOnce(t, doc):
				return
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("kiln serve exited: %v", s.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Task of DocumentReference/%s not %s after %s: %s", doc, want, timeout, mustJSON(t, b))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// jobFailedOnce reports whether the server logged a failed attempt of a
// document job (it logs ids and the sanitised error, never content).
func (s *serveProc) jobFailedOnce(t *testing.T, doc string) bool {
	out, _ := os.ReadFile(s.out)
	return bytes.Contains(out, []byte(`"job failed"`)) && bytes.Contains(out, []byte("extract: ocr-unavailable"))
}

// fhirClient speaks to the server's FHIR API.
type fhirClient struct {
	t    *testing.T
	base string
}

func (c *fhirClient) do(key, method, path, body string, want int) map[string]any {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+"/"+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/fhir+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: %s, want %d: %.500s", method, path, res.Status, want, b)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return m
}

func (c *fhirClient) get(key, path string, want int) map[string]any {
	c.t.Helper()
	return c.do(key, http.MethodGet, path, "", want)
}

func (c *fhirClient) create(key, typ, body string) string {
	c.t.Helper()
	m := c.do(key, http.MethodPost, typ, body, http.StatusCreated)
	id, _ := m["id"].(string)
	if id == "" {
		c.t.Fatalf("POST %s returned no id", typ)
	}
	return id
}

func attachment(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	contents, _ := doc["content"].([]any)
	if len(contents) == 0 {
		t.Fatalf("DocumentReference without content: %v", doc)
	}
	a, _ := contents[0].(map[string]any)["attachment"].(map[string]any)
	return a
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

var createdKey = regexp.MustCompile(`(?m)^\t(\S+)$`)

// createKey makes an API key of the default tenant with `kiln apikey
// create` (the server runs on the same SQLite database meanwhile).
func createKey(t *testing.T, bin, data, role string) string {
	t.Helper()
	out, err := exec.Command(bin, "apikey", "create", "--tenant", "default", "--role", role, "--name", "e2e "+role, "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("kiln apikey create: %v\n%s", err, out)
	}
	m := createdKey.FindSubmatch(out)
	if m == nil {
		t.Fatalf("kiln apikey create printed no key:\n%s", out)
	}
	return string(m[1])
}

// textPDF is a one-page PDF 1.4 whose text layer holds lines (Helvetica).
func textPDF(lines ...string) []byte {
	var content bytes.Buffer
	content.WriteString("BT /F1 12 Tf 14 TL 72 720 Td\n")
	esc := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", esc.Replace(l))
	}
	content.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()),
	}
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return buf.Bytes()
}

// docxFile is a minimal Word document with one paragraph per line.
func docxFile(t *testing.T, lines ...string) []byte {
	t.Helper()
	var body strings.Builder
	for _, l := range lines {
		body.WriteString(`<w:p><w:r><w:t xml:space="preserve">` + l + `</w:t></w:r></w:p>`)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, text string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f.text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
