package phi

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestDetectPHIMoreNamesAndPlaces covers the name and address evidence of
// names_more.go and location_more.go, with the look-alikes each rule
// must leave alone. The examples are written for this test.
func TestDetectPHIMoreNamesAndPlaces(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		{"foreign name shape", "A reading by Zsófia Kertész-Tóth opened the evening.", []want{{"Zsófia Kertész-Tóth", Name}}, []string{"evening"}},
		{"patronymic and Slavic endings", "Unlike Halldóra Pétursdóttir, Radomir Vukasinovic stayed.", []want{{"Halldóra Pétursdóttir", Name}, {"Radomir Vukasinovic", Name}}, nil},
		{"lower-case full name", "please call maria hoffmann tomorrow", []want{{"maria hoffmann", Name}}, []string{"tomorrow"}},
		{"person verb after an unknown word", "Tavita lives on the coast. Tavita said no.", []want{{"Tavita", Name}}, []string{"coast"}},
		{"pronoun before a person verb", "He lives alone. She said no.", nil, []string{"He", "She"}},
		{"list of names", "Seen together: Okwuosa, Brennan and Whitlock.", []want{{"Okwuosa", Name}, {"Brennan", Name}, {"Whitlock", Name}}, nil},
		{"company of surnames", "She joined Brennan, Whitlock and Hale as a clerk.", nil, []string{"Brennan", "Whitlock", "Hale"}},
		{"company with a suffix", "He joined Garrison Holdings last year; Whitlock LLC sued.", nil, []string{"Garrison", "Whitlock"}},
		{"double-barrelled company", "During 2019, Brennan-Whitlock expanded its offices.", nil, []string{"Brennan-Whitlock"}},
		{"dialogue speakers", "Tavita: Where were you?\nMichael: At home.", []want{{"Tavita", Name}, {"Michael", Name}}, []string{"home"}},
		{"form labels are no speakers", "Plan: rest\nAllergies: none", nil, []string{"Plan", "Allergies"}},
		{"vocative", "Thank you for coming, Destiny!", []want{{"Destiny", Name}}, nil},
		{"kin possessive", "okafor's daughter called", []want{{"okafor", Name}}, []string{"daughter"}},
		{"occupation before a name", "Producer Tavita Fuimaono explained the plan.", []want{{"Tavita Fuimaono", Name}}, []string{"Producer"}},
		{"occupation words are not names", "Consultant Cardiologist on call.", nil, []string{"Cardiologist"}},
		{"middle A", "Rosario A Whitlock signed.", []want{{"Rosario A Whitlock", Name}}, nil},
		{"two words no list knows", "Follow up with Tavuke Ngirolm next month.", []want{{"Tavuke Ngirolm", Name}}, []string{"next month"}},
		{"brand of English words is no name", "Her Roadify Transit pass expired.", nil, []string{"Roadify Transit"}},
		{"possessive of an unknown word", "It was Tavukem's idea, not mine.", []want{{"Tavukem", Name}}, []string{"idea"}},
		{"unknown word mid-sentence", "Why is Ngirolm so quiet today?", []want{{"Ngirolm", Name}}, []string{"quiet"}},
		{"unknown subject before a verb", "Ngirolm is very reliable.", []want{{"Ngirolm", Name}}, nil},
		{"unknown subject described as a thing", "Vultrano is a design agency.", nil, []string{"Vultrano"}},
		{"unknown place after a preposition", "She moved to Tavukem last year.", []want{{"Tavukem", Location}}, nil},
		{"list of unknown words", "The founders: Tavuke, Ngirolm and Pefarsu.", []want{{"Tavuke", Name}, {"Ngirolm", Name}, {"Pefarsu", Name}}, nil},
		{"drugs are no names", "Started Xarelvia 20 mg daily; on Brilinta and Jardiance.", nil, []string{"Xarelvia", "Brilinta", "Jardiance"}},
		{"genus and species", "Culture grew Klebsiella pneumoniae and Enterococcus faecalis.", nil, []string{"Klebsiella", "Enterococcus"}},

		{"intersection", "Meet at the corner of Dalgata 12 and Lindqvist Crescent.", []want{{"Dalgata 12 and Lindqvist Crescent", Location}}, []string{"the corner of"}},
		{"street named after another", "Send it to Viivi and Koskikatu 7.", []want{{"Viivi and Koskikatu 7", Location}}, nil},
		{"building number before a box", "Mail it with 0912 P.O. Box 287 soon.", []want{{"0912 P.O. Box 287", Location}}, nil},
		{"number, street words, number", "The shop is at 808 Almási Pál 12, upstairs.", []want{{"808 Almási Pál 12", Location}}, nil},
		{"Hungarian street abbreviation", "Office: 12 Szent Gellért u. 5.", []want{{"12 Szent Gellért u. 5", Location}}, nil},
		{"town and postal code", "They opened a shop in Vettelschoss 5621 last spring.", []want{{"Vettelschoss 5621", Location}}, nil},
		{"a year after in is no postal code", "Operated in Boston 2019 again.", nil, []string{"2019"}},
		{"address block lines", "Ship to 583 Kirkevej 29\n Apt. 123\n Qasigiannguit\n Denmark 3951", []want{{"Apt. 123", Location}, {"Qasigiannguit", Location}, {"3951", Location}}, []string{"Denmark"}},
		{"state abbreviation stays out of a block", "Send to 14 Crown Street\nBoston, MA 02215", []want{{"Boston", Location}, {"02215", Location}}, []string{"MA"}},
		{"dotted number is not a house number", "Logged 17:20 Workstation 10.12.4.201", nil, []string{"17:20 Workstation"}},
	}
	runSpanCases(t, b, Hints{}, tests)
}

