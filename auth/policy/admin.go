package policy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	fhirmodel "github.com/kiln-health/kiln/fhir/model"
)

// ErrInvalid is wrapped by the errors for rules, assignments and requests
// that are malformed, so callers (the CLI, an admin API) can tell a bad
// input from a store failure.
var ErrInvalid = errors.New("invalid policy input")

// Any is the wildcard of a rule's tenant, type, action and label. It is
// not a wildcard for subjects: grant a role instead.
const Any = "*"

// Actions. One FHIR interaction maps to one action: read (read, vread,
// instance history), search (search, type and system history), create,
// update (update, patch), delete, operation.
const (
	ActionRead      = "read"
	ActionSearch    = "search"
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionDelete    = "delete"
	ActionOperation = "operation"
)

var actions = []string{ActionRead, ActionSearch, ActionCreate, ActionUpdate, ActionDelete, ActionOperation}

var actionList = strings.Join(actions, ", ")

func isAction(a string) bool { return slices.Contains(actions, a) }

// Effects.
const (
	EffectAllow = "allow"
	EffectDeny  = "deny"
)

// Rule allows or denies Subject (a principal id or a role) an Action on
// resources of Type (a resource type, a type group or "*") with label
// class Label in Tenant (or "*", every tenant). Label is "normal",
// "redacted", "restricted" or "*": normal and redacted in an allow rule,
// all three in a deny rule, so restricted data is only ever granted by
// name.
type Rule struct {
	Subject string `json:"subject"`
	Tenant  string `json:"tenant"`
	Type    string `json:"type"`
	Action  string `json:"action"`
	Label   string `json:"label"`
	Effect  string `json:"effect"`
}

func (r Rule) values() []string {
	return []string{r.Subject, r.Tenant, r.Type, r.Action, r.Label, r.Effect}
}

func ruleFrom(v []string) (Rule, bool) {
	if len(v) != 6 {
		return Rule{}, false
	}
	return Rule{Subject: v[0], Tenant: v[1], Type: v[2], Action: v[3], Label: v[4], Effect: v[5]}, true
}

// String writes r as a Casbin policy line.
func (r Rule) String() string { return "p, " + strings.Join(r.values(), ", ") }

// Assignment gives Subject the role Role in Tenant (or "*", every tenant).
type Assignment struct {
	Subject string `json:"subject"`
	Role    string `json:"role"`
	Tenant  string `json:"tenant"`
}

// String writes a as a Casbin grouping line.
func (a Assignment) String() string { return "g, " + a.Subject + ", " + a.Role + ", " + a.Tenant }

// AddRule stores r (storing an existing rule again changes nothing) and
// reloads the rules, so the change applies to this Engine at once and to
// the Engines of other processes within their RefreshEvery.
func (e *Engine) AddRule(ctx context.Context, r Rule) error {
	if err := e.checkRule(r, true); err != nil {
		return err
	}
	if err := e.adapter.AddPolicyCtx(ctx, "p", "p", r.values()); err != nil {
		return err
	}
	return e.reloadAfter(ctx, "added rule")
}

// RemoveRule removes r: store.ErrNotFound (wrapped) if there is no such
// rule.
func (e *Engine) RemoveRule(ctx context.Context, r Rule) error {
	// The type is not checked against the known types and groups, so a
	// rule naming a group that no longer exists can still be removed.
	if err := e.checkRule(r, false); err != nil {
		return err
	}
	if err := e.adapter.remove(ctx, "p", r.values()); err != nil {
		return err
	}
	return e.reloadAfter(ctx, "removed rule")
}

// Rules lists the rules that apply in tenant: its own and the "*" rules
// (only those for tenant "*"), ordered by tenant, subject, type, action,
// label and effect.
func (e *Engine) Rules(ctx context.Context, tenant string) ([]Rule, error) {
	if err := checkName("tenant", tenant); err != nil {
		return nil, err
	}
	stored, err := e.adapter.list(ctx)
	if err != nil {
		return nil, err
	}
	var rules []Rule
	for _, s := range stored {
		r, ok := ruleFrom(s.Values)
		if s.PType == "p" && ok && (r.Tenant == tenant || r.Tenant == Any) {
			rules = append(rules, r)
		}
	}
	slices.SortFunc(rules, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Type, b.Type), cmp.Compare(a.Action, b.Action),
			cmp.Compare(a.Label, b.Label), cmp.Compare(a.Effect, b.Effect))
	})
	return rules, nil
}

// AssignRole gives subject the role in tenant ("*": every tenant).
func (e *Engine) AssignRole(ctx context.Context, tenant, subject, role string) error {
	a := Assignment{Subject: subject, Role: role, Tenant: tenant}
	if err := checkAssignment(a); err != nil {
		return err
	}
	if err := e.adapter.AddPolicyCtx(ctx, "g", "g", a.values()); err != nil {
		return err
	}
	return e.reloadAfter(ctx, "assigned role")
}

