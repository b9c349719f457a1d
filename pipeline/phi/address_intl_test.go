package phi_test

import (
	"testing"

	"github.com/kiln-health/kiln/pipeline/phi"
)

// TestIntlAddresses checks the international address and name rules of
// 1.6.0 (address_intl.go and the rules it calls for): each want is a
// stretch that one span of the category must cover, each not one that no
// span may touch.
func TestIntlAddresses(t *testing.T) {
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, text string
		cat        phi.Category
		want, not  []string
	}{
		// Postal code before the town, after a street or before a town found.
		{"German postal code joins its town", "Wohnhaft: Lindenallee 112, 22869 Schenefeld", phi.Location,
			[]string{"Lindenallee 112", "22869 Schenefeld"}, nil},
		{"Czech street and postal code", "Follow-up at Nádražní 1187/24, 702 00 Ostrava, tel. 596 555 218.", phi.Location,
			[]string{"Nádražní 1187/24", "702 00 Ostrava"}, []string{"tel"}},
		{"Dutch postal code with letters", "Adres: Keizersgracht 418-II\n1016 GC Amsterdam", phi.Location,
			[]string{"Keizersgracht 418-II", "1016 GC Amsterdam"}, nil},
		{"Polish street, flat and postal code", "Adres: ul. Marszałkowska 84/92 m. 17, 00-514 Warszawa, Polska", phi.Location,
			[]string{"ul. Marszałkowska 84/92 m. 17", "00-514 Warszawa"}, []string{"Polska"}},
		{"lower-case Nordic street with entrance", "his address is now storgatan 12 b, 411 38 göteborg", phi.Location,
			[]string{"storgatan 12 b", "411 38 göteborg"}, []string{"now"}},
		{"unit segment between number and postal code", "she lives at nørrebrogade 45, 2. th., 2200 københavn n", phi.Location,
			[]string{"nørrebrogade 45, 2. th", "2200 københavn"}, nil},
		{"Spanish floor and door", "Vive en Calle de Alcalá 215, 3º izq., 28028 Madrid, España", phi.Location,
			[]string{"Calle de Alcalá 215, 3º izq", "28028 Madrid"}, []string{"España"}},
		{"a year before a town is no postal code", "In 2019 Berlin hosted the congress, and since 2020 Hamburg has.", phi.Location,
			nil, []string{"2019", "2020"}},
		{"dose and count before a comma are no street", "Metoprolol 50, 12 Tablets dispensed.", phi.Location,
			nil, []string{"Metoprolol", "12 Tablets"}},
		{"a dose on the line below an address is no town", "Address: Lindenallee 112, 22869 Schenefeld\n5000 Units heparin given.", phi.Location,
			[]string{"22869 Schenefeld"}, []string{"5000", "Units", "heparin"}},
		// Postal code after the town.
		{"Indian PIN after the town", "Referred by Dr. Rao, 12 MG Road, Pune 411001", phi.Location,
			[]string{"Pune 411001"}, nil},
		{"PIN after a dash", "Address: Indiranagar, Bengaluru - 560038, Karnataka", phi.Location,
			[]string{"Bengaluru - 560038"}, nil},
		{"a count after a town is no postal code", "Admitted in Boston 12 days ago.", phi.Location,
			[]string{"Boston"}, []string{"12"}},
		// Scottish flat, Russian and Ukrainian streets and towns.
		{"Scottish tenement flat", "Contact address: 14/3 Comely Bank Avenue, Edinburgh EH4 1EJ", phi.Location,
			[]string{"14/3 Comely Bank Avenue"}, nil},
		{"Russian street, house and flat", "Адрес: ул. Ленина, д. 15, кв. 42, г. Новосибирск, 630099, Россия", phi.Location,
			[]string{"ул. Ленина, д. 15, кв. 42", "г. Новосибирск", "630099"}, []string{"Россия"}},
		{"Ukrainian street in Latin letters", "Address: vul. Khreshchatyk 22, kv. 7, Kyiv", phi.Location,
			[]string{"vul. Khreshchatyk 22, kv. 7"}, nil},
		// Canada, Ireland, Japan, Korea, Mexico, Hungary.
		{"Canadian postal code and town in lower case", "new address: 1450 rue sainte-catherine ouest, app. 3, montréal (québec) h3g 1r8", phi.Location,
			[]string{"montréal", "h3g 1r8"}, nil},
		{"HbA1c is no Canadian postal code", "hba1c 7.2 today, a1c goal below 7", phi.Location,
			nil, []string{"hba1c", "a1c"}},
		{"Irish county and Eircode", "Mother: Apt 5, The Maltings, Bray, Co. Wicklow A98 X2C4", phi.Location,
			[]string{"Co. Wicklow", "A98 X2C4"}, nil},
		{"an Eircode shape without a town is left alone", "Vitamin D 3000 units daily; lot A98 X2C4 noted.", phi.Location,
			nil, []string{"A98 X2C4"}},
		{"Japanese block address and ward", "Address: 2-5-14 Umeda, Kita-ku, Osaka-shi", phi.Location,
			[]string{"2-5-14 Umeda, Kita-ku", "Osaka-shi"}, nil},
		{"a dash date stays a date", "Seen on 2-5-14 Follow-up, then discharged.", phi.Date,
			[]string{"2-5-14"}, nil},
		{"Korean district", "Apt 1103, 27 Teheran-ro 87-gil, Gangnam-gu, Seoul 06164", phi.Location,
			[]string{"Gangnam-gu", "Seoul", "06164"}, nil},
		{"hyphenated clinical words are no wards", "Follow-up in clinic; re-do of the Billroth-II anastomosis.", phi.Location,
			nil, []string{"Follow-up", "Billroth-II"}},
		{"Mexican colonia after the street", "Domicilio: Calle Morelos 54, Col. Centro\n44100 Guadalajara", phi.Location,
			[]string{"Calle Morelos 54, Col. Centro", "44100 Guadalajara"}, nil},
		{"Hungarian floor and door", "Címe: 1052 Budapest, Petőfi Sándor utca 7. II. em. 4.", phi.Location,
			[]string{"Petőfi Sándor utca 7. II. em. 4"}, nil},
		{"Hungarian postal code in brackets", "family doctor in Szentendre (2000 Szentendre, Dózsa György út 18.)", phi.Location,
			[]string{"2000 Szentendre"}, nil},
		// Dates.
		{"Hungarian spaced date", "Született: 1939. 05. 04. Budapest", phi.Date, []string{"1939. 05. 04"}, nil},
		{"Spanish date with de", "Fecha: 7 de mayo de 2024; control el 3 de junio.", phi.Date, []string{"7 de mayo de 2024", "3 de junio"}, nil},
		{"German, Italian and Hungarian dates", "Aufnahme 14. März 2024, dimesso il 21 febbraio 2024, kelt 2024. március 12.", phi.Date,
			[]string{"14. März 2024", "21 febbraio 2024", "2024. március 12"}, nil},
		{"a count before a foreign month word without year or de is none", "Gave 5 mars bars and 2 mayo packets.", phi.Date,
			nil, []string{"5 mars", "2 mayo"}},
		{"an impossible spaced date is none", "Scores 1939. 13. 40. recorded", phi.Date, nil, []string{"1939. 13. 40."}},
		// Countries in their own language are not PHI.
		{"native country names", "Lindenallee 112\n22869 Schenefeld\nDeutschland", phi.Location,
			[]string{"22869 Schenefeld"}, []string{"Deutschland"}},
	}
	for _, tc := range cases {
		expectSpans(t, b, tc.name, tc.text, tc.cat, tc.want, tc.cat, tc.not)
	}
}

