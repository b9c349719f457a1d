package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/fhir/store/postgres"
	"github.com/kiln-health/kiln/fhir/store/sqlite"
	"github.com/kiln-health/kiln/internal/testbackends"
	"github.com/kiln-health/kiln/server"
)

// BenchmarkSearch measures FHIR search over HTTP on a Synthea-shaped data
// set of KILN_BENCH_SEARCH_RESOURCES resources (default 100,000): the
// sample patient bundles copied into distinct synthetic patients (see
// scale_test.go) and loaded through the engine's transaction path, which
// writes the search index rows with the resources. For each backend it
// reports the load rate (resources/s, indexes included), then runs a fixed
// query mix: each sub-benchmark iteration sends KILN_BENCH_SEARCH_REQUESTS
// (default 200) requests of one query, one at a time, with parameter values
// drawn from the loaded data, and reports the p50 and p99 latency of a
// request (from sending it to reading the whole response). Every response
// must be a 200 searchset with at least one match.
//
//	GOTOOLCHAIN=local go test -run '^$' -bench BenchmarkSearch -benchtime 1x -timeout 30m ./bench/
//
// The data is loaded once per backend per process, whatever -count says.
// KILN_BENCH_SEARCH_DATABASE_URL names an existing empty PostgreSQL
// database to load instead of a temporary one (it is kept, for EXPLAIN);
// KILN_BENCH_SEARCH_SQLITE likewise names a SQLite file.
func BenchmarkSearch(b *testing.B) {
	if testing.Short() {
		b.Skip("loads 100,000 resources per backend")
	}
	c := samples(b)
	want, err := benchResources()
	if err != nil {
		b.Fatal(err)
	}
	requests, err := benchRequests()
	if err != nil {
		b.Fatal(err)
	}
	sc, err := newScaled(c)
	if err != nil {
		b.Fatal(err)
	}
	copies := sc.copies(want)
	b.Cleanup(func() { searchSummary(os.Stdout, sc, copies, requests) })
	for _, be := range searchBackends() {
		b.Run(be.name, func(b *testing.B) {
			st := be.open(b)
			d := loadScaled(b, be.name, st, sc, copies)
			eng := engine.New(st, newValidator(b), engine.Options{})
			srv := httptest.NewServer(server.New(eng, slog.New(slog.DiscardHandler), server.Config{Version: "bench"}))
			b.Cleanup(srv.Close)
			for _, q := range searchMix {
				b.Run(q.name, func(b *testing.B) {
					runQuery(b, be.name, srv, d, q, requests)
				})
			}
		})
	}
}

// Targets from the issue: p99 latency of every query in the mix, and the
// load rate with indexes at least half the core ingest rate (measured by
// BenchmarkIngest, 1 client, before search indexes existed).
var (
	searchP99Target = map[string]time.Duration{"postgres": 50 * time.Millisecond, "sqlite": 100 * time.Millisecond}
	coreIngestRate  = map[string]float64{"postgres": 4350, "sqlite": 3900}
)

const searchTenant = "bench"

// searchBackend opens a store for BenchmarkSearch.
type searchBackend struct {
	name string
	open func(tb testing.TB) store.Store
}

// searchBackends are testbackends.All, with the environment overrides.
func searchBackends() []searchBackend {
	var out []searchBackend
	for _, be := range testbackends.All() {
		sb := searchBackend{name: be.Name, open: be.Open}
		switch {
		case be.Name == "postgres" && os.Getenv("KILN_BENCH_SEARCH_DATABASE_URL") != "":
			sb.open = func(tb testing.TB) store.Store {
				s, err := postgres.Open(context.Background(), os.Getenv("KILN_BENCH_SEARCH_DATABASE_URL"))
				if err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(func() { s.Close() })
				return s
			}
		case be.Name == "sqlite" && os.Getenv("KILN_BENCH_SEARCH_SQLITE") != "":
			sb.open = func(tb testing.TB) store.Store {
				s, err := sqlite.Open(context.Background(), os.Getenv("KILN_BENCH_SEARCH_SQLITE"))
				if err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(func() { s.Close() })
				return s
			}
		}
		out = append(out, sb)
	}
	return out
}

// benchRequests is KILN_BENCH_SEARCH_REQUESTS, default 200.
func benchRequests() (int, error) {
	v := os.Getenv("KILN_BENCH_SEARCH_REQUESTS")
	if v == "" {
		return 200, nil
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
		return 0, fmt.Errorf("bench: KILN_BENCH_SEARCH_REQUESTS=%q is not a positive number", v)
	}
	return n, nil
}

