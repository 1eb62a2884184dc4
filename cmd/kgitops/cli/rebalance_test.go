package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// A replication factor raised above the brokers the cluster has is
// refused at plan time, naming the numbers, and apply changes nothing:
// no replica moves, no reassignment starts.
func TestReplicationFactorAboveTheBrokersIsRefused(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		adm := c.Admin(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		md, err := adm.BrokerMetadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		brokers := len(md.Brokers)
		inv, topic := kafkatest.Unique("rfmax"), kafkatest.Unique("short")
		dir := t.TempDir()
		write := func(rf int) {
			t.Helper()
			if err := os.WriteFile(filepath.Join(dir, "topic.yaml"), []byte(rfTopicYAML(topic, 2, rf)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		run := func(cmd string, extra ...string) result {
			t.Helper()
			return kgitops(t, nil, append(append([]string{cmd, "--dir", dir, "--max-partitions-per-broker", "1000000"}, clusterArgs(c, inv)...), extra...)...)
		}
		write(1)
		if res := run("apply"); res.code != 0 {
			t.Fatalf("apply RF 1:\n%s", res)
		}
		replicas := func() map[int32][]int32 {
			t.Helper()
			td, err := adm.ListTopics(ctx, topic)
			if err != nil {
				t.Fatal(err)
			}
			out := map[int32][]int32{}
			for _, p := range td[topic].Partitions {
				out[p.Partition] = p.Replicas
			}
			return out
		}
		before := replicas()

		rf := brokers + 1
		write(rf)
		want := fmt.Sprintf("replicationFactor %d needs %d brokers, and the cluster has %d registered", rf, rf, brokers)
		res := run("plan", "--detailed-exitcode")
		if res.code != ExitError || !strings.Contains(res.stdout+res.stderr, want) || !strings.Contains(res.stdout+res.stderr, "Topic "+topic) {
			t.Fatalf("plan of RF %d on %d brokers: want exit 1 and %q:\n%s", rf, brokers, want, res)
		}
		if strings.Contains(res.stdout+res.stderr, "creating this topic") {
			t.Errorf("the refusal of an existing topic speaks of creating it:\n%s", res)
		}
		if !strings.Contains(res.stdout+res.stderr, fmt.Sprintf("replicationFactor: %d", brokers)) {
			t.Errorf("the refusal does not say what to write instead (replicationFactor: %d):\n%s", brokers, res)
		}
		if res := run("apply"); res.code != ExitError || !strings.Contains(res.stdout+res.stderr, want) {
			t.Fatalf("apply of RF %d on %d brokers: want exit 1 and %q:\n%s", rf, brokers, want, res)
		}
		after := replicas()
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("replicas after the refused apply: %v, want %v", after, before)
		}
		if res := kgitops(t, nil, append([]string{"reassign", "status"}, clusterArgs(c, inv)...)...); res.code != 0 || strings.Contains(res.stdout, topic) {
			t.Errorf("reassign status after the refused apply: want nothing moving:\n%s", res)
		}
	})
}

// racksOf is the rack of each node of ThreeNodesInRacks(t, "a", "a", "b").
var racksOf = map[int32]string{1: "a", 2: "a", 3: "b"}

// spreadOf counts the racks replicas cover.
func spreadOf(replicas []int32) int {
	racks := map[string]bool{}
	for _, b := range replicas {
		racks[racksOf[b]] = true
	}
	return len(racks)
}

// createAssigned creates topic with each partition on the replicas of
// assignment, the way an operator crowds brokers by hand.
func createAssigned(t *testing.T, cl *kgo.Client, topic string, assignment [][]int32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = 30000
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions, rt.ReplicationFactor = -1, -1
	for i, reps := range assignment {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = int32(i), reps
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	if err := kerr.ErrorForCode(resp.Topics[0].ErrorCode); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
}

// partitionsOf reads every partition of the cluster's topics, internal
// ones included, by topic.
func partitionsOf(t *testing.T, adm *kadm.Client) map[string]kadm.PartitionDetails {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	td, err := adm.ListTopicsWithInternal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]kadm.PartitionDetails{}
	for name, d := range td {
		if d.Err != nil {
			t.Fatalf("topic %s: %v", name, d.Err)
		}
		out[name] = d.Partitions
	}
	return out
}

// replicaCounts counts the replicas and the preferred leaders (first
// replicas) each broker holds.
func replicaCounts(parts map[string]kadm.PartitionDetails) (replicas, leaders map[int32]int) {
	replicas, leaders = map[int32]int{1: 0, 2: 0, 3: 0}, map[int32]int{1: 0, 2: 0, 3: 0}
	for _, ps := range parts {
		for _, p := range ps {
			for i, b := range p.Replicas {
				replicas[b]++
				if i == 0 {
					leaders[b]++
				}
			}
		}
	}
	return replicas, leaders
}

// gap is the most a broker holds less than the busiest one.
func gap(counts map[int32]int) int {
	lo, hi := -1, 0
	for _, n := range counts {
		if lo < 0 || n < lo {
			lo = n
		}
		hi = max(hi, n)
	}
	return hi - lo
}

// brokerThrottles lists the replication throttle rates set on the
// brokers, and the throttled-replicas lists set on topics.
func brokerThrottles(t *testing.T, adm *kadm.Client, topics ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var set []string
	rcs, err := adm.DescribeBrokerConfigs(ctx, 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if strings.HasSuffix(c.Key, ".replication.throttled.rate") && c.Source == kmsg.ConfigSourceDynamicBrokerConfig {
				set = append(set, "broker "+rc.Name+" "+c.Key)
			}
		}
	}
	tcs, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range tcs {
		for _, c := range rc.Configs {
			if strings.HasSuffix(c.Key, ".replication.throttled.replicas") && c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				set = append(set, "topic "+rc.Name+" "+c.Key)
			}
		}
	}
	return set
}

