package spec

import "testing"

func TestConfigEqual(t *testing.T) {
	tests := []struct {
		key, a, b string
		want      bool
	}{
		{"retention.ms", "604800000", "604800000", true},
		{"retention.ms", "604800000", "604800001", false},
		{"retention.ms", "604800000", " 604800000", true},
		{"retention.ms", "+7", "7", true},
		{"retention.ms", "007", "7", true},
		{"retention.ms", "-0", "0", true},
		{"retention.ms", "7d", "604800000", true}, // units resolved
		{"retention.ms", "1w", "7d", true},
		{"retention.bytes", "1GiB", "1073741824", true},
		{"retention.bytes", "1GB", "1073741824", false},
		{"retention.ms", "7days", "7days", true}, // identical strings are equal, even bad ones
		{"retention.ms", "7days", "604800000", false},
		{"retention.ms", "1.0", "1", false}, // not a whole number
		{"retention.bytes", "9223372036854775807", "9223372036854775806", false},

		{"min.cleanable.dirty.ratio", "1.0", "1", true},
		{"min.cleanable.dirty.ratio", "0.5", ".5", true},
		{"min.cleanable.dirty.ratio", "5e-1", "0.50", true},
		{"min.cleanable.dirty.ratio", "-0.0", "0", true},
		{"min.cleanable.dirty.ratio", "0.5", "0.51", false},
		{"min.cleanable.dirty.ratio", "NaN", "NaN", true}, // identical strings
		{"min.cleanable.dirty.ratio", "NaN", "0", false},

		{"preallocate", "true", "TRUE", true},
		{"preallocate", "true", "false", false},
		{"preallocate", "yes", "true", false},

		{"cleanup.policy", "compact, delete", "delete,compact", true},
		{"cleanup.policy", "compact,delete", "compact", false},
		{"cleanup.policy", "delete,delete", "delete", true},
		{"leader.replication.throttled.replicas", "0:1,1:2", " 1:2 , 0:1 ", true},
		{"leader.replication.throttled.replicas", "", "*", false},

		{"compression.type", "zstd", " zstd ", true},
		{"compression.type", "zstd", "ZSTD", false}, // Kafka's enum is case-sensitive

		{"x.vendor.key", "a", "a", true},
		{"x.vendor.key", "a", " a", false},             // unknown keys compare exactly
		{"message.format.version", "3.0", "3.0", true}, // removed keys compare exactly
		{"message.format.version", "3.0", "3.0 ", false},
	}
	for _, tt := range tests {
		t.Run(tt.key+":"+tt.a+"~"+tt.b, func(t *testing.T) {
			if got := ConfigEqual(tt.key, tt.a, tt.b); got != tt.want {
				t.Errorf("ConfigEqual(%q, %q, %q) = %v, want %v", tt.key, tt.a, tt.b, got, tt.want)
			}
			if got := ConfigEqual(tt.key, tt.b, tt.a); got != tt.want {
				t.Errorf("ConfigEqual(%q, %q, %q) = %v, want %v (not symmetric)", tt.key, tt.b, tt.a, got, tt.want)
			}
		})
	}
}

// TestConfigEqualNormalized pins that a value the loader normalized still
// equals what the user wrote, so a normalized spec never shows as drift.
func TestConfigEqualNormalized(t *testing.T) {
	for _, kv := range [][2]string{
		{"retention.ms", "+0604800000"},
		{"preallocate", "TRUE"},
		{"cleanup.policy", " delete , compact "},
		{"min.cleanable.dirty.ratio", " .5"},
		{"compression.type", " lz4"},
		{"leader.replication.throttled.replicas", "0:1 ,1:2"},
	} {
		norm, err := NormalizeConfig(kv[0], kv[1])
		if err != nil {
			t.Fatalf("NormalizeConfig(%q, %q): %v", kv[0], kv[1], err)
		}
		if !ConfigEqual(kv[0], norm, kv[1]) {
			t.Errorf("ConfigEqual(%q, %q, %q) = false after normalizing", kv[0], norm, kv[1])
		}
	}
}
