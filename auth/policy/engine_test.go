package policy

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiln-health/kiln/fhir/store"
)

const all = AllLabels

var nr = Normal | Redacted

func TestDefaultDecisions(t *testing.T) {
	tests := []struct {
		role, typ, action string
		want              Labels
	}{
		{"admin", "Patient", "read", all},
		{"admin", "Patient", "delete", all},
		{"admin", "AuditEvent", "search", all},
		{"admin", "StructureDefinition", "update", all},
		{"admin", "Observation", "operation", all},

		{"clinician", "Observation", "read", nr},
		{"clinician", "Observation", "search", nr},
		{"clinician", "Patient", "create", nr},
		{"clinician", "Condition", "update", nr},
		{"clinician", "Binary", "read", nr},
		{"clinician", "Provenance", "read", nr},
		{"clinician", "Patient", "delete", 0},
		{"clinician", "Patient", "operation", 0},
		{"clinician", "Organization", "read", nr},
		{"clinician", "ValueSet", "search", nr},
		{"clinician", "Practitioner", "create", 0},
		{"clinician", "AuditEvent", "read", 0},
		{"clinician", "StructureDefinition", "read", 0},

		{"analyst", "Observation", "read", Redacted},
		{"analyst", "Patient", "search", Redacted},
		{"analyst", "Organization", "search", Redacted},
		{"analyst", "Observation", "create", 0},
		{"analyst", "AuditEvent", "read", 0},

		{"integration", "Patient", "create", nr},
		{"integration", "Observation", "update", nr},
		{"integration", "Location", "update", nr},
		{"integration", "Encounter", "read", nr},
		{"integration", "Device", "search", nr},
		{"integration", "Patient", "delete", 0},
		{"integration", "AuditEvent", "read", 0},

		{"auditor", "AuditEvent", "read", nr},
		{"auditor", "AuditEvent", "search", nr},
		{"auditor", "Provenance", "search", nr},
		{"auditor", "AuditEvent", "update", 0},
		{"auditor", "AuditEvent", "delete", 0},
		{"auditor", "Observation", "read", 0},

		{"guest", "Patient", "read", 0},
		{"client:abc", "Patient", "read", 0},
	}
	onBackends(t, func(t *testing.T, s store.Store) {
		e := seeded(t, s)
		for _, tt := range tests {
			for _, tenant := range []string{"default", "other"} {
				if got := decide(t, e, tenant, []string{tt.role}, tt.typ, tt.action); got != tt.want {
					t.Errorf("%s %s %s in %s = %v, want %v", tt.role, tt.action, tt.typ, tenant, got, tt.want)
				}
			}
		}
		// A principal's id next to its asserted role: the role decides.
		if got := decide(t, e, "default", []string{"client:abc", "clinician"}, "Observation", "read"); got != nr {
			t.Errorf("client:abc as clinician = %v, want %v", got, nr)
		}
		// No subjects, or only empty ones: nothing.
		if got := decide(t, e, "default", nil, "Observation", "read"); got != 0 {
			t.Errorf("no subjects = %v, want none", got)
		}
		if got := decide(t, e, "default", []string{""}, "Observation", "read"); got != 0 {
			t.Errorf("empty subject = %v, want none", got)
		}
	})
}

func TestRestrictedNeedsExplicitGrant(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		e := newEngine(t, s, nil)
		mustAdd(t, e, Rule{"reader", "*", "Observation", "read", "*", "allow"})
		if got := decide(t, e, "t", []string{"reader"}, "Observation", "read"); got != nr {
			t.Fatalf("label * = %v, want %v", got, nr)
		}
		mustAdd(t, e, Rule{"reader", "*", "*", "*", "*", "allow"})
		if got := decide(t, e, "t", []string{"reader"}, "Observation", "read"); got != nr {
			t.Fatalf("everything with label * = %v, want %v", got, nr)
		}
		mustAdd(t, e, Rule{"reader", "*", "Observation", "read", "restricted", "allow"})
		if got := decide(t, e, "t", []string{"reader"}, "Observation", "read"); got != all {
			t.Fatalf("with restricted grant = %v, want %v", got, all)
		}
		mustAdd(t, e, Rule{"secret", "*", "Observation", "read", "restricted", "allow"})
		if got := decide(t, e, "t", []string{"secret"}, "Observation", "read"); got != Restricted {
			t.Fatalf("restricted only = %v, want restricted", got)
		}
	})
}