// consumeAll reads topic from the start until it has want records, and
// returns how many it read.
func consumeAll(t *testing.T, c *kafkatest.Cluster, topic string, want int) int {
	t.Helper()
	cl := c.Client(t, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for n < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(*kgo.Record) { n++ })
	}
	return n
}

// fill writes perPartition records of 1 KiB of random bytes (which no
// compression shrinks, so that moves copy real data) to each of the
// topic's partitions, and returns how many it wrote.
func fill(t *testing.T, c *kafkatest.Cluster, topic string, partitions, perPartition int) int {
	t.Helper()
	cl := c.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var batch []*kgo.Record
	for p := range partitions {
		for i := range perPartition {
			value := make([]byte, 1024)
			_, _ = rand.Read(value)
			batch = append(batch, &kgo.Record{Topic: topic, Partition: int32(p), Key: []byte(fmt.Sprint(i)), Value: value})
		}
	}
	if err := cl.ProduceSync(ctx, batch...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
	return len(batch)
}

// kgitops rebalance on a real 3-node cluster in racks a, a, b whose
// topics were crowded by hand onto brokers 1 and 2: it shows the moves,
// then makes them throttled, and afterwards the replicas are within one of
// even (these topics allow it: every crowded partition has a replica
// that may go to broker 3 without lowering its rack spread), no
// partition's rack spread fell, no replication factor changed, the moved
// partitions are led by their first replica, the throttles are gone, no
// record is lost, and a second rebalance has nothing to do.
func TestRebalanceRealCluster(t *testing.T) {
	n := kafkatest.ThreeNodesInRacks(t, "a", "a", "b")
	if n == nil {
		t.Skip("needs a real Kafka cluster of three nodes (KGITOPS_TEST_KAFKA unset: run make test)")
	}
	cl := n.Client(t)
	adm := kadm.NewClient(cl)
	inv := kafkatest.Unique("rebalance")
	// A cluster kgitops manages already: one topic of a repo, on every
	// broker (it never moves, but its preferred leaders may), and the
	// inventory topic.
	managed := kafkatest.Unique("managed")
	dir := repo(t, map[string]string{"topic.yaml": rfTopicYAML(managed, 2, 3)})
	if res := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(n.Cluster, inv)...)...); res.code != 0 {
		t.Fatalf("apply:\n%s", res)
	}
	crowded := map[string][][]int32{
		kafkatest.Unique("pairs"):   {{1, 2}, {2, 1}, {1, 2}, {2, 1}}, // spread 1: one replica may go to rack b
		kafkatest.Unique("singles"): {{1}, {2}, {1}},
	}
	topics := []string{managed}
	for topic, as := range crowded {
		createAssigned(t, cl, topic, as)
		topics = append(topics, topic)
	}
	slices.Sort(topics)
	records := map[string]int{managed: fill(t, n.Cluster, managed, 2, 200)}
	for topic, as := range crowded {
		records[topic] = fill(t, n.Cluster, topic, len(as), 500)
	}
	before := partitionsOf(t, adm)
	reps, leads := replicaCounts(before)
	if gap(reps) < 2 {
		t.Fatalf("the cluster is balanced already: replicas %v", reps)
	}
	args := func(extra ...string) []string {
		return append(append([]string{"rebalance"}, clusterArgs(n.Cluster, inv)...), extra...)
	}

	res := kgitops(t, nil, args()...)
	for _, want := range []string{"replicas[", "copies", "reassignment:", "Run kgitops rebalance --apply to make these moves."} {
		if res.code != 0 || !strings.Contains(res.stdout, want) {
			t.Fatalf("rebalance without --apply: want exit 0 and %q:\n%s", want, res)
		}
	}
	if after := partitionsOf(t, adm); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("rebalance without --apply moved replicas")
	}

	res = kgitops(t, nil, args("--apply", "--throttle", "1MiB")...)
	if res.code != 0 || !strings.Contains(res.stdout, "The preferred leader leads") {
		t.Fatalf("rebalance --apply:\n%s", res)
	}
	after := partitionsOf(t, adm)
	repsAfter, leadsAfter := replicaCounts(after)
	t.Logf("replicas per broker %v → %v, preferred leaders %v → %v", reps, repsAfter, leads, leadsAfter)
	if g := gap(repsAfter); g > 1 {
		t.Errorf("replicas per broker after the rebalance: %v (before %v); want within one of each other", repsAfter, reps)
	}
	if gap(leadsAfter) > gap(leads) {
		t.Errorf("preferred leaders per broker after the rebalance: %v, before %v: more uneven", leadsAfter, leads)
	}
	moved := 0
	for topic, ps := range before {
		for id, p := range ps {
			q, ok := after[topic][id]
			if !ok {
				t.Errorf("%s partition %d is gone", topic, id)
				continue
			}
			if len(q.Replicas) != len(p.Replicas) {
				t.Errorf("%s partition %d: replicas %v → %v: the replication factor changed", topic, id, p.Replicas, q.Replicas)
			}
			if spreadOf(q.Replicas) < spreadOf(p.Replicas) {
				t.Errorf("%s partition %d: replicas %v → %v: its rack spread fell", topic, id, p.Replicas, q.Replicas)
			}
			if !slices.Equal(p.Replicas, q.Replicas) {
				moved++
				if len(q.Replicas) > 0 && q.Leader != q.Replicas[0] {
					t.Errorf("%s partition %d moved to %v, led by %d: want its preferred leader %d", topic, id, q.Replicas, q.Leader, q.Replicas[0])
				}
			}
		}
	}
	if moved == 0 {
		t.Errorf("nothing moved")
	}
	if set := brokerThrottles(t, adm, topics...); len(set) > 0 {
		t.Errorf("throttles left after the rebalance: %v", set)
	}
	for _, topic := range topics {
		if got := consumeAll(t, n.Cluster, topic, records[topic]); got != records[topic] {
			t.Errorf("%s after the rebalance: %d records, want %d", topic, got, records[topic])
		}
	}

	res = kgitops(t, nil, args()...)
	if res.code != 0 || strings.Contains(res.stdout, "replicas[") || strings.Contains(res.stdout, "--apply") {
		t.Errorf("second rebalance: want no moves:\n%s", res)
	}

	// --no-wait starts the moves and returns; the next rebalance --apply
	// has nothing left to start, and waits for them, removes the
	// throttles and elects the preferred leaders. Regression: it returned
	// at once, leaving the throttles on and the leaders where they were.
	later := kafkatest.Unique("later")
	createAssigned(t, cl, later, [][]int32{{1, 2}, {2, 1}, {1, 2}, {2, 1}})
	records[later] = fill(t, n.Cluster, later, 4, 500)
	topics = append(topics, later)
	res = kgitops(t, nil, args("--apply", "--no-wait", "--throttle", "64KiB")...)
	if res.code != 0 || !strings.Contains(res.stdout, "The first batch is moving") {
		t.Fatalf("rebalance --apply --no-wait:\n%s", res)
	}
	if set := brokerThrottles(t, adm, later); len(set) == 0 {
		t.Errorf("rebalance --apply --no-wait set no throttle")
	}
	res = kgitops(t, nil, args("--apply")...)
	if res.code != 0 {
		t.Fatalf("rebalance --apply after --no-wait:\n%s", res)
	}
	if set := brokerThrottles(t, adm, topics...); len(set) > 0 {
		t.Errorf("throttles left after rebalance --apply waited for the moves: %v\n%s", set, res)
	}
	for id, p := range partitionsOf(t, adm)[later] {
		if p.Leader != p.Replicas[0] {
			t.Errorf("%s partition %d on %v is led by %d: want its preferred leader %d\n%s", later, id, p.Replicas, p.Leader, p.Replicas[0], res)
		}
	}
	if repsNow, _ := replicaCounts(partitionsOf(t, adm)); gap(repsNow) > 1 {
		t.Errorf("replicas per broker after the second rebalance: %v", repsNow)
	}
	if got := consumeAll(t, n.Cluster, later, records[later]); got != records[later] {
		t.Errorf("%s after the rebalance: %d records, want %d", later, got, records[later])
	}
	if res := kgitops(t, nil, args()...); res.code != 0 || strings.Contains(res.stdout, "replicas[") {
		t.Errorf("rebalance after the moves: want no moves:\n%s", res)
	}
}

