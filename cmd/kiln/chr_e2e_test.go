package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/auth/apikey"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/openaitest"
	"github.com/kiln-health/kiln/internal/shared"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/server"
)

// Synthetic notes about the shared Synthea patient Abdul Koepp (born
// 1956-08-03, 313 Lockman Row Suite 4, Peabody, phone 555-978-4581,
// SSN 999-22-1962), written for this test.
var chrNotes = []string{
	`Progress note 03/02/2021. Mr. Abdul Koepp, DOB 08/03/1956, returns for follow-up of obesity.
He reports knee pain after a fall last spring and was told he had an anterior cruciate ligament injury.
He denies chest pain. Blood pressure today is elevated; assessment: essential hypertension.
Plan: start lisinopril 10 mg daily, dietary counselling, and recheck in six weeks. Phone 555-978-4581.`,
	`Telephone note 04/15/2021. Spoke with Abdul Koepp at 555-978-4581 about his home readings, which remain high.
He lives at 313 Lockman Row Suite 4, Peabody, MA 01940. History of type 2 diabetes mellitus, diet controlled.
He will continue lisinopril and bring his glucose log to the next visit.`,
}

var chrPHI = []string{"Abdul", "Koepp", "08/03/1956", "555-978-4581", "313 Lockman Row", "Peabody", "01940", "03/02/2021", "04/15/2021"}

// e2e is kiln serve in-process: the same wiring (pipelineFlags.newEngine,
// serverConfig), real HTTP, real store, in-process workers.
type e2e struct {
	t      *testing.T
	url    string
	base   string
	admin  string
	doctor string
	pipe   *pipeline
	st     store.Store
}

