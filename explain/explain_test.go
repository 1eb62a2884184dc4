package explain

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

const repoYAML = `apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: shop.orders}
spec:
  profile: durable
  partitions: 6
  configs:
    min.insync.replicas: 3
    retention.ms: 1d
    segment.ms: 2d
    max.message.bytes: 64MiB
---
apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: shop.state}
spec:
  profile: house
  configs: {retention.bytes: 100MiB}
---
apiVersion: kgitops.io/v1alpha1
kind: TopicProfile
metadata: {name: house}
spec: {partitions: 3, replicationFactor: 3, configs: {cleanup.policy: compact, min.compaction.lag.ms: 2h, max.compaction.lag.ms: 1h}}
`

func load(t *testing.T) *spec.State {
	t.Helper()
	st, err := spec.LoadFS(fstest.MapFS{"topics.yaml": {Data: []byte(repoYAML)}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, d)
	}
}

// Offline explanations, in both formats, for a topic with a built-in
// profile it overrides and one with a repo profile.
func TestOfflineGolden(t *testing.T) {
	st := load(t)
	for _, name := range []string{"shop.orders", "shop.state"} {
		tp, _ := st.Topic(name)
		e := Offline(tp, st, "repo")
		var text, js bytes.Buffer
		if err := RenderText(&text, e); err != nil {
			t.Fatal(err)
		}
		if err := RenderJSON(&js, e); err != nil {
			t.Fatal(err)
		}
		golden(t, name+".txt", text.Bytes())
		golden(t, name+".json", js.Bytes())
	}
}

// Each flag fires on the case made for it.
func TestFlags(t *testing.T) {
	st := load(t)
	orders, _ := st.Topic("shop.orders")
	var got []string
	for _, f := range Offline(orders, st, "").Flags {
		got = append(got, f.Severity+" "+f.Key)
	}
	want := []string{
		"warn min.insync.replicas", // durable sets 2
		"warn min.insync.replicas", // 3 equals the replication factor 3
		"warn max.message.bytes",   // above replica.fetch.max.bytes
		"warn max.message.bytes",   // above fetch.max.bytes
		"warn segment.ms",          // longer than retention.ms
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("flags of shop.orders (-want +got):\n%s", d)
	}
	state, _ := st.Topic("shop.state")
	got = nil
	for _, f := range Offline(state, st, "").Flags {
		got = append(got, f.Severity+" "+f.Key)
	}
	if d := cmp.Diff([]string{"warn retention.bytes", "error min.compaction.lag.ms"}, got); d != "" {
		t.Errorf("flags of shop.state (-want +got):\n%s", d)
	}
}