func TestDenyBeatsAllow(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		e := seeded(t, s)
		mustAdd(t, e, Rule{"no-obs", "*", "Observation", "read", "*", "deny"})
		mustAdd(t, e, Rule{"no-restricted", "*", "*", "*", "restricted", "deny"})
		mustAdd(t, e, Rule{"locked", "*", "*", "*", "*", "deny"})

		tests := []struct {
			subjects    []string
			typ, action string
			want        Labels
			why         string
		}{
			{[]string{"clinician", "no-obs"}, "Observation", "read", 0, "deny on one role beats allow on another"},
			{[]string{"no-obs", "clinician"}, "Observation", "read", 0, "in either order"},
			{[]string{"clinician", "no-obs"}, "Observation", "search", nr, "deny is for read only"},
			{[]string{"clinician", "no-obs"}, "Condition", "read", nr, "deny is for Observation only"},
			{[]string{"admin", "no-restricted"}, "Patient", "read", nr, "deny of one class leaves the others"},
			{[]string{"admin", "locked"}, "Patient", "read", 0, "deny * covers restricted too"},
			{[]string{"admin", "locked"}, "AuditEvent", "delete", 0, "deny * * *"},
		}
		for _, tt := range tests {
			if got := decide(t, e, "t", tt.subjects, tt.typ, tt.action); got != tt.want {
				t.Errorf("%q %s %s = %v, want %v (%s)", tt.subjects, tt.action, tt.typ, got, tt.want, tt.why)
			}
		}

		// The same through assigned roles of one user.
		mustAssign(t, e, "t", "user:https://idp.example|123", "clinician")
		if got := decide(t, e, "t", []string{"user:https://idp.example|123"}, "Observation", "read"); got != nr {
			t.Fatalf("assigned clinician = %v, want %v", got, nr)
		}
		mustAssign(t, e, "t", "user:https://idp.example|123", "no-obs")
		if got := decide(t, e, "t", []string{"user:https://idp.example|123"}, "Observation", "read"); got != 0 {
			t.Fatalf("assigned clinician and no-obs = %v, want none", got)
		}
		// Deny through an assigned role, allow through an asserted one.
		mustAssign(t, e, "t", "client:c1", "no-obs")
		if got := decide(t, e, "t", []string{"client:c1", "clinician"}, "Observation", "read"); got != 0 {
			t.Fatalf("asserted clinician, assigned no-obs = %v, want none", got)
		}
		// A deny on the principal itself.
		mustAdd(t, e, Rule{"client:c2", "t", "Patient", "*", "*", "deny"})
		if got := decide(t, e, "t", []string{"client:c2", "admin"}, "Patient", "read"); got != 0 {
			t.Fatalf("denied principal with admin role = %v, want none", got)
		}
		if got := decide(t, e, "other", []string{"client:c2", "admin"}, "Patient", "read"); got != all {
			t.Fatalf("the deny is for tenant t only: got %v, want %v", got, all)
		}
	})
}

