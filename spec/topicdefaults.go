package spec

import "slices"

// kafkaDefaults are Kafka 4.1's defaults of the topic config keys: what a
// topic gets when neither it nor any broker setting says otherwise
// (LogConfig.java; checked against a 4.1 broker's DEFAULT_CONFIG values by
// TestKafkaDefaultsMatchTheBroker). Only explain reads them; a plan never
// compares with them.
var kafkaDefaults = map[string]string{
	"cleanup.policy":                          "delete",
	"compression.gzip.level":                  "-1",
	"compression.lz4.level":                   "9",
	"compression.type":                        "producer",
	"compression.zstd.level":                  "3",
	"delete.retention.ms":                     "86400000",
	"file.delete.delay.ms":                    "60000",
	"flush.messages":                          "9223372036854775807",
	"flush.ms":                                "9223372036854775807",
	"follower.replication.throttled.replicas": "",
	"index.interval.bytes":                    "4096",
	"leader.replication.throttled.replicas":   "",
	"local.retention.bytes":                   "-2",
	"local.retention.ms":                      "-2",
	"max.compaction.lag.ms":                   "9223372036854775807",
	"max.message.bytes":                       "1048588",
	"message.downconversion.enable":           "true",
	"message.timestamp.after.max.ms":          "3600000",
	"message.timestamp.before.max.ms":         "9223372036854775807",
	"message.timestamp.type":                  "CreateTime",
	"min.cleanable.dirty.ratio":               "0.5",
	"min.compaction.lag.ms":                   "0",
	"min.insync.replicas":                     "1",
	"preallocate":                             "false",
	"remote.log.copy.disable":                 "false",
	"remote.log.delete.on.disable":            "false",
	"remote.storage.enable":                   "false",
	"retention.bytes":                         "-1",
	"retention.ms":                            "604800000",
	"segment.bytes":                           "1073741824",
	"segment.index.bytes":                     "10485760",
	"segment.jitter.ms":                       "0",
	"segment.ms":                              "604800000",
	"unclean.leader.election.enable":          "false",
}

// KafkaDefault returns Kafka 4.1's default of a topic config key.
func KafkaDefault(key string) (string, bool) {
	v, ok := kafkaDefaults[key]
	return v, ok
}

// TopicConfigKeys lists the topic config keys of Kafka 4.1, sorted.
func TopicConfigKeys() []string { return slices.Clone(topicConfigNames) }
