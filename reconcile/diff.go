package reconcile

import (
	"cmp"
	"slices"
	"sort"
	"time"

	"github.com/kgitops/kgitops/spec"
)

// DiffOptions tunes Diff.
type DiffOptions struct {
	// AllowDelete lets the plan delete resources that the inventory says
	// kgitops created and that the repo no longer declares. Without it such
	// deletions are listed as pending and never run.
	AllowDelete bool
	// AllowHardDelete makes the deletion of a Schema's subject a hard
	// one, which removes every version for good; it needs AllowDelete.
	AllowHardDelete bool
	// IgnoreConfigs adds topic config keys (a trailing '*' matches a
	// prefix) to ignore on every topic, on top of the repo's Settings.
	IgnoreConfigs []string
	// Passwords holds each declared User's password, read from where its
	// passwordFrom says. Diff only compares them with the inventory's
	// salted hashes; they never reach the plan's output.
	Passwords map[string]Secret
	// BrokerSecrets holds each BrokerConfig's sensitive values, read from
	// where their valueFrom says, by BrokerSecretKey(broker, key). Like
	// Passwords, they are only compared with salted hashes and never
	// reach the plan's output.
	BrokerSecrets map[string]Secret
	// MaxDeletes caps the deletions one plan runs: past it, none is run,
	// and each is shown as held with the reason. nil is no limit.
	// Deletions pending --allow-delete do not count.
	MaxDeletes *int
	// AllowEmpty lets a desired state that declares nothing delete what
	// the inventory owns. Without it such a plan is refused: an empty
	// commit, or a --dir pointing at the wrong folder, would otherwise
	// delete everything kgitops created.
	AllowEmpty bool
	// Source names where desired comes from (gitsync.SourceID). When the
	// inventory belongs to another source, the plan is refused, unless
	// ClaimInventory: one repo must not delete, or record its resources
	// in, another repo's inventory. ClaimInventory is set when the user
	// chose the inventory explicitly (--inventory-name) or adopts it.
	Source         string
	ClaimInventory bool
	// Selector, when not empty, says desired holds only the documents
	// whose labels it picks (spec.State.Select). Resources outside the
	// selection are then never deletions: the plan deletes only what a
	// selected document asks for (kgitops.io/delete).
	Selector spec.Selector
	// Baseline is the desired state that was last accepted (the daemon's
	// enforced revision), or nil. It tells who caused a refusal: when the
	// baseline already asked for the same value, the live cluster moved,
	// so only that resource is blocked (Plan.Blocked) and the rest of the
	// plan applies. Otherwise the repo asks for something kgitops refuses,
	// and the whole plan is refused (Plan.Errors).
	Baseline *spec.State
	// MaxPartitionsPerBroker is the partition replicas a broker may hold
	// after the plan; 0 means DefaultMaxPartitionsPerBroker.
	MaxPartitionsPerBroker int
	// Throttle, when set, is the replication throttle rate (bytes/s per
	// broker, 0: none) of the moves the plan starts (--throttle), over
	// the repo's Settings; MaxPartitionsInFlight, when not 0, bounds the
	// partitions moving at once.
	Throttle              *int64
	MaxPartitionsInFlight int
	// Now is the clock of the reassignments' ETA; nil means time.Now.
	Now func() time.Time
}

// Diff computes the plan that brings live to desired. It is pure: the same
// inputs always give the same, sorted plan.
func Diff(desired *spec.State, live *Live, opts DiffOptions) *Plan {
	p := &Plan{Changes: []Change{}}
	for _, k := range registered() {
		k.diff(p, desired, live, opts)
	}
	sortProgress(p.Reassignments)
	p.checkCluster(desired, live, opts)
	var baseline []Finding
	if opts.Baseline != nil {
		baseline = opts.Baseline.Findings()
	}
	p.addFindings(desired.Findings(), baseline)
	sortChanges(p.Changes) // first: the guards' refusals follow the changes' order
	p.guardConflicts(desired, live)
	p.guardDeletions(desired, live, opts)
	p.summarize()
	return p
}

func (p *Plan) refuse(kind, name, msg string) {
	p.Errors = append(p.Errors, Refusal{Kind: kind, Name: name, Message: msg})
}

// block holds one resource back because of the live cluster.
func (p *Plan) block(kind, name, msg string) {
	p.Blocked = append(p.Blocked, Refusal{Kind: kind, Name: name, Message: msg})
}

// refuseOrBlock refuses the plan when the repo caused the problem, and
// blocks only the resource when the accepted baseline already asked for
// the same thing (so the cluster changed under it).
func (p *Plan) refuseOrBlock(kind, name, msg string, baselineAgrees bool) {
	if baselineAgrees {
		p.block(kind, name, msg+"; the repo asked for this before the cluster changed, so only this resource waits for a person")
		return
	}
	p.refuse(kind, name, msg)
}

// ignored says whether key is one kgitops leaves alone.
func ignored(key string, patterns []string) bool {
	_, ok := spec.IgnoreMatch(patterns, key)
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortChanges orders changes by kind (the registry's order), then as the
// kind says (by name unless it says otherwise).
func sortChanges(cs []Change) {
	order := map[string]int{}
	compare := map[string]func(a, b Change) int{}
	for i, k := range registered() {
		order[k.name] = i
		compare[k.name] = k.compare
	}
	slices.SortFunc(cs, func(a, b Change) int {
		if c := cmp.Compare(order[a.Kind], order[b.Kind]); c != 0 {
			return c
		}
		if f := compare[a.Kind]; f != nil {
			if c := f(a, b); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
