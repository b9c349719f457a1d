// Command gen writes pipeline/coding/icd10cm.tsv.gz, the ICD-10-CM table
// Kiln embeds, from the CMS order file converted to TSV
// (../shared/terminology/icd10cm.tsv: code, billable, short description,
// long description).
//
// Usage (see the go:generate line in pipeline/coding/doc.go):
//
//	go run ./internal/gen -in ../../../shared/terminology/icd10cm.tsv -out icd10cm.tsv.gz
//
// The output keeps every row (billable codes and category headers) in
// tabular order, but only the columns Kiln uses: code (without the dot, as
// CMS ships it), billable flag and long description. The short description
// is dropped: it is an abbreviation of the long one and would double the
// file. The gzip stream carries no name or time stamp, so the same input
// always gives the same bytes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
)

func main() {
	in := flag.String("in", "", "ICD-10-CM TSV (code, billable, short_description, long_description)")
	out := flag.String("out", "icd10cm.tsv.gz", "gzipped TSV to write")
	flag.Parse()
	if *in == "" {
		log.Fatal("gen: -in is required")
	}
	f, err := os.Open(*in)
	if err != nil {
		log.Fatalf("gen: %v", err)
	}
	defer f.Close()
	data, err := convert(f)
	if err != nil {
		log.Fatalf("gen: %s: %v", *in, err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

// header is the first line of the embedded file; the loader checks it.
const header = "code\tbillable\tlong_description"

// convert reads the shared TSV and returns the gzipped compact table.
func convert(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriter(zw)
	fmt.Fprintln(w, header)

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line, rows := 0, 0
	seen := map[string]bool{}
	for sc.Scan() {
		line++
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 4 {
			return nil, fmt.Errorf("line %d: %d fields, want 4", line, len(fields))
		}
		if line == 1 {
			if fields[0] != "code" || fields[1] != "billable" || fields[3] != "long_description" {
				return nil, fmt.Errorf("line 1: unexpected header %q", sc.Text())
			}
			continue
		}
		code, billable, long := fields[0], fields[1], fields[3]
		if !validCode(code) {
			return nil, fmt.Errorf("line %d: malformed code %q", line, code)
		}
		if billable != "0" && billable != "1" {
			return nil, fmt.Errorf("line %d: billable %q is not 0 or 1", line, billable)
		}
		if long == "" || strings.ContainsAny(long, "\t\r\n") {
			return nil, fmt.Errorf("line %d: bad long description %q", line, long)
		}
		if seen[code] {
			return nil, fmt.Errorf("line %d: code %s repeated", line, code)
		}
		seen[code] = true
		fmt.Fprintf(w, "%s\t%s\t%s\n", code, billable, long)
		rows++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if rows == 0 {
		return nil, errors.New("no rows")
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// validCode accepts an ICD-10-CM code as CMS writes it: a letter, two
// alphanumerics, then up to four more, no dot.
func validCode(c string) bool {
	if len(c) < 3 || len(c) > 7 || c[0] < 'A' || c[0] > 'Z' {
		return false
	}
	for i := 1; i < len(c); i++ {
		ch := c[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z') {
			return false
		}
	}
	return true
}
