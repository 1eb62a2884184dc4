package reconcile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// clusterLive is a 3-broker cluster with room for the checks to fire.
func clusterLive(mut func(*ClusterInfo)) *Live {
	c := &ClusterInfo{
		Racks:       map[int32]string{1: "a", 2: "b", 3: "c"},
		Replicas:    map[int32]int{1: 100, 2: 100, 3: 100},
		TotalBytes:  map[int32]int64{1: 100 << 30, 2: 100 << 30, 3: 100 << 30},
		UsableBytes: map[int32]int64{1: 50 << 30, 2: 50 << 30, 3: 50 << 30},
		Broker:      map[string]string{"auto.create.topics.enable": "false", "log.retention.bytes": "-1", "log.retention.ms": "604800000"},
	}
	if mut != nil {
		mut(c)
	}
	return &Live{Brokers: 3, RegisteredBrokers: 3, Topics: map[string]LiveTopic{}, Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{}}, Cluster: c}
}

func findingsOf(p *Plan) []string {
	var out []string
	for _, f := range p.Findings {
		out = append(out, f.Rule+" "+f.Severity+": "+f.Message)
	}
	return out
}

// TestClusterChecks checks each rule against the live cluster: it fires
// on the case made for it, and a Policy can turn it off.
func TestClusterChecks(t *testing.T) {
	topicDoc := func(partitions int, rf int, configs string) string {
		return fmt.Sprintf("%skind: Topic\nmetadata: {name: t}\nspec: {partitions: %d, replicationFactor: %d, configs: {%s}}\n", hdr, partitions, rf, configs)
	}
	tests := []struct {
		name    string
		topic   string
		cluster func(*ClusterInfo)
		want    string // "rule severity: message fragment", or "" for no finding
	}{
		{"all is well", topicDoc(6, 3, "retention.bytes: 1GiB"), nil, ""},
		{"rf above racks", topicDoc(6, 3, ""), func(c *ClusterInfo) { c.Racks[3] = "a" },
			"rf-above-racks warn: replication factor 3 is more than the 2 racks (a, b)"},
		{"no racks, no check", topicDoc(6, 3, ""), func(c *ClusterInfo) { c.Racks = map[int32]string{1: "", 2: "", 3: ""} }, ""},
		{"one rack, no check", topicDoc(6, 3, ""), func(c *ClusterInfo) { c.Racks = map[int32]string{1: "a", 2: "a", 3: "a"} }, ""},
		{"partitions per broker: warn", topicDoc(300, 3, ""), func(c *ClusterInfo) { c.Replicas[2] = 3000 },
			"partitions-per-broker warn: after this plan the busiest broker (2) holds about 3300 partition replicas"},
		{"partitions per broker: error", topicDoc(4000, 3, ""), nil,
			"partitions-per-broker error: after this plan the busiest broker (1) holds about 4100 partition replicas"},
		{"disk: error", topicDoc(60, 3, "retention.bytes: 1GiB"), nil,
			"disk-worst-case error: the topics this plan creates or grows may hold 180.0 GiB"},
		{"disk: warn", topicDoc(42, 3, "retention.bytes: 1GiB"), nil,
			"disk-worst-case warn: the topics this plan creates or grows may hold 126.0 GiB"},
		{"disk: unbounded topics are not counted", topicDoc(600, 3, ""), nil, ""},
		{"disk: broker default bounds", topicDoc(60, 3, ""), func(c *ClusterInfo) { c.Broker["log.retention.bytes"] = "1073741824" },
			"disk-worst-case error: the topics this plan creates or grows may hold 180.0 GiB"},
		{"disk: unknown sizes", topicDoc(60, 3, "retention.bytes: 1GiB"), func(c *ClusterInfo) { c.UsableBytes, c.TotalBytes = nil, nil }, ""},
		{"auto create", topicDoc(6, 3, ""), func(c *ClusterInfo) { c.Broker["auto.create.topics.enable"] = "true" },
			"auto-create-topics warn: the cluster creates a topic when a client first uses its name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Diff(loadYAML(t, tc.topic), clusterLive(tc.cluster), DiffOptions{})
			got := findingsOf(p)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("findings: %v", got)
				}
				return
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
				t.Fatalf("findings: %q\nwant one starting with %q", got, tc.want)
			}
			if strings.Contains(tc.want, " error: ") != (len(p.Errors) == 1) {
				t.Errorf("an error finding refuses the plan, a warning does not: errors %v", p.Errors)
			}
			// Every one of them can be turned off by a Policy for the
			// whole cluster.
			rule := strings.Fields(tc.want)[0]
			off := hdr + "kind: Policy\nmetadata: {name: off}\nspec: {disable: [" + rule + "]}\n"
			if p := Diff(loadYAML(t, tc.topic, off), clusterLive(tc.cluster), DiffOptions{}); len(p.Findings) != 0 {
				t.Errorf("disabled: %v", findingsOf(p))
			}
		})
	}
}

// A check that fails on a topic the accepted revision already asked for
// as it is blocks that topic: the daemon keeps enforcing the rest.
func TestClusterCheckBlocksWhatTheBaselineAskedFor(t *testing.T) {
	big := fmt.Sprintf("%skind: Topic\nmetadata: {name: big}\nspec: {partitions: 60, replicationFactor: 3, configs: {retention.bytes: 1GiB}}\n", hdr)
	small := fmt.Sprintf("%skind: Topic\nmetadata: {name: small}\nspec: {partitions: 1, replicationFactor: 3}\n", hdr)
	st := loadYAML(t, big, small)
	p := Diff(st, clusterLive(nil), DiffOptions{Baseline: st})
	if len(p.Errors) != 0 || len(p.Blocked) != 1 || p.Blocked[0].Name != "big" || len(p.Changes) != 1 || p.Changes[0].Name != "small" {
		t.Fatalf("errors %v blocked %v changes %v", p.Errors, p.Blocked, changeNames(p))
	}
	if p := Diff(st, clusterLive(nil), DiffOptions{Baseline: loadYAML(t, small)}); len(p.Errors) != 1 {
		t.Fatalf("a new topic that does not fit refuses the plan: %v", p.Errors)
	}
}

// Observe reads what the checks need. kfake reports no log dir sizes
// (its DescribeLogDirs has no TotalBytes/UsableBytes): the disk check is
// skipped there, and runs on real Kafka.
func TestObserveReadsTheClusterForChecks(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		live := newRig(t, c).observe()
		ci := live.Cluster
		if ci == nil || len(ci.Replicas) != live.Brokers || len(ci.Racks) != live.Brokers {
			t.Fatalf("cluster info: %+v (brokers %d)", ci, live.Brokers)
		}
		if _, ok := ci.Broker["auto.create.topics.enable"]; !ok && c.Real() {
			t.Errorf("broker settings not read: %v", ci.Broker)
		}
		if c.Real() {
			for b, u := range ci.UsableBytes {
				if u <= 0 || ci.TotalBytes[b] < u {
					t.Errorf("broker %d: usable %d of %d bytes", b, u, ci.TotalBytes[b])
				}
			}
			if len(ci.UsableBytes) != live.Brokers {
				t.Errorf("log dir sizes of %d brokers, want %d", len(ci.UsableBytes), live.Brokers)
			}
		}
	})
}
