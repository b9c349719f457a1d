package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const patient = `{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.36.146.595.217.0.1","value":"MRN-%s"}],"name":[{"family":"Synthetic","given":["Test"]}],"birthDate":"1970-01-01"}`

func patientWithID(id string) string {
	return fmt.Sprintf(`{"resourceType":"Patient","id":%q,"name":[{"family":"Synthetic"}]}`, id)
}

func TestCreateReadUpdateDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		// create
		r := h.do("POST", "Patient", fmt.Sprintf(patient, "1"))
		expect(t, r, http.StatusCreated)
		created := r.json(t)
		id := str(created, "id")
		if id == "" || str(created, "meta", "versionId") != "1" || str(created, "meta", "lastUpdated") == "" {
			t.Fatalf("created resource lacks id or meta: %s", r.body)
		}
		if etag := r.header.Get("ETag"); etag != `W/"1"` {
			t.Fatalf("ETag %q", etag)
		}
		if loc := r.header.Get("Location"); !strings.HasSuffix(loc, "/fhir/default/Patient/"+id+"/_history/1") {
			t.Fatalf("Location %q", loc)
		}
		if r.header.Get("Last-Modified") == "" {
			t.Fatal("no Last-Modified")
		}

		// read
		r = h.do("GET", "Patient/"+id, "")
		expect(t, r, http.StatusOK)
		if str(r.json(t), "name") != "" || r.json(t)["name"] == nil {
			t.Fatalf("read lost the name: %s", r.body)
		}
		if r.header.Get("ETag") != `W/"1"` {
			t.Fatalf("read ETag %q", r.header.Get("ETag"))
		}
		// If-None-Match with the current version: 304
		expect(t, h.do("GET", "Patient/"+id, "", "If-None-Match", `W/"1"`), http.StatusNotModified)

		// update
		upd := strings.Replace(fmt.Sprintf(patient, "1"), `{"resourceType":"Patient",`, fmt.Sprintf(`{"resourceType":"Patient","id":%q,"gender":"female",`, id), 1)
		r = h.do("PUT", "Patient/"+id, upd)
		expect(t, r, http.StatusOK)
		if v := str(r.json(t), "meta", "versionId"); v != "2" || str(r.json(t), "gender") != "female" {
			t.Fatalf("update answered version %q: %s", v, r.body)
		}

		// If-Match: stale → 412, current → 200
		expectOutcome(t, h.do("PUT", "Patient/"+id, upd, "If-Match", `W/"1"`), http.StatusPreconditionFailed, "If-Match")
		expect(t, h.do("PUT", "Patient/"+id, upd, "If-Match", `W/"2"`), http.StatusOK)

		// vread
		r = h.do("GET", "Patient/"+id+"/_history/1", "")
		expect(t, r, http.StatusOK)
		if str(r.json(t), "gender") != "" || str(r.json(t), "meta", "versionId") != "1" {
			t.Fatalf("vread 1 returned another version: %s", r.body)
		}
		expectOutcome(t, h.do("GET", "Patient/"+id+"/_history/9", ""), http.StatusNotFound, "no version")

		// delete → read 410, vread of an old version still works
		r = h.do("DELETE", "Patient/"+id, "")
		expectOutcome(t, r, http.StatusOK, "deleted Patient/"+id)
		expectOutcome(t, h.do("GET", "Patient/"+id, ""), http.StatusGone, "deleted")
		expect(t, h.do("GET", "Patient/"+id+"/_history/2", ""), http.StatusOK)
		expectOutcome(t, h.do("GET", "Patient/"+id+"/_history/4", ""), http.StatusGone, "deleted")
		// deleting again is not an error
		expect(t, h.do("DELETE", "Patient/"+id, ""), http.StatusOK)

		// a deleted resource can be re-created by update: version 5, 201
		r = h.do("PUT", "Patient/"+id, upd)
		expect(t, r, http.StatusCreated)
		if v := str(r.json(t), "meta", "versionId"); v != "5" {
			t.Fatalf("re-create after delete gave version %q", v)
		}

		// never existed
		expectOutcome(t, h.do("GET", "Patient/nope", ""), http.StatusNotFound, "not known")
	})
}

