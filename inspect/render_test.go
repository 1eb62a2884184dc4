package inspect_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/explain"
	"github.com/kgitops/kgitops/inspect"
	"github.com/kgitops/kgitops/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

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

func str(s string) *string { return &s }

const ordersYAML = `apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: shop.orders}
spec:
  partitions: 4
  replicationFactor: 3
  configs:
    retention.ms: 7d
    cleanup.policy: delete
`

// observation is shop.orders with an under-replicated and an offline
// partition, a retention shortened and an override added out of band, and
// two groups reading it.
func observation() inspect.TopicObservation {
	return inspect.TopicObservation{
		Name: "shop.orders",
		ID:   "JFBKl5ACSCiF00JUhPM0kw",
		Partitions: []kadm.PartitionDetail{
			{Partition: 0, Leader: 1, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}},
			{Partition: 1, Leader: 2, Replicas: []int32{2, 3, 1}, ISR: []int32{2, 3}},
			{Partition: 2, Leader: -1, Replicas: []int32{3, 1, 2}, ISR: []int32{}},
		},
		Live: explain.LiveTopic{Name: "shop.orders", Partitions: 3, ReplicationFactor: 3, Configs: []explain.LiveConfig{
			{Key: "cleanup.policy", Value: str("delete"), Source: explain.SourceTopic},
			{Key: "retention.ms", Value: str("3600000"), Source: explain.SourceTopic},
			{Key: "segment.ms", Value: str("600000"), Source: explain.SourceTopic},
			{Key: "min.insync.replicas", Value: str("2"), Source: explain.SourceDynamicDefault},
		}},
		Bounds: inspect.Bounds{"shop.orders": {0: {Start: 0, End: 120}, 1: {Start: 10, End: 80}, 2: {Start: -1, End: -1}}},
		Groups: []inspect.Group{
			{Name: "billing", State: "Stable", Members: []inspect.Member{{ClientID: "billing-1", Assigned: map[string][]int32{"shop.orders": {0, 1, 2}}}},
				Committed: map[string]map[int32]int64{"shop.orders": {0: 100, 1: 80}}},
			{Name: "audit", State: "Empty", Committed: map[string]map[int32]int64{"shop.orders": {0: 20}, "other": {0: 1}}},
		},
	}
}

func TestRenderGolden(t *testing.T) {
	st, err := spec.LoadFS(fstest.MapFS{"topics.yaml": {Data: []byte(ordersYAML)}})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	topic := inspect.DescribeTopic(observation(), st, "repo")
	if err := inspect.RenderTopic(&text, topic); err != nil {
		t.Fatal(err)
	}
	golden(t, "topic.txt", text.Bytes())
	var js bytes.Buffer
	if err := inspect.RenderJSON(&js, topic); err != nil {
		t.Fatal(err)
	}
	golden(t, "topic.json", js.Bytes())

	obs := observation()
	group := obs.Groups[0]
	group.Type, group.Protocol, group.Coordinator, group.ProtocolType = inspect.TypeClassic, "range", 1, "consumer"
	group.Members[0].ID, group.Members[0].Host = "billing-1-5d3c", "/10.0.0.7"
	text.Reset()
	if err := inspect.RenderGroup(&text, inspect.DescribeGroup(group, obs.Bounds)); err != nil {
		t.Fatal(err)
	}
	golden(t, "group.txt", text.Bytes())

	text.Reset()
	lags := []inspect.GroupLag{inspect.Lags(obs.Groups[1], obs.Bounds), inspect.Lags(obs.Groups[0], obs.Bounds)}
	if err := inspect.RenderLags(&text, lags); err != nil {
		t.Fatal(err)
	}
	golden(t, "lag.txt", text.Bytes())

	text.Reset()
	r, err := inspect.PlanReset(obs.Groups[1], "shop.orders", inspect.Bounds{"shop.orders": {0: {Start: 0, End: 120}, 1: {Start: 10, End: 80}}}, nil, inspect.Target{Kind: inspect.ToBack, Offset: 50}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := inspect.RenderReset(&text, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "reset.txt", text.Bytes())
}

// The drift is what plan would change: the repo's ignoreConfigs apply,
// and partitions the cluster cannot shrink are refused, not changed.
func TestTopicDrift(t *testing.T) {
	lt := observation().Live
	tests := []struct {
		name        string
		yaml        string
		wantDrift   []inspect.Drift
		wantRefused []string
	}{
		{"drift", ordersYAML, []inspect.Drift{
			{Path: "partitions", Live: "3", Repo: "4"},
			{Path: "configs.retention.ms", Live: "3600000", Repo: "604800000"},
			{Path: "configs.segment.ms", Live: "600000"},
		}, nil},
		{"ignored", ordersYAML + `---
apiVersion: kgitops.io/v1alpha1
kind: Settings
metadata: {name: settings}
spec: {ignoreConfigs: [segment.ms]}
`, []inspect.Drift{
			{Path: "partitions", Live: "3", Repo: "4"},
			{Path: "configs.retention.ms", Live: "3600000", Repo: "604800000"},
		}, nil},
		{"refused", `apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: shop.orders}
spec: {partitions: 2, replicationFactor: 3, configs: {cleanup.policy: delete, retention.ms: 1h, segment.ms: 10m}}
`, []inspect.Drift{}, []string{"partitions cannot shrink from 3 to 2: Kafka cannot remove partitions; set partitions: 3, or move the data to a new topic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := spec.LoadFS(fstest.MapFS{"topics.yaml": {Data: []byte(tt.yaml)}})
			if err != nil {
				t.Fatal(err)
			}
			tp, _ := st.Topic("shop.orders")
			drift, refused := inspect.TopicDrift(tp, st.Settings, lt)
			if d := cmp.Diff(tt.wantDrift, drift); d != "" {
				t.Errorf("drift (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantRefused, refused); d != "" {
				t.Errorf("refused (-want +got):\n%s", d)
			}
		})
	}
}

// A repo that does not declare the topic says so; without a repo, nothing
// is said of one.
func TestDescribeTopicRepo(t *testing.T) {
	var text bytes.Buffer
	if err := inspect.RenderTopic(&text, inspect.DescribeTopic(observation(), &spec.State{}, "repo")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text.Bytes(), []byte("\nNot declared in the repo (repo)\n")) {
		t.Errorf("a topic the repo does not declare:\n%s", text.String())
	}
	d := inspect.DescribeTopic(observation(), nil, "")
	if d.Repo != nil || d.Repo.Drifted() {
		t.Errorf("without a repo: %+v", d.Repo)
	}
	if d.UnderReplicated != 2 || d.Offline != 1 || !d.Partitions[2].Offline || d.Partitions[0].UnderReplicated {
		t.Errorf("flags: %+v", d)
	}
}
