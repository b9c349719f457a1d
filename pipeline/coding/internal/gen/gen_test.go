package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// shared is the ICD-10-CM TSV in the workspace beside the repository; the
// committed table must be what the generator makes of it.
const (
	shared    = "../../../../../shared/terminology/icd10cm.tsv"
	committed = "../../icd10cm.tsv.gz"
)

func TestRegenerateReproducesCommittedTable(t *testing.T) {
	f, err := os.Open(shared)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s not present", shared)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := convert(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	// The bytes may differ only if a Go release changed compress/flate;
	// the content must not.
	if gunzip(t, got) != gunzip(t, want) {
		t.Fatalf("%s is stale: run `go generate ./pipeline/coding`", committed)
	}
	t.Logf("content identical but gzip bytes differ (compressor changed?); regenerate to refresh %s", committed)
}

func TestConvertRejectsMalformedInput(t *testing.T) {
	const head = "code\tbillable\tshort_description\tlong_description\n"
	cases := map[string]string{
		"empty":         "",
		"no rows":       head,
		"bad header":    "a\tb\tc\td\nE119\t1\tx\ty\n",
		"three fields":  head + "E119\t1\tx\n",
		"bad code":      head + "e11.9\t1\tx\ty\n",
		"bad billable":  head + "E119\t2\tx\ty\n",
		"empty long":    head + "E119\t1\tx\t\n",
		"repeated code": head + "E119\t1\tx\ty\nE119\t1\tx\ty\n",
	}
	for name, in := range cases {
		if _, err := convert(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	out, err := convert(strings.NewReader(head + "E119\t1\tT2DM\tType 2 diabetes mellitus without complications\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gunzip(t, out), header+"\nE119\t1\tType 2 diabetes mellitus without complications\n"; got != want {
		t.Errorf("convert = %q, want %q", got, want)
	}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	s, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(s)
}
