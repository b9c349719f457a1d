package scope

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

const (
	obsCat  = "http://terminology.hl7.org/CodeSystem/observation-category"
	labs    = "patient/Observation.rs?category=" + obsCat + "|laboratory"
	vitals  = "patient/Observation.rs?category=" + obsCat + "|vital-signs"
	patient = "p1"
)

var opts = search.Options{BaseURL: "http://localhost:8080/fhir/default"}

func mustSet(t *testing.T, s string) Set {
	t.Helper()
	set, err := ParseSet(s)
	if err != nil {
		t.Fatalf("ParseSet(%q): %v", s, err)
	}
	return set
}

func TestPermString(t *testing.T) {
	tests := []struct {
		p    Perm
		want string
	}{
		{0, ""},
		{Read, "r"},
		{Search | Read, "rs"},
		{Create | Update | Delete, "cud"},
		{Create | Read | Update | Delete | Search, "cruds"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Perm(%05b).String() = %q, want %q", uint8(tt.p), got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Scope // Raw is filled in from in
		notRes  bool  // not a resource scope: ok false, no error
		wantErr string
	}{
		// Not resource scopes.
		{in: "openid", notRes: true},
		{in: "fhirUser", notRes: true},
		{in: "profile", notRes: true},
		{in: "launch", notRes: true},
		{in: "launch/patient", notRes: true},
		{in: "launch/encounter", notRes: true},
		{in: "offline_access", notRes: true},
		{in: "online_access", notRes: true},

		// SMART v1.
		{in: "patient/Observation.read", want: Scope{Context: Patient, Type: "Observation", Perms: Read | Search}},
		{in: "user/Observation.write", want: Scope{Context: User, Type: "Observation", Perms: Create | Update | Delete}},
		{in: "system/*.*", want: Scope{Context: System, Type: "*", Perms: allPerms}},
		{in: "patient/*.read", want: Scope{Context: Patient, Type: "*", Perms: Read | Search}},

		// SMART v2.
		{in: "patient/Observation.rs", want: Scope{Context: Patient, Type: "Observation", Perms: Read | Search}},
		{in: "system/*.cruds", want: Scope{Context: System, Type: "*", Perms: allPerms}},
		{in: "user/Patient.c", want: Scope{Context: User, Type: "Patient", Perms: Create}},
		{in: "user/Patient.ud", want: Scope{Context: User, Type: "Patient", Perms: Update | Delete}},
		{in: "user/Patient.cs", want: Scope{Context: User, Type: "Patient", Perms: Create | Search}},

		// Granular.
		{in: labs, want: Scope{Context: Patient, Type: "Observation", Perms: Read | Search,
			Params: url.Values{"category": {obsCat + "|laboratory"}}}},
		{in: "user/*.rs?category=a&category=b", want: Scope{Context: User, Type: "*", Perms: Read | Search,
			Params: url.Values{"category": {"a", "b"}}}},

		// Errors.
		{in: "patient/Observation.sr", wantErr: "order"},
		{in: "patient/Observation.rr", wantErr: "order"},
		{in: "patient/Observation.rx", wantErr: `'x' is not one of`},
		{in: "patient/Observation.", wantErr: "no permissions"},
		{in: "patient/Observation", wantErr: "want patient/Type.permissions"},
		{in: "patient/Foo.rs", wantErr: `"Foo" is not a FHIR R4 resource type`},
		{in: "patient/observation.rs", wantErr: "not a FHIR R4 resource type"},
		{in: "patient/.rs", wantErr: "not a FHIR R4 resource type"},
		{in: "patient/Observation.read?category=x", wantErr: "needs SMART v2 permissions"},
		{in: "patient/Observation.rs?", wantErr: "empty query"},
		{in: "patient/Observation.rs?_count=1", wantErr: `"_count" shapes search results`},
		{in: "patient/Observation.rs?_include=Observation:subject", wantErr: "shapes search results"},
		{in: "patient/Observation.rs?nosuch=1", wantErr: `query "nosuch=1": unknown search parameter "nosuch"`},
		{in: "patient/Observation.rs?category=", wantErr: "empty value"},
		{in: "patient/Observation.rs?category=&code=x", wantErr: `"category": an empty value`},
		{in: "patient/Observation.rs?date=notadate", wantErr: "date"},
		{in: "patient/Observation.rs?category=%zz", wantErr: "invalid URL escape"},
		{in: "patient/*.rs?nosuch=1", wantErr: "no resource type"},
	}
	for _, tt := range tests {
		got, ok, err := Parse(tt.in)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			} else if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("Parse(%q) error %q does not name the scope", tt.in, err)
			}
		case err != nil:
			t.Errorf("Parse(%q): %v", tt.in, err)
		case ok == tt.notRes:
			t.Errorf("Parse(%q) ok = %v, want %v", tt.in, ok, !tt.notRes)
		case ok:
			tt.want.Raw = tt.in
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
			}
		}
	}
}

