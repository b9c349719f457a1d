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
	texts = append(texts, phiNoteTexts(t)...)
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

// TestNameCuesAtWordStartsEndWhereFindAllEnds: the name cues run at word
// starts (1.17.0) and must end where FindAll's matches end, the only
// offset cues reads, on edge cases and every note of testdata/phi.
func TestNameCuesAtWordStartsEndWhereFindAllEnds(t *testing.T) {
	texts := []string{
		"Her  name: Ana Ruiz. Patient name: Bo Li; named Cy; spoke with Dee; Dear Eve,",
		"Sincerely,\n\nFay Gill\ncc: Hal Ito; attn Ida Jo",
		"xname: Kai; name is Lu; my name is Mo; pt: Ned; guardian: Ola",
		"ſon Pia; Kelvin Kid Quy",
		"",
	}
	texts = append(texts, phiNoteTexts(t)...)
	found := 0
	for _, pair := range []struct {
		re   *regexp.Regexp
		find func(string) [][]int
	}{{reWeakCue, findWeakCue}, {reMediumCue, findMediumCue}, {reSignOff, findSignOff}, {reStrongCue, findStrongCue}} {
		for _, text := range texts {
			toks := tokenize(text)
			ends := func(ms [][]int) []int {
				var out []int
				for _, m := range ms {
					out = append(out, m[1])
				}
				return out
			}
			want := ends(matchNear(pair.re, text, toks, isNameCueWord, 4, 2))
			got := ends(findNear(text, toks, isNameCueWord, 4, 2, pair.find))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s on %.60q: atWordStarts ends %v, FindAll %v", pair.re.String()[:30], text, got, want)
			}
			found += len(want)
		}
	}
	if found < 100 {
		t.Fatalf("only %d cues in all the texts: the comparison shows little", found)
	}
}

// phiNoteTexts returns the notes of testdata/phi without their labels.
func phiNoteTexts(t *testing.T) []string {
	t.Helper()
	notes, err := filepath.Glob("../../testdata/phi/notes/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) == 0 {
		t.Fatal("no notes in testdata/phi")
	}
	var texts []string
	for _, f := range notes {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, regexp.MustCompile(`\{\{[A-Z_]+:((?s:.*?))\}\}`).ReplaceAllString(string(b), "$1"))
	}
	return texts
}
