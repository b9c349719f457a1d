package server_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/fhir/engine"
)

func statuses(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, e := range entries(t, r) {
		out = append(out, str(e, "response", "status"))
	}
	return out
}

func TestTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		// an existing patient found by a conditional reference
		r := h.do("POST", "Patient", fmt.Sprintf(patient, "EXISTING"))
		expect(t, r, http.StatusCreated)
		existing := str(r.json(t), "id")

		bundle := `{"resourceType":"Bundle","type":"transaction","entry":[
		 {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Observation","status":"final","code":{"text":"heart rate"},
		   "subject":{"reference":"urn:uuid:88f151c0-a954-468a-88e4-98f00bc7a9d0"},"performer":[{"reference":"Patient?identifier=MRN-EXISTING"}]},
		   "request":{"method":"POST","url":"Observation"}},
		 {"fullUrl":"urn:uuid:88f151c0-a954-468a-88e4-98f00bc7a9d0","resource":{"resourceType":"Patient","name":[{"family":"Bundled"}]},
		   "request":{"method":"POST","url":"Patient"}},
		 {"resource":{"resourceType":"Patient","id":"put-1","name":[{"family":"Put"}]},"request":{"method":"PUT","url":"Patient/put-1"}},
		 {"request":{"method":"GET","url":"Patient/put-1"}}
		]}`
		r = h.do("POST", "", bundle)
		expect(t, r, http.StatusOK)
		if m := r.json(t); m["type"] != "transaction-response" {
			t.Fatalf("type %v", m["type"])
		}
		got := statuses(t, r)
		want := []string{"201 Created", "201 Created", "201 Created", "200 OK"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		es := entries(t, r)
		obsLoc, patLoc := str(es[0], "response", "location"), str(es[1], "response", "location")
		patID := strings.Split(patLoc, "/")[1]
		// GET entries run after the writes, so they see them
		if str(es[3], "resource", "name") != "" || !strings.Contains(fmt.Sprint(es[3]["resource"]), "Put") {
			t.Fatalf("GET entry did not see the PUT: %v", es[3])
		}
		if str(es[0], "response", "etag") != `W/"1"` || !strings.HasPrefix(str(es[0], "fullUrl"), h.srv.URL) {
			t.Fatalf("entry response lacks etag or fullUrl: %v", es[0])
		}

		r = h.do("GET", strings.Join(strings.Split(obsLoc, "/")[:2], "/"), "")
		expect(t, r, http.StatusOK)
		obs := r.json(t)
		if ref := str(obs, "subject", "reference"); ref != "Patient/"+patID {
			t.Fatalf("urn:uuid reference rewritten to %q, want Patient/%s", ref, patID)
		}
		if !strings.Contains(string(r.body), `"reference":"Patient/`+existing+`"`) {
			t.Fatalf("conditional reference not resolved to Patient/%s: %s", existing, r.body)
		}
	})
}

func TestTransactionIsAtomic(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("PUT", "Patient/keep", patientWithID("keep")), http.StatusCreated)
		good := `{"resource":{"resourceType":"Patient","name":[{"family":"Never"}]},"request":{"method":"POST","url":"Patient"}}`
		cases := []struct {
			name, entry string
			status      int
			want        string
		}{
			{"invalid resource", `{"resource":{"resourceType":"Observation"},"request":{"method":"POST","url":"Observation"}}`, 422, "Bundle.entry[1]"},
			{"stale If-Match", `{"resource":{"resourceType":"Patient","id":"keep"},"request":{"method":"PUT","url":"Patient/keep","ifMatch":"W/\"7\""}}`, 412, "Bundle.entry[1]"},
			{"unresolved urn:uuid", `{"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:0f2f0f2f-0000-4000-8000-000000000000"}},"request":{"method":"POST","url":"Observation"}}`, 400, "matches no entry"},
			{"missing request", `{"resource":{"resourceType":"Patient"}}`, 400, "request.method"},
			{"same resource twice", `{"resource":{"resourceType":"Patient","id":"keep"},"request":{"method":"DELETE","url":"Patient/keep"}},{"resource":{"resourceType":"Patient","id":"keep"},"request":{"method":"PUT","url":"Patient/keep"}}`, 400, "both act on Patient/keep"},
			{"delete then failing read", `{"request":{"method":"DELETE","url":"Patient/keep"}},{"request":{"method":"GET","url":"Patient/absent"}}`, 404, "Bundle.entry[2]"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := `{"resourceType":"Bundle","type":"transaction","entry":[` + good + `,` + tc.entry + `]}`
				expectOutcome(t, h.do("POST", "", b), tc.status, tc.want)
				// nothing of the bundle was written
				if n := len(entries(t, h.do("GET", "Patient/_history", ""))); n != 1 {
					t.Fatalf("a failed transaction left %d Patient versions, want 1", n)
				}
				expect(t, h.do("GET", "Patient/keep", ""), http.StatusOK)
			})
		}
	})
}

func TestBatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		patch := base64.StdEncoding.EncodeToString([]byte(`[{"op":"add","path":"/gender","value":"female"}]`))
		expect(t, h.do("PUT", "Patient/b1", patientWithID("b1")), http.StatusCreated)
		b := `{"resourceType":"Bundle","type":"batch","entry":[
		 {"resource":{"resourceType":"Patient","name":[{"family":"Good"}]},"request":{"method":"POST","url":"Patient"}},
		 {"resource":{"resourceType":"Observation"},"request":{"method":"POST","url":"Observation"}},
		 {"request":{"method":"GET","url":"Patient/missing"}},
		 {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":"` + patch + `"},"request":{"method":"PATCH","url":"Patient/b1"}},
		 {"request":{"method":"DELETE","url":"Patient/b1"}}
		]}`
		r := h.do("POST", "", b)
		expect(t, r, http.StatusOK)
		if r.json(t)["type"] != "batch-response" {
			t.Fatalf("type %v", r.json(t)["type"])
		}
		// DELETE runs before PATCH (processing order), so the patch finds a deleted resource
		got := strings.Join(statuses(t, r), ",")
		if want := "201 Created,422 Unprocessable Entity,404 Not Found,410 Gone,200 OK"; got != want {
			t.Fatalf("statuses %s, want %s", got, want)
		}
		es := entries(t, r)
		if str(es[1], "response", "outcome", "resourceType") != "OperationOutcome" {
			t.Fatalf("failed entry has no outcome: %v", es[1])
		}
		expect(t, h.do("GET", strings.Join(strings.Split(str(es[0], "response", "location"), "/")[:2], "/"), ""), http.StatusOK)
	})
}

func TestPatchInTransaction(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("PUT", "Patient/t1", patientWithID("t1")), http.StatusCreated)
		patch := base64.StdEncoding.EncodeToString([]byte(`[{"op":"add","path":"/gender","value":"female"}]`))
		b := `{"resourceType":"Bundle","type":"transaction","entry":[
		 {"resource":{"resourceType":"Binary","contentType":"application/json-patch+json","data":"` + patch + `"},"request":{"method":"PATCH","url":"Patient/t1","ifMatch":"W/\"1\""}}]}`
		r := h.do("POST", "", b, "Prefer", "return=representation")
		expect(t, r, http.StatusOK)
		es := entries(t, r)
		if str(es[0], "response", "status") != "200 OK" || str(es[0], "resource", "gender") != "female" {
			t.Fatalf("patch entry: %v", es[0])
		}
	})
}

func TestBundleEntryLimit(t *testing.T) {
	eachBackendWith(t, options{limits: engine.Limits{MaxBundleEntries: 2}}, func(t *testing.T, h *harness) {
		e := `{"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}}`
		expect(t, h.do("POST", "", `{"resourceType":"Bundle","type":"batch","entry":[`+e+`,`+e+`]}`), http.StatusOK)
		expectOutcome(t, h.do("POST", "", `{"resourceType":"Bundle","type":"transaction","entry":[`+e+`,`+e+`,`+e+`]}`), http.StatusRequestEntityTooLarge, "at most 2")
	})
}

// TestSearchEntries: GET entries with search parameters answer searchset
// Bundles; in a transaction they see the transaction's own writes, and a
// malformed search fails its entry (batch) or the transaction.
func TestSearchEntries(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("POST", "Patient", `{"resourceType":"Patient","name":[{"family":"Searchentry"}],"gender":"female"}`), http.StatusCreated)

		r := h.do("POST", "", `{"resourceType":"Bundle","type":"transaction","entry":[
		 {"request":{"method":"GET","url":"Patient?family=searchentry&_sort=gender"}},
		 {"resource":{"resourceType":"Patient","name":[{"family":"Searchentry"}],"gender":"male"},"request":{"method":"POST","url":"Patient"}}
		]}`)
		expect(t, r, http.StatusOK)
		es := entries(t, r)
		if got := str(es[0], "response", "status"); got != "200 OK" {
			t.Fatalf("search entry status %q", got)
		}
		found, _ := es[0]["resource"].(map[string]any)
		if found["type"] != "searchset" || fmt.Sprint(found["total"]) != "2" {
			t.Fatalf("search entry resource: type %v total %v, want a searchset of 2 (the POST in the same transaction included)", found["type"], found["total"])
		}
		matches, _ := found["entry"].([]any)
		var genders []string
		for _, m := range matches {
			e := m.(map[string]any)
			genders = append(genders, str(e, "resource", "gender"))
			if !strings.HasPrefix(str(e, "fullUrl"), h.srv.URL+"/fhir/default/Patient/") {
				t.Errorf("match fullUrl %q is not under the tenant's base", str(e, "fullUrl"))
			}
		}
		if strings.Join(genders, ",") != "female,male" {
			t.Errorf("sorted matches %v, want female,male", genders)
		}

		// batch: a bad search fails only its entry
		r = h.do("POST", "", `{"resourceType":"Bundle","type":"batch","entry":[
		 {"request":{"method":"GET","url":"Patient?birthdate=2020-13"}},
		 {"request":{"method":"GET","url":"Patient?family=searchentry&_summary=count"}}
		]}`)
		expect(t, r, http.StatusOK)
		if got := statuses(t, r); strings.Join(got, ",") != "400 Bad Request,200 OK" {
			t.Fatalf("batch statuses %v", got)
		}
		// transaction: it fails the whole transaction, naming the entry
		r = h.do("POST", "", `{"resourceType":"Bundle","type":"transaction","entry":[
		 {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
		 {"request":{"method":"GET","url":"Patient?birthdate=xx2020"}}
		]}`)
		expectOutcome(t, r, http.StatusBadRequest, "Bundle.entry[1]")
	})
}
