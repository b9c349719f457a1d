package policy

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"github.com/kiln-health/kiln/fhir/store"
)

// Record kinds of the policy. Rules belong to no tenant (Tenant ""): the
// tenant is the rule's Casbin domain, so one load gives every tenant's
// rules and the "*" rules that apply to all of them.
const (
	ruleKind       = "casbin"
	generationKind = "casbin-generation"
)

// keySep joins a rule's ptype and values into its record key. It is a
// control character no subject, tenant, type or role name has, so the key
// is unambiguous and still readable in the database.
const keySep = "\x1f"

// Adapter keeps Casbin rules in Kiln's store, one store.Record per rule,
// so that policies live in the same database as the data they protect and
// need no table of their own.
//
// Every write also replaces the generation record with a new random value:
// engines in other processes (a server while `kiln policy` edits rules)
// poll that one record rather than reloading every rule.
//
// Adapter implements persist.Adapter, whose methods take no context (they
// use context.Background()), and persist.ContextAdapter, which Engine
// uses.
type Adapter struct {
	records store.Records
}

var (
	_ persist.Adapter        = (*Adapter)(nil)
	_ persist.ContextAdapter = (*Adapter)(nil)
)

// NewAdapter returns an Adapter on records.
func NewAdapter(records store.Records) *Adapter {
	return &Adapter{records: records}
}

// storedRule is the JSON value of a rule record.
type storedRule struct {
	PType  string   `json:"ptype"`
	Values []string `json:"values"`
}

// ruleKey is the record key of a rule: deterministic, so adding a rule
// twice stores it once and removing it needs no search.
func ruleKey(ptype string, values []string) (string, error) {
	if ptype == "" || strings.Contains(ptype, keySep) {
		return "", fmt.Errorf("invalid rule type %q", ptype)
	}
	for _, v := range values {
		if strings.Contains(v, keySep) {
			return "", fmt.Errorf("rule value %q contains a control character (0x1f)", v)
		}
	}
	return ptype + keySep + strings.Join(values, keySep), nil
}

func ruleRecord(ptype string, values []string) (store.Record, error) {
	key, err := ruleKey(ptype, values)
	if err != nil {
		return store.Record{}, err
	}
	value, err := json.Marshal(storedRule{PType: ptype, Values: values})
	if err != nil {
		return store.Record{}, err
	}
	return store.Record{Kind: ruleKind, Key: key, Value: value}, nil
}

// list returns every stored rule, ordered by key.
func (a *Adapter) list(ctx context.Context) ([]storedRule, error) {
	recs, err := a.records.ListRecords(ctx, "", ruleKind)
	if err != nil {
		return nil, fmt.Errorf("policy: list rules: %w", err)
	}
	rules := make([]storedRule, 0, len(recs))
	for _, r := range recs {
		var sr storedRule
		if err := json.Unmarshal(r.Value, &sr); err != nil {
			return nil, fmt.Errorf("policy: rule %q: %w", r.Key, err)
		}
		rules = append(rules, sr)
	}
	return rules, nil
}

// generation returns the current generation ("" before the first write).
func (a *Adapter) generation(ctx context.Context) (string, error) {
	r, err := a.records.GetRecord(ctx, "", generationKind, "")
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("policy: read generation: %w", err)
	}
	return string(r.Value), nil
}

// bump records that the rules changed. It runs after the rule writes, and
// engines read the generation before the rules, so an engine that has
// loaded a generation has seen every change made before it.
func (a *Adapter) bump(ctx context.Context) error {
	err := a.records.PutRecord(ctx, store.Record{Kind: generationKind, Value: []byte(rand.Text())})
	if err != nil {
		return fmt.Errorf("policy: rules changed but the generation was not updated (other processes may not notice until the next change): %w", err)
	}
	return nil
}

// LoadPolicyCtx loads every stored rule into m.
func (a *Adapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	rules, err := a.list(ctx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if err := persist.LoadPolicyArray(append([]string{r.PType}, r.Values...), m); err != nil {
			return fmt.Errorf("policy: load rule %s %q: %w", r.PType, r.Values, err)
		}
	}
	return nil
}

