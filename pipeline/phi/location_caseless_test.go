package phi_test

import (
	"testing"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// TestCaselessAddresses checks the address structure rules of 1.4.1:
// streets found by structure whatever their case, Hungarian street types,
// address continuations (units, region codes, postal codes), place
// particles, and towns after a cue typed in lower case. Each want must be
// covered by one LOCATION span; each not must be touched by no LOCATION
// span.
func TestCaselessAddresses(t *testing.T) {
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, text string
		want, not  []string
	}{
		// Streets by structure alone.
		{"lower-case street with house number and type", "pt lives at 4410 kongsvegen 12 st. with his wife",
			[]string{"4410 kongsvegen 12 st"}, []string{"with", "wife"}},
		{"lower-case street with a unit, town on the next line", "send to 0605 πεντέλης 210 apt. 999\ndelmas, mp 35739",
			[]string{"0605 πεντέλης 210 apt. 999", "delmas", "35739"}, nil},
		{"two building numbers, street type, unit and town", "addr 3747 3911 fourth avenue suite 112 calgary alberta",
			[]string{"3747 3911 fourth avenue suite 112", "calgary"}, []string{"alberta"}},
		{"continental street in lower case, unit on the next line", "send to 688 rue du centre 320\napt. 169\nmarke",
			[]string{"688 rue du centre 320", "apt. 169", "marke"}, nil},
		{"all capitals", "MAIL TO 118 KONGSVEGEN 12 APT 3", []string{"118 KONGSVEGEN 12 APT 3"}, nil},
		{"an address cue ends before the clause that follows", "She lives at 12 Main St. with her husband.", []string{"12 Main St"}, []string{"with", "husband"}},
		// Hungarian street types after the name.
		{"Hungarian abbreviation", "She lives at Király u. 15. since May.", []string{"Király u. 15"}, []string{"May"}},
		{"Hungarian type after a lower-case word", "The flat is Árpád fejedelem útja 3. on the left.", []string{"Árpád fejedelem útja 3"}, []string{"left"}},
		{"intersection with a Hungarian street", "It is at Růžena and Király u. 15.", []string{"Růžena and Király u. 15"}, nil},
		// Intersections.
		{"intersection after an abbreviation's period", "It is at the corner of 35 Pentelis Str. and Waechter Turnpike", []string{"35 Pentelis Str. and Waechter Turnpike"}, nil},
		{"intersection typed in lower case", "the corner of heiligengeistbrücke 77 and minik courts", []string{"heiligengeistbrücke 77 and minik courts"}, nil},
		// Continuations.
		{"period ending the street line, region code line", "We are at 6076 Piroska u. 97.\nPorto Alegre\n, RS\n Brazil 95828",
			[]string{"Porto Alegre", "RS", "95828"}, []string{"Brazil"}},
		{"postal code before the sentence's colon", "billing: 27534 Þorsteinsgata 63\nMOSS\n, nan\n 51971 for this card: 4119",
			[]string{"51971"}, []string{"4119", "card"}},
		{"entrance number before the unit", "now at 633 Strada Provinciale 65 22 Suite 455\nGossau",
			[]string{"633 Strada Provinciale 65 22 Suite 455", "Gossau"}, nil},
		{"region code after the town on the street line", "It went to 23100 Ilichova 23 Suite 274 Ljubljana nan last night.",
			[]string{"Ljubljana nan"}, []string{"last", "night"}},
		{"place particle in a town line", "009 Slovenčeva 51\n Suite 632\n Črni Vrh nad Idrijo\n Slovenia 15755",
			[]string{"Črni Vrh nad Idrijo", "15755"}, []string{"Slovenia"}},
		{"initial of a street named after a person", "The stop is on C. Beerninckstraat 88", []string{"C. Beerninckstraat 88"}, nil},
		// Towns by their place in the sentence.
		{"lower-case town after a cue", "he returned to kiel last week", []string{"kiel"}, []string{"last"}},
		{"lower-case town after lives in", "my friend lives in harburg", []string{"harburg"}, nil},
		{"unknown town after an organisation", "She worked at Sigfig in Camuns, then retired.", []string{"Camuns"}, []string{"retired"}},
		{"lower-case town with its postal code", "moved to a flat in barra de carrasco 15000 in june", []string{"barra de carrasco 15000"}, []string{"june"}},
		{"building and house number before the street", "The office is at 9816 214 Pavlou Drandaki", []string{"9816 214"}, nil},

		// Clinical negatives.
		{"doses and counts", "Take 5 mg lisinopril 10 mg daily and walk 2 blocks 3 times a day.", nil,
			[]string{"5 mg", "lisinopril", "10 mg", "2 blocks", "3 times"}},
		{"insulin units after a drug name", "Humalog u. 15 min before meals, Lantus 20 u. at night.", nil, []string{"Humalog", "15", "Lantus"}},
		{"ward, room and bed", "Transferred to unit 4 room 12 bed 2 on the medical floor.", nil, []string{"unit 4", "room 12", "bed 2"}},
		{"anatomy at a corner", "Lesion at the corner of the mouth and lips; pain at the corner of lt eye and nose.", nil,
			[]string{"mouth", "lips", "eye", "nose"}},
		{"position and units after in", "Placed in Trendelenburg. WBC in thousands 15000 in am. Seen at Kaiser in Trendelenburg.", nil,
			[]string{"Trendelenburg", "thousands", "15000"}},
		{"acronym after an organisation", "Seen at Mercy in MICU, then at Kaiser in Neurology.", nil, []string{"MICU", "Neurology"}},
		{"departments after an organisation", "Followed at Mayo in Nephrology. Seen at UCSF in Neuro-ICU, at Mercy in Peds.", nil,
			[]string{"Nephrology", "Neuro-ICU", "Peds"}},
		{"lower-case units after a cue", "moved to snf, then returned to floor; works in nicu and stays at home.", nil, []string{"snf", "floor", "nicu", "home"}},
		{"a grade is no street", "Grade 2 Gleason 3 4 Adenocarcinoma. Hb 10 2 Transfusion given.", nil, []string{"Gleason", "Adenocarcinoma", "Hb 10"}},
		{"a two-lane road", "mvc going 30 mph on 2 lane road.", nil, []string{"2 lane road"}},
		{"blood pressure then a drug", "BP 120 80 Lasix given, HR 88 Metoprolol held.", nil, []string{"120 80", "Lasix", "Metoprolol"}},
		{"lower-case English after a cue", "He returned to clinic today and lives in fear of falling.", nil, []string{"clinic", "fear"}},
		{"lab values in lower case", "wbc 12 hgb 9 plt 150 st elevation absent", nil, []string{"hgb", "plt"}},
		{"a year after in", "diagnosed in remission 2019 after chemo", nil, []string{"remission", "2019"}},
	}
	for _, tc := range cases {
		expectSpans(t, b, tc.name, tc.text, phi.Location, tc.want, phi.Location, tc.not)
	}
}