// TestIntlNames checks the name rules of 1.6.0: particles in capitals
// and "de la" between known names, titles of other languages, and the
// drug and department words of other languages that are no names.
func TestIntlNames(t *testing.T) {
	b, err := phi.NewBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, text string
		want, not  []string
	}{
		{"particle in capitals", "MEDECIN TRAITANT: DR CLAIRE DU PLESSIS, BREST\nHIS SON YANN LE GOFF VISITED.", []string{"CLAIRE DU PLESSIS", "YANN LE GOFF"}, nil},
		{"particle in lower case", "message from dr claire du plessis about the plan", []string{"claire du plessis"}, nil},
		{"de la between two known names", "Referral for: Juan Carlos Fernández de la Vega\nDNI: 18", []string{"Juan Carlos Fernández de la Vega"}, nil},
		{"de la in a place name stays out of names", "She lives in Chiclana de la Frontera now.", nil, []string{"Chiclana de la Frontera"}},
		{"Welsh ap", "Your GP, Dr Rhys ap Gwilym, will be informed.", []string{"Rhys ap Gwilym"}, nil},
		{"Romance drug spellings", "Treated with Omeprazol, Amoxicilina and Claritromicina; Doxiciclina after.", nil,
			[]string{"Omeprazol", "Amoxicilina", "Claritromicina", "Doxiciclina"}},
		{"departments of other languages", "Klinik für Kardiologie und Innere Medizin\nServicio de Gastroenterología\nafdeling Neurologie", nil,
			[]string{"Kardiologie", "Innere Medizin", "Gastroenterología", "Neurologie"}},
		{"hospital and letter words", "Ospedale Maggiore, Unità Operativa di Reumatologia\nMit freundlichen Grüßen", nil,
			[]string{"Ospedale", "Unità Operativa", "Reumatologia", "Grüßen"}},
		{"foreign titles", "Dear Dott.ssa Maria Grazia De Luca; MUDr. Jana Dvořáková, Ph.D.", []string{"Maria Grazia De Luca", "Jana Dvořáková"}, []string{"Dott", "MUDr"}},
		{"eponyms and organisms stay out", "Sjögren syndrome; Klebsiella pneumoniae grew; no Guillain-Barré.", nil,
			[]string{"Sjögren", "Klebsiella", "Guillain-Barré"}},
		{"a genus that is a given name", "Organism: Candida albicans; Candida glabrata also grew.", nil, []string{"Candida"}},
		{"a given name before a lower-case English word stays a name", "Seen with Candida yesterday; Maria agrees.", []string{"Maria"}, nil},
		{"hyphenated given name without case", "his brother pedro-luis called about the x-ray", []string{"pedro-luis"}, []string{"x-ray"}},
		{"hyphenated clinical words without case", "non-hodgkin lymphoma, b-cell type, follow-up with anti-xa levels", nil, []string{"non-hodgkin", "b-cell", "follow-up", "anti-xa"}},
	}
	for _, tc := range cases {
		expectSpans(t, b, tc.name, tc.text, phi.Name, tc.want, phi.Name, tc.not)
	}
}
