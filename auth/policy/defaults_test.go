package policy

import (
	"slices"
	"testing"

	"github.com/casbin/casbin/v2/model"

	fhirmodel "github.com/kiln-health/kiln/fhir/model"
	"github.com/kiln-health/kiln/fhir/searchparam"
	"github.com/kiln-health/kiln/fhir/store"
)

func TestDefaultTypeGroups(t *testing.T) {
	group := map[string]string{}
	for g, types := range DefaultTypeGroups() {
		for _, typ := range types {
			if !fhirmodel.IsResourceType(typ) {
				t.Errorf("group %s: %q is not an R4 resource type", g, typ)
			}
			if other, ok := group[typ]; ok {
				t.Errorf("%s is in groups %s and %s", typ, other, g)
			}
			group[typ] = g
		}
	}
	// Every type that can hold a patient's data is in a group.
	for _, typ := range fhirmodel.ResourceTypes() {
		if searchparam.PatientCompartment(typ) != nil && group[typ] == "" {
			t.Errorf("%s is in the Patient compartment but in no type group", typ)
		}
	}
	// Precisely: clinical is the Patient compartment but for the types of
	// other groups, plus Binary and GuidanceResponse (as documented).
	for _, typ := range fhirmodel.ResourceTypes() {
		inCompartment := searchparam.PatientCompartment(typ) != nil
		want := inCompartment && typ != "AuditEvent" && typ != "Group" && typ != "Schedule" ||
			typ == "Binary" || typ == "GuidanceResponse"
		if got := group[typ] == GroupClinical; got != want {
			t.Errorf("%s: clinical %v, want %v", typ, got, want)
		}
	}
	for typ, g := range map[string]string{
		"Patient": GroupClinical, "Observation": GroupClinical, "Binary": GroupClinical,
		"Provenance": GroupClinical, "Task": GroupClinical, "DocumentReference": GroupClinical,
		"Organization": GroupAdminData, "Group": GroupAdminData, "Endpoint": GroupAdminData,
		"AuditEvent": GroupAudit,
	} {
		if group[typ] != g {
			t.Errorf("%s is in group %q, want %q", typ, group[typ], g)
		}
	}
}

func TestDefaultRulesAreValid(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		e := newEngine(t, s, nil)
		for _, r := range DefaultRules() {
			if err := e.checkRule(r, true); err != nil {
				t.Errorf("%s: %v", r, err)
			}
			if r.Tenant != Any || r.Effect != EffectAllow {
				t.Errorf("%s: defaults are allow rules for every tenant", r)
			}
		}
	})
}

func TestSeedDefaults(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		e := newEngine(t, s, nil)
		if got := decide(t, e, "t", []string{"admin"}, "Patient", "read"); got != 0 {
			t.Fatalf("admin before seeding = %v, want none", got)
		}
		if err := e.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		if got := decide(t, e, "t", []string{"admin"}, "Patient", "read"); got != AllLabels {
			t.Fatalf("admin after seeding = %v, want all", got)
		}
		seededRules := storedRules(t, s)
		var groups int
		for _, types := range defaultTypeGroups {
			groups += len(types)
		}
		if want := len(DefaultRules()) + groups; len(seededRules) != want {
			t.Fatalf("seeded %d rules, want %d", len(seededRules), want)
		}

		// Seeding again, here or from another engine, changes nothing.
		if err := e.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		if err := newEngine(t, s, nil).SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		if got := storedRules(t, s); !slices.EqualFunc(got, seededRules, slices.Equal) {
			t.Fatalf("seeding again changed the rules")
		}

		// Edited defaults are not restored.
		admin := Rule{"admin", "*", "*", "*", "*", "allow"}
		if err := e.RemoveRule(ctx, admin); err != nil {
			t.Fatal(err)
		}
		if err := e.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		if got := decide(t, e, "t", []string{"admin"}, "Patient", "read"); got != Restricted {
			t.Fatalf("admin after removing its * rule and seeding again = %v, want restricted only", got)
		}

		// Nor are emptied rules: removing everything is a lockdown.
		if err := NewAdapter(s).SavePolicyCtx(ctx, emptyModel(t)); err != nil {
			t.Fatal(err)
		}
		if err := e.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(storedRules(t, s)); n != 0 {
			t.Fatalf("SeedDefaults after every rule was removed stored %d rules", n)
		}
	})
}

func emptyModel(t *testing.T) model.Model {
	t.Helper()
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
