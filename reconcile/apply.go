package reconcile

import (
	"context"
	"errors"
	"fmt"
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
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Result is the outcome of one change.
type Result struct {
	Change Change
	Err    error
	// Skipped is set for a change that was not attempted, with the reason.
	Skipped string
}

// Apply executes the plan in order: topic creations, partition increases,
// config changes, then deletions, each kind in as few requests as the
// controller accepts (see batches). It
// reports the outcome per resource: one failing change does not stop the
// others. The returned error is only for failures that concern the whole
// plan (a refused plan, an inventory that cannot be written).
func Apply(ctx context.Context, cl *kgo.Client, plan *Plan, opts ApplyOptions) ([]Result, error) {
	if len(plan.Errors) > 0 {
		return nil, ErrPlanRefused
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.Inventory = opts.Inventory.withDefaults()
	a := &applier{cl: cl, opts: opts, results: map[string]*Result{}}
	var order []string
	var creates, grows, alters, deletes []Change
	for _, c := range plan.Changes {
		key := c.Kind + "/" + c.Name
		order = append(order, key)
		a.results[key] = &Result{Change: c}
		switch {
		case c.Kind != KindTopic:
			a.results[key].Err = fmt.Errorf("kind %s cannot be applied by this version", c.Kind)
		case c.Action == ActionCreate:
			creates = append(creates, c)
		case c.Action == ActionUpdate:
			if c.Topic.Partitions > 0 {
				grows = append(grows, c)
			}
			if len(c.Topic.SetConfigs)+len(c.Topic.DeleteConfigs) > 0 {
				alters = append(alters, c)
			}
		case c.Action == ActionDelete && c.Pending:
			a.results[key].Skipped = "deletion not allowed: pass --allow-delete"
		case c.Action == ActionDelete:
			deletes = append(deletes, c)
		}
	}

	for _, b := range batches(creates, func(c Change) int { return 1 + int(c.Topic.Partitions) + len(c.Topic.SetConfigs) }) {
		a.createTopics(ctx, b)
	}
	for _, b := range batches(grows, func(c Change) int { return int(c.Topic.Partitions) }) {
		a.createPartitions(ctx, b)
	}
	for _, b := range batches(alters, func(c Change) int { return len(c.Topic.SetConfigs) + len(c.Topic.DeleteConfigs) }) {
		a.alterConfigs(ctx, b)
	}
	for _, b := range batches(deletes, func(Change) int { return 1 }) {
		a.deleteTopics(ctx, b)
	}
	err := a.settle(ctx, creates, deletes)

	out := make([]Result, 0, len(order))
	for _, k := range order {
		out = append(out, *a.results[k])
	}
	return out, err
}

type applier struct {
	cl      *kgo.Client
	opts    ApplyOptions
	results map[string]*Result
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
