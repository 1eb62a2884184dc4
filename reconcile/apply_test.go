package reconcile

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

func TestApplyThenPlanIsEmpty(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		a, b := kafkatest.Unique("orders"), kafkatest.Unique("audit")
		st := state(
			topic(a, 3, map[string]string{"retention.ms": "604800000", "cleanup.policy": "compact,delete"}),
			topic(b, 1, nil),
		)
		p, _ := r.plan(st, DiffOptions{})
		if p.Summary.Create != 2 || p.Summary.Update+p.Summary.Delete != 0 {
			t.Fatalf("want 2 creates, got %+v", p.Summary)
		}
		r.apply(st, DiffOptions{})
		r.assertNoChanges(st)

		live := r.observe()
		want := map[string]string{"retention.ms": "604800000", "cleanup.policy": "compact,delete"}
		if d := cmp.Diff(want, live.Topics[a].Configs); d != "" {
			t.Errorf("live overrides of %s: only declared keys, never broker defaults (-want +got):\n%s", a, d)
		}
		if got := live.Topics[a].Partitions; got != 3 {
			t.Errorf("partitions of %s = %d, want 3", a, got)
		}
		if !live.Inventory.Has(KindTopic, a) || !live.Inventory.Has(KindTopic, b) {
			t.Errorf("inventory %v lacks the created topics", live.Inventory.Entries)
		}
	})
}

func TestDriftIsReported(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		name := kafkatest.Unique("drift")
		st := state(topic(name, 1, map[string]string{"retention.ms": "86400000"}))
		r.apply(st, DiffOptions{})

		// Out of band: change a declared key and add an undeclared one.
		alterTopicConfig(t, c, name, "retention.ms", "3600000")
		alterTopicConfig(t, c, name, "segment.ms", "600000")

		p, _ := r.plan(st, DiffOptions{})
		want := []Field{
			{Path: "configs.retention.ms", Old: "3600000", New: "86400000"},
			{Path: "configs.segment.ms", Old: "600000"},
		}
		if len(p.Changes) != 1 || p.Changes[0].Action != ActionUpdate {
			t.Fatalf("want one update, got %+v", p.Changes)
		}
		if d := cmp.Diff(want, p.Changes[0].Fields); d != "" {
			t.Errorf("drift fields (-want +got):\n%s", d)
		}
		// An ignored key is neither set nor removed.
		p, _ = r.plan(st, DiffOptions{IgnoreConfigs: []string{"segment.*"}})
		if d := cmp.Diff(want[:1], p.Changes[0].Fields); d != "" {
			t.Errorf("with segment.* ignored (-want +got):\n%s", d)
		}
		r.apply(st, DiffOptions{})
		r.assertNoChanges(st)
	})
}

func TestPartitionsGrowAndNeverShrink(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		name, other := kafkatest.Unique("grow"), kafkatest.Unique("other")
		r.apply(state(topic(name, 1, nil)), DiffOptions{})
		r.apply(state(topic(name, 3, nil)), DiffOptions{})
		if got := r.observe().Topics[name].Partitions; got != 3 {
			t.Fatalf("partitions = %d, want 3", got)
		}

		// Shrinking is refused, and the refusal stops the whole plan: the
		// new topic in the same plan is not created either.
		p, live := r.plan(state(topic(name, 2, nil), topic(other, 1, nil)), DiffOptions{})
		wantErr := []Refusal{{Kind: KindTopic, Name: name, Message: "partitions cannot shrink from 3 to 2: Kafka cannot remove partitions; set partitions: 3, or move the data to a new topic"}}
		if d := cmp.Diff(wantErr, p.Errors); d != "" {
			t.Fatalf("refusal (-want +got):\n%s", d)
		}
		if _, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers}); !errors.Is(err, ErrPlanRefused) {
			t.Fatalf("Apply of a refused plan: err = %v, want ErrPlanRefused", err)
		}
		after := r.observe()
		if _, ok := after.Topics[other]; ok {
			t.Errorf("topic %s was created although the plan was refused", other)
		}
		if got := after.Topics[name].Partitions; got != 3 {
			t.Errorf("partitions = %d after a refused shrink, want 3", got)
		}
	})
}