func TestTenants(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		e := seeded(t, s)
		ctx := t.Context()

		// A role assigned in tenant a gives nothing in tenant b.
		mustAssign(t, e, "a", "user:1", "clinician")
		if got := decide(t, e, "a", []string{"user:1"}, "Observation", "read"); got != nr {
			t.Errorf("user:1 in a = %v, want %v", got, nr)
		}
		if got := decide(t, e, "b", []string{"user:1"}, "Observation", "read"); got != 0 {
			t.Errorf("user:1 in b = %v, want none", got)
		}

		// A rule of tenant a applies in a only.
		mustAdd(t, e, Rule{"user:2", "a", "Patient", "read", "*", "allow"})
		if got := decide(t, e, "a", []string{"user:2"}, "Patient", "read"); got != nr {
			t.Errorf("user:2 in a = %v, want %v", got, nr)
		}
		if got := decide(t, e, "b", []string{"user:2"}, "Patient", "read"); got != 0 {
			t.Errorf("user:2 in b = %v, want none", got)
		}
		// A role of tenant a with rules of tenant a only.
		mustAdd(t, e, Rule{"ward-7", "a", "clinical", "read", "*", "allow"})
		mustAssign(t, e, "a", "user:5", "ward-7")
		mustAssign(t, e, "b", "user:5", "ward-7")
		if got := decide(t, e, "a", []string{"user:5"}, "Condition", "read"); got != nr {
			t.Errorf("ward-7 in a = %v, want %v", got, nr)
		}
		if got := decide(t, e, "b", []string{"user:5"}, "Condition", "read"); got != 0 {
			t.Errorf("ward-7 in b = %v, want none", got)
		}

		// "*" rules and "*" assignments apply in every tenant.
		mustAdd(t, e, Rule{"user:3", "*", "Patient", "search", "*", "allow"})
		mustAssign(t, e, "*", "user:4", "auditor")
		for _, tenant := range []string{"a", "b", "anything"} {
			if got := decide(t, e, tenant, []string{"user:3"}, "Patient", "search"); got != nr {
				t.Errorf("user:3 in %s = %v, want %v", tenant, got, nr)
			}
			if got := decide(t, e, tenant, []string{"user:4"}, "AuditEvent", "read"); got != nr {
				t.Errorf("user:4 in %s = %v, want %v", tenant, got, nr)
			}
		}

		// Listing: a tenant's own and the "*" ones.
		roles, err := e.Roles(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		want := []Assignment{
			{"user:4", "auditor", "*"},
			{"user:1", "clinician", "a"},
			{"user:5", "ward-7", "a"},
		}
		if !equal(roles, want) {
			t.Errorf("Roles(a) = %v, want %v", roles, want)
		}
		rules, err := e.Rules(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(DefaultRules()) + 3; len(rules) != n {
			t.Errorf("Rules(a) has %d rules, want %d: %v", len(rules), n, rules)
		}
		own := 0
		for _, r := range rules {
			switch r.Tenant {
			case "a":
				own++
			case "*":
			default:
				t.Errorf("Rules(a) has %s", r)
			}
		}
		if own != 2 {
			t.Errorf("Rules(a) has %d rules of a, want 2", own)
		}
		rules, err = e.Rules(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(DefaultRules()) + 1; len(rules) != n {
			t.Errorf("Rules(b) has %d rules, want %d", len(rules), n)
		}
	})
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAdminChanges(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		e := seeded(t, s)
		ctx := t.Context()
		r := Rule{"user:9", "t", "Observation", "delete", "*", "allow"}
		mustAdd(t, e, r)
		mustAdd(t, e, r) // again: no duplicate
		rules, err := e.Rules(ctx, "t")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, got := range rules {
			if got == r {
				n++
			}
		}
		if n != 1 {
			t.Errorf("rule listed %d times, want once", n)
		}
		if got := decide(t, e, "t", []string{"user:9"}, "Observation", "delete"); got != nr {
			t.Errorf("after AddRule = %v, want %v", got, nr)
		}
		if err := e.RemoveRule(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got := decide(t, e, "t", []string{"user:9"}, "Observation", "delete"); got != 0 {
			t.Errorf("after RemoveRule = %v, want none", got)
		}
		if err := e.RemoveRule(ctx, r); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removing it again: %v, want ErrNotFound", err)
		}

		mustAssign(t, e, "t", "user:9", "clinician")
		if got := decide(t, e, "t", []string{"user:9"}, "Observation", "read"); got != nr {
			t.Errorf("after AssignRole = %v, want %v", got, nr)
		}
		if err := e.UnassignRole(ctx, "t", "user:9", "clinician"); err != nil {
			t.Fatal(err)
		}
		if got := decide(t, e, "t", []string{"user:9"}, "Observation", "read"); got != 0 {
			t.Errorf("after UnassignRole = %v, want none", got)
		}
		if err := e.UnassignRole(ctx, "t", "user:9", "clinician"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unassigning again: %v, want ErrNotFound", err)
		}

		// Rules may name groups stored beside the defaults.
		if err := e.adapter.AddPolicyCtx(ctx, "g", "g2", []string{"Questionnaire", "forms"}); err != nil {
			t.Fatal(err)
		}
		if err := e.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		mustAdd(t, e, Rule{"designer", "*", "forms", "update", "*", "allow"})
		if got := decide(t, e, "t", []string{"designer"}, "Questionnaire", "update"); got != nr {
			t.Errorf("group forms = %v, want %v", got, nr)
		}
	})
}

