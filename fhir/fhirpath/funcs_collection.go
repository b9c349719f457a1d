package fhirpath

import (
	"fmt"
	"slices"
)

// Existence, filtering, subsetting and combining functions.
func init() {
	register("empty", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		return boolColl(len(in) == 0), nil
	})
	register("exists", 0, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		if len(n.args) == 0 {
			return boolColl(len(in) > 0), nil
		}
		found := false
		err := n.eachItem(c, in, 0, func(_ int, _ Value, res []Value) error {
			if !found && isTrue(res) {
				found = true
			}
			return nil
		})
		return boolColl(found), err
	})
	register("all", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		all := true
		err := n.eachItem(c, in, 0, func(_ int, _ Value, res []Value) error {
			if all && !isTrue(res) {
				all = false
			}
			return nil
		})
		return boolColl(all), err
	})
	register("allTrue", 0, 0, boolAggregate(func(b bool) bool { return b }, true))
	register("anyTrue", 0, 0, boolAggregate(func(b bool) bool { return b }, false))
	register("allFalse", 0, 0, boolAggregate(func(b bool) bool { return !b }, true))
	register("anyFalse", 0, 0, boolAggregate(func(b bool) bool { return !b }, false))
	register("subsetOf", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		other, err := n.arg(c, 0)
		return boolColl(subset(in, other)), err
	})
	register("supersetOf", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		other, err := n.arg(c, 0)
		return boolColl(subset(other, in)), err
	})
	register("count", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		return []Value{intValue(int64(len(in)))}, nil
	})
	register("distinct", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		return union(in, nil), nil
	})
	register("isDistinct", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		return boolColl(len(union(in, nil)) == len(in)), nil
	})

	register("where", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		var out []Value
		err := n.eachItem(c, in, 0, func(_ int, item Value, res []Value) error {
			if isTrue(res) {
				out = append(out, item)
			}
			return nil
		})
		return out, err
	})
	register("select", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		var out []Value
		err := n.eachItem(c, in, 0, func(_ int, _ Value, res []Value) error {
			out = append(out, res...)
			return nil
		})
		return out, err
	})
	register("repeat", 1, 1, fnRepeat)
	registerType("ofType", func(_ *ctx, in []Value, n *funcNode) ([]Value, error) {
		return filterType(in, n.typ), nil
	})

	register("single", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		if len(in) > 1 {
			return nil, fmt.Errorf("input has %d items", len(in))
		}
		return in, nil
	})
	register("first", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[:1:1], nil
	})
	register("last", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[len(in)-1:], nil
	})
	register("tail", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		if len(in) == 0 {
			return nil, nil
		}
		return in[1:], nil
	})
	register("skip", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		k, ok, err := n.argInt(c, 0)
		if err != nil || !ok {
			return nil, err
		}
		if k <= 0 {
			return in, nil
		}
		if k >= int64(len(in)) {
			return nil, nil
		}
		return in[k:], nil
	})
	register("take", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		k, ok, err := n.argInt(c, 0)
		if err != nil || !ok || k <= 0 {
			return nil, err
		}
		if k >= int64(len(in)) {
			return in, nil
		}
		return in[:k:k], nil
	})
	register("intersect", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		other, err := n.arg(c, 0)
		var out []Value
		for _, v := range in {
			if containsItem(other, v) && !containsItem(out, v) {
				out = append(out, v)
			}
		}
		return out, err
	})
	register("exclude", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		other, err := n.arg(c, 0)
		var out []Value
		for _, v := range in {
			if !containsItem(other, v) {
				out = append(out, v)
			}
		}
		return out, err
	})
	register("union", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		other, err := n.arg(c, 0)
		return union(in, other), err
	})
	register("combine", 1, 1, func(c *ctx, in []Value, n *funcNode) ([]Value, error) {
		other, err := n.arg(c, 0)
		out := make([]Value, 0, len(in)+len(other))
		return append(append(out, in...), other...), err
	})
	register("aggregate", 1, 2, fnAggregate)
	register("iif", 2, 3, fnIif)
	register("not", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		t, err := toTri(in)
		if err != nil || t == triUnknown {
			return nil, err
		}
		return boolColl(t == triFalse), nil
	})
	register("children", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		var out []Value
		for _, v := range in {
			out = allChildren(out, v)
		}
		return out, nil
	})
	register("descendants", 0, 0, func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		var out []Value
		queue := in
		for len(queue) > 0 {
			var next []Value
			for _, v := range queue {
				next = allChildren(next, v)
			}
			out = append(out, next...)
			queue = next
		}
		return out, nil
	})
}