// TestFindInFieldsMatchesWholeText shows that running the network
// patterns on whitespace-separated fields with their prefilters finds
// exactly what a run over the whole text finds.
func TestFindInFieldsMatchesWholeText(t *testing.T) {
	texts := []string{
		"Mail j.doe@example.org or visit https://clinic.example.com/a?b=1, www.portal.example.net and castellano.health.",
		"Host 10.0.0.12; v6 fe80::1ff:fe23:4567:890a and ::1. Version 9.2.1.4.1 is not an IP. e.g. this.",
		"x@y.co\tfoo.bar\nHTTP://UPPER.EXAMPLE.COM\f1.2.3.4\r2001:db8::8a2e:370:7334",
	}
	pats := []struct {
		re   *regexp.Regexp
		need func(string) bool
	}{{reEmail, hasAt}, {reURL, maybeURL}, {reDomain, dotLetter}, {reIPv4, threeDots}, {reIPv6, twoColons}}
	for _, text := range texts {
		for _, p := range pats {
			want := p.re.FindAllStringIndex(text, -1)
			got := findInFields(p.re, text, p.need)
			if len(want) == 0 && len(got) == 0 {
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s on %q: got %v, want %v", p.re, text, got, want)
			}
		}
	}
}

// TestHintPatternCacheIsOutputNeutral runs the same hints through a
// detector twice (the second run hits the compiled-pattern cache) and
// through a fresh one, and wants identical spans; a full cache starts
// over without losing anything.
func TestHintPatternCacheIsOutputNeutral(t *testing.T) {
	text := "SMITH, JOHN (MRN 00123456), born 3/4/1950, lives at 12 Elm St, Springfield 01101; call 617-555-0101 or j.smith@example.com."
	h := Hints{
		Names:       []PersonName{{Family: "Smith", Given: []string{"John"}}},
		Identifiers: []Identifier{{Value: "00123456", Category: MRN}},
		BirthDates:  []string{"1950-03-04"},
		Addresses:   []Address{{Lines: []string{"12 Elm Street"}, City: "Springfield", PostalCode: "01101"}},
		Telecoms:    []Telecom{{System: "phone", Value: "(617) 555-0101"}, {System: "email", Value: "j.smith@example.com"}},
	}
	b := newTestBuiltin(t)
	first, err := b.Detect(context.Background(), text, h)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := b.Detect(context.Background(), text, h)
	fresh, _ := newTestBuiltin(t).Detect(context.Background(), text, h)
	if !reflect.DeepEqual(first, second) || !reflect.DeepEqual(first, fresh) {
		t.Fatalf("spans differ:\nfirst  %v\nsecond %v\nfresh  %v", first, second, fresh)
	}
	if len(b.hintRE.m) == 0 {
		t.Fatal("no hint pattern was cached")
	}
	small := newTestBuiltin(t)
	small.hintRE = newRECache(2)
	bounded, _ := small.Detect(context.Background(), text, h)
	if !reflect.DeepEqual(first, bounded) || len(small.hintRE.m) > 2 {
		t.Fatalf("a bounded cache changed the spans or grew past its bound (%d entries)", len(small.hintRE.m))
	}
	if !strings.Contains(describe(text, first), "SMITH, JOHN") {
		t.Fatalf("hinted name not found: %s", describe(text, first))
	}
}
