package search

import "testing"

func TestPhonetic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Robert", "R163"}, {"Rupert", "R163"}, {"Rubin", "R150"},
		{"Ashcraft", "A261"}, {"Ashcroft", "A261"}, // h between s and c: one digit
		{"Tymczak", "T522"}, {"Pfister", "P236"}, {"Honeyman", "H555"},
		{"Smith", "S530"}, {"Smyth", "S530"},
		{"Müller", "M460"}, {"Mueller", "M460"},
		{"van der Berg", "V500 D600 B620"},
		{"", ""}, {"42", ""},
	}
	for _, tt := range tests {
		if got := Phonetic(tt.in); got != tt.want {
			t.Errorf("Phonetic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