// staticTopicYAML is a topic of 2 partitions, replication factor 2, on
// the static placement [[1, 3], [2, 3]].
func staticTopicYAML(name string) string {
	return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: 2\n  replicationFactor: 2\n  placement: {static: [[1, 3], [2, 3]]}\n", name)
}

const revertDrift = "apiVersion: kgitops.io/v1alpha1\nkind: Settings\nmetadata: {name: cluster}\nspec:\n  reassignment: {placementDrift: revert}\n"

// A topic declared with a static placement is created on its lists (not
// where Kafka would put it), so that the plan after the create is empty.
// A partition moved out of band is then placement drift: the plan reports
// it and changes nothing (exit 0 with --detailed-exitcode), until
// Settings say placementDrift: revert, when the plan moves it back and
// apply restores the static list.
func TestPlacementDriftReportedAndReverted(t *testing.T) {
	n := kafkatest.ThreeNodesInRacks(t, "a", "a", "b")
	if n == nil {
		t.Skip("needs a real Kafka cluster of three nodes (KGITOPS_TEST_KAFKA unset: run make test)")
	}
	adm := n.Admin(t)
	inv, topic := kafkatest.Unique("drift"), kafkatest.Unique("pinned")
	dir := repo(t, map[string]string{"topic.yaml": staticTopicYAML(topic)})
	run := func(cmd string, extra ...string) result {
		t.Helper()
		return kgitops(t, nil, append(append([]string{cmd, "--dir", dir}, clusterArgs(n.Cluster, inv)...), extra...)...)
	}
	static := map[int32][]int32{0: {1, 3}, 1: {2, 3}}
	replicas := func() map[int32][]int32 {
		t.Helper()
		out := map[int32][]int32{}
		for id, p := range partitionsOf(t, adm)[topic] {
			out[id] = p.Replicas
		}
		return out
	}

	res := run("apply")
	if res.code != 0 || !strings.Contains(res.stdout, "replicas[0]:       [1, 3]") || !strings.Contains(res.stdout, "replicas[1]:       [2, 3]") {
		t.Fatalf("apply of a topic with a static placement: want its replica lists in the plan:\n%s", res)
	}
	if got := replicas(); fmt.Sprint(got) != fmt.Sprint(static) {
		t.Fatalf("created on %v, want the static placement %v", got, static)
	}
	if res := run("plan", "--detailed-exitcode"); res.code != 0 || strings.Contains(res.stdout, "drift") {
		t.Fatalf("plan right after the create: want no change and no drift:\n%s", res)
	}
	records := fill(t, n.Cluster, topic, 2, 300)

	// Out of band: partition 0 to [1, 2].
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign(topic, 0, []int32{1, 2})
	resps, err := adm.AlterPartitionAssignments(ctx, req)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		t.Fatalf("move partition 0 out of band: %v", err)
	}
	for !slices.Equal(replicas()[0], []int32{1, 2}) {
		if ctx.Err() != nil {
			t.Fatalf("partition 0 never reached [1, 2]: %v", replicas())
		}
		time.Sleep(200 * time.Millisecond)
	}

	res = run("plan", "--detailed-exitcode")
	note := "Drift: Topic " + topic + ": placement drift: partition 0 on [1, 2], which placement static does not allow; set reassignment.placementDrift: revert in Settings to move them back"
	if res.code != 0 || !strings.Contains(res.stdout, note) || strings.Contains(res.stdout, "replicas[0]") {
		t.Fatalf("plan after the drift: want exit 0 and the note %q:\n%s", note, res)
	}

	if err := os.WriteFile(filepath.Join(dir, "settings.yaml"), []byte(revertDrift), 0o644); err != nil {
		t.Fatal(err)
	}
	res = run("plan", "--detailed-exitcode")
	if res.code != ExitChanges || !strings.Contains(res.stdout, "replicas[0]:  [1, 2] → [1, 3] (copies") ||
		strings.Contains(res.stdout, "replicationFactor") || strings.Contains(res.stdout, "placement drift") {
		t.Fatalf("plan with placementDrift: revert: want exit 2 and partition 0 moved back, no replicationFactor change:\n%s", res)
	}
	if res := run("apply", "--throttle", "1MiB"); res.code != 0 {
		t.Fatalf("apply with placementDrift: revert:\n%s", res)
	}
	if got := replicas(); fmt.Sprint(got) != fmt.Sprint(static) {
		t.Errorf("after the revert: replicas %v, want %v", got, static)
	}
	if set := brokerThrottles(t, adm, topic); len(set) > 0 {
		t.Errorf("throttles left after the revert: %v", set)
	}
	if res := run("plan", "--detailed-exitcode"); res.code != 0 {
		t.Errorf("plan after the revert: want no change:\n%s", res)
	}
	if got := consumeAll(t, n.Cluster, topic, records); got != records {
		t.Errorf("after the revert: %d records, want %d", got, records)
	}
}
