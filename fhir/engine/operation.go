package engine

import (
	"context"

	"github.com/kiln-health/kiln/fhir/audit"
	"github.com/kiln-health/kiln/fhir/store"
)

// Operation is an instance-level operation ($name) that a component
// outside the engine implements (the pipeline's $reidentify). It gets the
// resource the caller asked about and returns the response body.
type Operation func(ctx context.Context, tenant string, r store.Resource) ([]byte, error)

// Invoke runs op on typ/id for the caller: the caller must be allowed to
// read the resource and to do act on it (ActionOperation for an operation
// that reveals more than a read, such as $reidentify), both judged like
// every other interaction, and the call is audited as an "operation" with
// the operation's name.
func (e *Engine) Invoke(ctx context.Context, tenant, typ, id, name string, act Action, op Operation) ([]byte, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, err
	}
	g := newGuard(c.Access)
	var r store.Resource
	err = e.store.View(ctx, tenant, func(tx store.Tx) error {
		var err error
		if r, err = readIn(ctx, tx, g, typ, id, ""); err != nil {
			return err
		}
		if _, err := g.require(typ, act); err != nil {
			return err
		}
		return g.check(ctx, tx, typ, id, act)
	})
	var out []byte
	if err == nil {
		out, err = op(ctx, tenant, r)
	}
	entities := []audit.Entity{ref(typ, id), {Query: typ + "/" + id + "/$" + name}}
	if err := e.audited(ctx, tenant, c, "operation", err, entities); err != nil {
		return nil, err
	}
	return out, nil
}

// TypeOperation is a type-level operation ($name on a resource type, such
// as DocumentReference/$upload-url). It gets the request body (nil for
// GET) and returns the response body.
type TypeOperation func(ctx context.Context, tenant string, body []byte) ([]byte, error)

// InvokeType runs a type-level operation for the caller, who must be
// allowed act on typ (the operation says what it amounts to: handing out
// an upload URL is a create), and audits it as an "operation".
func (e *Engine) InvokeType(ctx context.Context, tenant, typ, name string, act Action, body []byte, op TypeOperation) ([]byte, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, err
	}
	var out []byte
	if _, err = newGuard(c.Access).require(typ, act); err == nil {
		out, err = op(ctx, tenant, body)
	}
	if err := e.audited(ctx, tenant, c, "operation", err, []audit.Entity{{Query: typ + "/$" + name}}); err != nil {
		return nil, err
	}
	return out, nil
}

// Require checks that the caller may do act on some resources of typ at
// all (an operation that will create a resource of another type asks this
// first); it neither reads nor audits.
func (e *Engine) Require(ctx context.Context, typ string, act Action) error {
	c, err := callerFrom(ctx)
	if err != nil {
		return err
	}
	_, err = newGuard(c.Access).require(typ, act)
	return err
}

// Restricted reports whether ctx's caller may act on only some resources
// of typ (true) or on all of them (false); it answers 403 when the caller
// may act on none. Operations that read on Kiln's authority use it to
// decide whether they may, or must read as the caller instead.
func (e *Engine) Restricted(ctx context.Context, typ string, act Action) (bool, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return false, err
	}
	f, err := newGuard(c.Access).require(typ, act)
	return f != nil, err
}

// CallerAgent returns the audit agent of ctx's caller.
func CallerAgent(ctx context.Context) (audit.Agent, error) {
	c, err := callerFrom(ctx)
	return c.Agent, err
}
