// Package inspecttest gives the tests of describe, lag and offsets what
// they need on a cluster: topics deleted when the test ends, records
// produced to chosen partitions, and consumers in a group, classic or
// KIP-848, that commit what the test says. It is for tests only.
package inspecttest

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// Topic creates a topic of the given partitions (replication factor 1),
// named with kafkatest.Unique(prefix), waits for its leaders, and deletes
// it when the test ends.
func Topic(t *testing.T, c *kafkatest.Cluster, prefix string, partitions int32) string {
	t.Helper()
	adm := c.Admin(t)
	name := kafkatest.Unique(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, partitions, 1, nil, name); err != nil {
		t.Fatalf("create topic %s: %v", name, err)
	}
	DeleteTopicAfter(t, adm, name)
	kafkatest.WaitForTopics(t, adm, name)
	return name
}

// DeleteTopicAfter deletes topic when the test ends.
func DeleteTopicAfter(t *testing.T, adm *kadm.Client, topic string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adm.DeleteTopics(ctx, topic); err != nil {
			t.Logf("delete topic %s: %v", topic, err)
		}
	})
}

// DeleteGroupAfter deletes group when the test ends (once its members left).
func DeleteGroupAfter(t *testing.T, adm *kadm.Client, group string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adm.DeleteGroup(ctx, group); err != nil {
			t.Logf("delete group %s: %v", group, err)
		}
	})
}

// Produce writes n[p] records to each partition p of topic.
func Produce(t *testing.T, c *kafkatest.Cluster, topic string, n map[int32]int) {
	t.Helper()
	cl := c.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rs []*kgo.Record
	for p, k := range n {
		for range k {
			rs = append(rs, &kgo.Record{Topic: topic, Partition: p, Value: []byte("v")})
		}
	}
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}

// Consumer is a member of a consumer group.
type Consumer struct {
	*kgo.Client
	stop   context.CancelFunc
	done   chan struct{}
	closed bool
}

// Join starts a consumer of topic in group with client id clientID: a
// KIP-848 member when nextGen, else a classic one. It commits nothing by
// itself. Close it to leave the group; the test closes it at the end.
func Join(t *testing.T, c *kafkatest.Cluster, group, topic, clientID string, nextGen bool) *Consumer {
	t.Helper()
	opts := []kgo.Opt{
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.ClientID(clientID),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.Balancers(kgo.RangeBalancer()),
	}
	if nextGen {
		opts = append(opts, kgo.ServerSideBalancer())
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Bootstrap...)}, opts...)...)
	if err != nil {
		t.Fatalf("new consumer: %v", err)
	}
	con := &Consumer{Client: cl, done: make(chan struct{})}
	t.Cleanup(con.Close)
	return con
}

// Consume polls until it has n records, and returns them.
func (con *Consumer) Consume(t *testing.T, n int) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := con.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d records of %d in 60s", len(out), n)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch %s/%d: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

// Commit commits offsets for topic, by partition, as the group's member.
func (con *Consumer) Commit(t *testing.T, topic string, offsets map[int32]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m := map[string]map[int32]kgo.EpochOffset{topic: {}}
	for p, o := range offsets {
		m[topic][p] = kgo.EpochOffset{Epoch: -1, Offset: o}
	}
	var cerr error
	con.CommitOffsetsSync(ctx, m, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		cerr = err
		if err == nil {
			for _, rt := range resp.Topics {
				for _, rp := range rt.Partitions {
					if e := kerr.ErrorForCode(rp.ErrorCode); e != nil {
						cerr = e
					}
				}
			}
		}
	})
	if cerr != nil {
		t.Fatalf("commit %v: %v", offsets, cerr)
	}
}

// KeepPolling polls in the background, so that the member stays in the
// group, until Close.
func (con *Consumer) KeepPolling() {
	ctx, cancel := context.WithCancel(context.Background())
	con.stop = cancel
	go func() {
		defer close(con.done)
		for ctx.Err() == nil {
			con.PollFetches(ctx)
		}
	}()
}

// Close stops polling and leaves the group. It may be called twice.
func (con *Consumer) Close() {
	if con.closed {
		return
	}
	con.closed = true
	if con.stop != nil {
		con.stop()
		<-con.done
		con.stop = nil
	}
	con.Client.Close()
}
