package spec

import (
	"slices"
	"testing"
)

func TestNormalizeConfig(t *testing.T) {
	tests := []struct {
		key, in string
		want    string
		wantErr string // exact error text; empty: no error
	}{
		// Booleans: Kafka parses them ignoring case.
		{key: "preallocate", in: "true", want: "true"},
		{key: "preallocate", in: " TRUE ", want: "true"},
		{key: "preallocate", in: "False", want: "false"},
		{key: "preallocate", in: "yes", wantErr: `preallocate must be true or false, got "yes"`},
		{key: "preallocate", in: "1", wantErr: `preallocate must be true or false, got "1"`},

		// Whole numbers: plain decimal, within the key's range.
		{key: "retention.ms", in: "604800000", want: "604800000"},
		{key: "retention.ms", in: "-1", want: "-1"},
		{key: "retention.ms", in: " +007 ", want: "7"},
		{key: "retention.ms", in: "-2", wantErr: "retention.ms must be at least -1, got -2"},
		{key: "retention.ms", in: "7d", want: "604800000"},
		{key: "retention.ms", in: "2w", want: "1209600000"},
		{key: "retention.ms", in: "500ms", want: "500"},
		{key: "retention.ms", in: "1.5h", want: "5400000"},
		{key: "retention.ms", in: " 15m ", want: "900000"},
		{key: "retention.ms", in: "-1", want: "-1"},
		{key: "segment.ms", in: "12h", want: "43200000"},
		{key: "retention.ms", in: "7 days", wantErr: `retention.ms: unknown unit "days" in "7 days" (write a whole number of milliseconds, or a number with a unit: 500ms, 30s, 15m, 12h, 7d, 2w)`},
		{key: "retention.ms", in: "0.5ms", wantErr: `retention.ms: 0.5ms is not a whole number of milliseconds (write a whole number of milliseconds, or a number with a unit: 500ms, 30s, 15m, 12h, 7d, 2w)`},
		{key: "retention.ms", in: "1MB", wantErr: `retention.ms: unknown unit "MB" in "1MB" (write a whole number of milliseconds, or a number with a unit: 500ms, 30s, 15m, 12h, 7d, 2w)`},
		{key: "retention.bytes", in: "512KiB", want: "524288"},
		{key: "retention.bytes", in: "1MiB", want: "1048576"},
		{key: "retention.bytes", in: "1GiB", want: "1073741824"},
		{key: "retention.bytes", in: "1TiB", want: "1099511627776"},
		{key: "retention.bytes", in: "1MB", want: "1000000"},
		{key: "retention.bytes", in: "1GB", want: "1000000000"},
		{key: "retention.bytes", in: "-1", want: "-1"},
		{key: "segment.bytes", in: "512KiB", wantErr: `segment.bytes must be at least 1048576, got 524288 (from 512KiB)`},
		{key: "max.message.bytes", in: "2GiB", wantErr: `max.message.bytes must be at most 2147483647, got 2147483648 (from 2GiB)`},
		{key: "retention.bytes", in: "1h", wantErr: `retention.bytes: unknown unit "h" in "1h" (write a whole number of bytes, or a number with a unit: 512KiB, 1MiB, 1GiB, 1TiB (powers of 2), 1MB, 1GB (powers of 10))`},
		{key: "min.insync.replicas", in: "2k", wantErr: `min.insync.replicas takes no unit, got "2k" (write a plain value: units are for keys ending in .ms (500ms, 30s, 15m, 12h, 7d, 2w) and .bytes (512KiB, 1MiB, 1GiB, 1TiB, 1MB, 1GB))`},
		{key: "min.cleanable.dirty.ratio", in: "5s", wantErr: `min.cleanable.dirty.ratio takes no unit, got "5s" (write a plain value: units are for keys ending in .ms (500ms, 30s, 15m, 12h, 7d, 2w) and .bytes (512KiB, 1MiB, 1GiB, 1TiB, 1MB, 1GB))`},
		{key: "retention.ms", in: "1e3", wantErr: `retention.ms must be a whole number, got "1e3"`},
		{key: "retention.ms", in: "1_000", wantErr: `retention.ms must be a whole number, got "1_000"`},
		{key: "retention.ms", in: "", wantErr: `retention.ms must be a whole number, got ""`},
		{key: "retention.bytes", in: "9223372036854775807", want: "9223372036854775807"},
		{key: "retention.bytes", in: "-9223372036854775808", want: "-9223372036854775808"},
		{key: "retention.bytes", in: "9223372036854775808", wantErr: "retention.bytes must be at most 9223372036854775807, got 9223372036854775808"},
		{key: "retention.bytes", in: "-9223372036854775809", wantErr: "retention.bytes must be at least -9223372036854775808, got -9223372036854775809"},
		{key: "max.message.bytes", in: "2147483647", want: "2147483647"},
		{key: "max.message.bytes", in: "2147483648", wantErr: "max.message.bytes must be at most 2147483647, got 2147483648"},
		{key: "segment.bytes", in: "1048576", want: "1048576"},
		{key: "segment.bytes", in: "1048575", wantErr: "segment.bytes must be at least 1048576, got 1048575"},
		{key: "segment.ms", in: "0", wantErr: "segment.ms must be at least 1, got 0"},
		{key: "local.retention.bytes", in: "-2", want: "-2"},
		{key: "local.retention.bytes", in: "-3", wantErr: "local.retention.bytes must be at least -2, got -3"},
		{key: "compression.gzip.level", in: "-1", want: "-1"},
		{key: "compression.gzip.level", in: "9", want: "9"},
		{key: "compression.gzip.level", in: "0", wantErr: "compression.gzip.level must be -1 or between 1 and 9, got 0"},
		{key: "compression.gzip.level", in: "10", wantErr: "compression.gzip.level must be -1 or between 1 and 9, got 10"},
		{key: "compression.lz4.level", in: "18", wantErr: "compression.lz4.level must be between 1 and 17, got 18"},
		{key: "compression.zstd.level", in: "-131073", wantErr: "compression.zstd.level must be between -131072 and 22, got -131073"},

		// Doubles.
		{key: "min.cleanable.dirty.ratio", in: "0.5", want: "0.5"},
		{key: "min.cleanable.dirty.ratio", in: ".5", want: ".5"},
		{key: "min.cleanable.dirty.ratio", in: "1", want: "1"},
		{key: "min.cleanable.dirty.ratio", in: "5e-1", want: "5e-1"},
		{key: "min.cleanable.dirty.ratio", in: "1.01", wantErr: `min.cleanable.dirty.ratio must be a number between 0 and 1, got "1.01"`},
		{key: "min.cleanable.dirty.ratio", in: "NaN", wantErr: `min.cleanable.dirty.ratio must be a number between 0 and 1, got "NaN"`},
		{key: "min.cleanable.dirty.ratio", in: "0x1p-1", wantErr: `min.cleanable.dirty.ratio must be a number between 0 and 1, got "0x1p-1"`},

		// Enums are case-sensitive, as in Kafka.
		{key: "compression.type", in: "lz4", want: "lz4"},
		{key: "compression.type", in: "LZ4", wantErr: `compression.type must be one of uncompressed, zstd, lz4, snappy, gzip, producer, got "LZ4" (did you mean lz4?)`},
		{key: "message.timestamp.type", in: "CreateTime", want: "CreateTime"},

		// Lists.
		{key: "cleanup.policy", in: "compact, delete", want: "compact,delete"},
		{key: "cleanup.policy", in: " delete ", want: "delete"},
		{key: "cleanup.policy", in: "", wantErr: "cleanup.policy must list compact and/or delete, got nothing"},
		{key: "cleanup.policy", in: "compact,,delete", wantErr: `cleanup.policy may only list compact and/or delete, got ""`},
		{key: "cleanup.policy", in: "delete,delete", wantErr: `cleanup.policy lists "delete" twice`},
		{key: "cleanup.policy", in: "compacted", wantErr: `cleanup.policy may only list compact and/or delete, got "compacted" (did you mean compact?)`},
		{key: "leader.replication.throttled.replicas", in: "*", want: "*"},
		{key: "leader.replication.throttled.replicas", in: "0:1 , 1:2", want: "0:1,1:2"},
		{key: "leader.replication.throttled.replicas", in: "", want: ""},
		{key: "leader.replication.throttled.replicas", in: "*,0:1", wantErr: `leader.replication.throttled.replicas must be "*" or a list of partition:broker pairs such as 0:1,1:2, got "*,0:1"`},
		{key: "follower.replication.throttled.replicas", in: "0:x", wantErr: `follower.replication.throttled.replicas must be "*" or a list of partition:broker pairs such as 0:1,1:2, got "0:x"`},

		// Removed and unknown keys.
		{key: "message.format.version", in: "3.0", wantErr: "message.format.version was removed in Kafka 4.0 (remove it: every topic uses message format v2)"},
		{key: "message.timestamp.difference.max.ms", in: "1", wantErr: "message.timestamp.difference.max.ms was removed in Kafka 4.0 (use message.timestamp.before.max.ms and message.timestamp.after.max.ms instead)"},
		{key: "confluent.placement.constraints", in: ` {"a": 1} `, want: ` {"a": 1} `},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.in, func(t *testing.T) {
			got, err := NormalizeConfig(tt.key, tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("NormalizeConfig(%q, %q) = %q, %v; want error %q", tt.key, tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeConfig(%q, %q) = %q, %v; want %q", tt.key, tt.in, got, err, tt.want)
			}
			// A normalized value normalizes to itself.
			if again, err := NormalizeConfig(tt.key, got); err != nil || again != got {
				t.Errorf("NormalizeConfig(%q, %q) = %q, %v; want it unchanged", tt.key, got, again, err)
			}
		})
	}
}

