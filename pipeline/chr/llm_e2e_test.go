package chr_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/profile"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/openaitest"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/chr/llm"
	"github.com/kiln-health/kiln/pipeline/chunk"
	"github.com/kiln-health/kiln/pipeline/coding"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/egress"
	"github.com/kiln-health/kiln/pipeline/embed"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/vault"
	"github.com/kiln-health/kiln/profiles"
)

// A synthetic note full of its (synthetic) patient's PHI.
const phiNote = `Clinic note. Patient Zebulon Quartermaine (MRN 77310042), DOB 03/14/1961, was seen on 02/03/2024.
Mr. Quartermaine reports good adherence to metformin for type 2 diabetes mellitus. He denies chest pain.
Assessment: essential hypertension, not at goal. Plan: start lisinopril 10 mg daily and recheck in four weeks.
Call him at (617) 555-0142 or write to zq1961@example.org. Lives at 41 Larkspur Lane, Wendover, MA 02481.`

var plantedPHI = []string{"Zebulon", "Quartermaine", "77310042", "03/14/1961", "02/03/2024", "555-0142", "zq1961@example.org", "41 Larkspur Lane", "Wendover", "02481"}

// TestLLMDraftSendsNoPHI runs a document with PHI through the real
// pipeline, then drafts its patient's CHR with the LLM composer and an
// OpenAI embedder pointed at a local OpenAI-compatible server, through the
// real client. Nothing the server received may hold PHI from the
// document (checked against the vault's originals), and every call left
// an egress AuditEvent. With the tenant's policy forbidding openai, no
// call is made and the offline composer drafts.
func TestLLMDraftSendsNoPHI(t *testing.T) {
	x, err := extract.New(extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	det, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	icd, err := coding.ICD10CM()
	if err != nil {
		t.Fatal(err)
	}
	set, err := profile.Load(profiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			if err := st.CreateTenant(ctx, "t"); err != nil {
				t.Fatal(err)
			}
			val, err := fhir.NewValidator()
			if err != nil {
				t.Fatal(err)
			}
			kek, err := vault.NewLocalKEK(map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)}, "k1")
			if err != nil {
				t.Fatal(err)
			}
			vlt, err := vault.New(st, kek, vault.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var proc *document.Processor
			eopts := engine.Options{Audit: true, Rules: map[string]engine.Rule{"Composition": chr.Rule(set)}}
			document.Attach(&eopts, func() *document.Processor { return proc })
			eng := engine.New(st, val, eopts)
			oa := openaitest.New(t)
			gate := egress.NewGate(st, eng)
			emb, err := embed.NewOpenAI(embed.OpenAIConfig{BaseURL: oa.URL, APIKey: oa.Key, Model: "text-embedding-3-small", Dimensions: 64})
			if err != nil {
				t.Fatal(err)
			}
			grounding := chr.NewGrounding(st, emb, func(ctx context.Context, tenant, purpose string, n int, fn func(context.Context) error) error {
				return gate.Send(ctx, tenant, egress.Call{Processor: "openai", Purpose: purpose, Class: egress.Redacted, Bytes: n}, fn)
			}, chunk.Options{Target: 200})
			composer, err := llm.New(llm.Config{BaseURL: oa.URL, APIKey: oa.Key, Model: "gpt-4o-mini"}, gate)
			if err != nil {
				t.Fatal(err)
			}
			drafter := chr.New(eng, st, chr.Options{Composer: composer, Grounding: grounding, Coder: icd})
			proc = document.New(eng, st, x, det, vlt, document.Options{Redacted: func(ctx context.Context, tenant string, r document.Redaction) error {
				return grounding.Index(ctx, tenant, strings.TrimPrefix(r.Patient, "Patient/"), strings.TrimPrefix(r.Document, "DocumentReference/"), r.Text)
			}})
			if err := egress.Allow(ctx, st, "t", "openai", egress.Redacted); err != nil {
				t.Fatal(err)
			}

			sys := engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
			do := func(typ, body string) string {
				res, err := eng.Do(sys, "t", engine.Interaction{Method: "POST", Type: typ, Body: []byte(body)})
				if err != nil {
					t.Fatalf("POST %s: %v", typ, err)
				}
				return res.Resource.ID
			}
			pat := do("Patient", `{"resourceType":"Patient","name":[{"family":"Quartermaine","given":["Zebulon"]}],"birthDate":"1961-03-14",
				"telecom":[{"system":"phone","value":"(617) 555-0142"},{"system":"email","value":"zq1961@example.org"}],
				"address":[{"line":["41 Larkspur Lane"],"city":"Wendover","state":"MA","postalCode":"02481"}],
				"identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},"system":"urn:example:mrn","value":"77310042"}]}`)
			do("Condition", `{"resourceType":"Condition","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
				"code":{"text":"Prediabetes"},"subject":{"reference":"Patient/`+pat+`"},"onsetDateTime":"2019-05-02"}`)
			doc := do("DocumentReference", fmt.Sprintf(`{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/%s"},
				"content":[{"attachment":{"contentType":"text/plain","data":%q}}]}`, pat, base64.StdEncoding.EncodeToString([]byte(phiNote))))
			jobs, err := st.ClaimJobs(ctx, "w", []string{document.JobKind}, 10, time.Minute)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("claim: %v (%d jobs)", err, len(jobs))
			}
			if err := proc.Handle(ctx, jobs[0]); err != nil {
				t.Fatalf("process: %v", err)
			}
			red, err := eng.Read(sys, "t", "DocumentReference", document.RedactedID(doc))
			if err != nil {
				t.Fatal(err)
			}
			text := attachmentText(t, red.Body)

			// The vault's originals of every token in the redaction, and the
			// PHI planted in the note: none may reach the server.
			tokens := regexp.MustCompile(`\[[A-Z]+(?:_[A-Z]+)*_\d+\]`).FindAllString(text, -1)
			originals, err := vlt.Reveal(ctx, "t", pat, tokens)
			if err != nil || len(originals) < 5 {
				t.Fatalf("reveal %v: %v (%d originals)", tokens, err, len(originals))
			}
			secrets := append([]string{}, plantedPHI...)
			for _, o := range originals {
				secrets = append(secrets, o)
			}

			comp, err := drafter.DraftNow(sys, "t", pat)
			if err != nil {
				t.Fatal(err)
			}
			prov := provenanceOf(t, eng, sys, comp)
			if !strings.Contains(prov, "composer openai:gpt-4o-mini") || strings.Contains(prov, "fallback") {
				t.Errorf("draft not composed by the LLM: %s", prov)
			}
			reqs := oa.Requests()
			var chats, embeds int
			for _, r := range reqs {
				switch {
				case strings.HasSuffix(r.Path, "/chat/completions"):
					chats++
				case strings.HasSuffix(r.Path, "/embeddings"):
					embeds++
				}
				for _, s := range secrets {
					if bytes.Contains(bytes.ToLower(r.Body), bytes.ToLower([]byte(s))) {
						t.Errorf("%s received PHI %q", r.Path, s)
					}
				}
			}
			if chats != 1 || embeds < 2 {
				t.Errorf("%d chat and %d embedding requests, want 1 and several", chats, embeds)
			}
			if got := egressEvents(t, eng, sys); got != len(reqs) {
				t.Errorf("%d egress AuditEvents for %d requests", got, len(reqs))
			}
			// The composer's statements are in the draft, with citations.
			if !strings.Contains(string(comp.Body), "chr-statement") {
				t.Error("the LLM draft has no statements")
			}

			// Forbid openai: no call, the offline composer drafts.
			if _, err := egress.Deny(ctx, st, "t", "openai"); err != nil {
				t.Fatal(err)
			}
			before := len(oa.Requests())
			comp2, err := drafter.DraftNow(sys, "t", pat)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(oa.Requests()); n != before {
				t.Errorf("%d requests reached the server while the policy forbids openai", n-before)
			}
			if prov := provenanceOf(t, eng, sys, comp2); !strings.Contains(prov, "composer offline (fallback: the tenant's egress policy") {
				t.Errorf("fallback not recorded: %s", prov)
			}
		})
	}
}

