package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCodingCommands(t *testing.T) {
	table := filepath.Join(t.TempDir(), "codes.tsv")
	// Made-up codes: Kiln ships no CPT content, and tests use none.
	if err := os.WriteFile(table, []byte("code\tdescription\nX1001\tFollow-up visit\nX1002\tBlood pressure recheck\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.tsv")
	if err := os.WriteFile(bad, []byte("X1001 no tab here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, b := range cliBackends {
		t.Run(b.name, func(t *testing.T) {
			c := groupCLI{newAccessCLI(t, b.args(t)), "coding"}
			wantContains(t, c.run("list"), "no code tables of its own")
			wantContains(t, c.run("import", table, "--system", "urn:example:procedures"), "2 codes of urn:example:procedures loaded")
			wantContains(t, c.run("list"), "urn:example:procedures\t2 codes")
			c.fails("line 1", "import", bad, "--system", "urn:example:other")
			c.fails("required flag", "import", table)
			wantContains(t, c.run("remove", "--system", "urn:example:procedures"), "no table of urn:example:procedures")
			wantContains(t, c.run("list"), "no code tables of its own")
		})
	}
}