func TestUpdateAsCreateAndPrefer(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		r := h.do("PUT", "Patient/client-chosen-1", patientWithID("client-chosen-1"))
		expect(t, r, http.StatusCreated)
		if str(r.json(t), "id") != "client-chosen-1" {
			t.Fatalf("id not kept: %s", r.body)
		}
		// If-None-Match: * refuses to overwrite
		expectOutcome(t, h.do("PUT", "Patient/client-chosen-1", patientWithID("client-chosen-1"), "If-None-Match", "*"), http.StatusPreconditionFailed, "already exists")

		r = h.do("POST", "Patient", fmt.Sprintf(patient, "2"), "Prefer", "return=minimal")
		expect(t, r, http.StatusCreated)
		if len(r.body) != 0 || r.header.Get("Location") == "" {
			t.Fatalf("return=minimal: body %q, Location %q", r.body, r.header.Get("Location"))
		}
		r = h.do("POST", "Patient", fmt.Sprintf(patient, "3"), "Prefer", "return=OperationOutcome")
		expectOutcome(t, r, http.StatusCreated, "Created")
	})
}

func TestPatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("PUT", "Patient/p1", patientWithID("p1")), http.StatusCreated)
		patch := `[{"op":"add","path":"/gender","value":"other"},{"op":"replace","path":"/name/0/family","value":"Patched"}]`
		r := h.do("PATCH", "Patient/p1", patch, "Content-Type", "application/json-patch+json")
		expect(t, r, http.StatusOK)
		m := r.json(t)
		if str(m, "gender") != "other" || str(m, "meta", "versionId") != "2" || !strings.Contains(string(r.body), "Patched") {
			t.Fatalf("patch result: %s", r.body)
		}
		// a patch that makes the resource invalid is refused, and nothing changes
		expectOutcome(t, h.do("PATCH", "Patient/p1", `[{"op":"replace","path":"/gender","value":"bogus"}]`, "Content-Type", "application/json-patch+json"), http.StatusBadRequest, "Patient.gender")
		expectOutcome(t, h.do("PATCH", "Patient/p1", `[{"op":"replace","path":"/id","value":"x"}]`, "Content-Type", "application/json-patch+json"), http.StatusUnprocessableEntity, "must not change")
		expectOutcome(t, h.do("PATCH", "Patient/p1", patch, "Content-Type", "application/json-patch+json", "If-Match", `W/"1"`), http.StatusPreconditionFailed, "If-Match")
		expectOutcome(t, h.do("PATCH", "Patient/p1", patch), http.StatusUnsupportedMediaType, "application/json-patch+json")
		expectOutcome(t, h.do("PATCH", "Patient/p1", `{"not":"a patch"}`, "Content-Type", "application/json-patch+json"), http.StatusBadRequest, "JSON Patch")
		expectOutcome(t, h.do("PATCH", "Patient/missing", patch, "Content-Type", "application/json-patch+json"), http.StatusNotFound, "not known")
		r = h.do("GET", "Patient/p1", "")
		if v := str(r.json(t), "meta", "versionId"); v != "2" {
			t.Fatalf("failed patches changed the resource: version %s", v)
		}
	})
}