func attachmentText(t *testing.T, body []byte) string {
	t.Helper()
	var d struct {
		Content []struct {
			Attachment struct {
				Data string `json:"data"`
			} `json:"attachment"`
		} `json:"content"`
	}
	if err := json.Unmarshal(body, &d); err != nil || len(d.Content) == 0 {
		t.Fatalf("redaction: %v", err)
	}
	b, err := base64.StdEncoding.DecodeString(d.Content[0].Attachment.Data)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// provenanceOf is the draft Provenance's agent display.
func provenanceOf(t *testing.T, eng *engine.Engine, ctx context.Context, comp store.Resource) string {
	t.Helper()
	p, err := eng.Read(ctx, "t", "Provenance", fmt.Sprintf("prov-%s-%d", comp.ID, comp.Version))
	if err != nil {
		t.Fatal(err)
	}
	var prov struct {
		Agent []struct {
			Who struct {
				Display string `json:"display"`
			} `json:"who"`
		} `json:"agent"`
	}
	if err := json.Unmarshal(p.Body, &prov); err != nil || len(prov.Agent) == 0 {
		t.Fatalf("Provenance: %v", err)
	}
	return prov.Agent[0].Who.Display
}

// egressEvents counts the tenant's egress AuditEvents whose call went out.
func egressEvents(t *testing.T, eng *engine.Engine, ctx context.Context) int {
	t.Helper()
	res, err := eng.Search(ctx, "t", engine.SearchRequest{Type: "AuditEvent", Params: url.Values{"_count": {"1000"}}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range res.Matches {
		var ae struct {
			Outcome string `json:"outcome"`
			Entity  []struct {
				Query string `json:"query"`
			} `json:"entity"`
		}
		if err := json.Unmarshal(m.Body, &ae); err != nil {
			t.Fatal(err)
		}
		for _, e := range ae.Entity {
			if _, ok := egress.ParseEntity(e.Query); ok && ae.Outcome == "0" {
				n++
			}
		}
	}
	return n
}
