package tail

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// Each --from starts where it says in every partition, and without
// --follow tail stops at the end it saw at the start.
func TestFrom(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := newTopic(t, c, "tail-from", 2)
		cl := c.Client(t, kgo.RecordPartitioner(kgo.ManualPartitioner()))
		// 10 records per partition, one second apart from base.
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		var rs []*kgo.Record
		for i := range 10 {
			for p := range int32(2) {
				rs = append(rs, &kgo.Record{Topic: topic, Partition: p, Timestamp: base.Add(time.Duration(i) * time.Second),
					Key: []byte(strconv.Itoa(i)), Value: fmt.Appendf(nil, `{"n":%d,"p":%d}`, i, p)})
			}
		}
		produceSync(t, cl, rs...)

		each := func(p int32, offs ...int64) []string {
			var out []string
			for _, o := range offs {
				out = append(out, fmt.Sprintf("%d:%d", p, o))
			}
			return out
		}
		all := func(from int64) []string {
			var out []string
			for p := range int32(2) {
				for o := from; o < 10; o++ {
					out = append(out, each(p, o)...)
				}
			}
			return out
		}
		tests := []struct {
			from  string
			parts []int32
			want  []string
		}{
			{from: "beginning", want: all(0)},
			{from: "end", want: nil},
			{from: "7", want: all(7)},
			{from: "-3", want: all(7)},
			{from: "-30", want: all(0)},
			{from: base.Add(8 * time.Second).Format(time.RFC3339), want: all(8)},
			{from: base.Add(time.Hour).Format(time.RFC3339), want: nil},
			{from: "-2", parts: []int32{1}, want: each(1, 8, 9)},
		}
		for _, tt := range tests {
			t.Run(tt.from, func(t *testing.T) {
				from, err := ParseFrom(tt.from)
				if err != nil {
					t.Fatal(err)
				}
				got := offsets(run(t, c, Options{Topic: topic, From: from, Partitions: tt.parts}))
				slices.Sort(got)
				slices.Sort(tt.want)
				if !slices.Equal(got, tt.want) {
					t.Fatalf("--from %s: got %v, want %v", tt.from, got, tt.want)
				}
			})
		}

		t.Run("limit", func(t *testing.T) {
			if got := run(t, c, Options{Topic: topic, From: Beginning, Limit: 5}); len(got) != 5 {
				t.Fatalf("--limit 5 printed %d records", len(got))
			}
		})
		t.Run("no such partition", func(t *testing.T) {
			_, err := Seek(context.Background(), c.Admin(t), topic, []int32{5}, Beginning)
			if err == nil || err.Error() != fmt.Sprintf("topic %q has no partition 5 (it has 2 partitions)", topic) {
				t.Fatalf("Seek partition 5: %v", err)
			}
		})
	})
}

// --from end with --follow prints only the records written after tail
// started, as they arrive.
func TestFollowFromEnd(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := newTopic(t, c, "tail-follow", 1)
		pcl := c.Client(t)
		produceSync(t, pcl, &kgo.Record{Topic: topic, Value: []byte("old")})

		cl := c.Client(t)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		pos, err := Seek(ctx, c.Admin(t), topic, nil, End)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer // written by the goroutine, read after it ends
		done := make(chan error, 1)
		n := 0
		go func() {
			done <- Consume(ctx, cl, topic, pos, true, func(r *kgo.Record) error {
				if err := WriteJSON(&out, Decode(ctx, nil, r)); err != nil {
					return err
				}
				if n++; n == 2 {
					return ErrStop
				}
				return nil
			})
		}()
		produceSync(t, pcl, &kgo.Record{Topic: topic, Value: []byte("new 1")})
		produceSync(t, pcl, &kgo.Record{Topic: topic, Value: []byte("new 2")})
		if err := <-done; err != nil {
			t.Fatalf("follow: %v", err)
		}
		got := parse(t, out.Bytes())
		if len(got) != 2 || string(got[0].Value) != `"new 1"` || string(got[1].Value) != `"new 2"` || got[0].Offset != 1 {
			t.Fatalf("followed records:\n%s", out.Bytes())
		}
	})
}

// Regression: -N must seek to end-N, not read the log from the start and
// keep the last N. Tailing the last 5 of 2,000 records fetches only the
// batches that hold them.
func TestLastNSeeks(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := newTopic(t, c, "tail-lastn", 1)
		pcl := c.Client(t, kgo.ProducerLinger(10*time.Millisecond))
		for b := range 20 {
			rs := make([]*kgo.Record, 100)
			for i := range rs {
				rs[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "record %d", b*100+i)}
			}
			produceSync(t, pcl, rs...)
		}
		var fetched atomic.Int64
		got := run(t, c, Options{Topic: topic, From: From{kind: fromLast, offset: 5}}, kgo.WithHooks(fetchCounter{&fetched}))
		if len(got) != 5 || got[0].Offset != 1995 || string(got[4].Value) != `"record 1999"` {
			t.Fatalf("-5 gave %v", offsets(got))
		}
		if n := fetched.Load(); n > 200 {
			t.Fatalf("-5 fetched %d records of 2000: it read the log instead of seeking", n)
		}
		t.Logf("-5 of 2000 fetched %d records", fetched.Load())
	})
}

// fetchCounter counts the records fetched, whether delivered or not.
type fetchCounter struct{ n *atomic.Int64 }

func (f fetchCounter) OnFetchBatchRead(_ kgo.BrokerMetadata, _ string, _ int32, m kgo.FetchBatchMetrics) {
	f.n.Add(int64(m.NumRecords))
}

// Regression: without --follow, a partition whose log ends in a
// transaction's commit marker was never done (the marker holds the last
// offset and kgo drops it), so tail waited for its timeout.
func TestStopsAfterTransactionMarker(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := newTopic(t, c, "tail-txn", 1)
		txn := c.Client(t, kgo.TransactionalID(kafkatest.Unique("tail-txn")))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := txn.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "in txn %d", i)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := txn.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
		got := run(t, c, Options{Topic: topic, From: Beginning})
		if len(got) != 3 || string(got[2].Value) != `"in txn 2"` {
			t.Fatalf("tail of a transactional topic: %v", offsets(got))
		}
	})
}

// Read uncommitted (the default, as kcat), an aborted transaction's
// records show; read committed, they do not, and tail still stops at the
// end.
func TestIsolation(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		topic := newTopic(t, c, "tail-iso", 1)
		txn := c.Client(t, kgo.TransactionalID(kafkatest.Unique("tail-iso")))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for _, end := range []kgo.TransactionEndTry{kgo.TryAbort, kgo.TryCommit} {
			if err := txn.BeginTransaction(); err != nil {
				t.Fatal(err)
			}
			if err := txn.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "commit %v", end)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
			if err := txn.EndTransaction(ctx, end); err != nil {
				t.Fatal(err)
			}
		}
		all := run(t, c, Options{Topic: topic, From: Beginning})
		if len(all) != 2 || string(all[0].Value) != `"commit false"` {
			t.Fatalf("read uncommitted: %v", offsets(all))
		}
		committed := run(t, c, Options{Topic: topic, From: Beginning, Committed: true}, CommittedOpt())
		if len(committed) != 1 || string(committed[0].Value) != `"commit true"` {
			t.Fatalf("read committed: %v", offsets(committed))
		}
	})
}
