package chr_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/kiln-health/kiln/pipeline/chr"
)

func TestOfflineComposer(t *testing.T) {
	passages := []chr.Passage{
		{Source: "D1", Document: "b", Start: 0, Score: 0.9, Text: "Patient [NAME_1] was seen for follow-up of essential hypertension today. Plan: start lisinopril 10 mg daily for the pressure."},
		{Source: "D2", Document: "a", Start: 40, Score: 0.5, Text: "She reports a rash after amoxicillin as a child, an allergy documented by her previous clinic."},
		{Source: "D3", Document: "a", Start: 0, Score: 0.4, Text: "[NAME_1] [DATE_1] [PHONE_1]. Hi."},
	}
	for _, tc := range []struct {
		name string
		in   chr.SectionInput
		want []chr.Statement
	}{
		{"facts are stated as written, each citing its resource",
			chr.SectionInput{Key: "problems", Facts: []chr.Fact{{Source: "R1", Text: "Asthma (active)"}, {Source: "R2", Text: "Gout (active)"}}, Passages: passages},
			[]chr.Statement{{Text: "Asthma (active)", Sources: []string{"R1"}}, {Text: "Gout (active)", Sources: []string{"R2"}}}},
		{"a section without facts quotes only sentences on its subject",
			chr.SectionInput{Key: "medications", Passages: passages},
			[]chr.Statement{{Text: "Plan: start lisinopril 10 mg daily for the pressure.", Sources: []string{"D1"}}}},
		{"the summary reads in document order and skips token-only lines",
			chr.SectionInput{Key: "narrative", Passages: passages},
			[]chr.Statement{
				{Text: "She reports a rash after amoxicillin as a child, an allergy documented by her previous clinic.", Sources: []string{"D2"}},
				{Text: "Patient [NAME_1] was seen for follow-up of essential hypertension today.", Sources: []string{"D1"}},
				{Text: "Plan: start lisinopril 10 mg daily for the pressure.", Sources: []string{"D1"}},
			}},
		{"coding states its facts only", chr.SectionInput{Key: "coding", Passages: passages}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := chr.Offline{}.Compose(context.Background(), "t", []chr.SectionInput{tc.in})
			if err != nil {
				t.Fatal(err)
			}
			var got []chr.Statement
			if len(out) == 1 {
				got = out[0].Statements
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
