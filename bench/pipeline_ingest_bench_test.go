package bench

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/document"
	"github.com/kiln-health/kiln/pipeline/extract"
	"github.com/kiln-health/kiln/pipeline/phi"
	"github.com/kiln-health/kiln/pipeline/vault"
)

// BenchmarkIngestPipeline is what the document pipeline costs at ingest:
// the sample bundles, each Encounter given a clinical note
// (DocumentReference with inline text, as Synthea's notes module writes
// them; the stored samples have none), posted as transactions on SQLite
// with the document Processor's Committed hook off and on. On, every
// committed DocumentReference also gets its requested Task (a write of
// its own, audited) and a queued job; no worker runs, so this is the
// ingest path alone. resources/s counts the bundles' resources, notes
// included, not the Tasks.
func BenchmarkIngestPipeline(b *testing.B) {
	c := withNotes(b, samples(b))
	be := testbackends.All()[0] // SQLite
	for _, hook := range []bool{false, true} {
		b.Run(fmt.Sprintf("%s/hook=%v", be.Name, hook), func(b *testing.B) {
			ingestPipeline(b, be.Open(b), c, hook)
		})
	}
}

var (
	notesOnce sync.Once
	notes     *corpus
	notesErr  error
)

// withNotes is c with one DocumentReference per Encounter added to each
// patient bundle.
func withNotes(b *testing.B, c *corpus) *corpus {
	b.Helper()
	notesOnce.Do(func() { notes, notesErr = addNotes(c) })
	if notesErr != nil {
		b.Fatal(notesErr)
	}
	return notes
}

func addNotes(c *corpus) (*corpus, error) {
	out := &corpus{}
	for _, bd := range c.bundles {
		var in map[string]any
		if err := json.Unmarshal(bd.body, &in); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", bd.name, err)
		}
		entries, _ := in["entry"].([]any)
		var patientURL, patientName string
		for _, e := range entries {
			em := e.(map[string]any)
			r := em["resource"].(map[string]any)
			if r["resourceType"] == "Patient" {
				patientURL, _ = em["fullUrl"].(string)
				if names, _ := r["name"].([]any); len(names) > 0 {
					n := names[0].(map[string]any)
					given, _ := n["given"].([]any)
					if len(given) > 0 {
						patientName = fmt.Sprint(given[0]) + " "
					}
					patientName += fmt.Sprint(n["family"])
				}
			}
		}
		added := entries
		if patientURL != "" {
			for _, e := range entries {
				em := e.(map[string]any)
				r := em["resource"].(map[string]any)
				if r["resourceType"] != "Encounter" {
					continue
				}
				added = append(added, noteEntry(patientURL, patientName, em["fullUrl"].(string), r))
			}
		}
		in["entry"] = added
		body, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		nb := bundle{name: bd.name, body: body}
		for _, e := range added {
			raw, err := json.Marshal(e.(map[string]any)["resource"])
			if err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return nil, err
			}
			nb.resources = append(nb.resources, raw)
			nb.compact = append(nb.compact, buf.Bytes())
			out.bytes += int64(buf.Len())
		}
		out.bundles = append(out.bundles, nb)
		out.resources = append(out.resources, nb.resources...)
	}
	return out, nil
}

// noteEntry is a transaction entry creating a synthetic progress note of
// the encounter, about as long as Synthea's.
func noteEntry(patientURL, patientName, encounterURL string, enc map[string]any) map[string]any {
	when := ""
	if p, ok := enc["period"].(map[string]any); ok {
		when, _ = p["start"].(string)
	}
	what := "a visit"
	if types, _ := enc["type"].([]any); len(types) > 0 {
		if t, ok := types[0].(map[string]any)["text"].(string); ok {
			what = t
		}
	}
	date, _, _ := strings.Cut(when, "T")
	note := fmt.Sprintf("%s\n\n# Chief Complaint\nNo complaints.\n\n# History of Present Illness\n%s is seen today for %s. "+
		"The patient reports no new symptoms since the last visit and is adherent to the current medications.\n\n"+
		"# Social History\nLives with family. Never smoker. Drinks alcohol occasionally.\n\n"+
		"# Assessment and Plan\nStable. Continue the current plan; follow up in twelve months or sooner if needed.\n",
		date, patientName, what)
	return map[string]any{
		"fullUrl": "urn:uuid:" + uuid.NewString(),
		"resource": map[string]any{
			"resourceType": "DocumentReference",
			"status":       "current",
			"type":         map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "34117-2", "display": "History and physical note"}}},
			"subject":      map[string]any{"reference": patientURL},
			"date":         when,
			"content":      []any{map[string]any{"attachment": map[string]any{"contentType": "text/plain; charset=utf-8", "data": base64.StdEncoding.EncodeToString([]byte(note))}}},
			"context":      map[string]any{"encounter": []any{map[string]any{"reference": encounterURL}}},
		},
		"request": map[string]any{"method": "POST", "url": "DocumentReference"},
	}
}

// ingestPipeline posts every bundle once per iteration, one client, with
// the Processor's Committed hook on or off, and checks afterwards that
// each note was queued exactly when the hook was on.
func ingestPipeline(b *testing.B, s store.Store, c *corpus, hook bool) {
	ctx := engine.WithCaller(b.Context(), engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "bench", System: true}})
	const tenant = "bench"
	if err := s.CreateTenant(ctx, tenant); err != nil {
		b.Fatal(err)
	}
	opts := engine.Options{Audit: true}
	var proc *document.Processor
	if hook {
		document.Attach(&opts, func() *document.Processor { return proc })
	}
	eng := engine.New(s, newValidator(b), opts)
	if hook {
		x, err := extract.New(extract.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { x.Close() })
		d, err := phi.NewBuiltin()
		if err != nil {
			b.Fatal(err)
		}
		kek, err := vault.NewLocalKEK(map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)}, "k1")
		if err != nil {
			b.Fatal(err)
		}
		v, err := vault.New(s, kek, vault.Options{})
		if err != nil {
			b.Fatal(err)
		}
		proc = document.New(eng, s, x, d, v, document.Options{})
	}
	notes := 0
	for _, r := range c.resources {
		if bytes.Contains(r, []byte(`"resourceType":"DocumentReference"`)) {
			notes++
		}
	}
	b.SetBytes(c.bytes)
	iterations := 0
	for b.Loop() {
		iterations++
		for _, bd := range c.bundles {
			resp, err := eng.Bundle(ctx, tenant, bd.body, engine.BundleOptions{})
			if err != nil {
				b.Fatalf("%s: %v", bd.name, err)
			}
			if len(resp.Entry) != len(bd.resources) {
				b.Fatalf("%s: %d response entries for %d entries", bd.name, len(resp.Entry), len(bd.resources))
			}
		}
	}
	report(b, c)
	jobs, err := s.ListJobs(context.Background(), tenant, store.JobQuery{Kind: document.JobKind, Limit: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	want := 0
	if hook {
		want = notes * iterations
	}
	if len(jobs) != want {
		b.Fatalf("%d document jobs queued; want %d (%d notes × %d iterations, hook %v)", len(jobs), want, notes, iterations, hook)
	}
	b.ReportMetric(float64(notes), "notes/op")
}
