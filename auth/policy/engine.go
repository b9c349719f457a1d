package policy

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/kiln-health/kiln/fhir/store"
)

//go:embed model.conf
var modelConf string

// DefaultRefreshEvery is how often, by default, an Engine checks whether
// another process changed the rules.
const DefaultRefreshEvery = 5 * time.Second

// Options configure an Engine.
type Options struct {
	// Now is the clock (time.Now if nil); tests give a fake one.
	Now func() time.Time
	// RefreshEvery is the longest an Engine goes without checking the
	// store for rule changes made by other processes
	// (DefaultRefreshEvery if zero).
	RefreshEvery time.Duration
}

// Engine decides access by the Casbin rules kept in a store.
//
// Each load of the rules builds a new casbin.SyncedEnforcer and swaps it
// in whole, so a decision sees one consistent set of rules and nothing
// computed from older rules survives a change. An Engine is safe for
// concurrent use.
type Engine struct {
	adapter *Adapter
	now     func() time.Time
	every   time.Duration

	// loadMu serialises loads, so an older set of rules never replaces a
	// newer one.
	loadMu sync.Mutex
	cur    atomic.Pointer[snapshot]

	checkMu sync.Mutex
	checked time.Time // last generation check
}

// snapshot is one loaded set of rules and the generation it was loaded at.
type snapshot struct {
	enf *casbin.SyncedEnforcer
	gen string
	// decisions caches Decide's answers for these rules: a new set of
	// rules comes with an empty cache, so nothing outlives a change.
	decisions sync.Map // decisionKey → Labels
	cached    atomic.Int64
}

// decisionKey names one Decide question.
type decisionKey struct{ tenant, subjects, typ, action string }

// maxCachedDecisions bounds the cache; past it, answers are computed
// every time (a principal space that large is unusual).
const maxCachedDecisions = 100_000

// New returns an Engine on records, with the rules they hold now.
func New(ctx context.Context, records store.Records, opts Options) (*Engine, error) {
	if records == nil {
		return nil, errors.New("policy: new engine: no records store")
	}
	e := &Engine{adapter: NewAdapter(records), now: opts.Now, every: opts.RefreshEvery}
	if e.now == nil {
		e.now = time.Now
	}
	if e.every <= 0 {
		e.every = DefaultRefreshEvery
	}
	if err := e.Refresh(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Refresh loads the rules from the store now, whether or not they changed.
func (e *Engine) Refresh(ctx context.Context) error {
	if err := e.load(ctx); err != nil {
		return err
	}
	e.checkMu.Lock()
	e.checked = e.now()
	e.checkMu.Unlock()
	return nil
}

// load reads the generation, then the rules, and installs them.
func (e *Engine) load(ctx context.Context) error {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	gen, err := e.adapter.generation(ctx)
	if err != nil {
		return err
	}
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return fmt.Errorf("policy: model: %w", err)
	}
	if err := e.adapter.LoadPolicyCtx(ctx, m); err != nil {
		return err
	}
	enf, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return fmt.Errorf("policy: enforcer: %w", err)
	}
	if err := enf.BuildRoleLinks(); err != nil {
		return fmt.Errorf("policy: role links: %w", err)
	}
	e.cur.Store(&snapshot{enf: enf, gen: gen})
	return nil
}

// maybeRefresh reloads the rules if RefreshEvery has passed since the last
// check and the generation changed. One caller checks at a time; the
// others go on with the rules they have.
func (e *Engine) maybeRefresh(ctx context.Context) error {
	now := e.now()
	e.checkMu.Lock()
	since := now.Sub(e.checked)
	due := since >= e.every || since < 0 // < 0: the clock went back
	if due {
		e.checked = now
	}
	e.checkMu.Unlock()
	if !due {
		return nil
	}
	err := e.refreshIfChanged(ctx)
	if err != nil {
		// Check again on the next call rather than trusting stale rules
		// for another RefreshEvery.
		e.checkMu.Lock()
		e.checked = time.Time{}
		e.checkMu.Unlock()
	}
	return err
}

func (e *Engine) refreshIfChanged(ctx context.Context) error {
	gen, err := e.adapter.generation(ctx)
	if err != nil {
		return err
	}
	if gen == e.cur.Load().gen {
		return nil
	}
	return e.load(ctx)
}

// Decide returns the label classes of resources of type typ that the
// principal with these subjects (its id and the roles its credential
// asserts) may act on in tenant; zero means denied. A deny rule that
// matches any subject removes its class even if another subject is
// allowed. Any error denies.
func (e *Engine) Decide(ctx context.Context, tenant string, subjects []string, typ, action string) (Labels, error) {
	if err := checkRequest(tenant, typ, action); err != nil {
		return 0, err
	}
	if err := e.maybeRefresh(ctx); err != nil {
		return 0, err // already "policy: …"
	}
	snap := e.cur.Load()
	key := decisionKey{tenant, strings.Join(subjects, "\x00"), typ, action}
	if v, ok := snap.decisions.Load(key); ok {
		return v.(Labels), nil
	}
	var allowed Labels
	for _, c := range classes {
		ok, err := decideClass(snap.enf, tenant, subjects, typ, action, c.name)
		if err != nil {
			return 0, fmt.Errorf("policy: decide %s %s %s in %s: %w", action, typ, c.name, tenant, err)
		}
		if ok {
			allowed |= c.bit
		}
	}
	if snap.cached.Add(1) <= maxCachedDecisions {
		snap.decisions.Store(key, allowed)
	}
	return allowed, nil
}

// decideClass asks Casbin once per subject, because deny override only
// works within one request: a subject whose request is refused by a deny
// rule (EnforceEx then explains with that rule) vetoes the allow of any
// other subject.
func decideClass(enf *casbin.SyncedEnforcer, tenant string, subjects []string, typ, action, label string) (bool, error) {
	allowed := false
	for _, sub := range subjects {
		if sub == "" {
			continue
		}
		ok, explain, err := enf.EnforceEx(sub, tenant, typ, action, label)
		if err != nil {
			return false, err
		}
		if ok {
			allowed = true
			continue
		}
		if len(explain) > 0 && explain[len(explain)-1] == EffectDeny {
			return false, nil
		}
	}
	return allowed, nil
}

// checkRequest validates what Decide is asked.
func checkRequest(tenant, typ, action string) error {
	switch {
	case tenant == "" || tenant == Any:
		return fmt.Errorf("policy: decide: %w: tenant %q (want a tenant name)", ErrInvalid, tenant)
	case typ == "" || typ == Any:
		return fmt.Errorf("policy: decide: %w: resource type %q (want a resource type)", ErrInvalid, typ)
	case !isAction(action):
		return fmt.Errorf("policy: decide: %w: action %q (want one of %s)", ErrInvalid, action, actionList)
	}
	return nil
}
