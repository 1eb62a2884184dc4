package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// explain works offline from --dir and live with --bootstrap-servers; a
// flag of severity error exits 1.
func TestExplainCommand(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		name := kafkatest.Unique("explained")
		dir := repo(t, map[string]string{"t.yaml": topicYAML(name, 2, "retention.ms: 2d", "segment.ms: 3d")})
		r := kgitops(t, nil, "explain", name, "--dir", dir)
		if r.code != 0 || !strings.Contains(r.stdout, "retention.ms") || !strings.Contains(r.stdout, "2d (172800000)") ||
			!strings.Contains(r.stdout, "segment.ms: segment.ms 3d (259200000) is longer than retention.ms 2d") {
			t.Fatalf("explain offline:\n%s", r)
		}
		if r := kgitops(t, nil, "explain", "nope", "--dir", dir); r.code != 1 || !strings.Contains(r.stderr, `declares no topic "nope"`) {
			t.Fatalf("explain of an unknown topic:\n%s", r)
		}
		if r := kgitops(t, nil, "explain", name, "--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ",")); r.code != 1 ||
			!strings.Contains(r.stderr, "the cluster has no such topic; the repo declares it at") {
			t.Fatalf("explain live before apply:\n%s", r)
		}
		if r := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(c, kafkatest.Unique("x"))...)...); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		r = kgitops(t, nil, "explain", name, "--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "-o", "json")
		var x struct {
			Live    bool `json:"live"`
			Configs []struct {
				Key, Value, Source string
			} `json:"configs"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &x); err != nil || r.code != 0 || !x.Live {
			t.Fatalf("explain live -o json: %v\n%s", err, r)
		}
		found := false
		for _, cfg := range x.Configs {
			if cfg.Key == "retention.ms" {
				found = cfg.Value == "172800000" && cfg.Source == "topic"
			}
		}
		if !found {
			t.Fatalf("retention.ms is not the topic's 172800000:\n%s", r.stdout)
		}

		// min.insync.replicas above the replication factor is an error.
		bad := repo(t, map[string]string{"t.yaml": topicYAML(name, 2, "min.insync.replicas: 2")})
		if r := kgitops(t, nil, "explain", name, "--dir", bad); r.code != 1 || !strings.Contains(r.stdout, "error min.insync.replicas") {
			t.Fatalf("explain with an error flag:\n%s", r)
		}
	})
}