// dataset is what a backend holds after loadScaled: what queries draw
// their parameter values from.
type dataset struct {
	sc       *scaled
	copies   int
	patients [][]string // the server's Patient id, by copy and patient bundle
	codes    []string   // the most common Observation LOINC codes
}

// loadScaled posts the once bundles and then every copy of the patient
// bundles as transactions through the engine, one at a time (as
// BenchmarkIngest with clients=1), timing only the engine.
func loadScaled(b *testing.B, backend string, st store.Store, sc *scaled, copies int) *dataset {
	ctx := engine.WithCaller(context.Background(), engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "bench", System: true}})
	if err := st.CreateTenant(ctx, searchTenant); err != nil {
		b.Fatal(err)
	}
	eng := engine.New(st, newValidator(b), engine.Options{})
	var spent time.Duration
	n := 0
	post := func(name string, body []byte) []string {
		start := time.Now()
		resp, err := eng.Bundle(ctx, searchTenant, body, engine.BundleOptions{})
		spent += time.Since(start)
		if err != nil {
			b.Fatalf("load %s: %v", name, err)
		}
		var patients []string
		for i, e := range resp.Entry {
			if e.Response == nil || e.Response.Status != "201 Created" {
				b.Fatalf("load %s: entry %d: response %+v, want 201 Created", name, i, e.Response)
			}
			if id, ok := strings.CutPrefix(e.Response.Location, "Patient/"); ok {
				id, _, _ = strings.Cut(id, "/")
				patients = append(patients, id)
			}
		}
		n += len(resp.Entry)
		return patients
	}
	for _, bd := range sc.once {
		post(bd.name, bd.body)
	}
	d := &dataset{sc: sc, copies: copies, patients: make([][]string, copies), codes: commonCodes(sc, 10)}
	var gen time.Duration
	for c := range copies {
		for _, pb := range sc.patients {
			start := time.Now()
			body, err := pb.generate(c)
			gen += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			ps := post(fmt.Sprintf("%s copy %d", pb.name, c), body)
			if len(ps) != 1 {
				b.Fatalf("load %s copy %d: %d patients created, want 1", pb.name, c, len(ps))
			}
			d.patients[c] = append(d.patients[c], ps[0])
		}
	}
	rate := float64(n) / spent.Seconds()
	searchStats.Lock()
	searchStats.load[backend] = loadStat{resources: n, spent: spent, rate: rate}
	searchStats.Unlock()
	fmt.Printf("BenchmarkSearch/%s: loaded %d resources (%d copies of %d patients, + %d) in %.1fs: %.0f resources/s (generating the bundles took %.1fs more)\n",
		backend, n, copies, len(sc.patients), sc.onceN, spent.Seconds(), rate, gen.Seconds())
	return d
}

// commonCodes is the n most frequent Observation LOINC codes of the
// samples, most frequent first.
func commonCodes(sc *scaled, n int) []string {
	count := map[string]int{}
	for _, pb := range sc.patients {
		for _, code := range pb.obsCodes {
			count[code]++
		}
	}
	codes := make([]string, 0, len(count))
	for code := range count {
		codes = append(codes, code)
	}
	slices.SortFunc(codes, func(a, b string) int { return cmp.Or(count[b]-count[a], strings.Compare(a, b)) })
	return codes[:min(n, len(codes))]
}

// draw picks a copy and a patient bundle.
func (d *dataset) draw(r *rand.Rand) (c, p int) { return r.IntN(d.copies), r.IntN(len(d.sc.patients)) }

func (d *dataset) code(r *rand.Rand) string {
	return "http://loinc.org|" + d.codes[r.IntN(len(d.codes))]
}

// familyPrefix is a patient's family name as far as the first syllable of
// its copy's tag: it matches about one copy in len(syllables) of that
// patient.
func (d *dataset) familyPrefix(r *rand.Rand) string {
	c, p := d.draw(r)
	return d.sc.patients[p].family + copyTag(c)[:len(syllables[0])]
}

// month is the month, [start, end), of a random Observation's date.
func (d *dataset) month(r *rand.Rand) (string, string) {
	for {
		c, p := d.draw(r)
		dates := d.sc.patients[p].obsDates
		if len(dates) == 0 {
			continue
		}
		t, err := time.Parse(time.DateOnly, dates[r.IntN(len(dates))])
		if err != nil {
			panic(err) // the template parsed it
		}
		t = t.AddDate(0, 0, copyShift(c))
		start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start.Format(time.DateOnly), start.AddDate(0, 1, 0).Format(time.DateOnly)
	}
}

// searchQuery is one query of the mix.
type searchQuery struct {
	name string
	// query returns the request (type and parameters, relative to the
	// tenant base) and a string every match must contain ("" for none).
	query func(r *rand.Rand, d *dataset) (path, mustContain string)
	typ   string // the type of every match
	// include: the response must include at least one resource.
	include bool
	// nextPage: the request measured is the next link of query's answer.
	nextPage bool
}