func TestConditionalInteractions(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		sys := "urn:oid:1.2.36.146.595.217.0.1"
		// conditional create: no match creates, a match returns the existing one
		r := h.do("POST", "Patient", fmt.Sprintf(patient, "A"), "If-None-Exist", "identifier="+sys+"|MRN-A")
		expect(t, r, http.StatusCreated)
		id := str(r.json(t), "id")
		r = h.do("POST", "Patient", fmt.Sprintf(patient, "A"), "If-None-Exist", "identifier="+sys+"|MRN-A")
		expect(t, r, http.StatusOK)
		if str(r.json(t), "id") != id || str(r.json(t), "meta", "versionId") != "1" {
			t.Fatalf("conditional create did not return the match: %s", r.body)
		}
		// code without system matches too
		expect(t, h.do("POST", "Patient", fmt.Sprintf(patient, "A"), "If-None-Exist", "identifier=MRN-A"), http.StatusOK)

		// conditional update: one match updates it
		body := strings.Replace(fmt.Sprintf(patient, "A"), `"birthDate"`, `"gender":"male","birthDate"`, 1)
		r = h.do("PUT", "Patient?identifier="+sys+"|MRN-A", body)
		expect(t, r, http.StatusOK)
		if str(r.json(t), "id") != id || str(r.json(t), "meta", "versionId") != "2" {
			t.Fatalf("conditional update hit the wrong resource: %s", r.body)
		}
		// no match creates
		r = h.do("PUT", "Patient?identifier="+sys+"|MRN-B", fmt.Sprintf(patient, "B"))
		expect(t, r, http.StatusCreated)
		// _id criteria
		expect(t, h.do("PUT", "Patient?_id="+id, body), http.StatusOK)

		// two matches: 412 for create, update and delete
		expect(t, h.do("POST", "Patient", fmt.Sprintf(patient, "A")), http.StatusCreated) // a second MRN-A
		expectOutcome(t, h.do("POST", "Patient", fmt.Sprintf(patient, "A"), "If-None-Exist", "identifier=MRN-A"), http.StatusPreconditionFailed, "more than one")
		expectOutcome(t, h.do("PUT", "Patient?identifier=MRN-A", body), http.StatusPreconditionFailed, "more than one")
		expectOutcome(t, h.do("DELETE", "Patient?identifier=MRN-A", ""), http.StatusPreconditionFailed, "more than one")

		// conditional delete of one match
		expect(t, h.do("DELETE", "Patient?identifier="+sys+"|MRN-B", ""), http.StatusOK)
		r = h.do("POST", "Patient", fmt.Sprintf(patient, "B"), "If-None-Exist", "identifier="+sys+"|MRN-B")
		expect(t, r, http.StatusCreated) // the deleted one no longer matches

		// any search parameter may serve as criteria
		expectOutcome(t, h.do("POST", "Patient", fmt.Sprintf(patient, "C"), "If-None-Exist", "name=synth"), http.StatusPreconditionFailed, "more than one")
		expect(t, h.do("POST", "Patient", fmt.Sprintf(patient, "C"), "If-None-Exist", "name=synth&identifier=MRN-B&birthdate=1970"), http.StatusOK)
		expect(t, h.do("POST", "Patient", fmt.Sprintf(patient, "C"), "If-None-Exist", "name=synth&identifier=MRN-B&birthdate=1971"), http.StatusCreated)

		// criteria Kiln cannot evaluate are refused, never ignored (which
		// would widen the delete), even without Prefer: handling=strict
		expectOutcome(t, h.do("DELETE", "Patient?nickname=Synthetic", ""), http.StatusBadRequest, `unknown search parameter \"nickname\"`)
		expectOutcome(t, h.do("DELETE", "Patient?name:in=Synthetic", ""), http.StatusBadRequest, "name:in")
		expectOutcome(t, h.do("DELETE", "Patient", ""), http.StatusBadRequest, "needs search criteria")
	})
}

