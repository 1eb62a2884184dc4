package spec

import (
	"math"
	"slices"
)

// This file is the one place that knows Kafka's topic config keys. It
// follows LogConfig.java of Apache Kafka 4.1 (storage/.../log/LogConfig.java).
// A key a cluster has but this table lacks (a newer Kafka, a vendor
// extension) is allowed through Settings.extraConfigKeys.

// configType is the ConfigDef type of a topic config key.
type configType int

const (
	typeBoolean configType = iota + 1
	typeInt                // a 32-bit whole number
	typeLong               // a 64-bit whole number
	typeDouble             // a decimal number
	typeString             // one of configKey.enum
	typeList               // comma-separated; items from configKey.enum, or replica pairs
)

// configKey is what Kafka accepts for one topic config key.
type configKey struct {
	typ  configType
	ints intRange // typeInt and typeLong
	// lo and hi bound a typeDouble.
	lo, hi float64
	// enum lists the values of a typeString, or the items of a typeList.
	// A typeList without enum holds partition:broker replica pairs.
	enum []string
	// removed says what to do instead, for a key Kafka no longer has.
	removed string
}

func intKey(lo, hi int64) configKey {
	return configKey{typ: typeInt, ints: intRange{lo: lo, hi: hi, bits: 32}}
}
func longKey(lo, hi int64) configKey {
	return configKey{typ: typeLong, ints: intRange{lo: lo, hi: hi, bits: 64}}
}

const (
	maxInt  = math.MaxInt32
	maxLong = math.MaxInt64
	minLong = math.MinInt64
)

var (
	boolKey     = configKey{typ: typeBoolean}
	replicaList = configKey{typ: typeList} // ThrottledReplicaListValidator
)

// topicConfigs holds every topic config key of Kafka 4.1, with its type and
// range, plus the keys 4.0 removed.
var topicConfigs = map[string]configKey{
	"cleanup.policy":                          {typ: typeList, enum: []string{"compact", "delete"}},
	"compression.type":                        {typ: typeString, enum: []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}},
	"compression.gzip.level":                  {typ: typeInt, ints: intRange{lo: 1, hi: 9, bits: 32, also: []int64{-1}}},
	"compression.lz4.level":                   intKey(1, 17),
	"compression.zstd.level":                  intKey(-131072, 22),
	"delete.retention.ms":                     longKey(0, maxLong),
	"file.delete.delay.ms":                    longKey(0, maxLong),
	"flush.messages":                          longKey(1, maxLong),
	"flush.ms":                                longKey(0, maxLong),
	"follower.replication.throttled.replicas": replicaList,
	"index.interval.bytes":                    intKey(0, maxInt),
	"leader.replication.throttled.replicas":   replicaList,
	"local.retention.bytes":                   longKey(-2, maxLong),
	"local.retention.ms":                      longKey(-2, maxLong),
	"max.compaction.lag.ms":                   longKey(1, maxLong),
	"max.message.bytes":                       intKey(0, maxInt),
	"message.downconversion.enable":           boolKey, // deprecated, still accepted by 4.x
	"message.timestamp.after.max.ms":          longKey(0, maxLong),
	"message.timestamp.before.max.ms":         longKey(0, maxLong),
	"message.timestamp.type":                  {typ: typeString, enum: []string{"CreateTime", "LogAppendTime"}},
	"min.cleanable.dirty.ratio":               {typ: typeDouble, lo: 0, hi: 1},
	"min.compaction.lag.ms":                   longKey(0, maxLong),
	"min.insync.replicas":                     intKey(1, maxInt),
	"preallocate":                             boolKey,
	"remote.log.copy.disable":                 boolKey,
	"remote.log.delete.on.disable":            boolKey,
	"remote.storage.enable":                   boolKey,
	"retention.bytes":                         longKey(minLong, maxLong), // negative means unlimited
	"retention.ms":                            longKey(-1, maxLong),
	"segment.bytes":                           intKey(1048576, maxInt), // 1 MiB minimum since 4.0
	"segment.index.bytes":                     intKey(4, maxInt),
	"segment.jitter.ms":                       longKey(0, maxLong),
	"segment.ms":                              longKey(1, maxLong),
	"unclean.leader.election.enable":          boolKey,

	"message.format.version":              {removed: "remove it: every topic uses message format v2"},
	"message.timestamp.difference.max.ms": {removed: "use message.timestamp.before.max.ms and message.timestamp.after.max.ms instead"},
}

// topicConfigNames lists the current (not removed) keys, sorted, for suggestions.
var topicConfigNames = func() []string {
	var names []string
	for k, c := range topicConfigs {
		if c.removed == "" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names
}()

// KnownConfigKey reports whether key is a topic config key of Kafka 4.1 that
// kgitops knows the type of. Removed keys are not known.
func KnownConfigKey(key string) bool {
	c, ok := topicConfigs[key]
	return ok && c.removed == ""
}