func TestDeletesOnlyWhatItCreatedAndOnlyWhenAllowed(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		kept, removed, foreign := kafkatest.Unique("kept"), kafkatest.Unique("removed"), kafkatest.Unique("foreign")
		r.apply(state(topic(kept, 1, nil), topic(removed, 1, nil)), DiffOptions{})
		createForeignTopic(t, c, foreign)

		st := state(topic(kept, 1, nil))
		p, _ := r.plan(st, DiffOptions{})
		want := []Change{{Action: ActionDelete, Kind: KindTopic, Name: removed, Pending: true}}
		want[0].Risks = Risks(want[0])
		if d := cmp.Diff(want, p.Changes, cmpopts.IgnoreFields(Change{}, "Payload")); d != "" {
			t.Fatalf("without --allow-delete (-want +got):\n%s", d)
		}
		if tc, ok := p.Changes[0].Payload.(*TopicChange); !ok || len(tc.ID) != 32 {
			t.Errorf("the deletion does not name the topic's id: %+v", p.Changes[0].Payload)
		}
		results := r.apply(st, DiffOptions{})
		if len(results) != 1 || results[0].Skipped == "" {
			t.Fatalf("pending deletion should be skipped, got %+v", results)
		}
		if _, ok := r.observe().Topics[removed]; !ok {
			t.Fatalf("%s deleted without --allow-delete", removed)
		}

		r.apply(st, DiffOptions{AllowDelete: true})
		live := r.observe()
		if _, ok := live.Topics[removed]; ok {
			t.Errorf("%s still exists after apply --allow-delete", removed)
		}
		if _, ok := live.Topics[foreign]; !ok {
			t.Errorf("%s, which kgitops did not create, was deleted", foreign)
		}
		if live.Inventory.Has(KindTopic, removed) {
			t.Errorf("inventory still lists deleted %s", removed)
		}
		r.assertNoChanges(st)
	})
}

func TestDryRunChangesNothing(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		name := kafkatest.Unique("dry")
		st := state(topic(name, 2, map[string]string{"retention.ms": "1000"}))
		p, live := r.plan(st, DiffOptions{})
		results, err := Apply(r.ctx(), r.cl, p, ApplyOptions{DryRun: true, Inventory: r.inv, Brokers: live.Brokers})
		if err != nil || len(results) != 1 || results[0].Err != nil {
			t.Fatalf("dry run: err %v, results %+v", err, results)
		}
		after := r.observe()
		if _, ok := after.Topics[name]; ok {
			t.Errorf("dry run created %s", name)
		}
		if len(after.Inventory.Entries) != 0 {
			t.Errorf("dry run wrote the inventory: %v", after.Inventory.Entries)
		}
	})
}

// TestPartialFailureIsReportedPerResource pins a kfake gap too: real Kafka
// rejects a topic config key it does not know, kfake accepts it.
func TestPartialFailureIsReportedPerResource(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		good, bad := kafkatest.Unique("good"), kafkatest.Unique("bad")
		st := state(topic(good, 1, nil), topic(bad, 1, map[string]string{"no.such.config": "1"}))
		p, live := r.plan(st, DiffOptions{})
		results, err := Apply(r.ctx(), r.cl, p, ApplyOptions{Inventory: r.inv, Brokers: live.Brokers})
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		byName := map[string]Result{}
		for _, res := range results {
			byName[res.Change.Name] = res
		}
		if byName[good].Err != nil {
			t.Errorf("%s failed: %v", good, byName[good].Err)
		}
		if c.Real() && byName[bad].Err == nil {
			t.Errorf("real Kafka accepted an unknown config key")
		}
		if !c.Real() && byName[bad].Err != nil {
			t.Errorf("kfake rejected an unknown config key (the known gap closed?): %v", byName[bad].Err)
		}
		inv := r.observe().Inventory
		if !inv.Has(KindTopic, good) || inv.Has(KindTopic, bad) != !c.Real() {
			t.Errorf("inventory must list exactly what was created: %v", inv.Entries)
		}
	})
}

// TestLargeApplyStaysWithinControllerLimits pins a real-Kafka limit kfake
// lacks: the KRaft controller refuses one CreateTopics that needs more than
// 10,000 metadata records. 1,700 topics with 4 overrides need 10,200.
func TestLargeApplyStaysWithinControllerLimits(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		prefix := kafkatest.Unique("large")
		st := state()
		for i := range 1700 {
			st.Topics = append(st.Topics, topic(fmt.Sprintf("%s-%04d", prefix, i), 1, map[string]string{
				"retention.ms": "3600000", "segment.ms": "600000", "flush.ms": "1000", "compression.type": "lz4",
			}))
		}
		r.apply(st, DiffOptions{})
		r.assertNoChanges(st)
		r.apply(state(), DiffOptions{AllowDelete: true, AllowEmpty: true})
		live := r.observe()
		for _, tp := range st.Topics {
			if _, ok := live.Topics[tp.Name]; ok {
				t.Fatalf("%s survived apply --allow-delete of an empty repo", tp.Name)
			}
		}
	})
}
