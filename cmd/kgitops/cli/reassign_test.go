package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// rfTopicYAML is a topic with replication factor rf.
func rfTopicYAML(name string, partitions, rf int) string {
	return fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: %d\n  replicationFactor: %d\n", name, partitions, rf)
}

// reassignRig is a 3-node cluster in racks a, a, b with one topic of the
// repo in dir.
type reassignRig struct {
	t     *testing.T
	c     *kafkatest.Cluster
	adm   *kadm.Client
	dir   string
	inv   string
	topic string
}

func (r *reassignRig) write(rf int) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "topic.yaml"), []byte(rfTopicYAML(r.topic, 3, rf)), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *reassignRig) run(cmd string, extra ...string) result {
	r.t.Helper()
	return kgitops(r.t, nil, append(append([]string{cmd, "--dir", r.dir}, clusterArgs(r.c, r.inv)...), extra...)...)
}

// reassign runs kgitops reassign SUB.
func (r *reassignRig) reassign(sub string, extra ...string) result {
	r.t.Helper()
	return kgitops(r.t, nil, append(append([]string{"reassign", sub}, clusterArgs(r.c, r.inv)...), extra...)...)
}

// replicas returns each partition's replicas.
func (r *reassignRig) replicas() map[int32][]int32 {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	td, err := r.adm.ListTopics(ctx, r.topic)
	if err != nil {
		r.t.Fatal(err)
	}
	out := map[int32][]int32{}
	for _, p := range td[r.topic].Partitions {
		out[p.Partition] = p.Replicas
	}
	return out
}

// throttles returns the throttle rates set on each broker, and the
// topic's throttled-replicas lists.
func (r *reassignRig) throttles() (map[int32]int, []string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rates := map[int32]int{}
	rcs, err := r.adm.DescribeBrokerConfigs(ctx, 1, 2, 3)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if strings.HasSuffix(c.Key, ".replication.throttled.rate") && c.Source == kmsg.ConfigSourceDynamicBrokerConfig {
				var id int32
				if _, err := fmt.Sscan(rc.Name, &id); err == nil {
					rates[id]++
				}
			}
		}
	}
	tcs, err := r.adm.DescribeTopicConfigs(ctx, r.topic)
	if err != nil {
		r.t.Fatal(err)
	}
	var keys []string
	for _, c := range tcs[0].Configs {
		if strings.HasSuffix(c.Key, ".replication.throttled.replicas") && c.Value != nil && *c.Value != "" && c.Source == kmsg.ConfigSourceDynamicTopicConfig {
			keys = append(keys, c.Key)
		}
	}
	return rates, keys
}

// count consumes the topic from the start and returns how many records
// it holds.
func (r *reassignRig) count(want int) int {
	r.t.Helper()
	cl := r.c.Client(r.t, kgo.ConsumeTopics(r.topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for n < want && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(*kgo.Record) { n++ })
	}
	return n
}

