package chr_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/profile"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/shared"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/profiles"
)

// rig is a real engine with the CHR rule over a real store.
type rig struct {
	t       *testing.T
	st      store.Store
	eng     *engine.Engine
	drafter *chr.Drafter
	sys     context.Context
	patient string
}

func newRig(t *testing.T, st store.Store, opts chr.Options) *rig {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateTenant(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	val, err := fhir.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, st: st}
	set, err := profile.Load(profiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	r.eng = engine.New(st, val, engine.Options{Audit: true, Rules: map[string]engine.Rule{"Composition": chr.Rule(set)}})
	r.drafter = chr.New(r.eng, st, opts)
	r.sys = engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
	return r
}

// clinician is a caller with a FHIR identity.
func (r *rig) clinician() context.Context {
	return engine.WithCaller(context.Background(), engine.Caller{Access: engine.Unrestricted,
		Agent: audit.Agent{Who: "user:test|dr", FHIRUser: "Practitioner/dr-1", Roles: []string{"clinician"}}})
}

// loadSynthea loads one shared Synthea patient and returns its id.
func (r *rig) loadSynthea(name string) {
	r.t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "fhir-samples", "synthea", name)
	body, err := os.ReadFile(path)
	if err != nil {
		shared.Missing(r.t, path, err)
		return
	}
	if _, err := r.eng.Bundle(r.sys, "t", body, engine.BundleOptions{}); err != nil {
		r.t.Fatalf("load %s: %v", name, err)
	}
	res, err := r.eng.Search(r.sys, "t", engine.SearchRequest{Type: "Patient"})
	if err != nil || len(res.Matches) != 1 {
		r.t.Fatalf("patients: %v (%d)", err, len(res.Matches))
	}
	r.patient = res.Matches[0].ID
}

func (r *rig) read(typ, id string) store.Resource {
	r.t.Helper()
	res, err := r.eng.Read(r.sys, "t", typ, id)
	if err != nil {
		r.t.Fatalf("read %s/%s: %v", typ, id, err)
	}
	return res
}

