package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// ErrPlanRefused is returned by Apply for a plan that carries errors: such
// a plan is never applied, not even in part.
var ErrPlanRefused = errors.New("the plan has errors; nothing was applied")

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	// DryRun asks the brokers to validate every change without making it
	// (Kafka's validateOnly). Deletions cannot be validated that way and
	// are reported as skipped.
	DryRun    bool
	Inventory InventoryRef
	// Revision is recorded in the inventory next to what was created.
	Revision string
	// Brokers is the live broker count, used to size the inventory topic.
	Brokers int
	// Known is the inventory as it was read for the plan (Live.Inventory);
	// what kgitops already recorded is kept as it is.
	Known Inventory
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Backends are the backends other than Kafka that kinds need, by
	// name (see Backends).
	Backends map[string]any
	// Source is where the desired state comes from (DiffOptions.Source):
	// recorded in the inventory by its first apply, or by one that claims
	// it (ClaimInventory).
	Source         string
	ClaimInventory bool
	// Live is the state the plan was made from. With it, the inventory
	// confirms or drops intents that a process which died left behind,
	// and forgets topics recreated by someone else.
	Live *Live
	// WaitReassignments makes Apply wait until the replica moves it
	// starts are done, starting the later batches itself and removing the
	// throttles at the end; without it, Apply starts one batch and
	// returns (the daemon's way: its next passes resume). Progress, if
	// set, hears how many partitions move and how many wait, at every
	// poll.
	WaitReassignments bool
	Progress          func(moving, waiting int)
	// Fence, if set, is asked before each write batch whether this
	// process may still write (a daemon replica that may have lost the
	// lead while paused). Once it answers an error, nothing more is
	// attempted: the rest is skipped with that error, what was applied is
	// recorded, and Apply returns it.
	Fence func(ctx context.Context) error
}

// Result is the outcome of one change.
type Result struct {
	Change Change
	Err    error
	// Skipped is set for a change that was not attempted, with the reason.
	Skipped string
}