func TestParseSet(t *testing.T) {
	set := mustSet(t, "openid fhirUser launch/patient  patient/Observation.rs\tuser/*.read offline_access patient/Observation.rs")
	if got, want := set.String(), "patient/Observation.rs user/*.read"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := set.Contexts(), []Context{Patient, User}; !slices.Equal(got, want) {
		t.Errorf("Contexts() = %v, want %v", got, want)
	}
	if set := mustSet(t, "openid profile"); len(set) != 0 || set.String() != "" {
		t.Errorf("ParseSet without resource scopes = %v", set)
	}
	if _, err := ParseSet("openid patient/Observation.sr"); err == nil || !strings.Contains(err.Error(), "patient/Observation.sr") {
		t.Errorf("ParseSet with a bad scope: error = %v", err)
	}
}

func TestCovers(t *testing.T) {
	registered := mustSet(t, "patient/Observation.rs user/*.cruds system/Patient.r "+
		"patient/Condition.rs?category=problem-list-item")
	tests := []struct {
		want string
		ok   bool
	}{
		{"patient/Observation.rs", true},
		{"patient/Observation.read", true}, // v1 read is rs
		{"patient/Observation.r", true},
		{"patient/Observation.s", true},
		{labs, true}, // a query narrows a scope without one
		{"patient/Observation.cruds", false},
		{"patient/Observation.write", false},
		{"patient/Patient.rs", false},  // other type
		{"patient/*.rs", false},        // wider type
		{"user/Observation.rs", true},  // user/*
		{"user/*.rs?category=x", true}, // user/* without a query
		{"system/Observation.r", false},
		{"system/Patient.rs", false},
		{"patient/Condition.rs?category=problem-list-item", true},
		{"patient/Condition.r?category=problem-list-item", true},
		{"patient/Condition.rs", false}, // drops the registered query
		{"patient/Condition.rs?category=encounter-diagnosis", false},
		{"patient/Condition.rs?category=problem-list-item&clinical-status=active", false},
	}
	for _, tt := range tests {
		want, ok, err := Parse(tt.want)
		if err != nil || !ok {
			t.Fatalf("Parse(%q) = %v, %v", tt.want, ok, err)
		}
		if got := registered.Covers(want); got != tt.ok {
			t.Errorf("Covers(%q) = %v, want %v", tt.want, got, tt.ok)
		}
	}
}

// compartment is the Patient compartment of patient for typ, built from
// the registry so that the test does not copy it.
func compartment(typ string) store.AnyOf {
	var f store.AnyOf
	for _, code := range searchparam.PatientCompartment(typ) {
		f = append(f, store.ReferenceMatch{Param: code, Type: "Patient", ID: patient})
	}
	return f
}

func TestCompartmentCodes(t *testing.T) {
	// The compartment comes from the registry; make sure it is the one
	// expected of the types the Restriction tests use.
	if codes := searchparam.PatientCompartment("Observation"); !slices.Contains(codes, "subject") || len(codes) < 2 {
		t.Errorf("Observation's Patient compartment = %v, want subject and more", codes)
	}
	if codes := searchparam.PatientCompartment("AllergyIntolerance"); !slices.Contains(codes, "patient") || len(codes) < 2 {
		t.Errorf("AllergyIntolerance's Patient compartment = %v, want patient and more", codes)
	}
	if codes := searchparam.PatientCompartment("Account"); !slices.Equal(codes, []string{"subject"}) {
		t.Errorf("Account's Patient compartment = %v, want [subject]", codes)
	}
	for _, typ := range []string{"Medication", "Binary"} {
		if codes := searchparam.PatientCompartment(typ); len(codes) != 0 {
			t.Errorf("%s's Patient compartment = %v, want none", typ, codes)
		}
	}
}