func TestBadInput(t *testing.T) {
	eachBackendWith(t, options{maxBody: 4096}, func(t *testing.T, h *harness) {
		cases := []struct {
			name, method, path, body string
			headers                  []string
			status                   int
			want                     string
		}{
			{"invalid JSON", "POST", "Patient", `{"resourceType":"Patient",`, nil, 400, "invalid JSON"},
			{"not an object", "POST", "Patient", `[1,2]`, nil, 400, "JSON object"},
			{"unknown element", "POST", "Patient", `{"resourceType":"Patient","colour":"blue"}`, nil, 400, "unknown field"},
			{"bad code", "POST", "Patient", `{"resourceType":"Patient","gender":"x"}`, nil, 400, "Patient.gender"},
			{"bad date", "POST", "Patient", `{"resourceType":"Patient","birthDate":"1970-13-01"}`, nil, 400, "Patient.birthDate"},
			{"missing required", "POST", "Observation", `{"resourceType":"Observation"}`, nil, 422, `missing required field \"status\"`},
			{"wrong reference type", "POST", "Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Medication/1"}}`, nil, 422, "invalid reference"},
			{"type mismatch", "POST", "Patient", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`, nil, 400, "does not match"},
			{"no resourceType", "POST", "Patient", `{"name":[{"family":"X"}]}`, nil, 400, "no resourceType"},
			{"unknown type", "POST", "Unicorn", `{"resourceType":"Unicorn"}`, nil, 400, "unknown resource type"},
			{"unknown type read", "GET", "Unicorn/1", ``, nil, 400, "unknown resource type"},
			{"id mismatch", "PUT", "Patient/a", patientWithID("b"), nil, 400, "does not match the URL id"},
			{"id missing", "PUT", "Patient/a", `{"resourceType":"Patient"}`, nil, 400, "must have an id"},
			{"bad id", "PUT", "Patient/" + strings.Repeat("x", 65), patientWithID(strings.Repeat("x", 65)), nil, 400, "invalid resource id"},
			{"empty body", "POST", "Patient", ``, []string{"Content-Type", "application/fhir+json"}, 400, "no body"},
			{"xml body", "POST", "Patient", `<Patient/>`, []string{"Content-Type", "application/fhir+xml"}, 415, "Content-Type"},
			{"form body", "POST", "Patient", `a=b`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "Content-Type"},
			{"xml _format", "GET", "metadata?_format=xml", ``, nil, 406, "_format"},
			{"xml accept", "GET", "metadata", ``, []string{"Accept", "application/fhir+xml"}, 406, "Accept"},
			{"too large", "POST", "Patient", `{"resourceType":"Patient","name":[{"text":"` + strings.Repeat("x", 5000) + `"}]}`, nil, 413, "4096 bytes"},
			{"bad _count", "GET", "_history?_count=abc", ``, nil, 400, "_count"},
			{"bad _since", "GET", "_history?_since=yesterday", ``, nil, 400, "_since"},
			{"bad If-Match", "PUT", "Patient/a", patientWithID("a"), []string{"If-Match", "nonsense"}, 400, "If-Match"},
			{"unknown tenant", "GET", "/fhir/nobody/Patient/1", ``, nil, 404, "unknown tenant"},
			{"outside /fhir", "GET", "/nothing-here", ``, nil, 404, "no route"},
			{"bundle of wrong type", "POST", "", `{"resourceType":"Bundle","type":"collection"}`, nil, 400, "transaction or batch"},
			{"not a bundle", "POST", "", `{"resourceType":"Patient"}`, nil, 400, "takes a Bundle"},
			{"method not allowed", "POST", "Patient/1", patientWithID("1"), nil, 405, "not supported"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				expectOutcome(t, h.do(tc.method, tc.path, tc.body, tc.headers...), tc.status, tc.want)
			})
		}
		// nothing was written by any of them
		r := h.do("GET", "_history", "")
		expect(t, r, http.StatusOK)
		if n := len(entries(t, r)); n != 0 {
			t.Fatalf("bad requests wrote %d versions", n)
		}
	})
}

func TestContentNegotiation(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("PUT", "Patient/n1", patientWithID("n1")), http.StatusCreated)
		for _, tc := range []struct{ accept, format, want string }{
			{"", "", "application/fhir+json"},
			{"application/fhir+json", "", "application/fhir+json"},
			{"application/json", "", "application/json"},
			{"*/*", "", "application/fhir+json"},
			{"text/html, application/json;q=0.9", "", "application/json"},
			{"", "json", "application/fhir+json"},
			{"application/fhir+xml", "application/json", "application/json"}, // _format wins over Accept
		} {
			path := "Patient/n1"
			if tc.format != "" {
				path += "?_format=" + tc.format
			}
			var hdr []string
			if tc.accept != "" {
				hdr = []string{"Accept", tc.accept}
			}
			r := h.do("GET", path, "", hdr...)
			expect(t, r, http.StatusOK)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tc.want) {
				t.Errorf("Accept %q _format %q: Content-Type %q, want %s", tc.accept, tc.format, ct, tc.want)
			}
		}
	})
}

