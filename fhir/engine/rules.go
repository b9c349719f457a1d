package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/kiln-health/kiln/fhir"
	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/store"
)

// A Rule is one of Kiln's own rules for a resource type, beyond what FHIR
// and the caller's access allow: a Client Health Report must validate
// against its profile, be edited with If-Match and, once signed, never
// change silently. The engine calls it for every version of its type a
// transaction is about to write, inside that transaction, once ids,
// references and meta are final. A Rule refuses with an error (a
// *fhir.Error gives the client its status and OperationOutcome; anything
// else is a 500), or returns resources that must commit with the write
// (its Provenance, say). Rules must not write through the engine
// themselves.
type Rule func(ctx context.Context, c Change) ([]Derived, error)

// Change is one version a transaction is about to write.
type Change struct {
	Tenant string
	// Agent is who writes (the caller's audit agent).
	Agent audit.Agent
	// Interaction is create, update, patch or delete.
	Interaction string
	Type, ID    string
	Version     int64
	// Previous is the current version before this write; nil when the
	// resource does not exist yet (or was deleted).
	Previous *store.Resource
	// Body is the version as it will be stored (id and meta set); nil
	// for a delete.
	Body []byte
	// IfMatch tells whether the client made the write conditional on the
	// version it read (If-Match).
	IfMatch bool
}

// Derived is a resource a Rule adds to a transaction. It is written as a
// PUT would write it (a new version if it exists), validated as R4 and
// indexed, on the system's authority: the rule, not the caller, decides
// it. Each resource may appear once per transaction.
type Derived struct {
	Type, ID string
	Body     []byte
}

// applyRules runs the engine's rules over the versions ops are about to
// write and turns what they derive into writes.
func (x *execution) applyRules(ctx context.Context, tenant string, agent audit.Agent, ops []*op) ([]store.Write, []store.Resource, error) {
	rules := x.engine.rules
	if len(rules) == 0 {
		return nil, nil, nil
	}
	var derived []Derived
	for _, o := range ops {
		if o.write == nil {
			continue
		}
		rule := rules[o.write.Type]
		if rule == nil {
			continue
		}
		c := Change{Tenant: tenant, Agent: agent, Interaction: opInteraction(o), Type: o.write.Type, ID: o.write.ID,
			Version: o.write.Version, Body: o.write.Body, IfMatch: o.IfMatch != ""}
		if o.prev.Version > 0 && !o.prev.Deleted {
			prev := o.prev
			c.Previous = &prev
		}
		ds, err := rule(ctx, c)
		if err != nil {
			return nil, nil, &opError{o.index, err}
		}
		derived = append(derived, ds...)
	}
	var writes []store.Write
	var resources []store.Resource
	for _, d := range derived {
		w, err := x.derive(ctx, d)
		if err != nil {
			return nil, nil, err
		}
		writes = append(writes, w)
		resources = append(resources, store.Resource{Type: w.Type, ID: w.ID, Version: w.Version, LastUpdated: w.LastUpdated, Method: w.Method, Body: w.Body})
	}
	return writes, resources, nil
}

// derive prepares the write of one derived resource.
func (x *execution) derive(ctx context.Context, d Derived) (store.Write, error) {
	key := d.Type + "/" + d.ID
	if _, dup := x.targets[key]; dup {
		return store.Write{}, fmt.Errorf("engine: a rule derived %s, which the transaction writes already", key)
	}
	x.targets[key] = -1
	if err := x.engine.validator.Validate(d.Body); err != nil {
		return store.Write{}, fmt.Errorf("engine: a rule derived an invalid %s: %w", key, err)
	}
	obj, err := fhir.ParseObject(d.Body)
	if err != nil {
		return store.Write{}, fmt.Errorf("engine: a rule derived %s: %w", key, err)
	}
	if obj.Type() != d.Type {
		return store.Write{}, fmt.Errorf("engine: a rule derived %s with resourceType %q", key, obj.Type())
	}
	cur, err := x.tx.Current(ctx, d.Type, d.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Write{}, fmt.Errorf("engine: read %s: %w", key, err)
	}
	w := store.Write{Type: d.Type, ID: d.ID, Version: cur.Version + 1, LastUpdated: x.now, Method: store.MethodPut}
	obj.SetID(d.ID)
	obj.SetMeta(w.Version, w.LastUpdated)
	if w.Body, err = obj.Marshal(); err != nil {
		return store.Write{}, fmt.Errorf("engine: encode %s: %w", key, err)
	}
	if w.Index, err = x.engine.extractor.Extract(obj); err != nil {
		return store.Write{}, fmt.Errorf("engine: index %s: %w", key, err)
	}
	return w, nil
}