func fmtQuery(path string, args ...any) string {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = url.QueryEscape(s)
		}
	}
	return fmt.Sprintf(path, args...)
}

// searchMix is the fixed query mix.
var searchMix = []searchQuery{
	{name: "token", typ: "Observation", query: func(r *rand.Rand, d *dataset) (string, string) {
		return fmtQuery("Observation?code=%s&_count=50", d.code(r)), ""
	}},
	{name: "date-range", typ: "Observation", query: func(r *rand.Rand, d *dataset) (string, string) {
		start, end := d.month(r)
		return fmtQuery("Observation?date=ge%s&date=lt%s", start, end), ""
	}},
	{name: "reference", typ: "Observation", query: func(r *rand.Rand, d *dataset) (string, string) {
		c, p := d.draw(r)
		id := d.patients[c][p]
		return fmtQuery("Observation?subject=%s", "Patient/"+id), id
	}},
	{name: "chain", typ: "Observation", query: func(r *rand.Rand, d *dataset) (string, string) {
		return fmtQuery("Observation?subject:Patient.name=%s", d.familyPrefix(r)), ""
	}},
	{name: "string-prefix", typ: "Patient", query: func(r *rand.Rand, d *dataset) (string, string) {
		return fmtQuery("Patient?name=%s", d.familyPrefix(r)), ""
	}},
	{name: "include", typ: "Observation", include: true, query: func(r *rand.Rand, d *dataset) (string, string) {
		return fmtQuery("Observation?code=%s&_include=Observation:subject&_count=50", d.code(r)), ""
	}},
	{name: "sort", typ: "Observation", query: func(r *rand.Rand, d *dataset) (string, string) {
		return fmtQuery("Observation?code=%s&_sort=-date&_count=20", d.code(r)), ""
	}},
	{name: "sort-page2", typ: "Observation", nextPage: true, query: func(r *rand.Rand, d *dataset) (string, string) {
		return fmtQuery("Observation?code=%s&_sort=-date&_count=20", d.code(r)), ""
	}},
}

// searchset is a search response.
type searchset = fhir.Bundle

// get sends one GET and returns the body and its latency.
func get(client *http.Client, u string) ([]byte, time.Duration, error) {
	start := time.Now()
	resp, err := client.Get(u)
	if err != nil {
		return nil, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	lat := time.Since(start)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: status %d: %.500s", u, resp.StatusCode, body)
	}
	return body, lat, nil
}

// check decodes a search response and checks it is a non-empty searchset.
// It returns the number of matches.
func check(u string, body []byte, q searchQuery, mustContain string) (*searchset, int, error) {
	var ss searchset
	if err := json.Unmarshal(body, &ss); err != nil {
		return nil, 0, fmt.Errorf("GET %s: %v", u, err)
	}
	if ss.ResourceType != "Bundle" || ss.Type != "searchset" {
		return nil, 0, fmt.Errorf("GET %s: a %s %s, want a searchset Bundle", u, ss.Type, ss.ResourceType)
	}
	matches, included := 0, 0
	for i, e := range ss.Entry {
		if e.Search == nil {
			return nil, 0, fmt.Errorf("GET %s: entry %d has no search.mode", u, i)
		}
		var head struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			return nil, 0, fmt.Errorf("GET %s: entry %d: %v", u, i, err)
		}
		switch e.Search.Mode {
		case "match":
			matches++
			if head.ResourceType != q.typ {
				return nil, 0, fmt.Errorf("GET %s: entry %d: a %s match, want %s", u, i, head.ResourceType, q.typ)
			}
			if mustContain != "" && !strings.Contains(string(e.Resource), mustContain) {
				return nil, 0, fmt.Errorf("GET %s: entry %d does not mention %q: %.300s", u, i, mustContain, e.Resource)
			}
		case "include":
			included++
		}
	}
	if matches == 0 {
		return nil, 0, fmt.Errorf("GET %s: no matches (total %v): the benchmark measures nothing", u, ss.Total)
	}
	if q.include && included == 0 {
		return nil, 0, fmt.Errorf("GET %s: %d matches and nothing included", u, matches)
	}
	return &ss, matches, nil
}

