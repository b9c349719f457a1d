package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/internal/pgtest"
)

// run executes the kiln command line in-process and returns its stdout.
func run(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := rootCmd()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("kiln %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

func TestTenantsAndMigrateOnBothBackends(t *testing.T) {
	backends := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", pgtest.NewDatabase(t)} }},
	}
	for _, b := range backends {
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
