package spec

// The built-in topic profiles: what a careful Kafka operator would choose
// for common uses, each with its reasons. Values follow Kafka 4.1's topic
// config documentation; every one of them is a plain topic-level override
// that a topic's own value replaces.

var builtinProfiles = []TopicProfile{
	{
		Name: "durable",
		Description: "For data that must survive the loss of a broker. Three replicas keep every record even while one " +
			"broker is down for maintenance and another fails. With min.insync.replicas 2, a producer using acks=all gets " +
			"an acknowledgement only once two replicas hold the record, so an acknowledged write is never on a " +
			"single disk; with one replica out of sync, writes still succeed. Unclean leader election stays " +
			"off, so that an out-of-sync replica never becomes leader and silently drops acknowledged records; " +
			"the partition waits for an in-sync replica instead.",
		ReplicationFactor: 3,
		Configs: map[string]string{
			"min.insync.replicas":            "2",
			"unclean.leader.election.enable": "false",
		},
	},
	{
		Name: "high-throughput",
		Description: "For high-volume streams where many consumers share the load. Twelve partitions give " +
			"producers and a consumer group room to scale out, and spread the load over the brokers. lz4 is " +
			"the cheapest of Kafka's codecs in CPU for a good ratio on large batches; the broker keeps batches " +
			"as lz4, so producers that also compress with lz4 avoid recompression on the broker. Segments of " +
			"1 GiB keep the number of files and index rolls low at high rates, and rolling at least daily " +
			"keeps retention granular when the rate drops. Durability is that of the durable profile.",
		Partitions:        12,
		ReplicationFactor: 3,
		Configs: map[string]string{
			"compression.type":               "lz4",
			"min.insync.replicas":            "2",
			"segment.bytes":                  "1073741824",
			"segment.ms":                     "86400000",
			"unclean.leader.election.enable": "false",
		},
	},
	{
		Name: "compacted-state",
		Description: "For changelogs and current-state tables keyed by id, where only the latest value per key " +
			"matters. Compaction keeps the last record of each key for as long as the topic lives. A dirty ratio " +
			"of 0.1 makes the cleaner compact when a tenth of the log is obsolete, so readers rebuilding state " +
			"read little garbage, at some cleaner I/O. Tombstones (null values) stay for a day, so a consumer " +
			"that is behind by less than that still sees the deletion. A minimum compaction lag of one hour " +
			"guarantees that every update stays readable for an hour before a newer one may replace it. The " +
			"active segment is never compacted, so it rolls at least hourly.",
		ReplicationFactor: 3,
		Configs: map[string]string{
			"cleanup.policy":                 "compact",
			"delete.retention.ms":            "86400000",
			"min.cleanable.dirty.ratio":      "0.1",
			"min.compaction.lag.ms":          "3600000",
			"min.insync.replicas":            "2",
			"segment.ms":                     "3600000",
			"unclean.leader.election.enable": "false",
		},
	},
	{
		Name: "event-log",
		Description: "For facts other systems replay: audit trails, domain events, the source of new " +
			"consumers. Retention is 30 days and bounded by time only, so a consumer can be rebuilt from a " +
			"month of history whatever the volume; size it on the disk you have. max.message.bytes is set to " +
			"1 MiB on purpose, so the topic's limit does not move when a broker default changes, and producers " +
			"and consumers can be configured against a known bound; raise it only together with the " +
			"consumers' fetch sizes. Durability is that of the durable profile.",
		ReplicationFactor: 3,
		Configs: map[string]string{
			"cleanup.policy":                 "delete",
			"max.message.bytes":              "1048576",
			"min.insync.replicas":            "2",
			"retention.bytes":                "-1",
			"retention.ms":                   "2592000000",
			"unclean.leader.election.enable": "false",
		},
	},
	{
		Name: "ephemeral",
		Description: "For scratch data that may be lost: test runs, caches, short-lived fan-out. One replica " +
			"is allowed, since losing the data costs nothing, and it halves the disk and network of a copy. " +
			"Retention is one hour; segments roll every ten minutes, because Kafka deletes whole closed " +
			"segments only, so a long segment would keep data well past the hour.",
		ReplicationFactor: 1,
		Configs: map[string]string{
			"cleanup.policy": "delete",
			"retention.ms":   "3600000",
			"segment.ms":     "600000",
		},
	},
	{
		Name: "low-latency",
		Description: "For request-response and interactive flows where each record should reach consumers " +
			"fast. Six partitions keep per-partition queues short without the extra replication work of many " +
			"partitions per broker. compression.type producer stores batches as the producer sent them, so " +
			"the broker never spends time recompressing. Replication stays that of the durable profile: with " +
			"acks=all the latency is that of the second-fastest replica, which is what durability costs; " +
			"latency itself is mostly a client setting (linger.ms, fetch.max.wait.ms).",
		Partitions:        6,
		ReplicationFactor: 3,
		Configs: map[string]string{
			"compression.type":               "producer",
			"min.insync.replicas":            "2",
			"unclean.leader.election.enable": "false",
		},
	},
}

func init() {
	for i := range builtinProfiles {
		builtinProfiles[i].BuiltIn = true
	}
}

// BuiltinProfiles returns kgitops' own profiles, in the order they are
// documented.
func BuiltinProfiles() []TopicProfile {
	out := make([]TopicProfile, len(builtinProfiles))
	copy(out, builtinProfiles)
	return out
}

// BuiltinProfile returns the built-in profile of that name.
func BuiltinProfile(name string) (TopicProfile, bool) {
	for _, p := range builtinProfiles {
		if p.Name == name {
			return p, true
		}
	}
	return TopicProfile{}, false
}