func TestTenantIsolation(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		r := h.do("POST", "/fhir/other/Patient", fmt.Sprintf(patient, "X"))
		expect(t, r, http.StatusCreated)
		id := str(r.json(t), "id")
		expect(t, h.do("PUT", "/fhir/other/Patient/shared", patientWithID("shared")), http.StatusCreated)

		expect(t, h.do("GET", "/fhir/other/Patient/"+id, ""), http.StatusOK)
		expectOutcome(t, h.do("GET", "Patient/"+id, ""), http.StatusNotFound, "not known")
		expectOutcome(t, h.do("GET", "Patient/"+id+"/_history/1", ""), http.StatusNotFound, "")
		expectOutcome(t, h.do("GET", "Patient/"+id+"/_history", ""), http.StatusNotFound, "")
		for _, p := range []string{"_history", "Patient/_history"} {
			if n := len(entries(t, h.do("GET", p, ""))); n != 0 {
				t.Fatalf("%s in default shows %d entries of other", p, n)
			}
		}
		// conditional interactions cannot see across tenants either
		expect(t, h.do("POST", "Patient", fmt.Sprintf(patient, "X"), "If-None-Exist", "identifier=MRN-X"), http.StatusCreated)
		expect(t, h.do("DELETE", "Patient?_id="+id, ""), http.StatusOK)
		expect(t, h.do("GET", "/fhir/other/Patient/"+id, ""), http.StatusOK)
		// same id in both tenants: independent versions
		r = h.do("PUT", "Patient/shared", patientWithID("shared"))
		expect(t, r, http.StatusCreated)
		if v := str(r.json(t), "meta", "versionId"); v != "1" {
			t.Fatalf("same id in another tenant got version %s", v)
		}
		// an update with If-Match against the other tenant's version fails
		expect(t, h.do("DELETE", "/fhir/other/Patient/shared", ""), http.StatusOK)
		expect(t, h.do("GET", "Patient/shared", ""), http.StatusOK)
	})
}

func entries(t *testing.T, r response) []map[string]any {
	t.Helper()
	expect(t, r, http.StatusOK)
	raw, _ := r.json(t)["entry"].([]any)
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		out[i] = e.(map[string]any)
	}
	return out
}

func link(t *testing.T, r response, rel string) string {
	t.Helper()
	links, _ := r.json(t)["link"].([]any)
	for _, l := range links {
		if m := l.(map[string]any); m["relation"] == rel {
			return m["url"].(string)
		}
	}
	return ""
}

