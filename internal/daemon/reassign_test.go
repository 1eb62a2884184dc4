package daemon

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// A daemon stopped in the middle of a replication-factor change (no
// cleanup runs: the moves go on in the cluster) is replaced by another,
// which picks the reassignment up from the cluster's own state: it starts
// the batches the first one never started, raises the throttle when git
// asks for a higher one, and removes the throttles at the end. The
// progress is in the status and the metrics, and a move in progress is
// never drift. Three real nodes in racks a, a, b: kfake never moves a
// replica.
func TestResumesReassignmentAfterARestart(t *testing.T) {
	n := kafkatest.ThreeNodesInRacks(t, "a", "a", "b")
	if n == nil {
		t.Skip("no real Kafka configured (KGITOPS_TEST_KAFKA); `make test` runs this on three real nodes")
	}
	c := n.Cluster
	topic := kafkatest.Unique("moving")
	settings := func(rate string) string {
		return "apiVersion: kgitops.io/v1alpha1\nkind: Settings\nmetadata: {name: s}\nspec:\n  reassignment: {throttle: " + rate + ", maxPartitionsInFlight: 1}\n"
	}
	repo := func(rf int, rate string) map[string]string {
		return map[string]string{
			"t.yaml": strings.Replace(topicYAML(topic, 3), "replicationFactor: 1", fmt.Sprintf("replicationFactor: %d", rf), 1),
			"s.yaml": settings(rate),
		}
	}
	first := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.Interval = 300 * time.Millisecond })
	rev := first.src.push(repo(1, "32KiB"))
	first.start()
	first.waitFor("the topic created", func(s Status) bool { return s.LastAppliedRevision == rev && s.LastError == "" })

	// Incompressible and uncompressed: franz-go compresses batches with
	// snappy by default, and 1,500 records of one repeated byte made
	// partitions so small that the throttled move ended before the daemon
	// was stopped (failed under CI's load).
	const records = 1500
	cl := c.Client(t, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var batch []*kgo.Record
	for i := range records {
		value := make([]byte, 1024)
		rand.Read(value)
		batch = append(batch, &kgo.Record{Topic: topic, Value: value, Key: []byte(fmt.Sprint(i))})
	}
	if err := cl.ProduceSync(ctx, batch...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// RF 3 at 32 KiB/s, one partition at a time: the first pass starts
	// partition 0's move, which takes many seconds.
	first.src.push(repo(3, "32KiB"))
	s := first.waitFor("a partition moving", func(s Status) bool {
		for _, r := range s.Reassignments {
			if r.Topic == topic && r.Moving == 1 && r.Pending == 2 {
				return true
			}
		}
		return false
	})
	if len(s.Drift) != 0 {
		t.Errorf("a move in progress shows as drift: %+v", s.Drift)
	}
	if got := first.metric("kgitops_reassignment_partitions", map[string]string{"state": "moving"}); got != 1 {
		t.Errorf("kgitops_reassignment_partitions{state=moving} = %v, want 1", got)
	}
	if got := first.metric("kgitops_throttle_active", nil); got != 1 {
		t.Errorf("kgitops_throttle_active = %v, want 1", got)
	}
	first.stop()
	list, err := kmsg.NewPtrListPartitionReassignmentsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Topics) != 1 || list.Topics[0].Topic != topic || len(list.Topics[0].Partitions) != 1 {
		t.Fatalf("the first daemon stopped with reassignments %+v in progress; want one partition of %s", list.Topics, topic)
	}

	// A new daemon, same inventory; git now asks for 4 MiB/s.
	second := newHarness(t, c, ModeApply, func(cfg *Config) {
		cfg.Interval = 300 * time.Millisecond
		cfg.Inventory = first.inv
	})
	second.src.push(repo(3, "4MiB"))
	second.start()
	done := second.waitForLong("every partition at RF 3 and the throttles gone", 3*time.Minute, func(s Status) bool {
		return s.LastError == "" && len(s.Reassignments) == 0 && s.LastPlan != nil && s.LastPlan.Update == 0 && second.metric("kgitops_throttle_active", nil) == 0
	})
	if len(done.Drift) != 0 {
		t.Errorf("after the move: drift %+v", done.Drift)
	}
	// Two throttle changes: the rate raised to 4 MiB/s, then removed.
	if got := second.metric("kgitops_applied_changes_total", map[string]string{"kind": "ReplicationThrottle", "action": "update"}); got < 2 {
		t.Errorf("applied ReplicationThrottle updates = %v, want the raise and the removal", got)
	}
	td, err := c.Admin(t).ListTopics(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range td[topic].Partitions {
		if len(p.Replicas) != 3 {
			t.Errorf("partition %d: replicas %v, want 3", p.Partition, p.Replicas)
		}
	}
	rcs, err := c.Admin(t).DescribeBrokerConfigs(ctx, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range rcs {
		for _, cfg := range rc.Configs {
			if strings.HasSuffix(cfg.Key, ".replication.throttled.rate") && cfg.Value != nil && cfg.Source == kmsg.ConfigSourceDynamicBrokerConfig {
				t.Errorf("broker %s keeps %s=%s", rc.Name, cfg.Key, *cfg.Value)
			}
		}
	}
	consumer := c.Client(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := 0
	for got < records && ctx.Err() == nil {
		consumer.PollFetches(ctx).EachRecord(func(*kgo.Record) { got++ })
	}
	if got != records {
		t.Errorf("consumed %d records, want %d", got, records)
	}
}
