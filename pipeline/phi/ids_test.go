package phi

import (
	"context"
	"testing"
)

// TestNationalIDKeys: national identity and professional registration
// numbers by their labels, and the look-alike words left alone.
func TestNationalIDKeys(t *testing.T) {
	b := newTestBuiltin(t)
	for _, tc := range []struct {
		text   string
		wants  []want
		notPHI []string
	}{
		{"DNI: 18.456.902, domicilio conocido", []want{{"18.456.902", ID}}, nil},
		{"Nº utente SNS: 284 551 903", []want{{"284 551 903", ID}}, nil},
		{"PESEL 85010112345; BSN 123456782", []want{{"85010112345", ID}, {"123456782", ID}}, nil},
		{"National insurance number: QQ123456C", []want{{"QQ123456C", ID}}, nil},
		{"Dra. Ruiz, Matrícula 104583", []want{{"104583", License}}, nil},
		{"CPR 30:2 started; SNS activity high; sin alergias conocidas", nil, []string{"30:2", "activity", "alergias"}},
	} {
		spans, err := b.Detect(context.Background(), tc.text, Hints{})
		if err != nil {
			t.Fatal(err)
		}
		checkSpans(t, tc.text, spans, tc.wants, tc.notPHI)
	}
}