func TestRestriction(t *testing.T) {
	labsF := store.TokenMatch{Param: "category", System: obsCat, Code: "laboratory"}
	vitalsF := store.TokenMatch{Param: "category", System: obsCat, Code: "vital-signs"}
	userLabs := strings.Replace(labs, "patient/", "user/", 1)
	userVitals := strings.Replace(vitals, "patient/", "user/", 1)
	tests := []struct {
		name    string
		scopes  string
		typ     string
		perm    Perm
		patient string
		want    store.Filter
		ok      bool
	}{
		{"user scope", "user/Observation.rs", "Observation", Read, "", nil, true},
		{"system wildcard", "system/*.cruds", "Patient", Delete, "", nil, true},
		{"v1 read grants search", "user/Observation.read", "Observation", Search, "", nil, true},
		{"patient scope on Patient", "patient/Patient.rs", "Patient", Read, patient,
			store.IDMatch{IDs: []string{patient}}, true},
		{"patient scope on Observation", "patient/Observation.rs", "Observation", Search, patient,
			compartment("Observation"), true},
		{"patient wildcard on AllergyIntolerance", "patient/*.rs", "AllergyIntolerance", Read, patient,
			compartment("AllergyIntolerance"), true},
		{"one compartment parameter", "patient/*.rs", "Account", Read, patient,
			store.ReferenceMatch{Param: "subject", Type: "Patient", ID: patient}, true},
		{"Binary under patient scope", "patient/*.cruds", "Binary", Read, patient, nil, false},
		{"Binary under patient scope, by type", "patient/Binary.r", "Binary", Read, patient, nil, false},
		{"Binary under user scope", "user/Binary.r", "Binary", Read, "", nil, true},
		{"Medication under patient scope", "patient/*.rs", "Medication", Read, patient, nil, true},
		{"Practitioner under patient scope", "patient/Practitioner.rs", "Practitioner", Search, patient, nil, true},
		{"granular user scope", userLabs, "Observation", Search, "", labsF, true},
		{"granular patient scope", labs, "Observation", Read, patient,
			store.AllOf{labsF, compartment("Observation")}, true},
		{"two granular scopes", userLabs + " " + userVitals, "Observation", Read, "",
			store.AnyOf{labsF, vitalsF}, true},
		{"two granular patient scopes", labs + " " + vitals, "Observation", Read, patient,
			store.AnyOf{
				store.AllOf{labsF, compartment("Observation")},
				store.AllOf{vitalsF, compartment("Observation")},
			}, true},
		{"granular and plain", userLabs + " user/Observation.rs", "Observation", Read, "", nil, true},
		{"plain and granular", "user/Observation.rs " + userLabs, "Observation", Read, "", nil, true},
		{"granular patient and plain user", labs + " user/Observation.r", "Observation", Read, patient, nil, true},
		{"granular user and plain patient", userLabs + " patient/Observation.r", "Observation", Read, patient,
			store.AnyOf{labsF, compartment("Observation")}, true},
		{"other type", "user/Patient.rs", "Observation", Read, "", nil, false},
		{"other permission", "user/Observation.rs", "Observation", Create, "", nil, false},
		{"v1 write does not read", "user/Observation.write", "Observation", Read, "", nil, false},
		{"no scopes", "openid fhirUser", "Observation", Read, "", nil, false},
		{"patient scope without patient", "patient/Observation.rs", "Observation", Read, "", nil, false},
		{"patient scope without patient on Medication", "patient/Medication.rs", "Medication", Read, "", nil, false},
		{"wildcard query applies", "user/*.rs?category=" + obsCat + "|laboratory", "Observation", Read, "", labsF, true},
		{"wildcard query invalid for type", "user/*.rs?category=" + obsCat + "|laboratory", "Patient", Read, "", nil, false},
		{"wildcard query invalid for type, another scope grants", "user/*.rs?category=x user/Patient.r", "Patient", Read, "", nil, true},
		{"wildcard query invalid for type, patient", "patient/*.rs?category=x patient/Patient.r", "Patient", Read, patient,
			store.IDMatch{IDs: []string{patient}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok, err := mustSet(t, tt.scopes).Restriction(tt.typ, tt.perm, tt.patient, opts)
			if err != nil {
				t.Fatalf("Restriction: %v", err)
			}
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, f); diff != "" {
				t.Errorf("filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRestrictionErrors(t *testing.T) {
	set := mustSet(t, "user/*.cruds")
	for _, tt := range []struct {
		typ  string
		perm Perm
	}{
		{"Foo", Read},
		{"", Read},
		{"Observation", 0},
		{"Observation", Read | Search},
		{"Observation", 1 << 6},
	} {
		if _, ok, err := set.Restriction(tt.typ, tt.perm, "", opts); err == nil || ok {
			t.Errorf("Restriction(%q, %05b) = %v, %v, want an error", tt.typ, uint8(tt.perm), ok, err)
		}
	}
	// A scope built by hand with a query Parse would refuse is an error,
	// not a wider grant.
	bad := Set{{Raw: "user/Observation.rs?_count=1", Context: User, Type: "Observation", Perms: Read | Search,
		Params: url.Values{"_count": {"1"}}}}
	if _, ok, err := bad.Restriction("Observation", Read, "", opts); err == nil || ok {
		t.Errorf("Restriction with _count = %v, %v, want an error", ok, err)
	}
}