// Replication factor 1 → 3 → 2 on a real 3-node cluster in racks a, a,
// b, with data in the topic: the plan shows each partition's move and its
// bytes, apply throttles while data moves and removes the throttle after,
// a reassignment in progress is not drift, no record is lost, and a
// cancel holds the topic until resume. kfake accepts reassignments but
// never moves a replica: only a real cluster shows this.
func TestReplicationFactorByReassignment(t *testing.T) {
	n := kafkatest.ThreeNodesInRacks(t, "a", "a", "b")
	if n == nil {
		t.Skip("needs a real Kafka cluster of three nodes (KGITOPS_TEST_KAFKA unset: run make test)")
	}
	r := &reassignRig{t: t, c: n.Cluster, adm: n.Cluster.Admin(t), dir: t.TempDir(), inv: kafkatest.Unique("rf"), topic: kafkatest.Unique("moved")}
	r.write(1)
	if res := r.run("apply"); res.code != 0 {
		t.Fatalf("apply RF 1:\n%s", res)
	}
	const records = 3000
	cl := r.c.Client(t, kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var batch []*kgo.Record
	for i := range records {
		value := make([]byte, 1024) // random: the producer's compression keeps it at 1 KiB
		_, _ = rand.Read(value)
		batch = append(batch, &kgo.Record{Topic: r.topic, Key: []byte(fmt.Sprint(i)), Value: value})
	}
	if err := cl.ProduceSync(ctx, batch...).FirstErr(); err != nil {
		t.Fatal(err)
	}

	// 1 → 3: the plan shows every partition's move.
	r.write(3)
	res := r.run("plan", "--throttle", "256KiB")
	for _, want := range []string{"~ Topic " + r.topic, "replicationFactor: 1 → 3", "replicas[0]:", "throttled at 256.0 KiB/s per broker", "3 partition(s)"} {
		if res.code != 0 || !strings.Contains(res.stdout, want) {
			t.Fatalf("plan of RF 1 → 3 lacks %q:\n%s", want, res)
		}
	}
	// Each partition holds about 1 MiB, copied to two brokers.
	if got := regexp.MustCompile(`copies (1\.\d|2\.\d) MiB to`).FindAllString(res.stdout, -1); len(got) != 3 {
		t.Fatalf("plan of RF 1 → 3: want each partition's bytes (from DescribeLogDirs), got %q:\n%s", got, res)
	}
	if res := r.run("apply", "--throttle", "256KiB", "--no-wait"); res.code != 0 {
		t.Fatalf("apply --no-wait:\n%s", res)
	}
	// While data moves: throttled, shown as progress, not as drift.
	rates, lists := r.throttles()
	if len(rates) == 0 || len(lists) != 2 {
		t.Errorf("while moving: throttle rates on brokers %v, topic lists %v; want rates and both lists", rates, lists)
	}
	if res := r.reassign("status"); res.code != 0 || !strings.Contains(res.stdout, r.topic) || !regexp.MustCompile(`\d+\.\d [KMG]iB|\d+ B`).MatchString(res.stdout) {
		t.Errorf("reassign status while moving: want the topic and the bytes left:\n%s", res)
	}
	if res := r.run("plan", "--detailed-exitcode"); res.code != 0 || !strings.Contains(res.stdout, "Reassignment in progress: Topic "+r.topic) {
		t.Errorf("plan while moving: want exit 0 (not drift) and the progress:\n%s", res)
	}
	// apply waits for the moves in progress, then removes the throttles.
	if res := r.run("apply"); res.code != 0 {
		t.Fatalf("apply while moving:\n%s", res)
	}
	for p, reps := range r.replicas() {
		if len(reps) != 3 {
			t.Errorf("partition %d after RF 3: replicas %v", p, reps)
		}
	}
	if rates, lists := r.throttles(); len(rates) != 0 || len(lists) != 0 {
		t.Errorf("after the move: throttle rates %v, topic lists %v; want none", rates, lists)
	}
	if res := r.run("plan", "--detailed-exitcode"); res.code != 0 {
		t.Errorf("plan after RF 3: want no changes:\n%s", res)
	}
	if got := r.count(records); got != records {
		t.Errorf("after RF 3: %d records, want %d", got, records)
	}

	// 3 → 2: each partition keeps one replica in each rack.
	r.write(2)
	if res := r.run("apply"); res.code != 0 || !strings.Contains(res.stdout, "drops") {
		t.Fatalf("apply RF 2:\n%s", res)
	}
	for p, reps := range r.replicas() {
		racks := map[string]bool{}
		for _, b := range reps {
			racks[map[int32]string{1: "a", 2: "a", 3: "b"}[b]] = true
		}
		if len(reps) != 2 || len(racks) != 2 {
			t.Errorf("partition %d after RF 2: replicas %v, racks %v; want 2 replicas in racks a and b", p, reps, racks)
		}
	}
	if got := r.count(records); got != records {
		t.Errorf("after RF 2: %d records, want %d", got, records)
	}

	// 2 → 3 again, slowly; cancelled: back to 2 replicas, throttles
	// gone, and held until resume.
	before := r.replicas()
	r.write(3)
	if res := r.run("apply", "--throttle", "16KiB", "--no-wait"); res.code != 0 {
		t.Fatalf("apply --no-wait before the cancel:\n%s", res)
	}
	res = r.reassign("cancel", r.topic)
	if res.code != 0 || !strings.Contains(res.stdout, "cancelled") || !strings.Contains(res.stdout, "Held: topic "+r.topic) {
		t.Fatalf("reassign cancel:\n%s", res)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		after := r.replicas()
		same := len(after) == len(before)
		for p, reps := range before {
			same = same && slices.Equal(slices.Sorted(slices.Values(reps)), slices.Sorted(slices.Values(after[p])))
		}
		if same {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after cancel: replicas %v, want %v", after, before)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if rates, lists := r.throttles(); len(rates) != 0 || len(lists) != 0 {
		t.Errorf("after cancel: throttle rates %v, topic lists %v; want none", rates, lists)
	}
	if res := r.run("plan", "--detailed-exitcode"); res.code != 0 || !strings.Contains(res.stdout, "reassignment is held") {
		t.Errorf("plan of a held topic: want no change and the hold:\n%s", res)
	}
	if res := r.reassign("resume", r.topic); res.code != 0 || !strings.Contains(res.stdout, "released") {
		t.Fatalf("reassign resume:\n%s", res)
	}
	if res := r.run("plan", "--detailed-exitcode"); res.code != 2 || !strings.Contains(res.stdout, "replicationFactor: 2 → 3") {
		t.Errorf("plan after resume: want the move again:\n%s", res)
	}
}