func TestPersistenceAndRefresh(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		c1, c2 := newClock(), newClock()
		e1 := newEngine(t, s, c1)
		if err := e1.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		e2 := newEngine(t, s, c2) // RefreshEvery: a minute

		if got := decide(t, e2, "t", []string{"clinician"}, "Observation", "read"); got != nr {
			t.Fatalf("second engine sees the defaults: %v, want %v", got, nr)
		}

		// Engine 1 grants; engine 2 learns of it after RefreshEvery.
		mustAssign(t, e1, "t", "user:7", "clinician")
		if got := decide(t, e1, "t", []string{"user:7"}, "Observation", "read"); got != nr {
			t.Fatalf("engine 1 at once: %v, want %v", got, nr)
		}
		if got := decide(t, e2, "t", []string{"user:7"}, "Observation", "read"); got != 0 {
			t.Fatalf("engine 2 before RefreshEvery: %v, want none (no check yet)", got)
		}
		c2.Advance(59 * time.Second)
		if got := decide(t, e2, "t", []string{"user:7"}, "Observation", "read"); got != 0 {
			t.Fatalf("engine 2 at 59s: %v, want none", got)
		}
		c2.Advance(time.Second)
		if got := decide(t, e2, "t", []string{"user:7"}, "Observation", "read"); got != nr {
			t.Fatalf("engine 2 after RefreshEvery: %v, want %v", got, nr)
		}

		// Engine 1 denies; engine 2 learns of it through Refresh.
		mustAdd(t, e1, Rule{"user:7", "t", "Observation", "read", "*", "deny"})
		if got := decide(t, e2, "t", []string{"user:7"}, "Observation", "read"); got != nr {
			t.Fatalf("engine 2 before Refresh: %v, want %v", got, nr)
		}
		if err := e2.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := decide(t, e2, "t", []string{"user:7"}, "Observation", "read"); got != 0 {
			t.Fatalf("engine 2 after Refresh: %v, want none", got)
		}

		// Changes made by engine 2 reach engine 1 the same way.
		if err := e2.UnassignRole(ctx, "t", "user:7", "clinician"); err != nil {
			t.Fatal(err)
		}
		if err := e2.RemoveRule(ctx, Rule{"user:7", "t", "Observation", "read", "*", "deny"}); err != nil {
			t.Fatal(err)
		}
		mustAdd(t, e2, Rule{"user:7", "t", "Patient", "read", "*", "allow"})
		c1.Advance(time.Minute)
		if got := decide(t, e1, "t", []string{"user:7"}, "Patient", "read"); got != nr {
			t.Fatalf("engine 1 after RefreshEvery: %v, want %v", got, nr)
		}
		if got := decide(t, e1, "t", []string{"user:7"}, "Observation", "read"); got != 0 {
			t.Fatalf("engine 1 after RefreshEvery: %v, want none", got)
		}

		// A new engine sees everything at once.
		e3 := newEngine(t, s, nil)
		if got := decide(t, e3, "t", []string{"user:7"}, "Patient", "read"); got != nr {
			t.Fatalf("new engine: %v, want %v", got, nr)
		}
	})
}

func TestDecideErrorsDeny(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		c := newClock()
		e := newEngine(t, s, c)
		if err := e.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		// A rule record another process wrote corrupt.
		if err := s.PutRecord(ctx, store.Record{Kind: ruleKind, Key: "p\x1fbroken", Value: []byte("{")}); err != nil {
			t.Fatal(err)
		}
		if err := e.adapter.bump(ctx); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Minute)
		l, err := e.Decide(ctx, "t", []string{"admin"}, "Patient", "read")
		if err == nil || l != 0 {
			t.Fatalf("Decide with a corrupt rule = %v, %v; want none and an error", l, err)
		}
		// It keeps failing (checking again each call) until repaired.
		if l, err := e.Decide(ctx, "t", []string{"admin"}, "Patient", "read"); err == nil || l != 0 {
			t.Fatalf("Decide again = %v, %v; want none and an error", l, err)
		}
		if err := s.DeleteRecord(ctx, "", ruleKind, "p\x1fbroken"); err != nil {
			t.Fatal(err)
		}
		if got := decide(t, e, "t", []string{"admin"}, "Patient", "read"); got != all {
			t.Fatalf("after repair = %v, want %v", got, all)
		}

		for _, bad := range []struct{ tenant, typ, action string }{
			{"", "Patient", "read"},
			{"*", "Patient", "read"},
			{"t", "", "read"},
			{"t", "*", "read"},
			{"t", "Patient", "*"},
			{"t", "Patient", "vread"},
			{"t", "Patient", ""},
		} {
			l, err := e.Decide(ctx, bad.tenant, []string{"admin"}, bad.typ, bad.action)
			if !errors.Is(err, ErrInvalid) || l != 0 {
				t.Errorf("Decide(%q, %q, %q) = %v, %v; want none and ErrInvalid", bad.tenant, bad.typ, bad.action, l, err)
			}
		}
	})
}