// SavePolicyCtx replaces every stored rule with the rules of m, in one
// transaction.
func (a *Adapter) SavePolicyCtx(ctx context.Context, m model.Model) error {
	var recs []store.Record
	seen := map[string]bool{}
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				r, err := ruleRecord(ptype, rule)
				if err != nil {
					return fmt.Errorf("policy: save: %w", err)
				}
				if !seen[r.Key] {
					seen[r.Key] = true
					recs = append(recs, r)
				}
			}
		}
	}
	if err := a.records.ReplaceRecords(ctx, "", ruleKind, recs); err != nil {
		return fmt.Errorf("policy: save: %w", err)
	}
	return a.bump(ctx)
}

// AddPolicyCtx stores one rule; storing an existing rule changes nothing.
func (a *Adapter) AddPolicyCtx(ctx context.Context, sec, ptype string, rule []string) error {
	r, err := ruleRecord(ptype, rule)
	if err != nil {
		return fmt.Errorf("policy: add rule: %w", err)
	}
	if err := a.records.PutRecord(ctx, r); err != nil {
		return fmt.Errorf("policy: add rule: %w", err)
	}
	return a.bump(ctx)
}

// RemovePolicyCtx removes one rule. A rule that is not stored is not an
// error (another process may have removed it); Engine.RemoveRule, which
// reports it, uses remove.
func (a *Adapter) RemovePolicyCtx(ctx context.Context, sec, ptype string, rule []string) error {
	if err := a.remove(ctx, ptype, rule); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// remove deletes one rule: store.ErrNotFound (wrapped) if it is absent.
func (a *Adapter) remove(ctx context.Context, ptype string, rule []string) error {
	key, err := ruleKey(ptype, rule)
	if err != nil {
		return fmt.Errorf("policy: remove rule: %w", err)
	}
	if err := a.records.DeleteRecord(ctx, "", ruleKind, key); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("policy: remove rule %s %q: %w", ptype, rule, store.ErrNotFound)
		}
		return fmt.Errorf("policy: remove rule %s %q: %w", ptype, rule, err)
	}
	return a.bump(ctx)
}

// RemoveFilteredPolicyCtx removes the rules of ptype whose values, from
// fieldIndex on, equal fieldValues ("" matches any value), as Casbin
// defines it.
func (a *Adapter) RemoveFilteredPolicyCtx(ctx context.Context, sec, ptype string, fieldIndex int, fieldValues ...string) error {
	rules, err := a.list(ctx)
	if err != nil {
		return err
	}
	removed := false
	for _, r := range rules {
		if r.PType != ptype || !matchesFilter(r.Values, fieldIndex, fieldValues) {
			continue
		}
		key, err := ruleKey(r.PType, r.Values)
		if err != nil {
			return fmt.Errorf("policy: remove rules: %w", err)
		}
		err = a.records.DeleteRecord(ctx, "", ruleKind, key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("policy: remove rules: %w", err)
		}
		removed = true
	}
	if !removed {
		return nil
	}
	return a.bump(ctx)
}

func matchesFilter(values []string, fieldIndex int, fieldValues []string) bool {
	if fieldIndex < 0 {
		return false
	}
	for i, fv := range fieldValues {
		if fv == "" {
			continue
		}
		j := fieldIndex + i
		if j >= len(values) || values[j] != fv {
			return false
		}
	}
	return true
}

// LoadPolicy is LoadPolicyCtx without a context.
func (a *Adapter) LoadPolicy(m model.Model) error {
	return a.LoadPolicyCtx(context.Background(), m)
}

// SavePolicy is SavePolicyCtx without a context.
func (a *Adapter) SavePolicy(m model.Model) error {
	return a.SavePolicyCtx(context.Background(), m)
}

// AddPolicy is AddPolicyCtx without a context.
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicyCtx(context.Background(), sec, ptype, rule)
}

// RemovePolicy is RemovePolicyCtx without a context.
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicyCtx(context.Background(), sec, ptype, rule)
}

// RemoveFilteredPolicy is RemoveFilteredPolicyCtx without a context.
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.RemoveFilteredPolicyCtx(context.Background(), sec, ptype, fieldIndex, fieldValues...)
}
