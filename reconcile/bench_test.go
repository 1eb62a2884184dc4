package reconcile

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

const benchTopics = 5000

// BenchmarkPlan plans a repo of 5,000 topics, each with config overrides,
// against a cluster that already holds them, and compares the plan's wall
// time with the bare fetch of the same data by kadm calls alone (metadata
// and the topics' configs). It runs on the real broker when one is given
// (make bench) and on kfake. Each figure is the median of 5 runs, each on a
// fresh client so that no metadata cache helps either side.
func BenchmarkPlan(b *testing.B) {
	clusters := []*kafkatest.Cluster{kafkatest.NewFake(b)}
	if rb := kafkatest.RealBroker(b); rb != nil {
		clusters = append(clusters, rb)
	}
	for _, c := range clusters {
		b.Run(c.Name, func(b *testing.B) { benchPlan(b, c) })
	}
}

func benchPlan(b *testing.B, c *kafkatest.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	prefix := kafkatest.Unique("bench")
	inv := InventoryRef{Name: prefix}
	st := &spec.State{}
	names := make([]string, benchTopics)
	for i := range benchTopics {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
		st.Topics = append(st.Topics, spec.Topic{Name: names[i], Partitions: 1, ReplicationFactor: 1, Configs: map[string]string{
			"retention.ms":     fmt.Sprint(86400000 + i),
			"cleanup.policy":   "delete",
			"segment.bytes":    "104857600",
			"compression.type": "zstd",
		}})
	}

	setup := c.Client(b)
	start := time.Now()
	live, err := Observe(ctx, setup, ObserveOptions{Inventory: inv})
	if err != nil {
		b.Fatal(err)
	}
	// 5,000 single-partition topics on one broker is above the default
	// partitions-per-broker limit; the benchmark measures time, not that.
	opts := DiffOptions{MaxPartitionsPerBroker: 1 << 20}
	results, err := Apply(ctx, setup, Diff(st, live, opts), ApplyOptions{Inventory: inv, Brokers: live.Brokers})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range results {
		if r.Err != nil {
			b.Fatalf("create %s: %v", r.Change.Name, r.Err)
		}
	}
	b.Logf("%s: created %d topics in %s", c.Name, benchTopics, time.Since(start).Round(time.Millisecond))
	b.Cleanup(func() { deleteTopics(b, setup, names) })

	fresh := func() *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(c.Bootstrap...))
		if err != nil {
			b.Fatal(err)
		}
		return cl
	}
	var planTimes, rawTimes []time.Duration
	b.ResetTimer()
	for range b.N {
		for range 5 {
			cl := fresh()
			t0 := time.Now()
			live, err := Observe(ctx, cl, ObserveOptions{Inventory: inv})
			if err != nil {
				b.Fatal(err)
			}
			p := Diff(st, live, opts)
			planTimes = append(planTimes, time.Since(t0))
			cl.Close()
			if p.HasChanges() || len(p.Errors) > 0 {
				b.Fatalf("plan over %d applied topics is not empty: %+v", benchTopics, p.Summary)
			}

			cl = fresh()
			adm := kadm.NewClient(cl)
			t0 = time.Now()
			md, err := adm.Metadata(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := adm.DescribeTopicConfigs(ctx, md.Topics.Names()...); err != nil {
				b.Fatal(err)
			}
			rawTimes = append(rawTimes, time.Since(t0))
			cl.Close()
		}
	}
	b.StopTimer()
	plan, raw := median(planTimes), median(rawTimes)
	ratio := float64(plan) / float64(raw)
	b.ReportMetric(float64(plan.Milliseconds()), "plan-ms")
	b.ReportMetric(float64(raw.Milliseconds()), "raw-kadm-ms")
	b.ReportMetric(ratio, "plan/raw")
	b.Logf("%s: plan of %d topics %s (median of %d), raw kadm fetch %s, ratio %.2f",
		c.Name, benchTopics, plan.Round(time.Millisecond), len(planTimes), raw.Round(time.Millisecond), ratio)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func deleteTopics(b *testing.B, cl *kgo.Client, names []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := kadm.NewClient(cl).DeleteTopics(ctx, names...); err != nil {
		b.Logf("delete benchmark topics: %v", err)
	}
}
