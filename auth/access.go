package auth

import (
	"context"
	"fmt"

	"github.com/kiln-health/kiln/auth/scope"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/engine"
	"github.com/kiln-health/kiln/fhir/search"
	"github.com/kiln-health/kiln/fhir/store"
)

// Caller is the engine's view of a principal's request: its access
// decisions and the agent its AuditEvents name. ctx bounds the policy
// lookups the decisions make; base is the tenant's FHIR base URL, against
// which granular scopes' references are read.
func (s *Service) Caller(ctx context.Context, p Principal, base string) engine.Caller {
	return engine.Caller{
		Access: &access{ctx: ctx, svc: s, p: p, opts: search.Options{Strict: true, BaseURL: base, Now: s.now()}},
		Agent:  p.Agent(),
	}
}

// Agent is the principal as AuditEvents record it.
func (p Principal) Agent() audit.Agent {
	a := audit.Agent{Who: p.ID, ClientID: p.ClientID, FHIRUser: p.FHIRUser, Roles: p.Roles, System: p.Kind != KindUser}
	if p.Address.IsValid() {
		a.Address = p.Address.String()
	}
	return a
}

// access is one request's engine.Access: Casbin ∧ scopes ∧ compartment.
type access struct {
	ctx  context.Context
	svc  *Service
	p    Principal
	opts search.Options
}

// perms maps the engine's actions to SMART permissions.
var perms = map[engine.Action]scope.Perm{
	engine.ActionRead:   scope.Read,
	engine.ActionSearch: scope.Search,
	engine.ActionCreate: scope.Create,
	engine.ActionUpdate: scope.Update,
	engine.ActionDelete: scope.Delete,
	// SMART scopes have no letter for operations: an operation on a
	// resource needs the scope to read it, and Casbin's "operation".
	engine.ActionOperation: scope.Read,
}

func (a *access) Restrict(typ string, act engine.Action) (store.Filter, bool, error) {
	if !a.p.Expires.IsZero() && !a.svc.now().Before(a.p.Expires) {
		return nil, false, nil // the token expired during a long request
	}
	perm, ok := perms[act]
	if !ok {
		return nil, false, fmt.Errorf("auth: unknown action %q", act)
	}
	labels, err := a.svc.policy.Decide(a.ctx, a.p.Tenant, a.p.subjects(), typ, string(act))
	if err != nil || labels == 0 {
		return nil, false, err
	}
	sf, ok, err := a.p.Scopes.Restriction(typ, perm, a.p.Patient, a.opts)
	if err != nil || !ok {
		return nil, false, err
	}
	return and(labels.Filter(), sf), true, nil
}

func and(a, b store.Filter) store.Filter {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return store.AllOf{a, b}
}

// IsAdmin reports whether the principal holds the admin role in its
// tenant, directly or by assignment: the admin API requires it.
func (s *Service) IsAdmin(ctx context.Context, p Principal) (bool, error) {
	return s.policy.HasRole(ctx, p.Tenant, p.subjects(), "admin")
}
