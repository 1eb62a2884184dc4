package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/spec"
)

// kind is one kind of resource kgitops manages, registered once: the core
// (Observe, Diff, Apply, the inventory, risks, export, the renderers)
// loops over the registered kinds and never names one. A new kind is one
// file that calls register, plus the files its hooks live in.
type kind struct {
	name string
	// order is the kind's place in plans and in the apply order:
	// creations and updates run in ascending order, deletions in
	// descending order.
	order int
	// after lists the kinds this one depends on (a topic before its ACLs,
	// a user before its quota). Each must have a lower order
	// (TestKindDependencies checks it).
	after []string

	// wanted says whether the kind's live state must be read: the repo
	// declares some, or the inventory says kgitops created some. nil: always.
	wanted func(desired *spec.State, inv Inventory) bool
	// observe reads the kind's live state into live, in a constant number
	// of round trips whatever the number of resources. all is set for an
	// export, which reads everything there is. Kinds observe at once, after
	// the metadata, the topics and the inventory: a kind writes only its
	// own part, a field of Live or, through setPart, live.Parts[name].
	observe func(ctx context.Context, b Backends, live *Live, all bool) error
	// standalone says that observe needs nothing of the first wave (the
	// metadata, the topics, the inventory): when the repo declares the
	// kind, it is read beside the first wave, not after it.
	standalone bool
	// diff adds the kind's changes, refusals and blocks to p. Pure.
	diff func(p *Plan, desired *spec.State, live *Live, opts DiffOptions)
	// apply executes changes of the kind: once with its creations and
	// updates, once with its deletions. It reports failures per resource
	// through the applier.
	apply func(ctx context.Context, a *applier, cs []Change)
	// settle waits until the cluster shows the applied changes (those
	// that succeeded), so that a plan right after an apply sees them.
	// nil: nothing to wait for.
	settle func(ctx context.Context, a *applier, applied []Change) error
	// record says what the applied changes mean for the inventory. It
	// also runs before anything is applied, as an intent (see recorder).
	record func(r *recorder, cs []Change)
	// own says whether a resource the inventory recorded is still there
	// and still the one kgitops recorded, and returns the entry as it
	// should now read (a topic's id filled in). Apply uses it to confirm
	// or drop intents left by a process that died, and to forget what was
	// recreated by others. nil: entries are kept as they are.
	own func(live *Live, name string, e InventoryEntry) (InventoryEntry, ownership)
	// risks are the kind's risk rules (see Risks).
	risks []riskRule
	// export writes the kind's live resources as repo files; adopt lists
	// what such an export makes kgitops manage.
	export func(live *Live, opts ExportOptions) []ExportedFile
	adopt  func(live *Live, opts ExportOptions) []ResourceKey
	// liveFrom adds to live the kind's resources as base declares them,
	// as if applied (see LiveFrom).
	liveFrom func(base *spec.State, live *Live)
	// declared lists the names under which the inventory holds what
	// desired declares (topic names, principals, quota entities...), and
	// owner names the one a change touches (nil: the change's name): two
	// inventories that hold the same name conflict.
	declared func(desired *spec.State) []string
	owner    func(c Change) string
	// compare orders two changes of the kind in a plan; nil: by name.
	compare func(a, b Change) int
	// removed says, for the text plan, what removing one field of a
	// resource of the kind means, such as " (quota removed)".
	removed string
}

// ownership is what the cluster says of a recorded resource.
type ownership int

const (
	ownMissing ownership = iota // not in the cluster
	ownSame                     // there, and the one recorded
	ownOther                    // there, but not the one recorded (recreated by someone else)
	ownUnknown                  // the kind's live state was not read
)

var (
	kindsMu sync.RWMutex
	kinds   = map[string]*kind{}
)

// register adds a kind. It panics on a kind registered twice: a
// programming error.
func register(k *kind) (unregister func()) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[k.name]; dup {
		panic(fmt.Sprintf("reconcile: kind %q registered twice", k.name))
	}
	kinds[k.name] = k
	return func() {
		kindsMu.Lock()
		defer kindsMu.Unlock()
		delete(kinds, k.name)
	}
}

// registered returns the kinds in apply order.
func registered() []*kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	out := make([]*kind, 0, len(kinds))
	for _, k := range kinds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *kind) int {
		if c := cmp.Compare(a.order, b.order); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	return out
}

// kindOf returns the registered kind name, or nil.
func kindOf(name string) *kind {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	return kinds[name]
}

// Kinds lists the names of the kinds kgitops manages, in apply order. The
// daemon's metrics and the monitoring examples take their kind labels
// from it.
func Kinds() []string {
	ks := registered()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.name
	}
	return names
}

// Backends are what kinds talk to: the Kafka client, and any other
// backend a kind needs (a schema registry), by name.
type Backends struct {
	Kafka *kgo.Client
	Other map[string]any
}

// backend returns the named backend as a T.
func backend[T any](b Backends, name string) (T, error) {
	v, ok := b.Other[name].(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("no %s backend configured", name)
	}
	return v, nil
}
