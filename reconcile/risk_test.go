package reconcile

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func updateOf(kind string, fields ...Field) Change {
	return Change{Action: ActionUpdate, Kind: kind, Name: "x", Fields: fields}
}

func fieldOf(path string, old, new any) Field { return Field{Path: path, Old: old, New: new} }

func wantDestructive(code, msg string) Risk { return Risk{Code: code, Message: msg, Destructive: true} }

func wantRisky(code, msg string) Risk { return Risk{Code: code, Message: msg} }

func deletedACLFields(permission string) []Field {
	return []Field{
		{Path: "principal", Old: "User:alice"},
		{Path: "permission", Old: permission},
		{Path: "operation", Old: "READ"},
		{Path: "resource", Old: "topic:orders"},
		{Path: "patternType", Old: "literal"},
		{Path: "host", Old: "*"},
	}
}

// riskTests covers every rule firing and not firing. TestRiskRulesCovered
// checks that each rule fires in at least one of them.
var riskTests = []struct {
	name   string
	change Change
	want   []Risk
}{
	// Deletions.
	{
		name:   "topic deletion",
		change: Change{Action: ActionDelete, Kind: KindTopic, Name: "orders"},
		want:   []Risk{wantDestructive(RiskTopicDelete, "deletes the topic and every message in it")},
	},
	{
		name:   "pending topic deletion is flagged and marked pending",
		change: Change{Action: ActionDelete, Kind: KindTopic, Name: "orders", Pending: true},
		want:   []Risk{wantDestructive(RiskTopicDelete, "deletes the topic and every message in it (pending: runs once applied with --allow-delete)")},
	},
	{
		name: "user deletion, whose removed credentials are not flagged twice",
		change: Change{Action: ActionDelete, Kind: KindUser, Name: "bob", Pending: true,
			Fields: []Field{{Path: "scram.SCRAM-SHA-512", Old: "4096 iterations"}}},
		want: []Risk{wantDestructive(RiskUserDelete, "deletes the user: its clients can no longer log in (pending: runs once applied with --allow-delete)")},
	},
	{
		name:   "ACL drift deletion removes access",
		change: Change{Action: ActionDelete, Kind: KindACL, Name: "ALLOW User:alice READ topic:orders (literal) from *", Drift: true, Fields: deletedACLFields("ALLOW")},
		want:   []Risk{wantDestructive(RiskACLDelete, "removes access: the principal loses this permission (drift: runs without --allow-delete)")},
	},
	{
		name:   "DENY ACL deletion may open access",
		change: Change{Action: ActionDelete, Kind: KindACL, Name: "DENY User:alice READ topic:orders (literal) from *", Fields: deletedACLFields("DENY")},
		want:   []Risk{wantDestructive(RiskACLDelete, "removes a DENY: access it blocked may be allowed")},
	},
	{
		name: "quota deletion is risky, and its values are not flagged twice",
		change: Change{Action: ActionDelete, Kind: KindQuota, Name: "user=old", Pending: true,
			Fields: []Field{{Path: "values.consumer_byte_rate", Old: "5000"}}},
		want: []Risk{wantRisky(RiskQuotaDelete, "removes every quota of the entity: its clients are no longer throttled by them (pending: runs once applied with --allow-delete)")},
	},

	// Creations lose nothing.
	{
		name: "topic creation",
		change: Change{Action: ActionCreate, Kind: KindTopic, Name: "t", Fields: []Field{
			{Path: "partitions", New: int32(6)},
			{Path: "configs.retention.ms", New: "1000"},
			{Path: "configs.cleanup.policy", New: "compact"},
			{Path: "configs.unclean.leader.election.enable", New: "true"},
		}},
	},
	{
		name: "user creation",
		change: Change{Action: ActionCreate, Kind: KindUser, Name: "dave", Fields: []Field{
			{Path: "scram.mechanism", New: "SCRAM-SHA-512"},
			{Path: "scram.password", New: "(set from env DAVE_PASSWORD)"},
		}},
	},
	{
		name:   "ACL creation",
		change: Change{Action: ActionCreate, Kind: KindACL, Name: "ALLOW User:alice READ topic:orders (literal) from *"},
	},

	// Replication factors, by reassignment.
	{
		name:   "replication factor decrease",
		change: updateOf(KindTopic, fieldOf("replicationFactor", 3, int16(2))),
		want:   []Risk{wantRisky(RiskReplicationDecrease, "replication factor falls from 3 to 2: fewer copies of the data, and fewer brokers that may fail without loss")},
	},
	{
		name:   "replication factor increase",
		change: updateOf(KindTopic, fieldOf("replicationFactor", 1, int16(3))),
	},
	{
		name:   "a reassignment that copies data",
		change: updateOf(KindTopic, fieldOf("reassignment", nil, "3 partition(s), 70.0 MiB to copy to broker(s) 1, 2, 3, not throttled, 10 at a time")),
		want:   []Risk{wantRisky(RiskReassignment, "moves data between brokers: 3 partition(s), 70.0 MiB to copy to broker(s) 1, 2, 3, not throttled, 10 at a time")},
	},
	{
		name:   "a reassignment that only drops replicas",
		change: updateOf(KindTopic, fieldOf("reassignment", nil, "2 partition(s), nothing to copy")),
	},

	// Partitions.
	{
		name:   "partition increase",
		change: updateOf(KindTopic, fieldOf("partitions", int32(6), int32(12))),
		want:   []Risk{wantRisky(RiskPartitionsIncrease, "partitions grow from 6 to 12: if the topic is keyed, keys map to other partitions and per-key order breaks")},
	},
	{
		name:   "partition count unchanged",
		change: updateOf(KindTopic, fieldOf("partitions", int32(6), int32(6))),
	},

	// Retention.
	{
		name:   "retention.ms decrease",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", "604800000", "3600000")),
		want:   []Risk{wantDestructive(RiskRetentionDecrease, "retention.ms decreases from 604800000 to 3600000: older messages are deleted")},
	},
	{
		name:   "retention.ms increase",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", "3600000", "604800000")),
	},
	{
		name:   "retention.ms from unlimited to a limit",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", "-1", "604800000")),
		want:   []Risk{wantDestructive(RiskRetentionDecrease, "retention.ms decreases from -1 (unlimited) to 604800000: older messages are deleted")},
	},
	{
		name:   "retention.ms to unlimited",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", "604800000", "-1")),
	},
	{
		name:   "retention.bytes decrease",
		change: updateOf(KindTopic, fieldOf("configs.retention.bytes", "1073741824", "1048576")),
		want:   []Risk{wantDestructive(RiskRetentionDecrease, "retention.bytes decreases from 1073741824 to 1048576: the oldest messages past the new size are deleted")},
	},
	{
		name:   "unlimited retention override removed",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", "-1", nil)),
		want:   []Risk{wantRisky(RiskRetentionUnknown, "retention.ms override -1 (unlimited) removed: the broker default applies, and it may be shorter")},
	},
	{
		name:   "retention override removed",
		change: updateOf(KindTopic, fieldOf("configs.retention.bytes", "1073741824", nil)),
		want:   []Risk{wantRisky(RiskRetentionUnknown, "retention.bytes override 1073741824 removed: the broker default applies, and it may be shorter")},
	},
	{
		name:   "retention set where the broker default applied",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", nil, "3600000")),
		want:   []Risk{wantRisky(RiskRetentionUnknown, "retention.ms set to 3600000 where the broker default applied: messages past it are deleted if the default was longer")},
	},
	{
		name:   "unlimited retention set where the broker default applied",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", nil, "-1")),
	},
	{
		name:   "retention values that do not parse",
		change: updateOf(KindTopic, fieldOf("configs.retention.ms", "604800000", "7d")),
		want:   []Risk{wantRisky(RiskRetentionUnknown, "retention.ms changes from 604800000 to 7d, which kgitops cannot compare")},
	},
	{
		name:   "local.retention.ms decrease",
		change: updateOf(KindTopic, fieldOf("configs.local.retention.ms", "86400000", "3600000")),
		want:   []Risk{wantRisky(RiskLocalRetentionDecrease, "local.retention.ms decreases from 86400000 to 3600000: segments leave local disk sooner and tiered reads go to remote storage")},
	},
	{
		name:   "local.retention.bytes increase",
		change: updateOf(KindTopic, fieldOf("configs.local.retention.bytes", "1048576", "1073741824")),
	},
	{
		name:   "local.retention.ms from -2 (as retention.ms) does not compare",
		change: updateOf(KindTopic, fieldOf("configs.local.retention.ms", "-2", "3600000")),
		want:   []Risk{wantRisky(RiskRetentionUnknown, "local.retention.ms changes from -2 to 3600000, which kgitops cannot compare")},
	},
	{
		name:   "other override removed",
		change: updateOf(KindTopic, fieldOf("configs.segment.ms", "600000", nil)),
	},

	// cleanup.policy.
	{
		name:   "compact to delete",
		change: updateOf(KindTopic, fieldOf("configs.cleanup.policy", "compact", "delete")),
		want: []Risk{wantDestructive(RiskCleanupPolicyLoss, "cleanup.policy changes from compact to delete: compaction stops: the latest value of each key is no longer kept for good; "+
			"retention now deletes old messages, latest values of keys included")},
	},
	{
		name:   "delete added to compact",
		change: updateOf(KindTopic, fieldOf("configs.cleanup.policy", "compact", "compact, delete")),
		want:   []Risk{wantDestructive(RiskCleanupPolicyLoss, "cleanup.policy changes from compact to compact, delete: retention now deletes old messages, latest values of keys included")},
	},
	{
		name:   "compact override removed: Kafka's default is delete",
		change: updateOf(KindTopic, fieldOf("configs.cleanup.policy", "compact", nil)),
		want: []Risk{wantDestructive(RiskCleanupPolicyLoss, "cleanup.policy changes from compact to the broker default (delete unless the broker sets log.cleanup.policy): "+
			"compaction stops: the latest value of each key is no longer kept for good; retention now deletes old messages, latest values of keys included")},
	},
	{
		name:   "delete to compact",
		change: updateOf(KindTopic, fieldOf("configs.cleanup.policy", "delete", "compact")),
		want: []Risk{wantRisky(RiskCleanupPolicyChange, "cleanup.policy changes from delete to compact: older messages of each key are compacted away and messages without a key are rejected; "+
			"time and size retention stop, so the topic keeps growing")},
	},
	{
		name:   "delete removed from compact,delete",
		change: updateOf(KindTopic, fieldOf("configs.cleanup.policy", "compact,delete", "compact")),
		want:   []Risk{wantRisky(RiskCleanupPolicyChange, "cleanup.policy changes from compact,delete to compact: time and size retention stop, so the topic keeps growing")},
	},
	{
		name:   "delete set where the broker default applied",
		change: updateOf(KindTopic, fieldOf("configs.cleanup.policy", nil, "delete")),
		want:   []Risk{wantRisky(RiskCleanupPolicyChange, "cleanup.policy changes from the broker default (delete unless the broker sets log.cleanup.policy) to delete")},
	},

	// min.insync.replicas.
	{
		name:   "min.insync.replicas rises",
		change: updateOf(KindTopic, fieldOf("configs.min.insync.replicas", "1", "2")),
		want:   []Risk{wantRisky(RiskMinInsyncReplicas, "min.insync.replicas rises from 1 to 2: acks=all producers fail while fewer replicas are in sync")},
	},
	{
		name:   "min.insync.replicas drops",
		change: updateOf(KindTopic, fieldOf("configs.min.insync.replicas", "2", "1")),
		want:   []Risk{wantRisky(RiskMinInsyncReplicas, "min.insync.replicas drops from 2 to 1: acks=all writes survive fewer broker failures")},
	},
	{
		name:   "min.insync.replicas set where the broker default applied",
		change: updateOf(KindTopic, fieldOf("configs.min.insync.replicas", nil, "2")),
		want:   []Risk{wantRisky(RiskMinInsyncReplicas, "min.insync.replicas changes from the broker default to 2: acks=all producers may fail, or writes survive fewer broker failures")},
	},
	{
		name:   "min.compaction.lag.ms is not min.insync.replicas",
		change: updateOf(KindTopic, fieldOf("configs.min.compaction.lag.ms", "0", "1000")),
	},

	// unclean.leader.election.enable.
	{
		name:   "unclean leader election turned on",
		change: updateOf(KindTopic, fieldOf("configs.unclean.leader.election.enable", "false", "true")),
		want:   []Risk{wantRisky(RiskUncleanLeaderElection, "unclean.leader.election.enable turns on: an out-of-sync replica can become leader and acknowledged messages can be lost")},
	},
	{
		name:   "unclean leader election set on where the broker default applied",
		change: updateOf(KindTopic, fieldOf("configs.unclean.leader.election.enable", nil, "TRUE")),
		want:   []Risk{wantRisky(RiskUncleanLeaderElection, "unclean.leader.election.enable turns on: an out-of-sync replica can become leader and acknowledged messages can be lost")},
	},
	{
		name:   "unclean leader election turned off",
		change: updateOf(KindTopic, fieldOf("configs.unclean.leader.election.enable", "true", "false")),
	},

	// max.message.bytes.
	{
		name:   "max.message.bytes decrease",
		change: updateOf(KindTopic, fieldOf("configs.max.message.bytes", "1048588", "1000")),
		want:   []Risk{wantRisky(RiskMaxMessageBytesDecrease, "max.message.bytes decreases from 1048588 to 1000: producers of larger messages get RecordTooLarge errors")},
	},
	{
		name:   "max.message.bytes increase",
		change: updateOf(KindTopic, fieldOf("configs.max.message.bytes", "1048588", "10485760")),
	},

	// Quotas.
	{
		name:   "quota removed",
		change: updateOf(KindQuota, fieldOf("values.request_percentage", "10", nil)),
		want:   []Risk{wantRisky(RiskQuotaRemoved, "quota request_percentage (10) removed: the entity's clients are no longer throttled by it")},
	},
	{
		name:   "quota changed or added",
		change: updateOf(KindQuota, fieldOf("values.producer_byte_rate", "1000", "1048576"), fieldOf("values.consumer_byte_rate", nil, "2097152")),
	},

	// Users.
	{
		name: "password replaced and credential removed",
		change: updateOf(KindUser,
			fieldOf("scram.iterations", int32(8192), int32(4096)),
			fieldOf("scram.password", "(applied earlier)", "(changed, from env PW)"),
			fieldOf("scram.SCRAM-SHA-256", "8192 iterations", nil)),
		want: []Risk{
			wantRisky(RiskPasswordChange, "password is replaced: clients must use the new one as soon as this is applied"),
			wantDestructive(RiskCredentialRemoved, "SCRAM-SHA-256 credential removed: clients that log in with it are refused"),
		},
	},
	{
		name: "new mechanism's first password and only iterations changed",
		change: updateOf(KindUser,
			fieldOf("scram.mechanism", nil, "SCRAM-SHA-512"),
			fieldOf("scram.iterations", int32(4096), int32(8192)),
			fieldOf("scram.password", nil, "(set from env PW)")),
	},

	// Rules stay on their kind.
	{
		name:   "a topic rule does not fire on a quota",
		change: updateOf(KindQuota, fieldOf("configs.retention.ms", "2", "1")),
	},
}