// Live, a value's source is the cluster's: an override on the topic (the
// topic's or its profile's, as the repo says), a broker setting, or
// Kafka's default; a value that differs from the repo's shows the repo's.
func TestLiveSources(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adm := c.Admin(t)
		name := kafkatest.Unique("explain")
		retention, isr := "86400000", "2"
		if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": &retention, "min.insync.replicas": &isr}, name); err != nil {
			t.Fatal(err)
		}
		deleteAfter(t, adm, name) // its min.insync.replicas 2 on one replica would trouble other tests' checks
		if c.Real() {
			// A per-broker dynamic setting that no other test reads; the
			// BrokerConfig tests manage the brokers' levels, so hold their lock.
			c.LockBrokerConfigs(t)
			var broker int32 = -1
			if md, err := adm.BrokerMetadata(ctx); err == nil && len(md.Brokers) > 0 {
				broker = md.Brokers[0].NodeID
			}
			lag := "7200000"
			set := []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "log.cleaner.delete.retention.ms", Value: &lag}}
			if _, err := adm.AlterBrokerConfigs(ctx, set, broker); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Op: kadm.DeleteConfig, Name: "log.cleaner.delete.retention.ms"}}, broker)
			})
		}
		// The topic shows in metadata, and a broker applies a dynamic
		// setting, a little after they are made.
		var lt LiveTopic
		applied := func() bool {
			for _, lc := range lt.Configs {
				if lc.Key == "delete.retention.ms" {
					// The broker's own value, not a cluster-wide dynamic
					// default another test left a moment before.
					return !c.Real() || lc.Source == SourceDynamicBroker && lc.Value != nil && *lc.Value == "7200000"
				}
			}
			return false
		}
		for i := 0; ; i++ {
			var err error
			lt, err = Observe(ctx, c.Client(t), name)
			if err == nil && applied() {
				break
			}
			if i == 100 {
				t.Fatalf("topic %s, or the broker setting, never showed: %v %+v", name, err, lt.Configs)
			}
			time.Sleep(100 * time.Millisecond)
		}
		repo := spec.Topic{Name: name, Partitions: 1, ReplicationFactor: 1, Profile: "durable", ProfileOrigin: "profile durable (built-in)",
			Configs:     map[string]string{"retention.ms": "604800000", "min.insync.replicas": "2"},
			FromProfile: map[string]bool{"configs.min.insync.replicas": true}, Pos: spec.Pos{File: "t.yaml", Line: 2}}
		e := Live(lt, &repo, nil, "")
		by := map[string]Value{}
		for _, v := range e.Configs {
			by[v.Key] = v
		}
		if v := by["retention.ms"]; v.Value != "86400000" || v.Source != SourceTopic || v.Repo == nil || *v.Repo != "604800000" {
			t.Errorf("retention.ms: %+v (repo %v)", v, v.Repo)
		}
		if v := by["min.insync.replicas"]; v.Source != SourceProfile || v.Repo != nil {
			t.Errorf("min.insync.replicas: %+v", v)
		}
		if c.Real() {
			if v := by["delete.retention.ms"]; v.Value != "7200000" || v.Source != SourceDynamicBroker || v.Detail != "broker setting log.cleaner.delete.retention.ms" {
				t.Errorf("delete.retention.ms: %+v", v)
			}
			if v := by["segment.bytes"]; v.Source != SourceKafkaDefault || !strings.Contains(v.Detail, "log.segment.bytes") {
				t.Errorf("segment.bytes: %+v", v)
			}
		}
	})
}

// Kafka's defaults as kgitops knows them are the broker's: every config
// of a fresh topic whose value is Kafka's default has the value
// spec.KafkaDefault gives. (Real Kafka only: kfake's defaults are its own.)
func TestKafkaDefaultsMatchTheBroker(t *testing.T) {
	c := kafkatest.RealBroker(t)
	if c == nil {
		return // no real broker in this run (KGITOPS_REQUIRE_REAL_KAFKA makes that fail)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := kafkatest.Unique("defaults")
	if _, err := c.Admin(t).CreateTopic(ctx, 1, 1, nil, name); err != nil {
		t.Fatal(err)
	}
	deleteAfter(t, c.Admin(t), name)
	var lt LiveTopic
	for i := 0; ; i++ {
		var err error
		if lt, err = Observe(ctx, c.Client(t), name); err == nil || i == 50 {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	checked := 0
	for _, lc := range lt.Configs {
		if lc.Source != SourceKafkaDefault || lc.Value == nil {
			continue
		}
		want, ok := spec.KafkaDefault(lc.Key)
		if !ok {
			t.Errorf("the broker has %s (default %q); kgitops does not know its default", lc.Key, *lc.Value)
			continue
		}
		if want != *lc.Value {
			t.Errorf("%s: Kafka's default is %q, kgitops says %q", lc.Key, *lc.Value, want)
		}
		checked++
	}
	if checked < 25 {
		t.Errorf("only %d keys had Kafka's default; the test broker overrides too much to check", checked)
	}
}

// deleteAfter deletes the topic when the test ends: the real broker is
// shared by every test.
func deleteAfter(t *testing.T, adm *kadm.Client, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := adm.DeleteTopics(ctx, name); err != nil {
			t.Logf("delete %s: %v", name, err)
		}
	})
}
