package reconcile

import (
	"testing"

	"github.com/kgitops/kgitops/spec"
)

func TestFingerprint(t *testing.T) {
	alice := spec.ACLEntry{Principal: "User:alice", Host: "*", ResourceType: "topic", ResourceName: "a", PatternType: "literal", Operation: "READ", Permission: "ALLOW"}
	bob := alice
	bob.Principal = "User:bob"
	base := func() *Live {
		return &Live{
			Topics: map[string]LiveTopic{
				"a": {Name: "a", Partitions: 1, ReplicationFactor: 1, ID: "01", Configs: map[string]string{"retention.ms": "1000"}},
				"b": {Name: "b", Partitions: 1, ReplicationFactor: 1, ID: "02", Configs: map[string]string{"retention.ms": "1000"}},
			},
			ACLs:  map[spec.ACLEntry]bool{alice: true, bob: true},
			Users: map[string][]ScramCredential{"u": {{Mechanism: "SCRAM-SHA-256", Iterations: 4096}}},
			Inventory: Inventory{Entries: map[ResourceKey]InventoryEntry{
				{KindTopic, "a"}: {TopicID: "01"},
				{KindUser, "u"}:  {PasswordHash: "h1"},
			}},
		}
	}
	acl := alice
	acl.Operation = "WRITE"
	plan := &Plan{Changes: []Change{
		{Action: ActionUpdate, Kind: KindTopic, Name: "a"},
		{Action: ActionCreate, Kind: KindACL, Name: acl.String(), Payload: &ACLChange{Entry: acl}},
		{Action: ActionUpdate, Kind: KindUser, Name: "u"},
		{Action: ActionDelete, Kind: KindTopic, Name: "gone", Pending: true},
	}}
	want := Fingerprint(base(), plan)
	if got := FingerprintResources(base(), plan); len(got) != 3 || got["ACL/User:alice"] == "" {
		t.Fatalf("resources: %v", got)
	}
	tests := []struct {
		name   string
		change func(l *Live)
		same   bool
	}{
		{"nothing", func(*Live) {}, true},
		{"an unaffected topic's config", func(l *Live) { l.Topics["b"].Configs["retention.ms"] = "2" }, true},
		{"another principal's ACL", func(l *Live) { delete(l.ACLs, bob) }, true},
		{"a pending deletion's topic", func(l *Live) { l.Topics["gone"] = LiveTopic{Name: "gone"} }, true},
		{"the affected topic's config", func(l *Live) { l.Topics["a"].Configs["retention.ms"] = "2" }, false},
		{"the affected topic recreated", func(l *Live) { t := l.Topics["a"]; t.ID = "03"; l.Topics["a"] = t }, false},
		{"the affected topic's partitions", func(l *Live) { t := l.Topics["a"]; t.Partitions = 2; l.Topics["a"] = t }, false},
		{"the principal's ACLs", func(l *Live) { delete(l.ACLs, alice) }, false},
		{"the user's iterations", func(l *Live) { l.Users["u"][0].Iterations = 8192 }, false},
		{"the user's recorded password", func(l *Live) { l.Inventory.Entries[ResourceKey{KindUser, "u"}] = InventoryEntry{PasswordHash: "h2"} }, false},
		{"the topic's inventory entry", func(l *Live) { delete(l.Inventory.Entries, ResourceKey{KindTopic, "a"}) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base()
			tt.change(l)
			if got := Fingerprint(l, plan); (got == want) != tt.same {
				t.Errorf("fingerprint %s, before %s: want same=%v", got, want, tt.same)
			}
		})
	}
}
