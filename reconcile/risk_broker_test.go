package reconcile

func brokerUpdate(fields ...Field) Change {
	c := updateOf(KindBrokerConfig, fields...)
	c.Name = "default"
	return c
}

// The BrokerConfig rules' cases, in riskTests so that TestRisks runs them
// and TestRiskRulesCovered sees each rule fire.
func init() {
	const every = " (on every topic that sets no "
	riskTests = append(riskTests, []struct {
		name   string
		change Change
		want   []Risk
	}{
		{name: "broker config deleted", change: Change{Action: ActionDelete, Kind: KindBrokerConfig, Name: "default", Pending: true,
			Fields: []Field{fieldOf("configs.log.retention.ms", "1", nil), fieldOf("configs.message.max.bytes", "2", nil)}},
			want: []Risk{{Code: RiskBrokerConfigDelete, Message: "removes the overrides of the cluster-wide defaults (log.retention.ms, message.max.bytes): server.properties or Kafka's defaults apply again (pending: runs once applied with --allow-delete)"}}},
		{name: "default retention shortened", change: brokerUpdate(fieldOf("configs.log.retention.ms", "604800000", "86400000")),
			want: []Risk{{Code: RiskBrokerRetentionDecrease, Destructive: true, Message: "log.retention.ms decreases from 604800000 to 86400000: older messages are deleted" + every + "retention.ms of its own)"}}},
		{name: "default retention lengthened", change: brokerUpdate(fieldOf("configs.log.retention.bytes", "1", "-1"))},
		{name: "default local retention shortened", change: brokerUpdate(fieldOf("configs.log.local.retention.ms", "-1", "1000")),
			want: []Risk{{Code: RiskBrokerLocalRetentionDecrease, Message: "log.local.retention.ms decreases from -1 (unlimited) to 1000: segments leave local disk sooner and tiered reads go to remote storage" + every + "local.retention.ms of its own)"}}},
		{name: "default retention override removed", change: brokerUpdate(fieldOf("configs.log.retention.ms", "604800000", nil)),
			want: []Risk{{Code: RiskBrokerRetentionUnknown, Message: "log.retention.ms override 604800000 removed: server.properties or Kafka's default applies to every topic that sets no retention.ms, and it may be shorter"}}},
		{name: "default retention set", change: brokerUpdate(fieldOf("configs.log.retention.bytes", nil, "1073741824")),
			want: []Risk{{Code: RiskBrokerRetentionUnknown, Message: "log.retention.bytes set to 1073741824 where server.properties or Kafka's default applied: messages of topics that set no retention.bytes are deleted past it if that was longer"}}},
		{name: "default cleanup loses compact", change: brokerUpdate(fieldOf("configs.log.cleanup.policy", "compact", "delete")),
			want: []Risk{{Code: RiskBrokerCleanupPolicyLoss, Destructive: true, Message: "log.cleanup.policy changes from compact to delete: compaction stops: the latest value of each key is no longer kept for good; retention now deletes old messages, latest values of keys included" + every + "cleanup.policy of its own)"}}},
		{name: "default cleanup gains compact", change: brokerUpdate(fieldOf("configs.log.cleanup.policy", "delete", "compact,delete")),
			want: []Risk{{Code: RiskBrokerCleanupPolicyChange, Message: "log.cleanup.policy changes from delete to compact,delete: older messages of each key are compacted away and messages without a key are rejected" + every + "cleanup.policy of its own)"}}},
		{name: "default min.insync.replicas lowered", change: brokerUpdate(fieldOf("configs.min.insync.replicas", "2", "1")),
			want: []Risk{{Code: RiskBrokerMinInsyncReplicas, Message: "min.insync.replicas drops from 2 to 1: acks=all writes survive fewer broker failures" + every + "min.insync.replicas of its own)"}}},
		{name: "default unclean election on", change: brokerUpdate(fieldOf("configs.unclean.leader.election.enable", nil, "true")),
			want: []Risk{{Code: RiskBrokerUncleanLeaderElection, Message: "unclean.leader.election.enable turns on: an out-of-sync replica can become leader and acknowledged messages can be lost" + every + "unclean.leader.election.enable of its own)"}}},
		{name: "default message size lowered", change: brokerUpdate(fieldOf("configs.message.max.bytes", "2097152", "1048576")),
			want: []Risk{{Code: RiskBrokerMaxMessageBytesDecrease, Message: "message.max.bytes decreases from 2097152 to 1048576: producers of larger messages get RecordTooLarge errors" + every + "max.message.bytes of its own)"}}},
		{name: "broker override removed", change: brokerUpdate(fieldOf("configs.num.io.threads", "16", nil)),
			want: []Risk{{Code: RiskBrokerOverrideRemoved, Message: "num.io.threads override removed: server.properties or Kafka's default applies"}}},
		{name: "broker override changed", change: brokerUpdate(fieldOf("configs.num.io.threads", "16", "8"))},
		{name: "broker secret replaced", change: brokerUpdate(fieldOf("configs.listener.name.a.ssl.keystore.password", secretAppliedEarlier, "(changed, from env KS)")),
			want: []Risk{{Code: RiskBrokerSecretChange, Message: "listener.name.a.ssl.keystore.password is replaced: the broker reloads the listener or login that uses it as soon as this is applied"}}},
		{name: "broker secret first set", change: brokerUpdate(fieldOf("configs.listener.name.a.ssl.keystore.password", secretNotByKgitops, "(set from env KS)"))},
	}...)
}
