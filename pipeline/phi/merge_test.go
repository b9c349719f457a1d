package phi

import (
	"reflect"
	"testing"
)

func sp(start, end int, c Category, conf float64) Span {
	return Span{Start: start, End: end, Category: c, Confidence: conf, Detector: "t"}
}

func TestMergePHIOverlaps(t *testing.T) {
	tests := []struct {
		name string
		in   [][]Span
		want []Span
	}{
		{"empty", nil, nil},
		{"invalid spans dropped", [][]Span{{sp(5, 5, Name, 1), sp(-1, 3, Name, 1), sp(4, 2, Name, 1)}}, nil},
		{"disjoint stay, sorted", [][]Span{{sp(10, 12, Date, 0.9)}, {sp(0, 4, Name, 0.8)}},
			[]Span{sp(0, 4, Name, 0.8), sp(10, 12, Date, 0.9)}},
		{"same category overlapping: union, highest confidence", [][]Span{{sp(0, 4, Name, 0.7)}, {sp(2, 9, Name, 0.9)}},
			[]Span{sp(0, 9, Name, 0.9)}},
		{"same category touching stay apart", [][]Span{{sp(0, 4, Name, 0.7), sp(4, 8, Name, 0.7)}},
			[]Span{sp(0, 4, Name, 0.7), sp(4, 8, Name, 0.7)}},
		{"more confident wins, loser keeps its remainder", [][]Span{{sp(0, 10, Location, 0.9)}, {sp(5, 15, Name, 0.6)}},
			[]Span{sp(0, 10, Location, 0.9), sp(10, 15, Name, 0.6)}},
		{"loser split in two", [][]Span{{sp(0, 20, ID, 0.4)}, {sp(5, 10, Phone, 0.9)}},
			[]Span{sp(0, 5, ID, 0.4), sp(5, 10, Phone, 0.9), sp(10, 20, ID, 0.4)}},
		{"loser inside winner disappears", [][]Span{{sp(0, 20, Date, 0.95)}, {sp(3, 8, Phone, 0.6)}},
			[]Span{sp(0, 20, Date, 0.95)}},
		{"equal confidence: longer wins", [][]Span{{sp(0, 6, Phone, 0.9)}, {sp(2, 12, ID, 0.9)}},
			[]Span{sp(0, 2, Phone, 0.9), sp(2, 12, ID, 0.9)}},
		{"equal confidence and length: category order", [][]Span{{sp(0, 6, ID, 0.9)}, {sp(0, 6, Phone, 0.9)}},
			[]Span{sp(0, 6, Phone, 0.9)}},
		{"chain of overlaps resolved as one cluster", [][]Span{{sp(0, 5, Name, 0.5), sp(4, 9, Date, 0.8), sp(8, 12, Name, 0.5)}},
			[]Span{sp(0, 4, Name, 0.5), sp(4, 9, Date, 0.8), sp(9, 12, Name, 0.5)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Merge(tc.in...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Merge = %v, want %v", got, tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].Start < got[i-1].End {
					t.Errorf("overlap after merge: %v", got)
				}
			}
		})
	}
}

func TestTidyPHISpans(t *testing.T) {
	text := "Dr. John Smith , of (617) 555-0142. K. Jones."
	got := tidy(text, []Span{sp(3, 16, Name, 1), sp(19, 35, Phone, 1), sp(36, 38, Name, 1), sp(14, 15, Name, 1)})
	var texts []string
	for _, s := range got {
		texts = append(texts, text[s.Start:s.End])
	}
	want := []string{"John Smith", "(617) 555-0142", "K."}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("tidy = %q, want %q", texts, want)
	}
}

func TestRedactPHI(t *testing.T) {
	text := "John Smith (92) saw JOHN SMITH and Mary Jones on 3/4."
	spans := []Span{sp(0, 10, Name, 1), sp(12, 14, Age, 1), sp(20, 30, Name, 1), sp(35, 45, Name, 1), sp(49, 52, Date, 1)}
	got := Redact(text, spans, nil)
	want := "[NAME_1] (90+) saw [NAME_1] and [NAME_2] on [DATE_1]."
	if got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
	// Overlapping or out-of-range spans are skipped, not applied twice.
	got = Redact(text, []Span{sp(0, 10, Name, 1), sp(5, 12, Name, 1), sp(50, 99, Date, 1)}, func(c Category, _ string) string { return "X" })
	if want := "X (92) saw JOHN SMITH and Mary Jones on 3/4."; got != want {
		t.Errorf("Redact with overlaps = %q, want %q", got, want)
	}
	// Each NewTokens numbers on its own.
	a, b := NewTokens(), NewTokens()
	if a(Name, "x") != "[NAME_1]" || a(Name, "y") != "[NAME_2]" || b(Name, "y") != "[NAME_1]" || a(Name, " X ") != "[NAME_1]" {
		t.Error("NewTokens numbering is shared or inconsistent")
	}
}

func TestValidatorsPHI(t *testing.T) {
	checks := []struct {
		name string
		got  bool
		want bool
	}{
		{"luhn visa test card", luhn("4111111111111111"), true},
		{"luhn off by one", luhn("4111111111111112"), false},
		{"npi", npiValid("1497758544"), true},
		{"npi bad check digit", npiValid("1497758545"), false},
		{"ssn ok", ssnValid("431", "27", "9085"), true},
		{"ssn area 666", ssnValid("666", "27", "9085"), false},
		{"ssn area 9xx", ssnValid("912", "27", "9085"), false},
		{"ssn group 00", ssnValid("431", "00", "9085"), false},
		{"ssn serial 0000", ssnValid("431", "27", "0000"), false},
		{"leap day", validDate(2024, 2, 29), true},
		{"no leap day", validDate(2023, 2, 29), false},
		{"april 31", validDate(2024, 4, 31), false},
		{"iban", ibanValid("GB82 WEST 1234 5698 7654 32"), true},
		{"iban bad", ibanValid("GB83WEST12345698765432"), false},
		{"vin", vinCheckDigit("1HGCM82633A004352"), true},
		{"vin bad", vinCheckDigit("1HGCM82634A004352"), false},
		{"dea", deaValid("BB4417829"), true},
		{"dea bad", deaValid("BB4417823"), false},
		{"one edit", withinOneEdit("przybylski", "przybilski"), true},
		{"transposition", withinOneEdit("smith", "smtih"), true},
		{"two edits", withinOneEdit("smith", "smyht"), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
