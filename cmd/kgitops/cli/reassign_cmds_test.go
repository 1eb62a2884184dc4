package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// reassign status, cancel and resume on a cluster where nothing moves:
// status says so (and -o json is an empty list), cancel cancels nothing
// but holds the topic named, which the plan then notes and leaves alone,
// and resume releases it.
func TestReassignCommandsWithNothingMoving(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("reassign")
		topic := kafkatest.Unique("held")
		dir := repo(t, map[string]string{"t.yaml": rfTopicYAML(topic, 1, 1)})
		run := func(args ...string) result {
			t.Helper()
			return kgitops(t, nil, append(args, clusterArgs(c, inv)...)...)
		}
		if r := run("apply", "--dir", dir); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		if r := run("reassign", "status"); r.code != 0 || !strings.Contains(r.stdout, "No reassignment in progress.") {
			t.Fatalf("reassign status:\n%s", r)
		}
		r := run("reassign", "status", "-o", "json")
		var st struct {
			Partitions []any `json:"partitions"`
			Held       []string
		}
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st.Partitions == nil || len(st.Partitions) != 0 {
			t.Fatalf("reassign status -o json: want an empty list of partitions:\n%s", r)
		}
		if r := run("reassign", "cancel", topic); r.code != 0 || !strings.Contains(r.stdout, "No reassignment in progress was cancelled.") || !strings.Contains(r.stdout, "Held: topic "+topic) {
			t.Fatalf("reassign cancel:\n%s", r)
		}
		if r := run("reassign", "status"); r.code != 0 || !strings.Contains(r.stdout, "Held: topic "+topic) {
			t.Fatalf("reassign status of a held topic:\n%s", r)
		}
		if r := run("plan", "--dir", dir, "--detailed-exitcode"); r.code != 0 || !strings.Contains(r.stdout, "its reassignment is held") {
			t.Fatalf("plan of a held topic:\n%s", r)
		}
		if r := run("reassign", "resume"); r.code != 0 || !strings.Contains(r.stdout, "✓ topic "+topic+": released") {
			t.Fatalf("reassign resume:\n%s", r)
		}
		if r := run("plan", "--dir", dir, "--detailed-exitcode"); r.code != 0 || strings.Contains(r.stdout, "held") {
			t.Fatalf("plan after resume:\n%s", r)
		}
		if r := run("reassign", "resume"); r.code != 0 || !strings.Contains(r.stdout, "No topic was held.") {
			t.Fatalf("reassign resume with nothing held:\n%s", r)
		}
	})
}

// --throttle takes a rate with units, or none; anything else is refused
// before connecting.
func TestThrottleFlag(t *testing.T) {
	dir := repo(t, map[string]string{"t.yaml": rfTopicYAML("t", 1, 1)})
	r := kgitops(t, nil, "plan", "--dir", dir, "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s", "--throttle", "50 furlongs")
	if r.code != 1 || !strings.Contains(r.stderr, "--throttle 50 furlongs") {
		t.Fatalf("plan --throttle with a bad rate:\n%s", r)
	}
}