// one sends one request of q and returns its latency and match count.
func one(client *http.Client, base string, q searchQuery, r *rand.Rand, d *dataset) (time.Duration, int, error) {
	path, must := q.query(r, d)
	u := base + path
	body, lat, err := get(client, u)
	if err != nil {
		return 0, 0, err
	}
	ss, n, err := check(u, body, q, must)
	if err != nil || !q.nextPage {
		return lat, n, err
	}
	next := ""
	for _, l := range ss.Link {
		if l.Relation == "next" {
			next = l.URL
		}
	}
	if next == "" {
		return 0, 0, fmt.Errorf("GET %s: %d matches and no next link", u, n)
	}
	if body, lat, err = get(client, next); err != nil {
		return 0, 0, err
	}
	_, n, err = check(next, body, q, must)
	return lat, n, err
}

// runQuery is one leaf of BenchmarkSearch: each iteration sends requests
// requests of q one after another.
func runQuery(b *testing.B, backend string, srv *httptest.Server, d *dataset, q searchQuery, requests int) {
	h := fnv.New64a()
	io.WriteString(h, q.name)
	r := rand.New(rand.NewPCG(h.Sum64(), 1)) // the same requests on each backend
	client := srv.Client()
	base := srv.URL + "/fhir/" + searchTenant + "/"
	// A few requests first, unmeasured: the first use of each statement.
	for range 5 {
		if _, _, err := one(client, base, q, r, d); err != nil {
			b.Fatal(err)
		}
	}
	var lats []time.Duration
	matches := 0
	for b.Loop() {
		for range requests {
			lat, n, err := one(client, base, q, r, d)
			if err != nil {
				b.Fatal(err)
			}
			lats = append(lats, lat)
			matches += n
		}
	}
	slices.Sort(lats)
	b.ReportMetric(ms(percentile(lats, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(lats, 0.99)), "p99-ms")
	b.ReportMetric(float64(matches)/float64(len(lats)), "matches/req")
	searchStats.Lock()
	defer searchStats.Unlock()
	k := backend + "/" + q.name
	searchStats.lats[k] = append(searchStats.lats[k], lats...)
	searchStats.matches[k] += matches
}

// percentile is the nearest-rank percentile p of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type loadStat struct {
	resources int
	spent     time.Duration
	rate      float64
}

// searchStats holds what BenchmarkSearch measured in this process, for
// the summary: latencies by backend/query, over every -count run.
var searchStats = struct {
	sync.Mutex
	load    map[string]loadStat
	lats    map[string][]time.Duration
	matches map[string]int
}{load: map[string]loadStat{}, lats: map[string][]time.Duration{}, matches: map[string]int{}}

// searchSummary writes the load rates and the latency of each query on
// each backend against the targets.
func searchSummary(w io.Writer, sc *scaled, copies, requests int) {
	searchStats.Lock()
	defer searchStats.Unlock()
	if len(searchStats.load) == 0 {
		return
	}
	fmt.Fprintf(w, "\nsearch summary (%d copies of %d patient bundles + %d resources; %d requests per query per run, 1 client):\n",
		copies, len(sc.patients), sc.onceN, requests)
	backends := []string{"sqlite", "postgres"}
	for _, be := range backends {
		l, ok := searchStats.load[be]
		if !ok {
			continue
		}
		floor := coreIngestRate[be] / 2
		fmt.Fprintf(w, "  load %-8s %7d resources in %5.1fs: %5.0f resources/s  target ≥ %.0f (half of %.0f) %s\n",
			be, l.resources, l.spent.Seconds(), l.rate, floor, coreIngestRate[be], verdict(l.rate >= floor))
	}
	fmt.Fprintf(w, "  %-14s", "latency ms")
	for _, be := range backends {
		if _, ok := searchStats.load[be]; ok {
			fmt.Fprintf(w, " | %-8s %6s %6s %6s %9s", be, "p50", "p99", "max", "matches")
		}
	}
	fmt.Fprintln(w)
	missed := 0
	for _, q := range searchMix {
		fmt.Fprintf(w, "  %-14s", q.name)
		for _, be := range backends {
			if _, ok := searchStats.load[be]; !ok {
				continue
			}
			lats := searchStats.lats[be+"/"+q.name]
			if len(lats) == 0 {
				fmt.Fprintf(w, " | %-8s %6s %6s %6s %9s", "", "-", "-", "-", "-")
				continue
			}
			slices.Sort(lats)
			p99 := percentile(lats, 0.99)
			v := "ok"
			if p99 >= searchP99Target[be] {
				v = "SLOW"
				missed++
			}
			fmt.Fprintf(w, " | %-8s %6.1f %6.1f %6.1f %9.1f", v, ms(percentile(lats, 0.5)), ms(p99), ms(lats[len(lats)-1]),
				float64(searchStats.matches[be+"/"+q.name])/float64(len(lats)))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  p99 targets: postgres < %v, sqlite < %v; %d query×backend pairs missed\n",
		searchP99Target["postgres"], searchP99Target["sqlite"], missed)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