func TestValidation(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		e := seeded(t, s)
		ctx := t.Context()
		good := Rule{"clinician", "t", "Observation", "read", "*", "allow"}
		with := func(f func(*Rule)) Rule { r := good; f(&r); return r }
		badRules := []struct {
			rule Rule
			msg  string
		}{
			{with(func(r *Rule) { r.Subject = "" }), "subject is required"},
			{with(func(r *Rule) { r.Subject = "*" }), "not a wildcard"},
			{with(func(r *Rule) { r.Subject = "a,b" }), "comma"},
			{with(func(r *Rule) { r.Subject = " x" }), "spaces"},
			{with(func(r *Rule) { r.Subject = "x\ny" }), "control character"},
			{with(func(r *Rule) { r.Tenant = "" }), "tenant is required"},
			{with(func(r *Rule) { r.Type = "" }), "type is required"},
			{with(func(r *Rule) { r.Type = "Observations" }), "not an R4 resource type"},
			{with(func(r *Rule) { r.Action = "write" }), `action "write"`},
			{with(func(r *Rule) { r.Action = "" }), `action ""`},
			{with(func(r *Rule) { r.Label = "secret" }), `label "secret"`},
			{with(func(r *Rule) { r.Label = "" }), `label ""`},
			{with(func(r *Rule) { r.Effect = "permit" }), `effect "permit"`},
		}
		for _, tt := range badRules {
			err := e.AddRule(ctx, tt.rule)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("AddRule(%s) = %v; want ErrInvalid mentioning %q", tt.rule, err, tt.msg)
			}
		}
		for _, r := range []Rule{
			good,
			with(func(r *Rule) { r.Tenant = "*"; r.Type = "*"; r.Action = "*"; r.Label = "restricted"; r.Effect = "deny" }),
			with(func(r *Rule) { r.Type = "clinical"; r.Label = "redacted" }),
			with(func(r *Rule) { r.Type = "audit"; r.Label = "normal"; r.Action = "operation" }),
		} {
			if err := e.AddRule(ctx, r); err != nil {
				t.Errorf("AddRule(%s): %v", r, err)
			}
		}

		badAssignments := []struct {
			tenant, subject, role, msg string
		}{
			{"", "user:1", "clinician", "tenant is required"},
			{"t", "", "clinician", "subject is required"},
			{"t", "user:1", "", "role is required"},
			{"t", "*", "clinician", `cannot be "*"`},
			{"t", "user:1", "*", `cannot be "*"`},
			{"t", "clinician", "clinician", "its own role"},
			{"t,u", "user:1", "clinician", "comma"},
		}
		for _, tt := range badAssignments {
			err := e.AssignRole(ctx, tt.tenant, tt.subject, tt.role)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("AssignRole(%q, %q, %q) = %v; want ErrInvalid mentioning %q", tt.tenant, tt.subject, tt.role, err, tt.msg)
			}
			err = e.UnassignRole(ctx, tt.tenant, tt.subject, tt.role)
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("UnassignRole(%q, %q, %q) = %v; want ErrInvalid", tt.tenant, tt.subject, tt.role, err)
			}
		}
		if _, err := e.Rules(ctx, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("Rules(\"\") = %v, want ErrInvalid", err)
		}
		if _, err := e.Roles(ctx, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("Roles(\"\") = %v, want ErrInvalid", err)
		}
		if err := e.RemoveRule(ctx, with(func(r *Rule) { r.Effect = "" })); !errors.Is(err, ErrInvalid) {
			t.Errorf("RemoveRule with no effect = %v, want ErrInvalid", err)
		}
	})
}

// TestConcurrentDecide decides while the rules change and reload (run
// with -race).
func TestConcurrentDecide(t *testing.T) {
	onBackends(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		c := newClock()
		e := newEngine(t, s, c)
		if err := e.SeedDefaults(ctx); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 50 {
					c.Advance(time.Minute) // every call checks the generation
					if l, err := e.Decide(ctx, "t", []string{"clinician"}, "Observation", "read"); err != nil || l != nr {
						t.Errorf("Decide = %v, %v; want %v", l, err, nr)
						return
					}
				}
			})
		}
		for i := range 10 {
			mustAssign(t, e, "t", fmt.Sprintf("user:%d", i), "clinician")
		}
		wg.Wait()
	})
}
