package reconcile

import (
	"context"
	"maps"
	"time"
)

// The inventory is written ahead of the changes. Before anything is
// applied, writeIntents records, as pending entries, every resource the
// apply may create that the inventory does not hold yet: a process killed
// at any point after that leaves each created resource owned. After the
// apply, record writes the outcome: confirmed entries for what was
// created, intents dropped for what was not, entries removed for what was
// deleted. Intents left by a process that died are confirmed or dropped
// by the next apply, against the live state (kind.own).

// writeIntents records the intents of this apply, in one produce round,
// after making sure the inventory topic exists and takes writes. A dry run
// writes nothing.
func (a *applier) writeIntents(ctx context.Context, run []Change) error {
	if a.opts.DryRun || len(run) == 0 {
		return nil
	}
	r := a.newRecorder(true)
	a.recordKinds(r, run)
	if r.err != nil {
		return r.err
	}
	if len(r.set) == 0 {
		return nil
	}
	a.intents = maps.Clone(r.set)
	return a.writer().record(ctx, r.set, nil)
}

// record writes to the inventory what the applied changes mean for it, in
// one produce round. Each kind says what its changes mean (kind.record).
// Intents of this apply that the outcome does not confirm are dropped;
// intents of earlier applies are confirmed or dropped against the live
// state. A dry run records nothing.
func (a *applier) record(ctx context.Context, run []Change) error {
	if a.opts.DryRun {
		return nil
	}
	r := a.newRecorder(false)
	a.recordKinds(r, run)
	if r.err != nil {
		return r.err
	}
	var lost []ResourceKey
	for k := range a.intents {
		if _, confirmed := r.set[k]; !confirmed && !a.unsure[k] {
			r.drop(k)
			if a.raced[k] {
				lost = append(lost, k)
			}
		}
	}
	a.repair(r)
	for _, k := range a.claims {
		r.set[k] = InventoryEntry{CreatedAt: r.now, Revision: a.opts.Revision, External: true, Claim: true}
	}
	r.remove = append(r.remove, a.unclaims...)
	if err := a.writer().record(ctx, r.set, dedupe(r.remove)); err != nil {
		return err
	}
	return a.restoreLost(ctx, lost)
}

// recordKinds runs each kind's record on its changes.
func (a *applier) recordKinds(r *recorder, run []Change) {
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
}

// repair confirms or drops the intents earlier applies left, and forgets
// resources recreated by someone else, as each kind's own hook says.
func (a *applier) repair(r *recorder) {
	live := a.opts.Live
	if live == nil {
		return
	}
	for key, e := range a.prior {
		k := kindOf(key.Kind)
		if k == nil || k.own == nil {
			continue
		}
		if _, touched := r.set[key]; touched {
			continue
		}
		now, o := k.own(live, key.Name, e)
		switch {
		case o == ownUnknown:
		case o == ownSame && (e.Pending || now != e):
			now.Pending = false
			r.put(key, now)
		case o == ownOther, o == ownMissing && e.Pending && stale(e, r.now):
			r.drop(key)
		}
	}
}

// InventoryRepairs counts what an apply would put right in the inventory
// although the plan changes nothing in the cluster: intents a process that
// died left behind, topics recreated by someone else, ids to fill in.
// Callers apply when the plan has changes or this is not zero.
func (l *Live) InventoryRepairs() int {
	n := 0
	for key, e := range l.Inventory.Entries {
		k := kindOf(key.Kind)
		if k == nil || k.own == nil {
			continue
		}
		now, o := k.own(l, key.Name, e)
		if o == ownOther || (o == ownSame && (e.Pending || now != e)) || (o == ownMissing && e.Pending && stale(e, time.Now())) {
			n++
		}
	}
	return n
}

// writer writes this apply's inventory records, with the source when the
// inventory has none yet or this apply claims it.
func (a *applier) writer() inventoryWriter {
	if a.wrote == nil {
		a.wrote = map[int64]bool{}
	}
	w := inventoryWriter{cl: a.cl, ref: a.opts.Inventory, brokers: a.opts.Brokers, wrote: func(o int64) { a.wrote[o] = true }}
	if a.opts.Source != "" && a.opts.Source != a.opts.Known.Source && (a.opts.Known.Source == "" || a.opts.ClaimInventory) {
		w.source = a.opts.Source
	}
	return w
}