// Apply executes the plan: the creations and updates of each kind in the
// registry's order (topics, users, quotas, ACLs), then the deletions in the
// reverse order (ACLs first, topics last). Each step is as few batched
// requests as the controller accepts (see batches). It reports the outcome
// per resource: one failing change does not stop the others. The returned
// error is only for failures that concern the whole plan (a refused plan,
// an inventory that cannot be written).
func Apply(ctx context.Context, cl *kgo.Client, plan *Plan, opts ApplyOptions) ([]Result, error) {
	if len(plan.Errors) > 0 {
		return nil, ErrPlanRefused
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Inventory = opts.Inventory.withDefaults()
	a := &applier{cl: cl, b: Backends{Kafka: cl, Other: opts.Backends}, opts: opts, results: map[string]*Result{}, prior: opts.Known.Entries, topicIDs: map[string]string{}, unsure: map[ResourceKey]bool{}, exists: map[ResourceKey]bool{}, raced: map[ResourceKey]bool{}, wrote: map[int64]bool{},
		claims: plan.Claims, unclaims: plan.Unclaims}
	var order []string
	var run []Change // changes to attempt, in plan order
	for _, c := range plan.Changes {
		key := c.Kind + "/" + c.Name
		order = append(order, key)
		a.results[key] = &Result{Change: c}
		if c.Pending {
			a.results[key].Skipped = "deletion not allowed: pass --allow-delete"
			if c.Held != "" {
				a.results[key].Skipped = "deletion held: " + c.Held
			}
			continue
		}
		run = append(run, c)
	}
	of := func(k *kind, deletes bool) []Change {
		var out []Change
		for _, c := range run {
			if c.Kind == k.name && (c.Action == ActionDelete) == deletes {
				out = append(out, c)
			}
		}
		return out
	}
	// Write-ahead: what this apply may create is recorded as intents
	// first, so that a crash at any point leaves it owned.
	if err := a.writeIntents(ctx, run); err != nil {
		for _, c := range run {
			a.skip(c, "not attempted: the inventory could not be written")
		}
		out := make([]Result, 0, len(order))
		for _, k := range order {
			out = append(out, *a.results[k])
		}
		return out, fmt.Errorf("record what this apply creates in the inventory, before creating it: %w; nothing was applied", err)
	}
	kinds := registered()
	for _, k := range kinds {
		if cs := of(k, false); len(cs) > 0 && !a.fenced(ctx, cs) {
			k.apply(ctx, a, cs)
		}
	}
	for _, k := range slices.Backward(kinds) {
		if cs := of(k, true); len(cs) > 0 && !a.fenced(ctx, cs) {
			k.apply(ctx, a, cs)
		}
	}

	err := a.record(ctx, run)
	if err == nil && !opts.DryRun {
		err = a.settle(ctx, run)
	}
	if err == nil && !opts.DryRun {
		err = a.recordLateTopicIDs(ctx, run)
	}

	if err == nil && a.fenceErr != nil {
		err = fmt.Errorf("stopped, and left the rest: %w", a.fenceErr)
	}
	out := make([]Result, 0, len(order))
	for _, k := range order {
		out = append(out, *a.results[k])
	}
	return out, err
}

type applier struct {
	fenceErr error // set once ApplyOptions.Fence refused: nothing more is written
	cl       *kgo.Client
	b        Backends
	topicIDs map[string]string              // ids of the topics this apply created, from CreateTopics
	intents  map[ResourceKey]InventoryEntry // what writeIntents recorded
	// unsure holds the failed creations Kafka may have carried out all
	// the same (a timed-out request): their intents are kept, for the
	// next apply to confirm or drop against the live state.
	unsure map[ResourceKey]bool
	// exists holds the creations of this apply's intents that found the
	// topic already there: perhaps made by an earlier attempt of the
	// same request, which recheckCreates tells.
	exists map[ResourceKey]bool
	// raced holds the creations that found the resource already there,
	// made by someone else since the plan (TOPIC_ALREADY_EXISTS).
	raced map[ResourceKey]bool
	// wrote holds the offsets of the inventory records this apply wrote.
	wrote    map[int64]bool
	claims   []ResourceKey // the plan's conflicts to record (Plan.claims)
	unclaims []ResourceKey
	opts     ApplyOptions
	results  map[string]*Result
	prior    map[ResourceKey]InventoryEntry
}

// fenced asks ApplyOptions.Fence whether this process may still write,
// before a batch of cs; when not, cs are skipped with the reason and it
// says so. Once fenced, it stays fenced.
func (a *applier) fenced(ctx context.Context, cs []Change) bool {
	if a.fenceErr == nil && a.opts.Fence != nil && !a.opts.DryRun {
		a.fenceErr = a.opts.Fence(ctx)
	}
	if a.fenceErr == nil {
		return false
	}
	for _, c := range cs {
		if r := a.results[c.Kind+"/"+c.Name]; r != nil && r.Err == nil && r.Skipped == "" {
			r.Skipped = "not attempted: " + a.fenceErr.Error()
		}
	}
	return true
}

// ok says whether a change was attempted and did not fail.
func (a *applier) ok(c Change) bool {
	r := a.results[c.Kind+"/"+c.Name]
	return r != nil && r.Err == nil && r.Skipped == ""
}

// succeeded returns the names of the changes that did not fail.
func (a *applier) succeeded(cs []Change) []string {
	var names []string
	for _, c := range cs {
		if a.ok(c) {
			names = append(names, c.Name)
		}
	}
	return names
}

// dryRunDelete is why a dry run skips deletions.
const dryRunDelete = "dry run: Kafka cannot validate a deletion without doing it"

func (a *applier) skip(c Change, why string) {
	if r := a.results[c.Kind+"/"+c.Name]; r != nil {
		r.Skipped = why
	}
}

func (a *applier) fail(kind, name string, err error) {
	if r := a.results[kind+"/"+name]; r != nil && r.Err == nil {
		r.Err = err
	}
}

func (a *applier) failAll(cs []Change, err error) {
	for _, c := range cs {
		a.fail(c.Kind, c.Name, err)
	}
}

// timeoutMillis is the broker-side timeout for a request: what is left of
// ctx, capped at 60 s, or 30 s without a deadline.
func timeoutMillis(ctx context.Context) int32 {
	d := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		d = min(time.Until(dl), 60*time.Second)
	}
	return int32(max(d, time.Second) / time.Millisecond)
}