func startE2E(t *testing.T, st store.Store, pf pipelineFlags) *e2e {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := st.CreateTenant(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	af := authFlags{enabled: true}
	svc, err := af.service(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	pf.ocr = "off"
	eng, pipe, err := pf.newEngine(ctx, st, storageFlags{dataDir: t.TempDir()}, srv.URL, engine.Options{}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pipe.Close)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, done, err := startWorkers(ctx, st, pipe, 2, log); err != nil {
		t.Fatal(err)
	} else {
		t.Cleanup(func() { cancel(); <-done })
	}
	srv.Config.Handler = server.New(eng, log, pipe.serverConfig(server.Config{Auth: svc}))
	e := &e2e{t: t, url: srv.URL, base: srv.URL + "/fhir/default", pipe: pipe, st: st}
	if e.admin, _, err = svc.APIKeys().Create(ctx, apikey.Key{Tenant: "default", Role: "admin", Scopes: []string{"system/*.cruds"}}); err != nil {
		t.Fatal(err)
	}
	if e.doctor, _, err = svc.APIKeys().Create(ctx, apikey.Key{Tenant: "default", Role: "clinician", FHIRUser: "Practitioner/dr-1", Scopes: []string{"system/*.cruds"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

// do sends a request and returns status, headers and body.
func (e *e2e) do(key, method, path, body string, hdr ...string) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != "" {
		req.Header.Set("Content-Type", "application/fhir+json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func (e *e2e) json(key, method, path, body string, want int, hdr ...string) map[string]any {
	e.t.Helper()
	status, _, b := e.do(key, method, path, body, hdr...)
	if status != want {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	return m
}

// waitTask polls a search for a Task until it is completed (or fails the test).
func (e *e2e) waitTask(query string) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		b := e.json(e.admin, "GET", "/Task?"+query, "", 200)
		for _, en := range list(b["entry"]) {
			task := en.(map[string]any)["resource"].(map[string]any)
			switch task["status"] {
			case "completed":
				return task
			case "failed":
				e.t.Fatalf("Task %v failed: %v", task["id"], task["statusReason"])
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.t.Fatalf("no completed Task for %s", query)
	return nil
}

func list(v any) []any { l, _ := v.([]any); return l }

// TestCHREndToEnd is the README's CHR walk-through over HTTP on both
// backends: a Synthea patient and two synthetic notes in, Tasks complete,
// the automatic draft has every section with citations that resolve to
// the redacted text and code suggestions their spans support; a stale
// edit is refused, a clinician edits and signs; the document Bundle and
// its HTML come out. Then the same patient drafted by the LLM composer
// against a local OpenAI-compatible server sends no PHI and leaves an
// egress AuditEvent per call, and with openai forbidden, makes no call.
func TestCHREndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	bundle, err := os.ReadFile("../../../shared/fhir-samples/synthea/Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json")
	if err != nil {
		shared.Missing(t, "../shared/fhir-samples/synthea", err)
		return
	}
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			oa := openaitest.New(t)
			pf := pipelineFlags{chrFlags: chrFlags{autoDraft: true, composer: "offline", embedder: "offline"}}
			st := b.Open(t)
			e := startE2E(t, st, pf)
			e.json(e.admin, "POST", "", string(bundle), 200)
			pat := list(e.json(e.admin, "GET", "/Patient", "", 200)["entry"])[0].(map[string]any)["resource"].(map[string]any)["id"].(string)

			var docs []string
			for _, n := range chrNotes {
				d := e.json(e.admin, "POST", "/DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current",
					"subject":{"reference":"Patient/%s"},"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`,
					pat, base64.StdEncoding.EncodeToString([]byte(n))), 201)
				docs = append(docs, d["id"].(string))
			}
			redacted := map[string][]rune{}
			for _, d := range docs {
				e.waitTask("focus=DocumentReference/" + d)
				red := e.json(e.admin, "GET", "/DocumentReference/redacted-"+d, "", 200)
				text, _ := base64.StdEncoding.DecodeString(list(red["content"])[0].(map[string]any)["attachment"].(map[string]any)["data"].(string))
				for _, s := range chrPHI {
					if strings.Contains(string(text), s) {
						t.Errorf("redacted-%s still holds %q", d, s)
					}
				}
				redacted["DocumentReference/redacted-"+d] = []rune(string(text))
			}

			// The automatic draft (one job for the patient's documents).
			e.waitTask("patient=Patient/" + pat + "&code:text=Kiln%20CHR%20draft")
			found := e.json(e.admin, "GET", "/Composition?subject=Patient/"+pat+"&status=preliminary", "", 200)
			comps := list(found["entry"])
			if len(comps) != 1 {
				t.Fatalf("%d drafts, want 1", len(comps))
			}
			comp := comps[0].(map[string]any)["resource"].(map[string]any)
			id := comp["id"].(string)
			checkDraft(t, e, comp, redacted)

			// Edit: stale If-Match refused, then accepted; sign.
			body, _ := json.Marshal(comp)
			edited := strings.Replace(string(body), `"title":"Client Health Report (draft)"`, `"title":"Client Health Report (draft, reviewed)"`, 1)
			if s, _, b := e.do(e.doctor, "PUT", "/Composition/"+id, edited, "If-Match", `W/"9"`); s != 412 {
				t.Errorf("stale If-Match: %d %s", s, b)
			}
			if s, _, b := e.do(e.doctor, "PUT", "/Composition/"+id, edited); s != 428 {
				t.Errorf("no If-Match: %d %s", s, b)
			}
			v := comp["meta"].(map[string]any)["versionId"].(string)
			e.json(e.doctor, "PUT", "/Composition/"+id, edited, 200, "If-Match", `W/"`+v+`"`)
			if s, _, b := e.do(e.admin, "POST", "/Composition/"+id+"/$chr-sign", ""); s != 403 {
				t.Errorf("sign by a key without fhirUser: %d %s", s, b)
			}
			signed := e.json(e.doctor, "POST", "/Composition/"+id+"/$chr-sign", "", 200)
			if signed["status"] != "final" {
				t.Errorf("signed status %v", signed["status"])
			}
			doc := e.json(e.doctor, "GET", "/Composition/"+id+"/$document", "", 200)
			if doc["type"] != "document" || len(list(doc["entry"])) < 10 {
				t.Errorf("$document: %v with %d entries", doc["type"], len(list(doc["entry"])))
			}
			s, h, page := e.do(e.doctor, "GET", "/Composition/"+id+"/$document?_format=html", "")
			if s != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !bytes.Contains(page, []byte("Signed (legal)")) {
				t.Errorf("HTML: %d %s", s, h.Get("Content-Type"))
			}
			if s, _, _ := e.do(e.admin, "DELETE", "/Composition/"+id, ""); s != 409 {
				t.Errorf("delete signed CHR: %d", s)
			}

			// $chr-draft with Prefer: respond-async answers 202 and the Task to poll.
			s, h, b := e.do(e.doctor, "POST", "/Patient/"+pat+"/$chr-draft", "", "Prefer", "respond-async")
			loc := h.Get("Content-Location")
			if s != 202 || !strings.Contains(loc, "/Task/chrdraft-") {
				t.Fatalf("async $chr-draft: %d, Content-Location %q: %s", s, loc, b)
			}
			task := e.waitTask("_id=" + loc[strings.LastIndex(loc, "/")+1:])
			if out := list(task["output"]); len(out) == 0 {
				t.Errorf("async draft Task has no output: %v", task)
			}

			// The same data drafted by the LLM composer, against a local
			// OpenAI-compatible server (a second server on the same store).
			l := startE2E(t, st, pipelineFlags{chrFlags: chrFlags{composer: "openai", embedder: "offline",
				openAIBaseURL: oa.URL, openAIKey: oa.Key, openAIModel: "gpt-4o-mini"}})
			if err := egress.Allow(context.Background(), st, "default", "openai", egress.Redacted); err != nil {
				t.Fatal(err)
			}
			llmDraft := l.json(l.doctor, "POST", "/Patient/"+pat+"/$chr-draft", "", 201)
			prov := l.json(l.admin, "GET", "/Provenance/prov-"+llmDraft["id"].(string)+"-1", "", 200)
			who := list(prov["agent"])[0].(map[string]any)["who"].(map[string]any)["display"].(string)
			if !strings.Contains(who, "composer openai:gpt-4o-mini") || strings.Contains(who, "fallback") {
				t.Errorf("LLM draft Provenance: %s", who)
			}
			// No request carried PHI: neither the planted strings nor any
			// original the vault holds for the tokens in the redactions.
			secrets := append([]string{}, chrPHI...)
			for ref, rs := range redacted {
				tokens := regexp.MustCompile(`\[[A-Z]+(?:_[A-Z]+)*_\d+\]`).FindAllString(string(rs), -1)
				out := l.json(l.admin, "GET", "/"+ref+"/$reidentify", "", 200)
				for _, p := range list(out["parameter"]) {
					for _, part := range list(p.(map[string]any)["part"]) {
						pm := part.(map[string]any)
						if pm["name"] == "original" {
							secrets = append(secrets, pm["valueString"].(string))
						}
					}
				}
				if len(tokens) == 0 {
					t.Errorf("%s has no vault tokens", ref)
				}
			}
			if len(secrets) < len(chrPHI)+5 {
				t.Fatalf("only %d originals from the vault", len(secrets)-len(chrPHI))
			}
			reqs := oa.Requests()
			if len(reqs) == 0 {
				t.Fatal("the LLM composer made no request")
			}
			for _, r := range reqs {
				for _, s := range secrets {
					if len(s) > 3 && bytes.Contains(bytes.ToLower(r.Body), bytes.ToLower([]byte(s))) {
						t.Errorf("%s received PHI %q", r.Path, s)
					}
				}
			}
			events := l.json(l.admin, "GET", "/AuditEvent?_count=1000", "", 200)
			egressCalls := 0
			for _, en := range list(events["entry"]) {
				ae := en.(map[string]any)["resource"].(map[string]any)
				for _, ent := range list(ae["entity"]) {
					if q, ok := ent.(map[string]any)["query"].(string); ok {
						if _, ok := egress.ParseEntity(q); ok && ae["outcome"] == "0" {
							egressCalls++
						}
					}
				}
			}
			if egressCalls != len(reqs) {
				t.Errorf("%d egress AuditEvents for %d requests", egressCalls, len(reqs))
			}
			// Forbidden: no call, offline draft.
			if _, err := egress.Deny(context.Background(), st, "default", "openai"); err != nil {
				t.Fatal(err)
			}
			offline := l.json(l.doctor, "POST", "/Patient/"+pat+"/$chr-draft", "", 201)
			if n := len(oa.Requests()); n != len(reqs) {
				t.Errorf("%d requests while openai is forbidden", n-len(reqs))
			}
			prov = l.json(l.admin, "GET", "/Provenance/prov-"+offline["id"].(string)+"-1", "", 200)
			if who := list(prov["agent"])[0].(map[string]any)["who"].(map[string]any)["display"].(string); !strings.Contains(who, "composer offline (fallback") {
				t.Errorf("forbidden LLM draft Provenance: %s", who)
			}

			// Deleting a redaction deletes its grounding chunks.
			gone := "redacted-" + docs[0]
			if s, _, b := e.do(e.admin, "DELETE", "/DocumentReference/"+gone, ""); s != 200 {
				t.Fatalf("delete %s: %d %s", gone, s, b)
			}
			chunks, err := st.PatientChunks(context.Background(), "default", pat)
			if err != nil {
				t.Fatal(err)
			}
			kept := 0
			for _, c := range chunks {
				if c.Document == gone {
					t.Errorf("chunk %d of deleted %s kept", c.Seq, gone)
				} else {
					kept++
				}
			}
			if kept == 0 {
				t.Error("the other note's chunks are gone too")
			}
		})
	}
}

// checkDraft checks a draft's sections, citations and code suggestions.
func checkDraft(t *testing.T, e *e2e, comp map[string]any, redacted map[string][]rune) {
	t.Helper()
	secs := list(comp["section"])
	if len(secs) != 11 {
		t.Fatalf("%d sections", len(secs))
	}
	body, _ := json.Marshal(comp)
	cites, err := chr.Citations(body)
	if err != nil {
		t.Fatal(err)
	}
	docCites := 0
	for _, c := range cites {
		if rs, ok := redacted[c.Reference]; ok {
			docCites++
			if c.Start < 0 || c.End > len(rs) || c.Start >= c.End {
				t.Fatalf("citation %s %d-%d out of range", c.Reference, c.Start, c.End)
			}
			span := string(rs[c.Start:c.End])
			if !strings.Contains(c.Statement, span) && !strings.Contains(span, c.Statement) {
				t.Errorf("statement %q cites %q", c.Statement, span)
			}
		} else if s, _, _ := e.do(e.admin, "GET", "/"+c.Reference, ""); s != 200 {
			t.Errorf("citation %s does not resolve: %d", c.Reference, s)
		}
	}
	if docCites < 3 {
		t.Errorf("%d citations of the notes", docCites)
	}
	// Suggested codes from the notes are provisional Conditions whose
	// cited span supports them.
	conds := e.json(e.admin, "GET", "/Condition?verification-status=provisional&_tag=https://kiln.health/fhir/CodeSystem/chr-suggestion|suggested", "", 200)
	codes := map[string]string{}
	for _, en := range list(conds["entry"]) {
		c := en.(map[string]any)["resource"].(map[string]any)
		code := list(c["code"].(map[string]any)["coding"])[0].(map[string]any)["code"].(string)
		detail := list(list(c["evidence"])[0].(map[string]any)["detail"])[0].(map[string]any)
		rs := redacted[detail["reference"].(string)]
		var start, end int
		for _, x := range list(list(detail["extension"])[0].(map[string]any)["extension"]) {
			xm := x.(map[string]any)
			if xm["url"] == "start" {
				start = int(xm["valueInteger"].(float64))
			} else {
				end = int(xm["valueInteger"].(float64))
			}
		}
		if rs == nil || end > len(rs) || start >= end {
			t.Fatalf("suggestion %s cites %v %d-%d", code, detail["reference"], start, end)
		}
		codes[code] = strings.ToLower(string(rs[start:end]))
	}
	want := map[string]*regexp.Regexp{"I10": regexp.MustCompile(`hypertension`), "E11.9": regexp.MustCompile(`type 2 diabetes`)}
	for code, re := range want {
		if span, ok := codes[code]; !ok || !re.MatchString(span) {
			t.Errorf("suggestion %s: span %q (suggestions %v)", code, span, codes)
		}
	}
	if _, ok := codes["R07.9"]; ok {
		t.Error("a denied chest pain was suggested")
	}
}
