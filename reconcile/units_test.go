package reconcile

import (
	"fmt"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// A value written with units lands on the topic as Kafka's number, and the
// same value written either way is no change.
func TestUnitsAreNoDiff(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		name := kafkatest.Unique("units")
		doc := func(retention, bytes string) string {
			return fmt.Sprintf("%skind: Topic\nmetadata: {name: %s}\nspec:\n  partitions: 1\n  replicationFactor: 1\n  configs: {retention.ms: %s, retention.bytes: %s}\n",
				hdr, name, retention, bytes)
		}
		r.apply(loadYAML(t, doc("7d", "1GiB")), DiffOptions{})
		lt := r.observe().Topics[name]
		if lt.Configs["retention.ms"] != "604800000" || lt.Configs["retention.bytes"] != "1073741824" {
			t.Fatalf("live configs = %v, want retention.ms 604800000 and retention.bytes 1073741824", lt.Configs)
		}
		for _, same := range [][2]string{{"604800000", "1073741824"}, {"1w", "1024MiB"}, {"168h", "1073741824"}} {
			r.assertNoChanges(loadYAML(t, doc(same[0], same[1])))
		}
		p, _ := r.plan(loadYAML(t, doc("14d", "1GiB")), DiffOptions{})
		if len(p.Changes) != 1 || len(p.Changes[0].Fields) != 1 || p.Changes[0].Fields[0].New != "1209600000" {
			t.Fatalf("a real change: %+v", p.Changes)
		}
	})
}

// A profile's values land on the topic, and the topic's own win.
func TestProfileConfigsLandOnTheTopic(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		scratch, tuned := kafkatest.Unique("scratch"), kafkatest.Unique("tuned")
		st := loadYAML(t,
			fmt.Sprintf("%skind: Topic\nmetadata: {name: %s}\nspec: {profile: ephemeral, partitions: 2}\n", hdr, scratch),
			fmt.Sprintf("%skind: Topic\nmetadata: {name: %s}\nspec: {profile: house, configs: {retention.ms: 2h}}\n", hdr, tuned),
			hdr+"kind: TopicProfile\nmetadata: {name: house}\nspec: {partitions: 3, replicationFactor: 1, configs: {retention.ms: 1d, max.message.bytes: 2MiB}}\n")
		p, _ := r.applyPlan(st, DiffOptions{})
		if len(p.Changes) != 2 || p.Changes[0].Fields[1].Source != "profile ephemeral (built-in)" {
			t.Fatalf("plan: %+v", p.Changes)
		}
		live := r.observe()
		if got := live.Topics[scratch]; got.Partitions != 2 || got.ReplicationFactor != 1 ||
			got.Configs["retention.ms"] != "3600000" || got.Configs["segment.ms"] != "600000" || got.Configs["cleanup.policy"] != "delete" {
			t.Errorf("%s: %+v", scratch, got)
		}
		if got := live.Topics[tuned]; got.Partitions != 3 || got.Configs["retention.ms"] != "7200000" || got.Configs["max.message.bytes"] != "2097152" {
			t.Errorf("%s: %+v", tuned, got)
		}
		r.assertNoChanges(st)
	})
}
