package policy

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/kiln-health/kiln/fhir/store"
)

// enforcer opens a plain Casbin enforcer on a, as a program other than
// Engine would.
func enforcer(t *testing.T, a *Adapter) *casbin.Enforcer {
	t.Helper()
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		t.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m, a)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// storedRules lists the rule records as ptype + values.
func storedRules(t *testing.T, s store.Records) [][]string {
	t.Helper()
	recs, err := s.ListRecords(t.Context(), "", ruleKind)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, r := range recs {
		var sr storedRule
		if err := json.Unmarshal(r.Value, &sr); err != nil {
			t.Fatalf("record %q: %v", r.Key, err)
		}
		if want := sr.PType + keySep + strings.Join(sr.Values, keySep); r.Key != want {
			t.Errorf("record key %q, want %q", r.Key, want)
		}
		out = append(out, append([]string{sr.PType}, sr.Values...))
	}
	return out
}

func TestAdapter(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		a := NewAdapter(s)
		gen := func() string {
			t.Helper()
			g, err := a.generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		changed := func(before string) string {
			t.Helper()
			after := gen()
			if after == before {
				t.Fatalf("generation did not change from %q", before)
			}
			return after
		}
		g := gen()
		if g != "" {
			t.Fatalf("generation of an empty store = %q", g)
		}

		e := enforcer(t, a)
		// Auto-save: each change goes to the store through the adapter.
		for _, p := range [][]string{
			{"alice", "t", "Observation", "read", "*", "allow"},
			{"alice", "t", "Patient", "read", "*", "allow"},
			{"bob", "*", "Patient", "read", "*", "allow"},
			{"carol", "t", "Patient", "read", "a,b", "allow"}, // the adapter keeps commas
		} {
			if _, err := e.AddPolicy(p); err != nil {
				t.Fatal(err)
			}
			g = changed(g)
		}
		if _, err := e.AddGroupingPolicy("user:1", "clinician", "t"); err != nil {
			t.Fatal(err)
		}
		g = changed(g)
		if _, err := e.AddNamedGroupingPolicy("g2", "Observation", "clinical"); err != nil {
			t.Fatal(err)
		}
		g = changed(g)

		// A second enforcer loads what the first stored.
		e2 := enforcer(t, a)
		for _, req := range [][]any{
			{"alice", "t", "Observation", "read", "normal"},
			{"bob", "x", "Patient", "read", "redacted"},
			{"carol", "t", "Patient", "read", "a,b"},
		} {
			if ok, err := e2.Enforce(req...); err != nil || !ok {
				t.Errorf("second enforcer %v = %v, %v; want allowed", req, ok, err)
			}
		}
		if ok, _ := e2.HasNamedGroupingPolicy("g2", "Observation", "clinical"); !ok {
			t.Error("second enforcer lacks g2 rule")
		}
		if ok, _ := e2.HasGroupingPolicy("user:1", "clinician", "t"); !ok {
			t.Error("second enforcer lacks g rule")
		}

		if _, err := e.RemovePolicy("bob", "*", "Patient", "read", "*", "allow"); err != nil {
			t.Fatal(err)
		}
		g = changed(g)
		if _, err := e.RemoveFilteredPolicy(0, "alice"); err != nil {
			t.Fatal(err)
		}
		g = changed(g)
		want := [][]string{
			{"g", "user:1", "clinician", "t"},
			{"g2", "Observation", "clinical"},
			{"p", "carol", "t", "Patient", "read", "a,b", "allow"},
		}
		if got := storedRules(t, s); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("stored after removals = %q, want %q", got, want)
		}

		// Removing what is not stored is no error and no change.
		if err := a.RemovePolicy("p", "p", []string{"nobody", "t", "Patient", "read", "*", "allow"}); err != nil {
			t.Errorf("RemovePolicy of an absent rule: %v", err)
		}
		if err := a.RemoveFilteredPolicy("p", "p", 0, "nobody"); err != nil {
			t.Errorf("RemoveFilteredPolicy matching nothing: %v", err)
		}
		if gen() != g {
			t.Error("generation changed though nothing was removed")
		}
		// An empty field value matches any value, as in Casbin.
		if err := a.RemoveFilteredPolicy("g", "g", 1, "clinician", ""); err != nil {
			t.Fatal(err)
		}
		g = changed(g)

		// SavePolicy replaces everything with the model's rules.
		e.EnableAutoSave(false)
		e.ClearPolicy()
		for _, p := range [][]string{
			{"dave", "t", "*", "*", "*", "allow"},
			{"erin", "*", "audit", "read", "*", "allow"},
		} {
			if _, err := e.AddPolicy(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.SavePolicy(); err != nil {
			t.Fatal(err)
		}
		changed(g)
		want = [][]string{
			{"p", "dave", "t", "*", "*", "*", "allow"},
			{"p", "erin", "*", "audit", "read", "*", "allow"},
		}
		if got := storedRules(t, s); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("stored after SavePolicy = %q, want %q", got, want)
		}
		recs, err := s.ListRecords(ctx, "", ruleKind)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Tenant != "" || !r.Expires.IsZero() {
				t.Errorf("record %q: tenant %q, expires %v; want no tenant, no expiry", r.Key, r.Tenant, r.Expires)
			}
		}

		// The key separator cannot be part of a value.
		if err := a.AddPolicy("p", "p", []string{"x\x1fy", "t", "*", "*", "*", "allow"}); err == nil {
			t.Error("AddPolicy with 0x1f in a value: no error")
		}
	})
}

func TestAdapterRejectsUnknownRuleType(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		a := NewAdapter(s)
		if err := a.AddPolicy("g", "g9", []string{"a", "b"}); err != nil {
			t.Fatal(err)
		}
		m, err := model.NewModelFromString(modelConf)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.LoadPolicy(m); err == nil {
			t.Error("LoadPolicy with a rule of an unknown type: no error")
		}
		if _, err := New(t.Context(), s, Options{}); err == nil {
			t.Error("New with a rule of an unknown type: no error")
		}
	})
}