func obj(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func status(err error) int {
	if err == nil {
		return 200
	}
	return fhir.AsError(err).Status
}

func TestDraftEditSign(t *testing.T) {
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			r := newRig(t, b.Open(t), chr.Options{})
			r.loadSynthea("Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json")

			comp, err := r.drafter.DraftNow(r.sys, "t", r.patient)
			if err != nil {
				t.Fatal(err)
			}
			c := obj(t, comp.Body)
			if c["status"] != "preliminary" {
				t.Errorf("status %v, want preliminary", c["status"])
			}
			secs, _ := c["section"].([]any)
			if len(secs) != 11 {
				t.Fatalf("%d sections, want 11", len(secs))
			}
			withEntries := 0
			for _, s := range secs {
				s := s.(map[string]any)
				div, _ := s["text"].(map[string]any)["div"].(string)
				if !strings.HasPrefix(div, `<div xmlns="http://www.w3.org/1999/xhtml">`) {
					t.Errorf("section %v: narrative %q", s["title"], div)
				}
				if s["entry"] != nil {
					withEntries++
				} else if s["emptyReason"] == nil {
					t.Errorf("section %v has neither entry nor emptyReason", s["title"])
				}
			}
			// Abdul Koepp's chart has an active condition, labs, vital signs,
			// immunizations, procedures and encounters (no active medication,
			// allergy or care plan, and no documents here).
			if withEntries != 6 {
				t.Errorf("%d sections have entries, want 6", withEntries)
			}
			// Every statement cites a resource that exists.
			cites := 0
			for _, s := range secs {
				for _, e := range asList(s.(map[string]any)["extension"]) {
					for _, cit := range asList(e.(map[string]any)["extension"]) {
						cm := cit.(map[string]any)
						if cm["url"] != "citation" {
							continue
						}
						ref := asList(cm["extension"])[0].(map[string]any)["valueReference"].(map[string]any)["reference"].(string)
						typ, id, _ := strings.Cut(ref, "/")
						r.read(typ, id)
						cites++
					}
				}
			}
			if cites < 10 {
				t.Errorf("%d citations, want many", cites)
			}
			prov := obj(t, r.read("Provenance", "prov-"+comp.ID+"-1").Body)
			if n := len(asList(prov["entity"])); n != cites && n == 0 {
				t.Errorf("Provenance has %d entities", n)
			}

			// Edits need If-Match; a stale one is refused.
			edited := strings.Replace(string(comp.Body), `"title":"Client Health Report (draft)"`, `"title":"Client Health Report (draft, reviewed)"`, 1)
			doc := r.clinician()
			put := func(body, ifMatch string) (engine.Result, error) {
				return r.eng.Do(doc, "t", engine.Interaction{Method: "PUT", Type: "Composition", ID: comp.ID, Body: []byte(body), IfMatch: ifMatch})
			}
			if _, err := put(edited, ""); status(err) != http.StatusPreconditionRequired {
				t.Errorf("edit without If-Match: %v, want 428", err)
			}
			if _, err := put(edited, `W/"7"`); status(err) != http.StatusPreconditionFailed {
				t.Errorf("edit with stale If-Match: %v, want 412", err)
			}
			// The profile holds for every write: a statement without its
			// text, or a CHR without its sections, is refused with 422.
			broken := strings.Replace(edited, `{"url":"text","valueString":`, `{"url":"txt","valueString":`, 1)
			if broken == edited {
				t.Fatal("no statement to break")
			}
			if _, err := put(broken, `W/"1"`); status(err) != http.StatusUnprocessableEntity {
				t.Errorf("statement without text: %v, want 422", err)
			}
			bare := `{"resourceType":"Composition","meta":{"profile":["` + chr.ProfileURL + `"]},"status":"preliminary",
				"type":{"coding":[{"system":"http://loinc.org","code":"60591-5"}]},"subject":{"reference":"Patient/` + r.patient + `"},
				"date":"2024-01-01","author":[{"display":"x"}],"title":"t"}`
			if _, err := r.eng.Do(doc, "t", engine.Interaction{Method: "POST", Type: "Composition", Body: []byte(bare)}); status(err) != http.StatusUnprocessableEntity ||
				!strings.Contains(err.Error(), "section") {
				t.Errorf("CHR without sections: %v, want 422 naming the sections", err)
			}
			res, err := put(edited, `W/"1"`)
			if err != nil {
				t.Fatalf("edit: %v", err)
			}
			if res.Resource.Version != 2 {
				t.Errorf("edit wrote version %d", res.Resource.Version)
			}
			editProv := obj(t, r.read("Provenance", "prov-"+comp.ID+"-2").Body)
			if got := editProv["agent"].([]any)[0].(map[string]any)["who"].(map[string]any)["reference"]; got != "Practitioner/dr-1" {
				t.Errorf("edit Provenance agent %v", got)
			}
			// Only signing makes it final.
			final := strings.Replace(edited, `"status":"preliminary"`, `"status":"final"`, 1)
			if _, err := put(final, `W/"2"`); status(err) != http.StatusUnprocessableEntity {
				t.Errorf("PUT final: %v, want 422", err)
			}
			// A caller without a person's identity cannot sign.
			if _, err := r.drafter.Sign(r.sys, "t", r.read("Composition", comp.ID), ""); status(err) != http.StatusForbidden {
				t.Errorf("sign as system: %v, want 403", err)
			}
			if _, err := r.drafter.Sign(doc, "t", r.read("Composition", comp.ID), `W/"1"`); status(err) != http.StatusPreconditionFailed {
				t.Errorf("sign with stale If-Match: %v, want 412", err)
			}
			signed, err := r.drafter.Sign(doc, "t", r.read("Composition", comp.ID), `W/"2"`)
			if err != nil {
				t.Fatalf("sign: %v", err)
			}
			sc := obj(t, signed.Body)
			att := asList(sc["attester"])
			if sc["status"] != "final" || len(att) != 1 || att[0].(map[string]any)["mode"] != "legal" ||
				att[0].(map[string]any)["party"].(map[string]any)["reference"] != "Practitioner/dr-1" {
				t.Errorf("signed: status %v attester %v", sc["status"], att)
			}
			attest := obj(t, r.read("Provenance", "prov-"+comp.ID+"-3").Body)
			if attest["activity"].(map[string]any)["text"] != "attest" {
				t.Errorf("attest Provenance activity %v", attest["activity"])
			}
			if _, err := r.drafter.Sign(doc, "t", r.read("Composition", comp.ID), ""); status(err) != http.StatusConflict {
				t.Errorf("sign twice: %v, want 409", err)
			}
			// A signed CHR changes only by amendment, and is never deleted.
			if _, err := put(strings.Replace(string(signed.Body), `"title":"Client Health Report, reviewed)"`, `"title":"x"`, 1), `W/"3"`); status(err) != http.StatusConflict {
				t.Errorf("silent change of a signed CHR: %v, want 409", err)
			}
			amended := strings.Replace(string(signed.Body), `"status":"final"`, `"status":"amended"`, 1)
			if _, err := put(amended, `W/"3"`); err != nil {
				t.Errorf("amend: %v", err)
			}
			if a := obj(t, r.read("Provenance", "prov-"+comp.ID+"-4").Body); a["activity"].(map[string]any)["text"] != "amend" {
				t.Errorf("amend Provenance activity %v", a["activity"])
			}
			if _, err := r.eng.Do(doc, "t", engine.Interaction{Method: "DELETE", Type: "Composition", ID: comp.ID}); status(err) != http.StatusConflict {
				t.Errorf("delete signed: %v, want 409", err)
			}

			// The document Bundle holds the Composition first, then what it cites.
			bundle, err := r.drafter.Document(doc, "t", "http://kiln.test/fhir/t", r.read("Composition", comp.ID))
			if err != nil {
				t.Fatal(err)
			}
			bm := obj(t, bundle)
			entries := asList(bm["entry"])
			if bm["type"] != "document" || len(entries) < 10 ||
				entries[0].(map[string]any)["resource"].(map[string]any)["resourceType"] != "Composition" {
				t.Errorf("document bundle: type %v, %d entries", bm["type"], len(entries))
			}
			page, err := chr.RenderHTML(bundle)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"<!DOCTYPE html>", "Active problems", "Signed (legal)", "AMENDED"} {
				if !strings.Contains(strings.ToUpper(string(page)), strings.ToUpper(want)) {
					t.Errorf("HTML lacks %q", want)
				}
			}
		})
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

// A CHR's narrative cannot smuggle markup into the rendering.
func TestRenderHTMLSanitizes(t *testing.T) {
	comp := map[string]any{"resourceType": "Composition", "id": "c", "status": "preliminary", "title": "T <b>",
		"section": []any{map[string]any{"title": "S", "text": map[string]any{"div": `<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">ok<script>alert(1)</script><a href="javascript:x">l</a></p></div>`}}}}
	cb, _ := json.Marshal(comp)
	b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "document", "entry": []any{map[string]any{"resource": json.RawMessage(cb)}}})
	page, err := chr.RenderHTML(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "onclick", "javascript:", "<a", "T <b>"} {
		if strings.Contains(string(page), bad) {
			t.Errorf("rendered page contains %q:\n%s", bad, page)
		}
	}
	if !strings.Contains(string(page), "<p>ok") {
		t.Errorf("allowed markup lost:\n%s", page)
	}
}