// TestTopicConfigTable pins the keys of Kafka 4.1's LogConfig, so that a
// key dropped from the table by accident fails here.
func TestTopicConfigTable(t *testing.T) {
	want := []string{
		"cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type",
		"compression.zstd.level", "delete.retention.ms", "file.delete.delay.ms", "flush.messages",
		"flush.ms", "follower.replication.throttled.replicas", "index.interval.bytes",
		"leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
		"max.compaction.lag.ms", "max.message.bytes", "message.downconversion.enable",
		"message.timestamp.after.max.ms", "message.timestamp.before.max.ms", "message.timestamp.type",
		"min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
		"remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable",
		"retention.bytes", "retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms",
		"segment.ms", "unclean.leader.election.enable",
	}
	if !slices.Equal(topicConfigNames, want) {
		t.Errorf("topicConfigNames = %q\nwant %q", topicConfigNames, want)
	}
	for _, k := range want {
		if !KnownConfigKey(k) {
			t.Errorf("KnownConfigKey(%q) = false", k)
		}
	}
	for _, k := range []string{"message.format.version", "message.timestamp.difference.max.ms", "x.y", ""} {
		if KnownConfigKey(k) {
			t.Errorf("KnownConfigKey(%q) = true", k)
		}
	}
	for k, c := range topicConfigs {
		if c.removed == "" && c.typ == 0 {
			t.Errorf("%s has no type", k)
		}
	}
}

func TestClosest(t *testing.T) {
	fields := []string{"partitions", "replicationFactor", "configs", "ignoreConfigs"}
	tests := []struct {
		in, want string
	}{
		{"partition", "partitions"},
		{"Partitions", "partitions"},
		{"replicationfactor", "replicationFactor"},
		{"replication_factor", "replicationFactor"},
		{"config", "configs"},
		{"ignoreConfig", "ignoreConfigs"},
		{"frobnicate", ""},
		{"p", ""},
	}
	for _, tt := range tests {
		got, ok := closest(tt.in, fields)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("closest(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	if got, _ := closest("Tpoic", []string{"Settings", "Topic"}); got != "Topic" {
		t.Errorf("closest(Tpoic) = %q, want Topic (a swap is one edit)", got)
	}
}
