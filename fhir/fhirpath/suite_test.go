package fhirpath

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-health/kiln/internal/shared"
)

// The official FHIRPath R4 test suite (HL7 fhir-test-cases).
const suiteDir = "../../../shared/fhirpath-tests"

// requiredGroups are the groups a search indexer depends on. Every group
// is held to testdata/known_failures.txt (an unlisted failure fails the
// test); these must moreover have no failure outside the semantic-error
// checks listed there, which TestRequiredGroupsKnownFailures enforces.
var requiredGroups = map[string]bool{
	"testBasics": true, "testObservations": true, "testWhere": true, "testExists": true,
	"testTypes": true, "testFirstLast": true, "testIndexer": true, "testUnion": true,
	"testEquality": true, "testLiterals": true, "testMiscellaneousAccessorTests": true,
	"testDollar": true, "testExtension": true,
}

type suiteXML struct {
	Groups []struct {
		Name  string `xml:"name,attr"`
		Tests []struct {
			Name       string `xml:"name,attr"`
			InputFile  string `xml:"inputfile,attr"`
			Predicate  string `xml:"predicate,attr"`
			Expression struct {
				Text    string `xml:",chardata"`
				Invalid string `xml:"invalid,attr"`
			} `xml:"expression"`
			Outputs []struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"output"`
		} `xml:"test"`
	} `xml:"group"`
}

func TestOfficialSuite(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(suiteDir, "tests-fhir-r4.xml"))
	if err != nil {
		shared.Missing(t, "FHIRPath test suite", err)
	}
	var suite suiteXML
	if err := xml.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	known := loadKnownFailures(t)
	inputs := map[string]map[string]any{}
	input := func(name string) (map[string]any, error) {
		if r, ok := inputs[name]; ok {
			return r, nil
		}
		data, err := os.ReadFile(filepath.Join(suiteDir, "inputs", name))
		if err != nil {
			return nil, err
		}
		var r map[string]any
		if strings.HasSuffix(name, ".json") {
			r = decodeJSON(t, data)
		} else if r, err = xmlToJSON(data); err != nil {
			return nil, fmt.Errorf("convert %s: %w", name, err)
		}
		inputs[name] = r
		return r, nil
	}

	var summary strings.Builder
	totalPass, totalFail := 0, 0
	seen := map[string]bool{}
	for _, g := range suite.Groups {
		pass, fail := 0, 0
		for _, tc := range g.Tests {
			seen[tc.Name] = true
			var res map[string]any
			if tc.InputFile != "" {
				if res, err = input(tc.InputFile); err != nil {
					t.Fatal(err)
				}
			}
			err := runSuiteTest(res, tc.Expression.Text, tc.Expression.Invalid, tc.Predicate == "true", outputsOf(tc.Outputs))
			reason, isKnown := known[tc.Name]
			if isKnown && requiredGroups[g.Name] && !strings.HasPrefix(reason, "no static typing") && !strings.HasPrefix(reason, "no check") {
				t.Errorf("%s/%s: search-relevant groups may only list semantic-check failures, not %q", g.Name, tc.Name, reason)
			}
			switch {
			case err == nil:
				pass++
				if isKnown {
					t.Errorf("%s/%s passes but is listed as a known failure (%s): remove it from the list", g.Name, tc.Name, reason)
				}
			default:
				fail++
				if !isKnown {
					t.Errorf("%s/%s: %s: %v", g.Name, tc.Name, tc.Expression.Text, err)
				} else if testing.Verbose() {
					t.Logf("fail %s/%s: %s: %v", g.Name, tc.Name, tc.Expression.Text, err)
				}
			}
		}
		totalPass += pass
		totalFail += fail
		fmt.Fprintf(&summary, "%-32s %4d pass %4d fail\n", g.Name, pass, fail)
	}
	for name := range known {
		if !seen[name] {
			t.Errorf("known failure %s is not a test of the suite", name)
		}
	}
	fmt.Fprintf(&summary, "%-32s %4d pass %4d fail\n", "TOTAL", totalPass, totalFail)
	t.Logf("official FHIRPath R4 suite:\n%s", summary.String())
	if path := os.Getenv("FHIRPATH_SUITE_SUMMARY"); path != "" {
		if err := os.WriteFile(path, []byte(summary.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

type expectedOutput struct{ typ, text string }

func outputsOf(outs []struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}) []expectedOutput {
	r := make([]expectedOutput, len(outs))
	for i, o := range outs {
		r[i] = expectedOutput{o.Type, o.Text}
	}
	return r
}

// runSuiteTest runs one test case and describes any mismatch.
func runSuiteTest(resource map[string]any, expr, invalid string, predicate bool, want []expectedOutput) error {
	e, err := Compile(expr)
	if err != nil {
		if invalid != "" {
			return nil
		}
		return err
	}
	var got []Value
	if resource != nil {
		got, err = e.Evaluate(resource)
	} else {
		got, err = e.EvaluateValue(Value{})
	}
	if invalid != "" {
		if err != nil {
			return nil
		}
		return fmt.Errorf("expected a %s error, got %s", invalid, render(got))
	}
	if err != nil {
		return err
	}
	if predicate {
		got = boolValue(len(got) > 0)
	}
	if len(got) != len(want) {
		return fmt.Errorf("got %s, want %d items", render(got), len(want))
	}
	for i, w := range want {
		if !outputMatches(got[i], w) {
			return fmt.Errorf("item %d: got %s, want %s %q", i, render(got), w.typ, w.text)
		}
	}
	return nil
}

func outputMatches(v Value, w expectedOutput) bool {
	switch w.typ {
	case "boolean":
		b, ok := v.boolean()
		return ok && fmt.Sprint(b) == w.text
	case "integer":
		i, ok := v.integer()
		return ok && fmt.Sprint(i) == w.text
	case "decimal":
		c, ok := compareNumbers(v, decValue(json.Number(w.text)))
		return v.kind() == kDecimal && ok && c == 0
	case "date", "dateTime", "time":
		s, _, ok := v.temporal()
		return ok && s == strings.TrimPrefix(strings.TrimPrefix(w.text, "@"), "T")
	case "Quantity":
		q, ok := toQuantity(strValue(w.text))
		return ok && equalItems(v, q) == triTrue
	}
	s, ok := stringOf(v)
	return ok && s == w.text
}

func render(vs []Value) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		s, ok := stringOf(v)
		if !ok {
			s = "<" + v.Type + ">"
		}
		parts[i] = v.Type + ":" + s
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// loadKnownFailures reads testdata/known_failures.txt: one test name per
// line followed by the reason; # starts a comment.
func loadKnownFailures(t *testing.T) map[string]string {
	f, err := os.Open("testdata/known_failures.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			t.Errorf("known failure %s has no reason", name)
		}
		if _, dup := known[name]; dup {
			t.Errorf("known failure %s listed twice", name)
		}
		known[name] = strings.TrimSpace(reason)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}
