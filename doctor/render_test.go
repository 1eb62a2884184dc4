package doctor

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// sampleCluster is a 3-broker cluster with something for most checks to
// find.
func sampleCluster() *Cluster {
	const gib = int64(1) << 30
	bs := withConfigs(3,
		keyUncleanLeaderElection, val("true", srcCluster),
		keyMinInsyncReplicas, val("1", srcDefault),
		keyAutoCreateTopics, val("true", srcDefault),
		keyAuthorizer, val("org.apache.kafka.metadata.authorizer.StandardAuthorizer", srcStatic),
		keyAllowEveryone, hidden(srcStatic))
	bs[2].Fenced = true
	bs[2].Configs = nil
	orders := spread(6, 3, 3)
	for i := range orders {
		// Broker 3 is down: it left every ISR, and leads nothing.
		var isr []int32
		for _, id := range orders[i].Replicas {
			if id != 3 {
				isr = append(isr, id)
			}
		}
		orders[i].ISR = isr
		if orders[i].Leader == 3 {
			orders[i].Leader = isr[0]
		}
	}
	return &Cluster{
		ID:         "MkU3OEVBNTcwNTJENDM2Qg",
		ObservedAt: observedAt,
		Brokers:    bs,
		Topics: []Topic{
			{Name: "__consumer_offsets", Internal: true, Partitions: spread(50, 1, 3), Configs: topicConfigs(keyCleanupPolicy, "compact")},
			{Name: "audit_log", Partitions: spread(3, 1, 3), Configs: topicConfigs(keyRetentionMs, "-1")},
			{Name: "orders", Partitions: orders, Configs: topicConfigs(keyMinInsyncReplicas, "3")},
			{Name: "payments", Partitions: []Partition{part(0, -1, r(3), []int32{}...), part(1, 1, r(1))}, Configs: topicConfigs()},
		},
		LogDirs: []LogDir{
			{Broker: 1, Path: "/var/lib/kafka/data", TotalBytes: 500 * gib, UsableBytes: 40 * gib},
			{Broker: 2, Path: "/var/lib/kafka/data", TotalBytes: 500 * gib, UsableBytes: 200 * gib},
		},
		Quorum: &Quorum{LeaderID: 1, LeaderEpoch: 3, HighWatermark: 9000, Voters: []QuorumReplica{
			voter(1, 9000, 0, 0), voter(2, 9000, 100, 100), voter(3, 8200, 95_000, 95_000)}},
		Unread: []Unread{{What: "log dirs of broker 3", Err: "unknown broker 3"}},
	}
}

// golden compares got with the file, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./doctor -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, d)
	}
}

func TestRenderGolden(t *testing.T) {
	renderers := map[string]func(*bytes.Buffer, Report) error{
		"txt":  func(b *bytes.Buffer, r Report) error { return RenderText(b, r) },
		"json": func(b *bytes.Buffer, r Report) error { return RenderJSON(b, r) },
		"md":   func(b *bytes.Buffer, r Report) error { return RenderMarkdown(b, r) },
	}
	clusters := map[string]*Cluster{
		"sample":  sampleCluster(),
		"healthy": {ObservedAt: observedAt, Brokers: brokers(3), Topics: []Topic{{Name: "orders", Partitions: spread(6, 3, 3), Configs: topicConfigs()}}},
	}
	for name, c := range clusters {
		r := NewReport(c, Check(c, Options{}))
		for ext, render := range renderers {
			t.Run(name+"."+ext, func(t *testing.T) {
				var b bytes.Buffer
				if err := render(&b, r); err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("testdata", name+"."+ext), b.String())
			})
		}
	}
}

func TestRenderJSONShape(t *testing.T) {
	c := sampleCluster()
	var b bytes.Buffer
	if err := RenderJSON(&b, NewReport(c, Check(c, Options{}))); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
		Summary  map[string]int   `json:"summary"`
	}
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) == 0 || doc.Summary["error"]+doc.Summary["warn"]+doc.Summary["info"] != len(doc.Findings) {
		t.Fatalf("summary %v does not count %d findings", doc.Summary, len(doc.Findings))
	}
	for _, f := range doc.Findings {
		for _, k := range []string{"check", "severity", "resource", "evidence", "why", "fix"} {
			if s, _ := f[k].(string); s == "" {
				t.Errorf("finding %v: %q is missing or empty", f, k)
			}
		}
		switch f["severity"] {
		case "error", "warn", "info":
		default:
			t.Errorf("finding %v: severity %v", f, f["severity"])
		}
	}
}

func TestMarkdownEscapesNames(t *testing.T) {
	c := &Cluster{ObservedAt: observedAt, Brokers: brokers(1), Topics: []Topic{{Name: "a_b*c", Partitions: spread(1, 1, 1)}}}
	var b bytes.Buffer
	if err := RenderMarkdown(&b, NewReport(c, Check(c, Options{}))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `topic a\_b\*c`) || strings.Contains(b.String(), "topic a_b*c |") {
		t.Fatalf("names not escaped:\n%s", b.String())
	}
}
