package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/pgtest"
	"github.com/kiln-health/kiln/internal/testbackends"
)

// sampleDir holds the Synthea transaction bundles (five patients, their
// hospitals and practitioners). It lives outside the repository.
const sampleDir = "../../shared/fhir-samples/synthea"

// Ingest targets in resources/s on the 2-core reference machine, every
// resource validated.
var targets = map[string]float64{
	"postgres": 5000,
	"sqlite":   2000,
}

// bundle is one sample transaction Bundle and the resources in it.
type bundle struct {
	name      string
	body      []byte   // the Bundle as read from disk
	resources [][]byte // entry resources as they appear in body: what the engine validates
	compact   [][]byte // the same resources, compacted: what the COPY floor stores
}

// corpus is the benchmark data. Every benchmark processes all of it once
// per iteration and reports the same unit of work: resources, and bytes of
// compact resource JSON.
type corpus struct {
	bundles   []bundle
	resources [][]byte // all bundles' resources, in order
	bytes     int64    // total compact JSON bytes of resources
}

var (
	loadOnce sync.Once
	loaded   *corpus
	loadErr  error
)

// samples returns the corpus, loading it on first use. It skips b when the
// sample directory is missing.
func samples(b *testing.B) *corpus {
	b.Helper()
	if _, err := os.Stat(sampleDir); errors.Is(err, os.ErrNotExist) {
		b.Skipf("sample bundles not found: %s (relative to the bench package directory) must hold "+
			"the Synthea transaction bundles, which live outside this repository", sampleDir)
	}
	loadOnce.Do(func() { loaded, loadErr = load(sampleDir) })
	if loadErr != nil {
		b.Fatal(loadErr)
	}
	return loaded
}

func load(dir string) (*corpus, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("bench: no *.json bundles in %s", dir)
	}
	c := &corpus{}
	for _, path := range paths {
		body, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var in struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, fmt.Errorf("bench: %s: %w", path, err)
		}
		bd := bundle{name: filepath.Base(path), body: body}
		for _, e := range in.Entry {
			var buf bytes.Buffer
			if err := json.Compact(&buf, e.Resource); err != nil {
				return nil, fmt.Errorf("bench: %s: %w", path, err)
			}
			bd.resources = append(bd.resources, e.Resource)
			bd.compact = append(bd.compact, buf.Bytes())
			c.bytes += int64(buf.Len())
		}
		c.bundles = append(c.bundles, bd)
		c.resources = append(c.resources, bd.resources...)
	}
	return c, nil
}

// BenchmarkIngest posts every sample bundle as a transaction through the
// engine, which parses and validates each resource, assigns ids, rewrites
// references and writes versions, pointers and index rows. clients=1 posts
// the bundles one after another (one EHR connection); clients=2 posts two at
// a time, as an integration engine with two connections would, so one
// bundle's database write overlaps the next one's validation.
func BenchmarkIngest(b *testing.B) {
	for _, be := range testbackends.All() {
		for _, clients := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/clients=%d", be.Name, clients), func(b *testing.B) {
				ingest(b, be.Open(b), samples(b), clients)
			})
		}
	}
}

// ingest runs the timed loop of BenchmarkIngest on s. All iterations write
// to one tenant: POST assigns new ids, so re-posting the bundles adds
// resources rather than conflicting.
func ingest(b *testing.B, s store.Store, c *corpus, clients int) {
	ctx := engine.WithCaller(b.Context(), engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "bench", System: true}})
	const tenant = "bench"
	if err := s.CreateTenant(ctx, tenant); err != nil {
		b.Fatal(err)
	}
	// As in production: every transaction commits its AuditEvent.
	eng := engine.New(s, newValidator(b), engine.Options{Audit: true})
	post := func(bd bundle) error {
		resp, err := eng.Bundle(ctx, tenant, bd.body, engine.BundleOptions{})
		if err != nil {
			return fmt.Errorf("%s: %w", bd.name, err)
		}
		if len(resp.Entry) != len(bd.resources) {
			return fmt.Errorf("%s: %d response entries for %d entries", bd.name, len(resp.Entry), len(bd.resources))
		}
		for i, e := range resp.Entry {
			if e.Response == nil || e.Response.Status != "201 Created" {
				return fmt.Errorf("%s: entry %d: response %+v, want 201 Created", bd.name, i, e.Response)
			}
		}
		return nil
	}
	b.SetBytes(c.bytes)
	for b.Loop() {
		work := make(chan bundle, len(c.bundles))
		for _, bd := range c.bundles {
			work <- bd
		}
		close(work)
		errs := make(chan error, clients)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for bd := range work {
					if err := post(bd); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	report(b, c)
}

// BenchmarkCopyFloor is the floor for PostgreSQL ingest: the same resources'
// compact JSON copied with COPY into a bare table (no keys, no indexes) on
// one connection, one COPY (and commit) per bundle as ingest has one
// transaction per bundle. Ids are made outside the timer.
func BenchmarkCopyFloor(b *testing.B) {
	c := samples(b)
	url := pgtest.NewDatabase(b)
	ctx := b.Context()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) }) // b.Context is done by now
	if _, err := conn.Exec(ctx, "CREATE TABLE floor (id text, body jsonb)"); err != nil {
		b.Fatal(err)
	}
	rows := make([][][]any, len(c.bundles))
	for i, bd := range c.bundles {
		for _, r := range bd.compact {
			rows[i] = append(rows[i], []any{uuid.NewString(), json.RawMessage(r)})
		}
	}
	b.SetBytes(c.bytes)
	for b.Loop() {
		for _, rs := range rows {
			n, err := conn.CopyFrom(ctx, pgx.Identifier{"floor"}, []string{"id", "body"}, pgx.CopyFromRows(rs))
			if err != nil {
				b.Fatal(err)
			}
			if n != int64(len(rs)) {
				b.Fatalf("copied %d rows, want %d", n, len(rs))
			}
		}
	}
	report(b, c)
}

