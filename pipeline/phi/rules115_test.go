package phi

import "testing"

// TestDetectPHIRules115 covers the rules of 1.15.0, each beside the
// look-alike that must stay out. The examples are written for this test.
func TestDetectPHIRules115(t *testing.T) {
	b := newTestBuiltin(t)
	tests := []spanCase{
		// The numbers of offices and services, by their keys.
		{"a postal tracking number and a certified-mail article", "Statement mailed, tracking 9400 1000 0000 0000 4471 02.\nVIA CERTIFIED MAIL 9407 1118 9956 2210 4473 05\nServed by certified mail article nos. 9589 0710 5270 0417 2263 19 and 9589 0710 5270 0417 2263 26.",
			[]want{{"9400 1000 0000 0000 4471 02", ID}, {"9407 1118 9956 2210 4473 05", ID}, {"9589 0710 5270 0417 2263 19", ID}, {"9589 0710 5270 0417 2263 26", ID}}, nil},
		{"keys of offices and services", "Job: 448127. Client # 204417. File No. 26-00931-GA. Referral no. HH-5512093. (agent 44071) (emp 004418) Rx 8830241. Interpreter # 318842.",
			[]want{{"448127", ID}, {"204417", ID}, {"26-00931-GA", ID}, {"HH-5512093", ID}, {"44071", ID}, {"004418", ID}, {"8830241", ID}, {"318842", ID}}, nil},
		{"the same words before short numbers or words", "Great job 2 days ago. The agent 81 mg daily. Rx 2 refills. Ticket to ride. Grab bar 3.", nil, []string{"2", "81", "ride", "3"}},
		{"health cards, councils and bars", "bc phn: 9876 543 210. Sask health card is 401 887 226. Medical Council reg. SVG-MC 1184. CPSO 98214. VT bar 5512. Invoice no. 4471.",
			[]want{{"9876 543 210", HealthPlan}, {"401 887 226", HealthPlan}, {"SVG-MC 1184", License}, {"98214", License}, {"5512", License}, {"4471", Account}}, nil},
		{"a public health nurse's phone is no health number", "phn: 651-555-0109", []want{{"651-555-0109", Phone}}, nil},
		{"a lot of letters and digits, a blood unit, a National Insurance number", "Boostrix lot 7T3PX. Unit 1: DIN W0367 26 118842 7. Social Security number: JY 55 01 92 C.",
			[]want{{"7T3PX", Device}, {"W0367 26 118842 7", Device}, {"JY 55 01 92 C", SSN}}, nil},
		{"the last four in brackets and read back", "SSN (last 4): 0928. her ssn last 4, its 0418. acct ending 60418.",
			[]want{{"0928", SSN}, {"0418", SSN}, {"60418", Account}}, nil},

		// Plates after a registration or a tag, where a vehicle is named.
		{"plates after their keys", "2011 CHEVROLET IMPALA, SILVER, AR TAG 941 KBT.\nQuad bike (registration BMN 447 K). dc tag GF 4417. (rego CXL-48Q)",
			[]want{{"941 KBT", Vehicle}, {"BMN 447 K", Vehicle}, {"GF 4417", Vehicle}, {"CXL-48Q", Vehicle}}, nil},

		// After a person's name: a badge, an age after "is".
		{"badge numbers after officers' names", "Reporting officers: P.O. Adriana Zavala #18842, Sgt. Pacheco #1421.", []want{{"18842", ID}, {"1421", ID}}, nil},
		{"ages after a name and is", "Her mother, Ollie Mae Weaver, is 93 and lives alone. Mum (Marj) is 90 now. She drove until she was 91. Age at death:     96",
			[]want{{"93", Age}, {"90", Age}, {"91", Age}, {"96", Age}}, nil},
		{"measures after a name and is are no ages", "Mr. Smith is 95 kg. Maria was 98.6 this morning. Ana is 92% saturated.", nil, []string{"95", "98", "92"}},

		// Handles its words name.
		{"handles after their names", "portal username confirmed as okovalenko79.\nBoth will use the app (handles: nadia_hr and khaddad1979).\nexported 2026-11-23 07:41 by akowalczyk2\nreply from MaggieInBendigo\nResident portal user: kpointerames",
			[]want{{"okovalenko79", ID}, {"nadia_hr", ID}, {"khaddad1979", ID}, {"akowalczyk2", ID}, {"MaggieInBendigo", ID}, {"kpointerames", ID}}, nil},
		// Names without the roles and credentials around them, and the
		// clinical abbreviations a guess takes for a name.
		{"roles before a name and credentials after it stay out", "Examiner T. Okonjo called. Judge Okonkwo-Lindahl presided. Per Landlord Gary Lindqvist, rent is due. Read by Carla Dill, MSc.",
			[]want{{"T. Okonjo", Name}, {"Okonkwo-Lindahl", Name}, {"Gary Lindqvist", Name}, {"Carla Dill", Name}}, []string{"Examiner", "Judge", "Per Landlord", "MSc"}},
		{"a given name that starts like a kinship word stays whole", "Pa Houa Vang was absent.", []want{{"Pa Houa Vang", Name}}, nil},
		{"the verb will ends a name", "ok so lina will call the clinic tomorrow", []want{{"lina", Name}}, []string{"will call"}},
		{"the verb will ends a name in capitals", "ROSA WILL DECIDE ON THE DATE.", []want{{"ROSA", Name}}, []string{"WILL DECIDE"}},
		{"clinical abbreviations are no names", "Seen in OPAT clinic; HBsAg negative, LKW 0800, ZIKA IgM pending.\nspoke w neph and surg, bili recheck am",
			nil, []string{"OPAT", "HBsAg", "LKW", "ZIKA", "neph", "surg", "bili"}},
		{"the same letters in Title Case may be a person", "Tia Holloway called about her mother.", []want{{"Tia Holloway", Name}}, nil},

		// Towns and streets named after saints; a saint is no person.
		{"saints' towns and streets", "She moved back to St. George's last year. He lives in St. John's, Newfoundland. Her sister lives on St. Clair Avenue West.\nMarigot, St. Andrew      Tel. 555-0148\n12 Le Marchant Street, St Peter Port, Guernsey",
			[]want{{"St. George's", Location}, {"St. John's", Location}, {"St. Clair Avenue West", Location}, {"St. Andrew", Location}, {"St Peter Port", Location}}, nil},
		{"saints' organisations are neither people nor places", "Admitted to St. Joseph's Hospital. Mass at St. Boniface Church. Prayer at St. Mary's tonight.",
			nil, []string{"Joseph", "Boniface", "Mary"}},
		{"a family name after St. stays a name", "Marie St. Clair called. Parked on 47th St. The owner left.", []want{{"Marie St. Clair", Name}}, []string{"The owner"}},

		{"a column's heading BY is no initials", "TIME   EVENT                          BY\n0342   CPR STARTED                    TH\n0343   PADS ON                        KB\n0344   EPI GIVEN                      DJ\n",
			[]want{{"TH", Name}, {"KB", Name}, {"DJ", Name}}, []string{"BY"}},

		{"words after the same names are no handles", "Posted by admin. The username field is required. Exported by the system.", nil, []string{"admin", "field", "system"}},
	}
	runSpanCases(t, b, Hints{}, tests)

	// A doctor's registration, a sample's and an asset's tag are no plates
	// (they may be other identifiers).
	text := "Dr Bwalya, council registration MB-3391-P. Sample tag ENV-26-3391. Wheelchair (asset tag MOH-WC-118). Reg # MCSN-26-0417."
	spans, err := b.Detect(t.Context(), text, Hints{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range spans {
		if s.Category == Vehicle {
			t.Errorf("%q is no plate, but VEHICLE %q covers it (%s)", text, text[s.Start:s.End], s.Detector)
		}
	}
}
