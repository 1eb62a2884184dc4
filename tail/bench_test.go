package tail

import (
	"context"
	"encoding/binary"
	"io"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

const (
	benchRecords    = 1_000_000
	benchPartitions = 4
)

// BenchmarkTailLast10 writes 1,000,000 small records to a topic of 4
// partitions once, then times `tail --from -10` (the last 10 records of
// each partition, text output) on a fresh client, connection included.
// It must stay well under a second: -N seeks, it never reads the log. It
// runs on the real broker when one is given (make bench) and on kfake; the
// figure is the median of 5 runs.
func BenchmarkTailLast10(b *testing.B) {
	clusters := []*kafkatest.Cluster{kafkatest.NewFake(b)}
	if rb := kafkatest.RealBroker(b); rb != nil {
		clusters = append(clusters, rb)
	}
	for _, c := range clusters {
		b.Run(c.Name, func(b *testing.B) { benchTailLast10(b, c) })
	}
}

func benchTailLast10(b *testing.B, c *kafkatest.Cluster) {
	topic := newTopic(b, c, "bench-tail", benchPartitions)
	start := time.Now()
	pcl := c.Client(b, kgo.ProducerLinger(5*time.Millisecond), kgo.ProducerBatchMaxBytes(1<<20),
		kgo.MaxBufferedRecords(200_000), kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var failed atomic.Value
	for i := range benchRecords {
		v := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(i))
		pcl.Produce(ctx, &kgo.Record{Topic: topic, Value: v}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, err)
			}
		})
	}
	if err := pcl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: produced %d records in %s", c.Name, benchRecords, time.Since(start).Round(time.Millisecond))

	var times []time.Duration
	var fetched atomic.Int64
	b.ResetTimer()
	for range max(b.N, 5) {
		t0 := time.Now()
		cl, err := kgo.NewClient(append(ClientOpts(), kgo.SeedBrokers(c.Bootstrap...), kgo.WithHooks(fetchCounter{&fetched}))...)
		if err != nil {
			b.Fatal(err)
		}
		n, err := Run(ctx, cl, Options{Topic: topic, From: From{kind: fromLast, offset: 10}, Write: WriteText}, io.Discard)
		cl.Close()
		if err != nil {
			b.Fatal(err)
		}
		if n != 10*benchPartitions {
			b.Fatalf("tail --from -10 printed %d records, want %d", n, 10*benchPartitions)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(times)
	median := times[len(times)/2]
	b.ReportMetric(float64(median.Milliseconds()), "ms/tail")
	b.ReportMetric(float64(fetched.Load())/float64(len(times)), "fetched-records/tail")
	b.Logf("%s: tail --from -10 of %d records in %d partitions: median %s (min %s, max %s), %d records fetched per tail",
		c.Name, benchRecords, benchPartitions, median.Round(time.Millisecond), times[0].Round(time.Millisecond),
		times[len(times)-1].Round(time.Millisecond), fetched.Load()/int64(len(times)))
	if median > time.Second {
		b.Errorf("tail --from -10 took %s; want well under a second", median)
	}
}
