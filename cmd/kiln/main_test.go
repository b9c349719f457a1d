package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/store"
	"github.com/kiln-health/kiln/internal/pgtest"
)

// run executes the kiln command line in-process and returns its stdout.
func run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := execKiln(args...)
	if err != nil {
		t.Fatalf("kiln %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// cliBackends are the storage flags of a fresh store on each backend.
var cliBackends = []struct {
	name string
	args func(t *testing.T) []string
}{
	{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
	{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.NewDatabase(t)} }},
}

func TestTenantsAndMigrateOnBothBackends(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			storage := b.args(t)
			run(t, append([]string{"migrate"}, storage...)...)
			run(t, append([]string{"tenant", "create", "clinic-b", "clinic-a"}, storage...)...)
			run(t, append([]string{"tenant", "create", "clinic-a"}, storage...)...) // idempotent
			if got := run(t, append([]string{"tenant", "list"}, storage...)...); got != "clinic-a\nclinic-b\n" {
				t.Fatalf("tenant list = %q", got)
			}
		})
	}
}

func TestEnvironmentTwins(t *testing.T) {
	fromEnv, fromFlag := t.TempDir(), t.TempDir()
	t.Setenv("KILN_DATA_DIR", fromEnv)
	run(t, "tenant", "create", "env-tenant")                      // KILN_DATA_DIR applies
	run(t, "tenant", "create", "flag-tenant", "--data", fromFlag) // the flag wins over the environment
	if got := run(t, "tenant", "list", "--data", fromEnv); got != "env-tenant\n" {
		t.Fatalf("tenants under KILN_DATA_DIR: %q", got)
	}
	if got := run(t, "tenant", "list", "--data", fromFlag); got != "flag-tenant\n" {
		t.Fatalf("tenants under --data: %q", got)
	}
	if _, err := os.Stat(filepath.Join(fromEnv, "kiln.db")); err != nil {
		t.Fatalf("no database under KILN_DATA_DIR: %v", err)
	}
}

func TestRefusesBadInput(t *testing.T) {
	cmd := rootCmd()
	cmd.SetArgs([]string{"tenant", "create", "Bad_Name", "--data", t.TempDir()})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "tenant name") {
		t.Fatalf("bad tenant name: %v", err)
	}
	t.Setenv("KILN_MAX_BUNDLE_ENTRIES", "many")
	cmd = rootCmd()
	cmd.SetArgs([]string{"serve", "--data", t.TempDir()})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "KILN_MAX_BUNDLE_ENTRIES") {
		t.Fatalf("bad environment value: %v", err)
	}
}

// TestReindex empties the search index of stored resources (as after an
// upgrade whose rules index differently) and checks that kiln reindex
// rebuilds it and records the index version, on both backends.
func TestReindex(t *testing.T) {
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			storage := b.args(t)
			run(t, append([]string{"tenant", "create", "t"}, storage...)...)
			var sf storageFlags
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			sf.register(fs)
			if err := fs.Parse(storage); err != nil {
				t.Fatal(err)
			}
			v, err := fhir.NewValidator()
			if err != nil {
				t.Fatal(err)
			}
			ctx = engine.WithCaller(ctx, engine.Caller{Access: engine.Unrestricted, Agent: audit.Agent{Who: "test", System: true}})
			withEngine := func(fn func(e *engine.Engine, st store.Store)) {
				st, err := sf.open(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer st.Close()
				fn(engine.New(st, v, engine.Options{}), st)
			}
			search := func(e *engine.Engine) int {
				res, err := e.Search(ctx, "t", engine.SearchRequest{Type: "Patient", Params: url.Values{"family": {"reindexed"}}})
				if err != nil {
					t.Fatal(err)
				}
				return len(res.Matches)
			}
			withEngine(func(e *engine.Engine, st store.Store) {
				for range 3 {
					if _, err := e.Do(ctx, "t", engine.Interaction{Method: "POST", Type: "Patient",
						Body: []byte(`{"resourceType":"Patient","name":[{"family":"Reindexed"}]}`)}); err != nil {
						t.Fatal(err)
					}
				}
				if n := search(e); n != 3 {
					t.Fatalf("before emptying the index: %d matches, want 3", n)
				}
				// Replace every resource's index with an empty one.
				err := st.Update(ctx, "t", func(tx store.Tx) error {
					rs, _, err := tx.Search(ctx, store.Query{Types: []string{"Patient"}, Limit: 10})
					if err != nil {
						return err
					}
					var entries []store.IndexEntry
					for _, r := range rs {
						entries = append(entries, store.IndexEntry{Type: r.Type, ID: r.ID, Version: r.Version})
					}
					return tx.WriteIndex(ctx, entries)
				})
				if err != nil {
					t.Fatal(err)
				}
				if n := search(e); n != 0 {
					t.Fatalf("after emptying the index: %d matches, want 0", n)
				}
				if err := st.SetIndexVersion(ctx, "old"); err != nil {
					t.Fatal(err)
				}
				if stale, err := e.CheckIndex(ctx); err != nil || !stale {
					t.Fatalf("CheckIndex with an old version = %v, %v; want stale", stale, err)
				}
			})

			out := run(t, append([]string{"reindex"}, storage...)...)
			// The 3 Patients and the AuditEvent of the tenant's creation.
			if !strings.Contains(out, "t: reindexed 4 resources") {
				t.Fatalf("kiln reindex said %q", out)
			}
			withEngine(func(e *engine.Engine, st store.Store) {
				if n := search(e); n != 3 {
					t.Fatalf("after reindex: %d matches, want 3", n)
				}
				if stale, err := e.CheckIndex(ctx); err != nil || stale {
					t.Fatalf("CheckIndex after reindex = %v, %v; want current", stale, err)
				}
			})
		})
	}
}
