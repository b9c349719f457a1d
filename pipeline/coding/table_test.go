package coding

import (
	"strings"
	"testing"
)

func icd(t testing.TB) *Table {
	t.Helper()
	tb, err := ICD10CM()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestICD10CMTable(t *testing.T) {
	tb := icd(t)
	if tb.System() != ICD10CMSystem {
		t.Errorf("System = %q", tb.System())
	}
	// Counts from ../shared/terminology/README.txt.
	billable := 0
	for _, c := range tb.codes {
		if c.Billable {
			billable++
		}
	}
	if tb.Len() != 98186 || billable != 74719 {
		t.Errorf("codes %d (billable %d), want 98186 (74719)", tb.Len(), billable)
	}
	if again, _ := ICD10CM(); again != tb {
		t.Error("ICD10CM built the table twice")
	}
}

func TestLookup(t *testing.T) {
	tb := icd(t)
	cases := []struct {
		in       string
		code     string
		billable bool
		display  string
	}{
		{"E11.9", "E11.9", true, "Type 2 diabetes mellitus without complications"},
		{"E119", "E11.9", true, "Type 2 diabetes mellitus without complications"},
		{" e11.9 ", "E11.9", true, "Type 2 diabetes mellitus without complications"},
		{"E11", "E11", false, "Type 2 diabetes mellitus"},
		{"I10", "I10", true, "Essential (primary) hypertension"},
		{"J01.90", "J01.90", true, "Acute sinusitis, unspecified"},
		{"J01.9", "J01.9", false, "Acute sinusitis, unspecified"},
		{"S06.0X0A", "S06.0X0A", true, "Concussion without loss of consciousness, initial encounter"},
		{"F32.A", "F32.A", true, "Depression, unspecified"},
	}
	for _, c := range cases {
		got, ok := tb.Lookup(c.in)
		if !ok {
			t.Errorf("Lookup(%q) not found", c.in)
			continue
		}
		want := Code{System: ICD10CMSystem, Code: c.code, Display: c.display, Billable: c.billable}
		if got != want {
			t.Errorf("Lookup(%q) = %+v, want %+v", c.in, got, want)
		}
	}
	for _, missing := range []string{"", "E11.99", "E1", "I10.0", "XYZ", "E11..9"} {
		if c, ok := tb.Lookup(missing); ok {
			t.Errorf("Lookup(%q) = %+v, want not found", missing, c)
		}
	}
}

func TestEmbeddedFileIsSmall(t *testing.T) {
	if n := len(icd10cmGz); n > 2<<20 {
		t.Errorf("icd10cm.tsv.gz is %d bytes; keep it under 2 MiB", n)
	}
}

func TestParseRejectsCorruptTable(t *testing.T) {
	if _, err := parseICD10CM([]byte("not gzip")); err == nil {
		t.Error("no error for bytes that are not gzip")
	}
}

// A tenant's licensed table (CPT) goes through the same matcher. The codes
// and descriptions here are made up; Kiln ships no CPT content.
func TestLoadTableTenantCodes(t *testing.T) {
	const sys = "urn:example:tenant-procedures"
	tsv := "code\tdescription\n" +
		"# synthetic procedures for the test\n" +
		"ZZ001\tSynthetic knee arthroscopy with debridement\n" +
		"ZZ002\tSynthetic knee arthroscopy\n" +
		"\n" +
		"ZZ003\tSynthetic office visit, unspecified\r\n"
	tb, err := LoadTable(strings.NewReader(tsv), sys)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 3 || tb.System() != sys {
		t.Fatalf("Len %d System %q", tb.Len(), tb.System())
	}
	if c, ok := tb.Lookup("zz002"); !ok || c != (Code{System: sys, Code: "ZZ002", Display: "Synthetic knee arthroscopy", Billable: true}) {
		t.Errorf("Lookup(zz002) = %+v, %v", c, ok)
	}
	got := tb.SuggestText("Underwent synthetic knee arthroscopy with debridement; synthetic office visit next week. No hypertension.")
	var codes []string
	for _, s := range got {
		codes = append(codes, s.Code.Code)
		if s.Code.System != sys {
			t.Errorf("suggestion in system %q", s.Code.System)
		}
	}
	if strings.Join(codes, ",") != "ZZ001,ZZ003" {
		t.Errorf("codes = %v, want ZZ001 (longest match) and ZZ003 (qualifier stripped)", codes)
	}
	// A Condition coded in the tenant's system is taken as it is.
	cond := `{"resourceType":"Condition","code":{"coding":[{"system":"` + sys + `","code":"ZZ002"}]}}`
	if s := tb.SuggestCondition([]byte(cond)); len(s) != 1 || s[0].Code.Code != "ZZ002" || s[0].Confidence != 1 {
		t.Errorf("SuggestCondition = %+v", s)
	}

	bad := map[string]string{
		"empty":      "",
		"only head":  "code\tdescription\n",
		"no tab":     "ZZ001 Synthetic thing\n",
		"no desc":    "ZZ001\t\n",
		"extra col":  "ZZ001\tA\tB\n",
		"duplicate":  "ZZ001\tA thing\nZZ001\tAnother thing\n",
		"dup nocase": "zz001\tA thing\nZZ001\tAnother thing\n",
	}
	for name, in := range bad {
		if _, err := LoadTable(strings.NewReader(in), sys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := LoadTable(strings.NewReader(tsv), ""); err == nil {
		t.Error("empty system: no error")
	}
}