func registerType(name string, impl funcImpl) {
	functions[name] = funcDef{minArgs: 1, maxArgs: 1, impl: impl, typeArg: true}
}

// isTrue reports whether a criteria result counts as true: a single true
// boolean, or a single non-boolean item.
func isTrue(res []Value) bool {
	t, err := toTri(res)
	return err == nil && t == triTrue
}

func boolAggregate(test func(bool) bool, all bool) funcImpl {
	return func(_ *ctx, in []Value, _ *funcNode) ([]Value, error) {
		for _, v := range in {
			b, ok := v.boolean()
			if !ok {
				return nil, fmt.Errorf("expected booleans, got %s", v.Type)
			}
			if test(b) != all {
				return boolColl(!all), nil
			}
		}
		return boolColl(all), nil
	}
}

func subset(a, b []Value) bool {
	for _, v := range a {
		if !containsItem(b, v) {
			return false
		}
	}
	return true
}

// maxRepeat bounds repeat() on cyclic or huge inputs.
const maxRepeat = 100000

func fnRepeat(c *ctx, in []Value, n *funcNode) ([]Value, error) {
	var out []Value
	queue := in
	for len(queue) > 0 {
		var next []Value
		err := n.eachItem(c, queue, 0, func(_ int, _ Value, res []Value) error {
			for _, v := range res {
				if !containsItem(out, v) {
					out = append(out, v)
					next = append(next, v)
				}
			}
			if len(out) > maxRepeat {
				return fmt.Errorf("more than %d items", maxRepeat)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		queue = next
	}
	return out, nil
}

func fnAggregate(c *ctx, in []Value, n *funcNode) ([]Value, error) {
	total, err := n.arg(c, 1)
	if err != nil {
		return nil, err
	}
	savedTotal := c.total
	defer func() { c.total = savedTotal }()
	c.total = total
	err = n.eachItem(c, in, 0, func(_ int, _ Value, res []Value) error {
		c.total = res
		return nil
	})
	return c.total, err
}

func fnIif(c *ctx, in []Value, n *funcNode) ([]Value, error) {
	if len(in) > 1 {
		return nil, fmt.Errorf("input has %d items", len(in))
	}
	// All arguments see the input item, when there is one, as $this.
	saved := c.this
	defer func() { c.this = saved }()
	if len(in) == 1 {
		c.this = in
	}
	cond, err := n.args[0].eval(c, c.this)
	if err != nil {
		return nil, err
	}
	t, err := toTri(cond)
	if err != nil {
		return nil, err
	}
	if len(cond) == 1 {
		if _, ok := cond[0].boolean(); !ok {
			return nil, fmt.Errorf("criterion must be a boolean, got %s", cond[0].Type)
		}
	}
	if t == triTrue {
		return n.arg(c, 1)
	}
	return n.arg(c, 2)
}

// sort() orders the input by its items, or by the keys its arguments
// compute per item; a key written as -expr sorts descending.
func init() {
	register("sort", 0, 16, fnSort)
}

func fnSort(c *ctx, in []Value, n *funcNode) ([]Value, error) {
	type keyed struct {
		v    Value
		keys [][]Value
	}
	items := make([]keyed, len(in))
	desc := make([]bool, len(n.args))
	keyNodes := make([]node, len(n.args))
	for i, a := range n.args {
		keyNodes[i] = a
		if neg, ok := a.(*negNode); ok {
			desc[i], keyNodes[i] = true, neg.x
		}
	}
	saved, savedIdx := c.this, c.index
	defer func() { c.this, c.index = saved, savedIdx }()
	for i, v := range in {
		items[i].v = v
		c.this, c.index = in[i:i+1:i+1], i
		for _, kn := range keyNodes {
			k, err := kn.eval(c, c.this)
			if err != nil {
				return nil, err
			}
			items[i].keys = append(items[i].keys, k)
		}
	}
	var sortErr error
	cmp := func(a, b []Value) int {
		switch {
		case len(a) == 0 && len(b) == 0:
			return 0
		case len(a) == 0:
			return -1
		case len(b) == 0:
			return 1
		}
		r, _, err := compareItems(a[0], b[0])
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return r
	}
	slices.SortStableFunc(items, func(x, y keyed) int {
		if len(n.args) == 0 {
			return cmp([]Value{x.v}, []Value{y.v})
		}
		for i := range keyNodes {
			r := cmp(x.keys[i], y.keys[i])
			// Empty keys sort first in either direction.
			if desc[i] && len(x.keys[i]) > 0 && len(y.keys[i]) > 0 {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	})
	if sortErr != nil {
		return nil, sortErr
	}
	out := make([]Value, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out, nil
}
