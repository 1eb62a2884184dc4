package reconcile

import (
	"context"
	"time"
)

// record writes to the inventory what the applied changes mean for it, in
// one produce round. Each kind says what its changes mean (kind.record);
// typically a created resource is recorded and a deleted one removed.
//
// A dry run records nothing. Failed changes are left as they were, so a
// failed deletion stays in the inventory for the next try.
func (a *applier) record(ctx context.Context, run []Change) error {
	if a.opts.DryRun {
		return nil
	}
	r := &recorder{a: a, set: map[ResourceKey]InventoryEntry{}, now: a.opts.Now().UTC()}
	for _, k := range registered() {
		if k.record == nil {
			continue
		}
		var cs []Change
		for _, c := range run {
			if c.Kind == k.name {
				cs = append(cs, c)
			}
		}
		if len(cs) > 0 {
			k.record(r, cs)
		}
	}
	if r.err != nil {
		return r.err
	}
	w := inventoryWriter{cl: a.cl, ref: a.opts.Inventory, brokers: a.opts.Brokers}
	return w.record(ctx, r.set, dedupe(r.remove))
}

// settle waits, kind by kind, until the cluster shows what was applied.
func (a *applier) settle(ctx context.Context, run []Change) error {
	for _, k := range registered() {
		if k.settle == nil {
			continue
		}
		var done []Change
		for _, c := range run {
			if c.Kind == k.name && a.ok(c) {
				done = append(done, c)
			}
		}
		if len(done) > 0 {
			if err := k.settle(ctx, a, done); err != nil {
				return err
			}
		}
	}
	return nil
}

// recorder collects a kind's inventory updates.
type recorder struct {
	a      *applier
	set    map[ResourceKey]InventoryEntry
	remove []ResourceKey
	now    time.Time
	err    error
}

// ok says whether c was applied.
func (r *recorder) ok(c Change) bool { return r.a.ok(c) }

// entry is a new inventory entry for this apply.
func (r *recorder) entry(external bool) InventoryEntry {
	return InventoryEntry{CreatedAt: r.now, Revision: r.a.opts.Revision, External: external}
}

// prior is what the inventory held for k before this apply.
func (r *recorder) prior(k ResourceKey) (InventoryEntry, bool) {
	e, ok := r.a.prior[k]
	return e, ok
}

// put records k.
func (r *recorder) put(k ResourceKey, e InventoryEntry) { r.set[k] = e }

// drop removes k from the inventory.
func (r *recorder) drop(k ResourceKey) { r.remove = append(r.remove, k) }

// fail makes the whole record fail: nothing is written.
func (r *recorder) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// recordCreatedDeleted is the usual record: an applied creation is
// recorded, an applied deletion removed (drift deletions of resources
// kgitops never recorded excepted).
func recordCreatedDeleted(r *recorder, cs []Change) {
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		key := ResourceKey{c.Kind, c.Name}
		switch {
		case c.Action == ActionCreate:
			r.put(key, r.entry(false))
		case c.Action == ActionDelete && !c.Drift:
			r.drop(key)
		}
	}
}

func dedupe(keys []ResourceKey) []ResourceKey {
	seen := map[ResourceKey]bool{}
	var out []ResourceKey
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
