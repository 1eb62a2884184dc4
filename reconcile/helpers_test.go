package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// rig is one test's view of a cluster: a client, its own inventory name so
// that tests sharing the real broker never see each other's inventory, and
// the cluster's broker count.
type rig struct {
	t   *testing.T
	c   *kafkatest.Cluster
	cl  *kgo.Client
	inv InventoryRef
}

func newRig(t *testing.T, c *kafkatest.Cluster) *rig {
	t.Helper()
	return &rig{t: t, c: c, cl: c.Client(t), inv: InventoryRef{Name: kafkatest.Unique("test")}}
}

func (r *rig) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	r.t.Cleanup(cancel)
	return ctx
}

func (r *rig) observe() *Live { return r.observeFor(nil) }

// observeFor reads the cluster as a plan of st does: the access-control
// parts only when st or the inventory mentions them.
func (r *rig) observeFor(st *spec.State) *Live {
	r.t.Helper()
	live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, Desired: st})
	if err != nil {
		r.t.Fatalf("observe: %v", err)
	}
	return live
}

func (r *rig) plan(st *spec.State, opts DiffOptions) (*Plan, *Live) {
	r.t.Helper()
	live := r.observeFor(st)
	return Diff(st, live, opts), live
}

// apply plans and applies, failing the test on any error.
func (r *rig) apply(st *spec.State, opts DiffOptions) []Result {
	_, results := r.applyPlan(st, opts)
	return results
}

// applyPlan is apply that also returns the plan it applied.
func (r *rig) applyPlan(st *spec.State, opts DiffOptions) (*Plan, []Result) {
	r.t.Helper()
	p, live := r.plan(st, opts)
	if len(p.Errors) > 0 {
		r.t.Fatalf("plan has errors: %v", p.Errors)
	}
	results, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers, Known: live.Inventory, Live: live})
	if err != nil {
		r.t.Fatalf("apply: %v", err)
	}
	for _, res := range results {
		if res.Err != nil {
			r.t.Fatalf("apply %s %s: %v", res.Change.Kind, res.Change.Name, res.Err)
		}
	}
	return p, results
}

// assertNoChanges fails unless a fresh plan is empty.
func (r *rig) assertNoChanges(st *spec.State) {
	r.t.Helper()
	p, _ := r.plan(st, DiffOptions{})
	if p.HasChanges() || len(p.Errors) > 0 {
		r.t.Fatalf("want an empty plan, got %+v errors %v", p.Changes, p.Errors)
	}
}

func topic(name string, partitions int32, configs map[string]string) spec.Topic {
	if configs == nil {
		configs = map[string]string{}
	}
	return spec.Topic{Name: name, Partitions: partitions, ReplicationFactor: 1, Configs: configs}
}

func state(topics ...spec.Topic) *spec.State { return &spec.State{Topics: topics} }

// assertNoChangesWith is assertNoChanges for kinds that need other backends.
func (r *rig) assertNoChangesWith(st *spec.State, backends map[string]any) {
	r.t.Helper()
	live, err := Observe(r.ctx(), r.cl, ObserveOptions{Inventory: r.inv, Desired: st, Backends: backends})
	if err != nil {
		r.t.Fatalf("observe: %v", err)
	}
	if p := Diff(st, live, DiffOptions{}); p.HasChanges() || len(p.Errors) > 0 {
		r.t.Fatalf("want an empty plan, got %+v errors %v", p.Changes, p.Errors)
	}
}
