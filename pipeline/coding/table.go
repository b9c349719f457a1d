package coding

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

// ICD10CMSystem is the FHIR system URI of ICD-10-CM.
const ICD10CMSystem = "http://hl7.org/fhir/sid/icd-10-cm"

// Code is one code of a code system.
type Code struct {
	System  string
	Code    string // ICD-10-CM with the dot ("E11.9")
	Display string // the long description
	// Billable is false for ICD-10-CM category headers, which are not valid
	// on a claim; every code of a tenant table is billable.
	Billable bool
}

// Table is an immutable code table and the lexicon matcher built from its
// descriptions. It is safe for concurrent use.
type Table struct {
	system string
	codes  []Code
	index  map[string]int // code (with and without dot, upper case) → codes index
	lex    *lexicon
}

//go:embed icd10cm.tsv.gz
var icd10cmGz []byte

// icd10cmHeader is the header line internal/gen writes.
const icd10cmHeader = "code\tbillable\tlong_description"

// loadICD10CM parses the embedded table once, on first use: building the
// lexicon costs a few hundred milliseconds that processes which never code
// should not pay.
var loadICD10CM = sync.OnceValues(func() (*Table, error) {
	t, err := parseICD10CM(icd10cmGz)
	if err != nil {
		return nil, fmt.Errorf("coding: embedded ICD-10-CM table: %w", err)
	}
	return t, nil
})

// ICD10CM returns the embedded ICD-10-CM FY2026 table (CMS release of
// October 1, 2025), with Kiln's curated synonyms. The table is built once
// per process and shared; an error means the binary's embedded file is
// corrupt.
func ICD10CM() (*Table, error) { return loadICD10CM() }

func parseICD10CM(gz []byte) (*Table, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	if !sc.Scan() || sc.Text() != icd10cmHeader {
		return nil, fmt.Errorf("missing header %q", icd10cmHeader)
	}
	codes := make([]Code, 0, 100_000)
	for line := 2; sc.Scan(); line++ {
		code, rest, ok1 := strings.Cut(sc.Text(), "\t")
		billable, long, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 || len(code) < 3 || (billable != "0" && billable != "1") {
			return nil, fmt.Errorf("line %d: malformed row", line)
		}
		codes = append(codes, Code{System: ICD10CMSystem, Code: dotted(code), Display: long, Billable: billable == "1"})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	return newTable(ICD10CMSystem, codes, icd10cmSynonyms)
}

// dotted writes a CMS code ("E119") the way FHIR and clinicians do
// ("E11.9"): a dot after the three-character category.
func dotted(code string) string {
	if len(code) <= 3 {
		return code
	}
	return code[:3] + "." + code[3:]
}

// LoadTable reads a tenant-supplied code table (for example a licensed CPT
// table; Kiln ships none) as TSV: one code per line, code TAB description.
// Blank lines and lines starting with '#' are skipped, and a first line
// "code TAB description" is taken as a header. Every code is billable.
// Suggestions come from the same matcher as ICD-10-CM's, with forms derived
// from the descriptions only (the curated synonyms are ICD-10-CM's).
func LoadTable(r io.Reader, system string) (*Table, error) {
	if system == "" {
		return nil, fmt.Errorf("coding: LoadTable: empty system")
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var codes []Code
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		code, desc, ok := strings.Cut(text, "\t")
		code, desc = strings.TrimSpace(code), strings.TrimSpace(desc)
		if line == 1 && strings.EqualFold(code, "code") {
			continue
		}
		if !ok || code == "" || desc == "" || strings.Contains(desc, "\t") {
			return nil, fmt.Errorf("coding: LoadTable %s: line %d: want code TAB description", system, line)
		}
		codes = append(codes, Code{System: system, Code: code, Display: desc, Billable: true})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("coding: LoadTable %s: %w", system, err)
	}
	if len(codes) == 0 {
		return nil, fmt.Errorf("coding: LoadTable %s: no codes", system)
	}
	t, err := newTable(system, codes, nil)
	if err != nil {
		return nil, fmt.Errorf("coding: LoadTable %s: %w", system, err)
	}
	return t, nil
}

func newTable(system string, codes []Code, synonyms []synonym) (*Table, error) {
	t := &Table{system: system, codes: codes, index: make(map[string]int, 2*len(codes))}
	for i, c := range codes {
		k := strings.ToUpper(c.Code)
		if _, dup := t.index[k]; dup {
			return nil, fmt.Errorf("code %s repeated", c.Code)
		}
		t.index[k] = i
		if nodot := strings.ReplaceAll(k, ".", ""); nodot != k {
			if _, taken := t.index[nodot]; !taken {
				t.index[nodot] = i // "E119" finds E11.9
			}
		}
	}
	lex, err := buildLexicon(t, synonyms)
	if err != nil {
		return nil, err
	}
	t.lex = lex
	return t, nil
}

// System is the table's code system URI.
func (t *Table) System() string { return t.system }

// Len is the number of codes in the table.
func (t *Table) Len() int { return len(t.codes) }

// Lookup finds a code, written with or without the dot, in any case
// ("E11.9", "e119").
func (t *Table) Lookup(code string) (Code, bool) {
	i, ok := t.index[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Code{}, false
	}
	return t.codes[i], true
}
