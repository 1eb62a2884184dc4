package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A topic takes from its profile what it does not set itself; a repo's
// profile replaces a built-in one of the same name; ignored keys are never
// taken.
func TestProfilesGiveEffectiveValues(t *testing.T) {
	st := loadString(t, `
apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: orders}
spec:
  profile: durable
  partitions: 6
  configs: {min.insync.replicas: 1, retention.ms: 7d}
---
apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: state}
spec:
  profile: house
  ignoreConfigs: [segment.ms]
---
apiVersion: kgitops.io/v1alpha1
kind: TopicProfile
metadata: {name: house}
spec:
  description: our compacted tables
  partitions: 3
  replicationFactor: 2
  configs: {cleanup.policy: compact, segment.ms: 1h}
---
apiVersion: kgitops.io/v1alpha1
kind: TopicProfile
metadata: {name: ephemeral}
spec:
  replicationFactor: 1
  configs: {retention.ms: 10m}
---
apiVersion: kgitops.io/v1alpha1
kind: Topic
metadata: {name: scratch}
spec: {profile: ephemeral, partitions: 1}
`)
	orders, _ := st.Topic("orders")
	if orders.Partitions != 6 || orders.ReplicationFactor != 3 {
		t.Errorf("orders: partitions %d, RF %d; want 6 (its own) and 3 (durable's)", orders.Partitions, orders.ReplicationFactor)
	}
	want := map[string]string{"min.insync.replicas": "1", "retention.ms": "604800000", "unclean.leader.election.enable": "false"}
	if d := cmp.Diff(want, orders.Configs); d != "" {
		t.Errorf("orders configs (-want +got):\n%s", d)
	}
	for path, by := range map[string]string{
		"partitions": "topic", "replicationFactor": "profile durable (built-in)",
		"configs.min.insync.replicas": "topic", "configs.unclean.leader.election.enable": "profile durable (built-in)",
	} {
		if got := orders.SetBy(path); got != by {
			t.Errorf("orders.SetBy(%s) = %q, want %q", path, got, by)
		}
	}

	state, _ := st.Topic("state")
	if state.Partitions != 3 || state.ReplicationFactor != 2 || !cmp.Equal(state.Configs, map[string]string{"cleanup.policy": "compact"}) {
		t.Errorf("state: %+v", state)
	}
	if got := state.SetBy("configs.cleanup.policy"); got != "profile house at a.yaml:18" {
		t.Errorf("state.SetBy = %q", got)
	}

	// The repo's ephemeral replaces the built-in one, whole.
	scratch, _ := st.Topic("scratch")
	if scratch.Configs["retention.ms"] != "600000" || scratch.Configs["segment.ms"] != "" {
		t.Errorf("scratch takes the repo's ephemeral: %v", scratch.Configs)
	}
	if o := st.ProfileOverrides(); len(o) != 1 || o[0].Name != "ephemeral" {
		t.Errorf("ProfileOverrides = %+v", o)
	}
	if plain := loadString(t, "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata: {name: a}\nspec: {partitions: 1, replicationFactor: 1}\n").Topics[0]; plain.SetBy("partitions") != "" {
		t.Error("a topic without a profile names no setter")
	}
}

// Every built-in profile loads as a repo profile would, so its values are
// valid, and has its reasons.
func TestBuiltinProfilesAreValid(t *testing.T) {
	for _, p := range BuiltinProfiles() {
		if len(p.Description) < 200 {
			t.Errorf("profile %s: its rationale is too short to say why", p.Name)
		}
		for k, v := range p.Configs {
			if norm, err := NormalizeConfig(k, v); err != nil || norm != v {
				t.Errorf("profile %s: %s: %q normalizes to %q, %v", p.Name, k, v, norm, err)
			}
		}
		if p.ReplicationFactor == 1 && p.Name != "ephemeral" {
			t.Errorf("profile %s: replication factor 1 is for ephemeral only", p.Name)
		}
	}
	for _, name := range []string{"durable", "high-throughput", "compacted-state", "event-log", "ephemeral", "low-latency"} {
		if _, ok := BuiltinProfile(name); !ok {
			t.Errorf("built-in profile %s is missing", name)
		}
	}
}