// BenchmarkValidate is the validator's rate on one goroutine (per core):
// jsonformat parse and validation of each resource, as the engine does it.
func BenchmarkValidate(b *testing.B) {
	c := samples(b)
	v := newValidator(b)
	b.SetBytes(c.bytes)
	for b.Loop() {
		for _, r := range c.resources {
			if err := v.Validate(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	report(b, c)
}

// BenchmarkValidateParallel is the validator's rate on every core. Each
// iteration validates the whole corpus with GOMAXPROCS goroutines taking
// resources from a shared cursor, as the engine's bundle validation does.
// (b.RunParallel would split b.N whole-corpus iterations between the
// goroutines, which at -benchtime 3x leaves cores idle.)
func BenchmarkValidateParallel(b *testing.B) {
	c := samples(b)
	v := newValidator(b)
	errs := make([]error, len(c.resources))
	b.SetBytes(c.bytes)
	for b.Loop() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(len(c.resources)); i = next.Add(1) - 1 {
					errs[i] = v.Validate(c.resources[i])
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			b.Fatal(err)
		}
	}
	report(b, c)
}

func newValidator(b *testing.B) *fhir.Validator {
	v, err := fhir.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// rates holds every resources/s measured in this process, by benchmark
// name, for the summary.
var rates = struct {
	sync.Mutex
	m map[string][]float64
}{m: map[string][]float64{}}

// report reports resources/s for the finished loop of b and records it.
func report(b *testing.B, c *corpus) {
	rate := float64(b.N*len(c.resources)) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "resources/s")
	rates.Lock()
	defer rates.Unlock()
	rates.m[b.Name()] = append(rates.m[b.Name()], rate)
}

// TestMain prints, after the benchmarks, how ingest compares with its
// bounds, when the run measured them.
func TestMain(m *testing.M) {
	code := m.Run()
	summarize(os.Stdout)
	os.Exit(code)
}

// summarize writes ingest ÷ floor and ingest ÷ (validator rate × cores)
// for each backend measured, using the mean rate of each benchmark's runs.
func summarize(w io.Writer) {
	rates.Lock()
	defer rates.Unlock()
	mean := func(name string) float64 {
		rs := rates.m[name]
		var sum float64
		for _, r := range rs {
			sum += r
		}
		if len(rs) == 0 {
			return 0
		}
		return sum / float64(len(rs))
	}
	floor, perCore := mean("BenchmarkCopyFloor"), mean("BenchmarkValidate")
	cores := runtime.GOMAXPROCS(0)
	printed := false
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, clients := range []int{1, 2} {
			name := fmt.Sprintf("BenchmarkIngest/%s/clients=%d", backend, clients)
			rate := mean(name)
			if rate == 0 {
				continue
			}
			if !printed {
				fmt.Fprintf(w, "\ningest summary (resources/s; %d cores; COPY floor %.0f; validator %.0f per core):\n", cores, floor, perCore)
				printed = true
			}
			verdict := "met"
			if rate < targets[backend] {
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "  %-8s clients=%d %7.0f  target %.0f %-6s", backend, clients, rate, targets[backend], verdict)
			if floor > 0 {
				fmt.Fprintf(w, "  ingest÷floor %.3f", rate/floor)
			}
			if perCore > 0 {
				fmt.Fprintf(w, "  ingest÷(validator×%d) %.3f", cores, rate/(perCore*float64(cores)))
			}
			fmt.Fprintln(w)
		}
	}
}
