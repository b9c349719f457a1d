package chr_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kiln-health/kiln/auth/policy"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/pipeline/chr"
	"github.com/kiln-health/kiln/pipeline/chunk"
	"github.com/kiln-health/kiln/pipeline/coding"
	"github.com/kiln-health/kiln/pipeline/embed"
)

// labelAccess lets a caller see the resources of some label classes (the
// way policy rules restrict a role) and denies some types outright.
type labelAccess struct {
	filter store.Filter
	deny   map[string]bool
}

func (a labelAccess) Restrict(typ string, _ engine.Action) (store.Filter, bool, error) {
	if a.deny[typ] {
		return nil, false, nil
	}
	return a.filter, true, nil
}

// TestDraftHoldsOnlyWhatTheCallerMayRead: a draft never summarises for a
// caller what the caller may not read. A clinician without access to
// restricted (confidentiality R) resources gets a draft, now or queued,
// without the restricted Condition and without passages of a restricted
// document; a caller who may not read a chart type gets 403.
func TestDraftHoldsOnlyWhatTheCallerMayRead(t *testing.T) {
	emb, err := embed.NewOffline(0)
	if err != nil {
		t.Fatal(err)
	}
	icd, err := coding.ICD10CM()
	if err != nil {
		t.Fatal(err)
	}
	const restrictedLabel = `"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}]},`
	const redactedLabels = `"meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationValue","code":"REDACTED"}%s]},`
	for _, b := range testbackends.All() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			g := chr.NewGrounding(st, emb, nil, chunk.Options{Target: 200})
			r := newRig(t, st, chr.Options{Grounding: g, Coder: icd})
			put := func(typ, id, body string) {
				t.Helper()
				if _, err := r.eng.Do(r.sys, "t", engine.Interaction{Method: http.MethodPut, Type: typ, ID: id, Body: []byte(body)}); err != nil {
					t.Fatalf("put %s/%s: %v", typ, id, err)
				}
			}
			r.patient = "p1"
			put("Patient", "p1", `{"resourceType":"Patient","id":"p1","name":[{"family":"Testcase","given":["Ada"]}]}`)
			cond := func(id, label, text string) {
				put("Condition", id, `{"resourceType":"Condition","id":"`+id+`",`+label+`"subject":{"reference":"Patient/p1"},
					"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},
					"code":{"text":"`+text+`"}}`)
			}
			cond("c-open", "", "Essential hypertension")
			cond("c-restricted", restrictedLabel, "Opioid use disorder")
			doc := func(id, extra, text string) {
				put("DocumentReference", id, `{"resourceType":"DocumentReference","id":"`+id+`","status":"current",`+
					strings.Replace(redactedLabels, "%s", extra, 1)+`"subject":{"reference":"Patient/p1"},
					"content":[{"attachment":{"contentType":"text/plain; charset=utf-8","data":"`+base64.StdEncoding.EncodeToString([]byte(text))+`"}}]}`)
				if err := g.Index(r.sys, "t", "p1", id, text); err != nil {
					t.Fatal(err)
				}
			}
			doc("d-open", "", "Progress note. Blood pressure improved on lisinopril. Plan: recheck blood pressure in three months.")
			doc("d-restricted", `,{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}`,
				"Progress note. Blood pressure improved on buprenorphine for opioid dependence. Plan: recheck blood pressure weekly with a buprenorphine refill.")

			caller := func(a engine.Access) context.Context {
				return engine.WithCaller(context.Background(), engine.Caller{Access: a,
					Agent: audit.Agent{Who: "user:test|dr2", FHIRUser: "Practitioner/dr-2", Roles: []string{"clinician"}}})
			}
			noRestricted := caller(labelAccess{filter: (policy.Normal | policy.Redacted).Filter()})
			narrative := func(c store.Resource) string { return string(c.Body) }

			limited, err := r.drafter.DraftNow(noRestricted, "t", "p1")
			if err != nil {
				t.Fatalf("draft as a clinician without restricted access: %v", err)
			}
			text := narrative(limited)
			if !strings.Contains(text, "Essential hypertension") {
				t.Errorf("the draft lacks what the caller may read:\n%s", text)
			}
			for _, secret := range []string{"Opioid use disorder", "c-restricted", "uprenorphine", "d-restricted"} {
				if strings.Contains(text, secret) {
					t.Errorf("the draft of a caller without restricted access holds %q", secret)
				}
			}

			full, err := r.drafter.DraftNow(r.clinician(), "t", "p1")
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"Essential hypertension", "Opioid use disorder", "d-restricted", "uprenorphine", "d-open"} {
				if !strings.Contains(narrative(full), want) {
					t.Errorf("the draft of an unrestricted caller lacks %q", want)
				}
			}

			// A draft is as confidential as what it states: the full draft
			// carries R, the limited one does not, so the clinician without
			// restricted access may read their own draft but not the other.
			if !strings.Contains(narrative(full), `"code":"R"`) {
				t.Errorf("the draft stating a restricted Condition lacks the R label: %s", full.Body)
			}
			if strings.Contains(text, `"code":"R"`) {
				t.Errorf("the draft without restricted content is labelled R")
			}
			if _, err := r.eng.Read(noRestricted, "t", "Composition", full.ID); err == nil {
				t.Errorf("a clinician without restricted access read the draft stating a restricted Condition")
			}
			if _, err := r.eng.Read(noRestricted, "t", "Composition", limited.ID); err != nil {
				t.Errorf("the clinician cannot read their own draft: %v", err)
			}

			// An edit may not drop the label.
			declassified := strings.Replace(string(full.Body), `{"code":"R","display":"restricted","system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality"}`, ``, 1)
			declassified = strings.Replace(declassified, `,]`, `]`, 1)
			if declassified == string(full.Body) {
				t.Fatalf("test bug: no R label to drop in %s", full.Body)
			}
			_, err = r.eng.Do(r.clinician(), "t", engine.Interaction{Method: http.MethodPut, Type: "Composition", ID: full.ID, Body: []byte(declassified), IfMatch: fmt.Sprintf(`W/"%d"`, full.Version)})
			if status(err) != http.StatusUnprocessableEntity || !strings.Contains(err.Error(), "confidentiality") {
				t.Errorf("an edit dropping the R label: %v, want 422", err)
			}

			// A Condition suggested from the restricted document is
			// restricted too; one from the open document is not.
			sugs, err := r.eng.Search(r.sys, "t", engine.SearchRequest{Type: "Condition", Params: url.Values{"_tag": {chr.SuggestionTag + "|suggested"}}})
			if err != nil {
				t.Fatal(err)
			}
			fromRestricted := 0
			for _, m := range sugs.Matches {
				restricted := strings.Contains(string(m.Body), `"code":"R"`)
				if strings.Contains(string(m.Body), "d-restricted") {
					fromRestricted++
					if !restricted {
						t.Errorf("a Condition suggested from the restricted document lacks the R label: %s", m.Body)
					}
				} else if restricted {
					t.Errorf("a Condition suggested from an open document is labelled R: %s", m.Body)
				}
			}
			if fromRestricted == 0 {
				t.Errorf("no Condition suggested from the restricted document (%d suggestions): the check above checked nothing", len(sugs.Matches))
			}

			// A queued draft runs later on Kiln's authority, yet holds only
			// what its requester could read when asking.
			_, queued, err := r.drafter.Request(noRestricted, "t", "p1")
			if err != nil {
				t.Fatalf("queued draft by a caller with partial access: %v", err)
			}
			jobs, err := st.ClaimJobs(context.Background(), "w", []string{chr.JobKind}, 10, time.Minute)
			if err != nil || len(jobs) != 1 {
				t.Fatalf("claim the draft job: %d jobs, %v", len(jobs), err)
			}
			if err := r.drafter.Handle(context.Background(), jobs[0]); err != nil {
				t.Fatalf("run the draft job: %v", err)
			}
			text = narrative(r.read("Composition", queued))
			if !strings.Contains(text, "Essential hypertension") {
				t.Errorf("the queued draft lacks what its requester may read:\n%s", text)
			}
			for _, secret := range []string{"Opioid use disorder", "c-restricted", "uprenorphine", "d-restricted"} {
				if strings.Contains(text, secret) {
					t.Errorf("the queued draft of a caller without restricted access holds %q", secret)
				}
			}
			noCarePlans := caller(labelAccess{deny: map[string]bool{"CarePlan": true}})
			_, err = r.drafter.DraftNow(noCarePlans, "t", "p1")
			if status(err) != http.StatusForbidden || !strings.Contains(err.Error(), "CarePlan") {
				t.Errorf("draft by a caller who may not read CarePlans: %v, want 403 naming CarePlan", err)
			}
		})
	}
}