// UnassignRole takes the role from subject in tenant: store.ErrNotFound
// (wrapped) if it was not assigned there. A "*" assignment is only taken
// by tenant "*".
func (e *Engine) UnassignRole(ctx context.Context, tenant, subject, role string) error {
	a := Assignment{Subject: subject, Role: role, Tenant: tenant}
	if err := checkAssignment(a); err != nil {
		return err
	}
	if err := e.adapter.remove(ctx, "g", a.values()); err != nil {
		return err
	}
	return e.reloadAfter(ctx, "unassigned role")
}

// Roles lists the role assignments that apply in tenant: its own and the
// "*" ones, ordered by tenant, subject and role.
func (e *Engine) Roles(ctx context.Context, tenant string) ([]Assignment, error) {
	if err := checkName("tenant", tenant); err != nil {
		return nil, err
	}
	stored, err := e.adapter.list(ctx)
	if err != nil {
		return nil, err
	}
	var out []Assignment
	for _, s := range stored {
		if s.PType != "g" || len(s.Values) != 3 {
			continue
		}
		a := Assignment{Subject: s.Values[0], Role: s.Values[1], Tenant: s.Values[2]}
		if a.Tenant == tenant || a.Tenant == Any {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b Assignment) int {
		return cmp.Or(cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Role, b.Role))
	})
	return out, nil
}

func (a Assignment) values() []string { return []string{a.Subject, a.Role, a.Tenant} }

// reloadAfter reloads the rules after this Engine changed them.
func (e *Engine) reloadAfter(ctx context.Context, what string) error {
	if err := e.Refresh(ctx); err != nil {
		return fmt.Errorf("policy: %s, but reloading the rules failed: %w", what, err)
	}
	return nil
}

// checkRule validates r; knownType also demands that its type be "*", an
// R4 resource type or a type group.
func (e *Engine) checkRule(r Rule, knownType bool) error {
	if err := checkName("subject", r.Subject); err != nil {
		return err
	}
	if r.Subject == Any {
		return fmt.Errorf("policy: %w: subject \"*\" is not a wildcard; give the rule to a role and assign the role", ErrInvalid)
	}
	if err := checkName("tenant", r.Tenant); err != nil {
		return err
	}
	if err := checkName("type", r.Type); err != nil {
		return err
	}
	if knownType && !e.isType(r.Type) {
		return fmt.Errorf("policy: %w: type %q is not an R4 resource type, a type group or \"*\"", ErrInvalid, r.Type)
	}
	if r.Action != Any && !isAction(r.Action) {
		return fmt.Errorf("policy: %w: action %q (want one of %s, or *)", ErrInvalid, r.Action, actionList)
	}
	switch r.Label {
	case LabelNormal, LabelRedacted, LabelRestricted, Any:
	default:
		return fmt.Errorf("policy: %w: label %q (want normal, redacted, restricted, or * for normal and redacted)", ErrInvalid, r.Label)
	}
	if r.Effect != EffectAllow && r.Effect != EffectDeny {
		return fmt.Errorf("policy: %w: effect %q (want allow or deny)", ErrInvalid, r.Effect)
	}
	return nil
}

// isType reports whether typ may be a rule's type.
func (e *Engine) isType(typ string) bool {
	if typ == Any || fhirmodel.IsResourceType(typ) {
		return true
	}
	if _, ok := defaultTypeGroups[typ]; ok {
		return true
	}
	groups, err := e.cur.Load().enf.GetNamedGroupingPolicy("g2")
	if err != nil {
		return false
	}
	return slices.ContainsFunc(groups, func(g []string) bool { return len(g) == 2 && g[1] == typ })
}

func checkAssignment(a Assignment) error {
	if err := checkName("subject", a.Subject); err != nil {
		return err
	}
	if err := checkName("role", a.Role); err != nil {
		return err
	}
	if err := checkName("tenant", a.Tenant); err != nil {
		return err
	}
	if a.Subject == Any || a.Role == Any {
		return fmt.Errorf("policy: %w: subject and role cannot be \"*\"", ErrInvalid)
	}
	if a.Subject == a.Role {
		return fmt.Errorf("policy: %w: %q cannot be its own role", ErrInvalid, a.Subject)
	}
	return nil
}

// checkName demands a non-empty value without commas (Casbin's CSV
// policy format, which `kiln policy` prints, would split it), control
// characters or surrounding spaces.
func checkName(what, v string) error {
	switch {
	case v == "":
		return fmt.Errorf("policy: %w: %s is required", ErrInvalid, what)
	case strings.ContainsRune(v, ','):
		return fmt.Errorf("policy: %w: %s %q contains a comma", ErrInvalid, what, v)
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("policy: %w: %s %q contains a control character", ErrInvalid, what, v)
	case strings.TrimSpace(v) != v:
		return fmt.Errorf("policy: %w: %s %q has surrounding spaces", ErrInvalid, what, v)
	}
	return nil
}