func TestHistory(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("PUT", "Patient/h1", patientWithID("h1")), http.StatusCreated)
		expect(t, h.do("PUT", "Patient/h1", patientWithID("h1")), http.StatusOK)
		expect(t, h.do("DELETE", "Patient/h1", ""), http.StatusOK)
		// lastUpdated has millisecond precision: make the next write's instant later than the ones above
		time.Sleep(3 * time.Millisecond)
		r := h.do("POST", "Observation", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`)
		expect(t, r, http.StatusCreated)
		since := str(r.json(t), "meta", "lastUpdated")

		// instance: newest first, tombstone without resource
		es := entries(t, h.do("GET", "Patient/h1/_history", ""))
		if len(es) != 3 {
			t.Fatalf("instance history has %d entries, want 3", len(es))
		}
		wantMethods := []string{"DELETE", "PUT", "PUT"}
		for i, e := range es {
			if got := str(e, "request", "method"); got != wantMethods[i] {
				t.Errorf("entry %d method %s, want %s", i, got, wantMethods[i])
			}
		}
		if es[0]["resource"] != nil || str(es[1], "resource", "meta", "versionId") != "2" {
			t.Fatalf("instance history entries wrong: %v", es)
		}
		if n := len(entries(t, h.do("GET", "Patient/_history", ""))); n != 3 {
			t.Fatalf("type history has %d entries", n)
		}
		if n := len(entries(t, h.do("GET", "_history", ""))); n != 4 {
			t.Fatalf("system history has %d entries", n)
		}
		es = entries(t, h.do("GET", "_history?_since="+since, ""))
		if len(es) != 1 || str(es[0], "resource", "resourceType") != "Observation" {
			t.Fatalf("_since=%s gave %d entries", since, len(es))
		}

		// paging: walk next links with _count=3 over 25 versions; no duplicates, no gaps
		for i := range 21 {
			expect(t, h.do("PUT", fmt.Sprintf("Patient/page%d", i), patientWithID(fmt.Sprintf("page%d", i))), http.StatusCreated)
		}
		seen := map[string]bool{}
		next := "_history?_count=3"
		pages := 0
		for next != "" {
			r := h.do("GET", next, "")
			es := entries(t, r)
			if len(es) > 3 {
				t.Fatalf("page of %d entries with _count=3", len(es))
			}
			for _, e := range es {
				key := str(e, "fullUrl") + "|" + str(e, "response", "etag")
				if seen[key] {
					t.Fatalf("version %s on two pages", key)
				}
				seen[key] = true
			}
			// a write between pages must not shift later pages
			if pages == 1 {
				expect(t, h.do("PUT", "Patient/late", patientWithID("late")), http.StatusCreated)
			}
			next = link(t, r, "next")
			if next != "" {
				if !strings.HasPrefix(next, h.srv.URL+"/fhir/default/") {
					t.Fatalf("next link %q is not absolute under the base", next)
				}
				next = "/" + strings.SplitN(next, "/", 4)[3]
			}
			pages++
		}
		if len(seen) != 25 || pages != 9 {
			t.Fatalf("paging saw %d versions on %d pages, want 25 on 9", len(seen), pages)
		}
	})
}

func TestConcurrentIfMatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		expect(t, h.do("PUT", "Patient/race", patientWithID("race")), http.StatusCreated)
		const writers = 20
		var ok, failed atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			wg.Go(func() {
				<-start
				// every writer read version 1 and sends If-Match: W/"1"
				body := fmt.Sprintf(`{"resourceType":"Patient","id":"race","name":[{"family":"Writer%d"}]}`, i)
				r := h.do("PUT", "Patient/race", body, "If-Match", `W/"1"`)
				switch r.status {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusPreconditionFailed:
					failed.Add(1)
				default:
					t.Errorf("writer %d: status %d: %s", i, r.status, r.body)
				}
			})
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 || failed.Load() != writers-1 {
			t.Fatalf("%d updates applied, %d refused; want exactly 1 and %d", ok.Load(), failed.Load(), writers-1)
		}

		// Now each writer retries with the version it last saw until it
		// succeeds: every update is applied exactly once.
		var applied atomic.Int32
		for i := range writers {
			wg.Go(func() {
				for attempt := 0; attempt < 500; attempt++ {
					cur := h.do("GET", "Patient/race", "")
					body := fmt.Sprintf(`{"resourceType":"Patient","id":"race","name":[{"family":"Retry%d"}]}`, i)
					r := h.do("PUT", "Patient/race", body, "If-Match", cur.header.Get("ETag"))
					if r.status == http.StatusOK {
						applied.Add(1)
						return
					}
					if r.status != http.StatusPreconditionFailed {
						t.Errorf("writer %d: status %d: %s", i, r.status, r.body)
						return
					}
				}
				t.Errorf("writer %d never got its update in", i)
			})
		}
		wg.Wait()
		r := h.do("GET", "Patient/race", "")
		want := fmt.Sprint(1 + ok.Load() + applied.Load())
		if v := str(r.json(t), "meta", "versionId"); v != want {
			t.Fatalf("final version %s, want %s (1 + %d successful updates)", v, want, ok.Load()+applied.Load())
		}
		if n := len(entries(t, h.do("GET", "Patient/race/_history?_count=100", ""))); fmt.Sprint(n) != want {
			t.Fatalf("history has %d versions, want %s", n, want)
		}
	})
}

func TestMetadataAndHealth(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		r := h.do("GET", "metadata", "")
		expect(t, r, http.StatusOK)
		m := r.json(t)
		if m["resourceType"] != "CapabilityStatement" || m["fhirVersion"] != "4.0.1" {
			t.Fatalf("metadata: %.300s", r.body)
		}
		var cs struct {
			Rest []struct {
				Resource []struct {
					Type        string `json:"type"`
					Interaction []struct{ Code string }
					SearchParam []struct{ Name, Type, Definition string }
				} `json:"resource"`
				Interaction []struct{ Code string }
			} `json:"rest"`
		}
		if err := json.Unmarshal(r.body, &cs); err != nil {
			t.Fatal(err)
		}
		if len(cs.Rest) != 1 || len(cs.Rest[0].Resource) < 140 || len(cs.Rest[0].Interaction) != 4 {
			t.Fatalf("CapabilityStatement lists %d resource types", len(cs.Rest[0].Resource))
		}
		// Search parameters per type, from the registry: Patient has its
		// own and the common ones; near (special) is not offered.
		params := map[string]map[string]string{}
		for _, r := range cs.Rest[0].Resource {
			params[r.Type] = map[string]string{}
			for _, p := range r.SearchParam {
				params[r.Type][p.Name] = p.Type
			}
		}
		for typ, want := range map[string]map[string]string{
			"Patient":     {"name": "string", "birthdate": "date", "identifier": "token", "general-practitioner": "reference", "_id": "token", "_lastUpdated": "date", "_text": "string", "_content": "string"},
			"Observation": {"code": "token", "value-quantity": "quantity", "code-value-quantity": "composite", "subject": "reference"},
			"Location":    {"address-city": "string"},
		} {
			for name, typ2 := range want {
				if got := params[typ][name]; got != typ2 {
					t.Errorf("CapabilityStatement %s searchParam %s has type %q, want %q", typ, name, got, typ2)
				}
			}
		}
		if _, ok := params["Location"]["near"]; ok {
			t.Error("CapabilityStatement offers Location near, which is not supported")
		}
		expect(t, h.do("GET", "/healthz", ""), http.StatusOK)
		r = h.do("GET", "/readyz", "")
		expect(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"ready"`) {
			t.Fatalf("readyz: %s", r.body)
		}
	})
}

