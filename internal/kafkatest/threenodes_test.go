package kafkatest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestThreeNodes is the 3-node rig's self-test and pins what Apache Kafka 4.1.1 does
// when one of three combined KRaft nodes goes down. Observed on 2 cores with
// broker.session.timeout.ms=3000 and broker.heartbeat.interval.ms=1000 (times grow
// about 2-3x when another cluster starts beside it):
//
//   - Start: ready (all three registered and unfenced, an RF-3 topic created, the group
//     coordinator up) 6-9 s after cluster.sh start; -XX:TieredStopAtLevel=1 saves about
//     a third of that.
//   - SIGTERM (StopNode): the controlled shutdown moves node 3's leaderships and takes
//     it out of every ISR within about 0.1 s; the JVM is gone after about 1.5 s and the
//     controller fences node 3 1.2-1.7 s after the signal. From then on DescribeCluster
//     v2 (IncludeFencedBrokers) lists brokers 1, 2, 3 with node 3 IsFenced=true, and
//     Metadata lists brokers 1 and 2 only. Replica lists keep node 3.
//   - While a node is down, CreateTopics with replication factor 3 SUCCEEDS: the
//     controller's StripedReplicaPlacer places replicas on fenced brokers once the
//     unfenced ones run out (never as leader), so every partition gets the down node
//     as a replica and an ISR of 2. Replication factor 4 fails with
//     INVALID_REPLICATION_FACTOR (38): "Unable to replicate the partition 4 time(s):
//     The target replication factor of 4 cannot be reached because only 3 broker(s)
//     are registered." Producing with acks=all works (min.insync.replicas=1).
//   - StartNode: the node is unfenced and listed by Metadata again about 2 s after its
//     JVM starts, and back in the ISRs 0.3 s later. Leaderships do not move back at
//     once (the preferred-leader check runs every 300 s).
//   - SIGKILL (KillNode): Metadata keeps listing the dead node, as leader and in ISRs,
//     until the controller fences it: 2.7-3 s later for a plain broker (the session
//     timeout), 5-7 s later when it was the active controller (the quorum leader): the
//     two other voters elect a new leader, which then waits a full session timeout.
//     Then the same view as after SIGTERM, and the quorum of 2 creates topics.
//   - The ControllerId of DescribeCluster and Metadata responses is a random live
//     broker on every request, not the active controller; DescribeQuorum names that.
//
// kfake differs; see TestKfakeRemoveNode.
func TestThreeNodes(t *testing.T) {
	n := ThreeNodes(t)
	if n == nil {
		t.Skipf("no real Kafka broker configured (%s unset): the 3-node cluster is not started", EnvBootstrap)
	}
	if !n.Real() || n.Name != "kafka-3node" || len(n.Bootstrap) != 3 {
		t.Fatalf("cluster %q, Real() = %v, bootstrap %v; want kafka-3node, real, 3 addresses", n.Name, n.Real(), n.Bootstrap)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := n.Client(t)
	adm := kadm.NewClient(cl)

	checkBrokers(ctx, t, cl, "all up", nil)
	topic := Unique("threenodes")
	createTopic(ctx, t, adm, topic, 3, nil)
	WaitForTopics(t, adm, topic)
	produce(ctx, t, cl, topic, "before")

	n.StopNode(t, 3)
	checkBrokers(ctx, t, cl, "node 3 stopped", []int32{3})
	checkPartitions(ctx, t, cl, topic, 3)
	created := Unique("threenodes-while-down")
	createTopic(ctx, t, adm, created, 3, nil)
	WaitForTopics(t, adm, created)
	checkPartitions(ctx, t, cl, created, 3)
	createTopic(ctx, t, adm, Unique("threenodes-rf4"), 4, kerr.InvalidReplicationFactor)
	produce(ctx, t, cl, topic, "while node 3 is down")

	n.StartNode(t, 3)
	checkBrokers(ctx, t, cl, "node 3 restarted", nil)
	waitFullISR(ctx, t, cl, topic, created)

	leader := n.QuorumLeader(t)
	t.Logf("the active controller is node %d; killing it", leader)
	n.KillNode(t, leader)
	checkBrokers(ctx, t, cl, fmt.Sprintf("node %d killed", leader), []int32{leader})
	checkPartitions(ctx, t, cl, topic, leader)
	if next := n.QuorumLeader(t); next == leader {
		t.Errorf("node %d is still the quorum leader after it was killed", next)
	} else {
		t.Logf("node %d is the active controller now", next)
	}
	createTopic(ctx, t, adm, Unique("threenodes-no-controller"), 3, nil)
	produce(ctx, t, cl, topic, "while the old controller is down")

	n.StartNode(t, leader)
	checkBrokers(ctx, t, cl, fmt.Sprintf("node %d restarted", leader), nil)
	waitFullISR(ctx, t, cl, topic, created)
}

// TestKfakeRemoveNode pins kfake's view of a broker that goes away, which is not
// Kafka's (see TestThreeNodes): kfake has no fencing. DescribeCluster v2 with
// IncludeFencedBrokers lists its live brokers only, never IsFenced, all in rack
// "krack"; after RemoveNode the node is simply gone from DescribeCluster and Metadata;
// and CreateTopics with replication factor 3 on the two brokers left fails with
// INVALID_REPLICATION_FACTOR, where Kafka succeeds. Removing the controller (kfake's
// last broker) leaves ControllerId naming the removed node, so every controller request
// (CreateTopics...) then fails after kgo's retries. If kfake learns fencing, update
// this pin.
func TestKfakeRemoveNode(t *testing.T) {
	c := NewFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := c.Client(t)

	view := func() string {
		t.Helper()
		brokers, err := describeBrokers(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		md, err := liveMetadata(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("DescribeCluster %s, Metadata %v, controller %d", brokersString(brokers), nodeIDs(md), md.ControllerID)
	}
	steps := []struct {
		remove int32 // -1: none
		want   string
	}{
		{-1, "DescribeCluster [0:krack 1:krack 2:krack], Metadata [0 1 2], controller 2"},
		{0, "DescribeCluster [1:krack 2:krack], Metadata [1 2], controller 2"},
		{2, "DescribeCluster [1:krack], Metadata [1], controller 2"},
	}
	for _, s := range steps {
		if s.remove >= 0 {
			if err := c.Fake.RemoveNode(s.remove); err != nil {
				t.Fatal(err)
			}
		}
		if got := view(); got != s.want {
			t.Errorf("kfake after RemoveNode(%d):\n got %s\nwant %s", s.remove, got, s.want)
		}
		if s.remove == 0 {
			createTopic(ctx, t, kadm.NewClient(cl), Unique("kfake-rf3"), 3, kerr.InvalidReplicationFactor)
		}
	}
}

// checkBrokers checks that DescribeCluster (fenced brokers included) lists nodes 1-3
// with their racks, exactly the down nodes fenced, and that Metadata lists the others.
func checkBrokers(ctx context.Context, t *testing.T, cl *kgo.Client, when string, down []int32) {
	t.Helper()
	brokers, err := describeBrokers(ctx, cl)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	var expect []kmsg.DescribeClusterResponseBroker
	var up []int32
	for i, rack := range []string{"rack-a", "rack-b", "rack-c"} {
		b := kmsg.NewDescribeClusterResponseBroker()
		b.NodeID, b.Rack, b.IsFenced = int32(i+1), &rack, slices.Contains(down, int32(i+1))
		expect = append(expect, b)
		if !b.IsFenced {
			up = append(up, b.NodeID)
		}
	}
	if got, want := brokersString(brokers), brokersString(expect); got != want {
		t.Errorf("%s: DescribeCluster lists %s, want %s", when, got, want)
	}
	md, err := liveMetadata(ctx, cl)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if got := nodeIDs(md); !slices.Equal(got, up) {
		t.Errorf("%s: Metadata lists brokers %v, want %v", when, got, up)
	}
	t.Logf("%s: DescribeCluster %s, Metadata %v", when, brokersString(brokers), nodeIDs(md))
}

func nodeIDs(md *kmsg.MetadataResponse) []int32 {
	var ids []int32
	for _, b := range md.Brokers {
		ids = append(ids, b.NodeID)
	}
	return ids
}

// brokersString renders brokers as [id:rack(:fenced) ...].
func brokersString(brokers []kmsg.DescribeClusterResponseBroker) string {
	s := "["
	for i, b := range brokers {
		if i > 0 {
			s += " "
		}
		rack := "<none>"
		if b.Rack != nil {
			rack = *b.Rack
		}
		s += fmt.Sprintf("%d:%s", b.NodeID, rack)
		if b.IsFenced {
			s += ":fenced"
		}
	}
	return s + "]"
}

// createTopic creates a 3-partition topic with replication factor rf and checks that
// the result is wantErr (nil: success; then the topic is deleted by t.Cleanup).
func createTopic(ctx context.Context, t *testing.T, adm *kadm.Client, topic string, rf int16, wantErr error) {
	t.Helper()
	resp, err := adm.CreateTopic(ctx, 3, rf, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err == nil {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := adm.DeleteTopic(ctx, topic); err != nil {
				t.Logf("delete topic %s: %v", topic, err)
			}
		})
	}
	switch {
	case wantErr == nil && err != nil:
		t.Fatalf("create %s with replication factor %d: %v", topic, rf, err)
	case wantErr != nil && !errors.Is(err, wantErr):
		t.Fatalf("create %s with replication factor %d: err = %v, want %v", topic, rf, err, wantErr)
	case err != nil:
		t.Logf("create %s with replication factor %d: %v (%s)", topic, rf, err, resp.ErrMessage)
	}
}

// checkPartitions checks that every partition of topic has three replicas, one of them
// node down, and that node down neither leads nor is in the ISR.
func checkPartitions(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, down int32) {
	t.Helper()
	md, err := liveMetadata(ctx, cl, topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range md.Topics[0].Partitions {
		if len(p.Replicas) != 3 || !slices.Contains(p.Replicas, down) || p.Leader == down || slices.Contains(p.ISR, down) || len(p.ISR) != 2 {
			t.Errorf("%s[%d] with node %d down: leader %d, replicas %v, ISR %v; want 3 replicas with node %d, which neither leads nor is in the ISR of 2",
				topic, p.Partition, down, p.Leader, p.Replicas, p.ISR, down)
		}
	}
	t.Logf("%s with node %d down:%s", topic, down, partitionsString(md.Topics[0]))
}

// waitFullISR waits until every partition of the topics has all 3 replicas in its ISR.
func waitFullISR(ctx context.Context, t *testing.T, cl *kgo.Client, topics ...string) {
	t.Helper()
	began := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		md, err := liveMetadata(ctx, cl, topics...)
		full := err == nil && len(md.Topics) == len(topics)
		for i := 0; full && i < len(md.Topics); i++ {
			for _, p := range md.Topics[i].Partitions {
				full = full && len(p.ISR) == 3
			}
		}
		if full {
			t.Logf("ISRs full again after %v:%s", time.Since(began).Round(10*time.Millisecond), partitionsString(md.Topics[0]))
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ISRs of %v not full after 60s (last error: %v)", topics, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func partitionsString(topic kmsg.MetadataResponseTopic) string {
	ps := slices.Clone(topic.Partitions)
	slices.SortFunc(ps, func(a, b kmsg.MetadataResponseTopicPartition) int { return int(a.Partition - b.Partition) })
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf(" p%d leader %d replicas %v isr %v;", p.Partition, p.Leader, p.Replicas, p.ISR)
	}
	return s
}

// produce writes one record with acks=all and checks it is accepted.
func produce(ctx context.Context, t *testing.T, cl *kgo.Client, topic, value string) {
	t.Helper()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(value)}).FirstErr(); err != nil {
		t.Fatalf("produce %q to %s: %v", value, topic, err)
	}
}