func (a *applier) newRecorder(intent bool) *recorder {
	return &recorder{a: a, intent: intent, set: map[ResourceKey]InventoryEntry{}, now: a.opts.Now().UTC()}
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

// recorder collects a kind's inventory updates. As an intent recorder
// (before the apply) every change counts as applied, only resources the
// inventory does not hold yet are recorded, as pending, and nothing is
// removed.
type recorder struct {
	a      *applier
	intent bool
	set    map[ResourceKey]InventoryEntry
	remove []ResourceKey
	now    time.Time
	err    error
}

// ok says whether c was applied.
func (r *recorder) ok(c Change) bool { return r.intent || r.a.ok(c) }

// entry is a new inventory entry for this apply. An entry the inventory
// held keeps its creation time.
func (r *recorder) entry(external bool) InventoryEntry {
	return InventoryEntry{CreatedAt: r.now, Revision: r.a.opts.Revision, External: external}
}

// prior is what the inventory held for k before this apply.
func (r *recorder) prior(k ResourceKey) (InventoryEntry, bool) {
	e, ok := r.a.prior[k]
	return e, ok
}

// put records k. An entry that was recorded before keeps its creation
// time and revision.
func (r *recorder) put(k ResourceKey, e InventoryEntry) {
	prev, known := r.a.prior[k]
	if r.intent {
		if known {
			return
		}
		e.Pending = true
	}
	if known && !prev.Pending {
		e.CreatedAt, e.Revision = prev.CreatedAt, prev.Revision
	}
	r.set[k] = e
}

// drop removes k from the inventory.
func (r *recorder) drop(k ResourceKey) {
	if !r.intent {
		r.remove = append(r.remove, k)
	}
}

// fail makes the whole record fail: nothing is written.
func (r *recorder) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// recordCreatedDeleted is the usual record: an applied creation is
// recorded, an applied deletion removed (drift deletions of resources
// kgitops never recorded excepted), and a change of kgitops.io/prevent-
// destroy noted in the resource's entry.
func recordCreatedDeleted(r *recorder, cs []Change) {
	for _, c := range cs {
		if !r.ok(c) {
			continue
		}
		key := ResourceKey{c.Kind, ownerOf(c)}
		switch {
		case c.Action == ActionCreate:
			e := r.entry(false)
			e.PreventDestroy = r.protected(key, c)
			r.put(key, e)
		case c.Action == ActionUpdate:
			r.protect(key, c)
		case c.Action == ActionDelete && !c.Drift:
			r.drop(key)
		}
	}
}

// protector is a change payload that can carry a change of
// kgitops.io/prevent-destroy, to record in the resource's entry: nil when
// it does not change.
type protector interface{ protection() *bool }

// protected is what the entry for key records for kgitops.io/prevent-
// destroy once c is applied: c's value when it carries one, else what
// the inventory held.
func (r *recorder) protected(key ResourceKey, c Change) bool {
	if p, ok := c.Payload.(protector); ok && p.protection() != nil {
		return *p.protection()
	}
	prev, _ := r.prior(key)
	return prev.PreventDestroy
}

// protect records the protection c carries in the entry the inventory
// holds for key. An update of a resource the inventory does not hold
// records nothing: kgitops only deletes what it holds.
func (r *recorder) protect(key ResourceKey, c Change) {
	if p, ok := c.Payload.(protector); !ok || p.protection() == nil {
		return
	}
	if e, held := r.prior(key); held {
		e.PreventDestroy = r.protected(key, c)
		r.put(key, e)
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

// intentGrace is how long an intent whose resource is not seen is kept:
// brokers show a created topic some time after the controller took it
// (seconds, minutes for thousands), so an intent is dropped only once
// that cannot be the reason.
const intentGrace = 10 * time.Minute

// stale says whether an intent is old enough to drop when its resource is
// not seen.
func stale(e InventoryEntry, now time.Time) bool {
	return now.Sub(e.CreatedAt) > intentGrace
}

// recordLateTopicIDs records the ids of the topics this apply owns without
// one (a topic an interrupted apply had created: CreateTopics said it
// exists, and gave no id), once the brokers show them.
func (a *applier) recordLateTopicIDs(ctx context.Context, run []Change) error {
	var missing []string
	for _, c := range run {
		if c.Kind == KindTopic && c.Action == ActionCreate && a.ok(c) && a.topicIDs[c.Name] == "" {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	md, err := readMetadata(ctx, a.cl)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, t := range md.Topics {
		if t.Topic != nil {
			ids[*t.Topic] = topicID(t.TopicID)
		}
	}
	set := map[ResourceKey]InventoryEntry{}
	now := a.opts.Now().UTC()
	for _, name := range missing {
		if id := ids[name]; id != "" {
			e := InventoryEntry{CreatedAt: now, Revision: a.opts.Revision, TopicID: id}
			if prev, ok := a.prior[ResourceKey{KindTopic, name}]; ok && !prev.CreatedAt.IsZero() {
				e.CreatedAt = prev.CreatedAt
			}
			set[ResourceKey{KindTopic, name}] = e
		}
	}
	return a.writer().record(ctx, set, nil)
}