func TestRisks(t *testing.T) {
	for _, tt := range riskTests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, Risks(tt.change)); d != "" {
				t.Errorf("Risks (-want +got):\n%s", d)
			}
		})
	}
}

// TestRiskRulesCovered fails when a rule has no test case where it fires,
// so that a new rule comes with its tests.
func TestRiskRulesCovered(t *testing.T) {
	fired := map[string]bool{}
	for _, tt := range riskTests {
		for _, r := range tt.want {
			fired[r.Code] = true
		}
	}
	codes := map[string]bool{}
	var rules []riskRule
	for _, k := range registered() {
		rules = append(rules, k.risks...)
	}
	for _, r := range rules {
		if codes[r.code] {
			t.Errorf("code %q is used by two rules", r.code)
		}
		codes[r.code] = true
		if !fired[r.code] {
			t.Errorf("rule %q fires in no test case", r.code)
		}
		if (r.onDelete == nil) == (r.onField == nil) || (r.onField == nil) != (r.match == nil) {
			t.Errorf("rule %q must set onDelete, or match and onField", r.code)
		}
	}
}

func TestPlanDestructive(t *testing.T) {
	tests := []struct {
		name    string
		changes []Change
		want    bool
	}{
		{name: "empty"},
		{name: "creations only", changes: []Change{{Action: ActionCreate, Kind: KindTopic, Name: "t"}}},
		{name: "risky only", changes: []Change{updateOf(KindTopic, fieldOf("partitions", int32(1), int32(2)))}},
		{name: "pending deletion", changes: []Change{
			updateOf(KindTopic, fieldOf("partitions", int32(1), int32(2))),
			{Action: ActionDelete, Kind: KindTopic, Name: "t", Pending: true},
		}, want: true},
		{name: "destructive update", changes: []Change{updateOf(KindTopic, fieldOf("configs.retention.ms", "2", "1"))}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Plan{Changes: tt.changes}
			if got := p.Destructive(); got != tt.want {
				t.Errorf("Destructive() = %v, want %v", got, tt.want)
			}
		})
	}
}
