package reconcile

import (
	"errors"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// applyTogether plans st once per client, each before either applies, and
// then applies both plans at the same moment: two apply processes racing.
// resultsFor is what both applies reported for the resource named name.
func resultsFor(results [2][]Result, name string) []Result {
	var out []Result
	for _, rs := range results {
		for _, res := range rs {
			if res.Change.Name == name {
				out = append(out, res)
			}
		}
	}
	return out
}

func (r *rig) applyTogether(st *spec.State, opts DiffOptions) [2][]Result {
	r.t.Helper()
	type prepared struct {
		p    *Plan
		live *Live
	}
	var ps [2]prepared
	for i := range ps {
		p, live := r.plan(st, opts)
		if len(p.Errors) > 0 {
			r.t.Fatalf("plan has errors: %v", p.Errors)
		}
		ps[i] = prepared{p, live}
	}
	var out [2][]Result
	var errs [2]error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ps {
		cl := r.c.Client(r.t) // a process of its own
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i], errs[i] = Apply(r.ctx(), cl, ps[i].p, ApplyOptions{Inventory: r.inv, Brokers: ps[i].live.Brokers, Known: ps[i].live.Inventory, Live: ps[i].live})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			r.t.Fatalf("apply %d: %v", i, err)
		}
	}
	return out
}

// assertInventoryMatches checks that the inventory holds every live topic
// of names with its live id, and nothing of names that does not exist.
func (r *rig) assertInventoryMatches(names []string) {
	r.t.Helper()
	live := r.observe()
	inv, err := ReadInventory(r.ctx(), r.cl, r.inv)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, name := range names {
		lt, exists := live.Topics[name]
		e, recorded := inv.Entries[ResourceKey{KindTopic, name}]
		switch {
		case exists && !recorded:
			r.t.Errorf("%s exists but the inventory lost it", name)
		case !exists && recorded:
			r.t.Errorf("%s does not exist but the inventory holds %+v", name, e)
		case exists && (e.Pending || e.TopicID != lt.ID):
			r.t.Errorf("%s recorded as %+v, live id %s", name, e, lt.ID)
		}
	}
}

// Two applies of the same repo race to create the same topics: each topic
// is created once, by one of them; the other reports TOPIC_ALREADY_EXISTS
// on it and must not remove the winner's inventory entry (it used to drop
// its own intent, which, written after the winner's record, erased it).
func TestConcurrentAppliesCreateEachTopicOnce(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		var names []string
		var topics []spec.Topic
		for range 8 {
			n := kafkatest.Unique("race")
			names = append(names, n)
			topics = append(topics, topic(n, 1, map[string]string{"retention.ms": "3600000"}))
		}
		st := state(topics...)
		opts := DiffOptions{MaxPartitionsPerBroker: 1 << 20}
		results := r.applyTogether(st, opts)
		for _, name := range names {
			created, lost := 0, 0
			for _, res := range resultsFor(results, name) {
				switch {
				case res.Err == nil && res.Skipped == "":
					created++
				case errors.Is(res.Err, kerr.TopicAlreadyExists):
					lost++
				default:
					t.Errorf("%s: err %v, skipped %q", name, res.Err, res.Skipped)
				}
			}
			if created != 1 || lost != 1 {
				t.Errorf("%s: created by %d applies, lost by %d", name, created, lost)
			}
		}
		r.assertInventoryMatches(names)
		if p, live := r.plan(st, opts); p.HasChanges() || len(p.Errors) > 0 || live.InventoryRepairs() > 0 {
			t.Fatalf("a third plan is not empty: %+v errors %v", p.Changes, p.Errors)
		}
	})
}

// Two applies delete the same topics at the same moment: each is deleted
// once, the other apply reports it, and neither puts the entry back.
func TestConcurrentAppliesDeleteEachTopicOnce(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		opts := DiffOptions{MaxPartitionsPerBroker: 1 << 20}
		kept := kafkatest.Unique("kept")
		var names []string
		topics := []spec.Topic{topic(kept, 1, nil)}
		for range 4 {
			n := kafkatest.Unique("gone")
			names = append(names, n)
			topics = append(topics, topic(n, 1, nil))
		}
		r.apply(state(topics...), opts)
		st := state(topic(kept, 1, nil))
		opts.AllowDelete = true
		results := r.applyTogether(st, opts)
		for _, name := range names {
			deleted, failed := 0, 0
			for _, res := range resultsFor(results, name) {
				switch {
				case res.Err == nil && res.Skipped == "":
					deleted++
				case res.Err != nil:
					failed++
				}
			}
			if deleted != 1 || failed != 1 {
				t.Errorf("%s: deleted by %d applies, failed in %d: %+v", name, deleted, failed, results)
			}
		}
		r.assertInventoryMatches(append(names, kept))
		if p, _ := r.plan(st, opts); p.HasChanges() || len(p.Errors) > 0 {
			t.Fatalf("a third plan is not empty: %+v errors %v", p.Changes, p.Errors)
		}
	})
}