func TestRequestIDAndLogs(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const secret = "Zqxjvbnmw Synthetic-Name-Canary"
		body := fmt.Sprintf(`{"resourceType":"Patient","name":[{"text":%q}]}`, secret)
		r := h.do("POST", "Patient?canary="+url0(secret), body, "X-Request-Id", "integration-engine-42")
		expect(t, r, http.StatusCreated)
		if r.header.Get("X-Request-Id") != "integration-engine-42" {
			t.Fatalf("X-Request-Id not echoed: %q", r.header.Get("X-Request-Id"))
		}
		r = h.do("POST", "Patient", `{"resourceType":"Patient","gender":"`+secret+`"}`)
		expect(t, r, http.StatusBadRequest)
		generated := r.header.Get("X-Request-Id")
		if generated == "" {
			t.Fatal("no X-Request-Id generated")
		}
		logs := h.logs.String()
		if strings.Contains(logs, "Zqxjvbnmw") {
			t.Fatalf("a resource value reached the log:\n%s", logs)
		}
		for _, want := range []string{`"request_id":"integration-engine-42"`, `"request_id":"` + generated + `"`, `"status":201`} {
			if !strings.Contains(logs, want) {
				t.Fatalf("log lacks %s:\n%s", want, logs)
			}
		}
	})
}

func url0(s string) string { return strings.ReplaceAll(s, " ", "+") }
