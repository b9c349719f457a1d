package phi

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestAtWordStartsFindsWhatFindAllFinds: for the keyed-identifier pattern,
// running the anchored pattern at word starts gives the matches that
// FindAllStringSubmatchIndex gives over the same windows, on hand-made
// edge cases and on every note of testdata/phi.
func TestAtWordStartsFindsWhatFindAllFinds(t *testing.T) {
	unanchored := regexp.MustCompile(strings.TrimPrefix(reKeyedID.String(), "^"))
	if unanchored.String() == reKeyedID.String() {
		t.Fatal("reKeyedID is not anchored")
	}
	texts := []string{
		"MRN: 448127, Acct # 22-4471 and SSN 123-45-6789.",
		"X-ray-ID 44718 and ray_id 5512; é-MRN 0041882",
		"MRN:MRN 4471 MRN 4472 (MRN 4473)",
		"case number 12 case number 13case number 14",
		"ſsn 123456789 and Kelvin K 12",
		"policy",
		"",
	}
	notes, err := filepath.Glob("../../testdata/phi/notes/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) == 0 {
		t.Fatal("no notes in testdata/phi")
	}
	for _, f := range notes {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, regexp.MustCompile(`\{\{[A-Z_]+:((?s:.*?))\}\}`).ReplaceAllString(string(b), "$1"))
	}
	found := 0
	for _, text := range texts {
		toks := tokenize(text)
		want := matchNear(unanchored, text, toks, isIDKeyWord, 0, 12)
		got := findNear(text, toks, isIDKeyWord, 0, 12, atWordStarts(reKeyedID))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.60q: atWordStarts found %v, FindAll %v", text, got, want)
		}
		found += len(want)
	}
	if found < 50 {
		t.Fatalf("only %d keyed identifiers in all the texts: the comparison shows little", found)
	}
}
