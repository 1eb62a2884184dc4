package spec

import "testing"

func TestHumanValue(t *testing.T) {
	for _, tc := range []struct{ key, in, want string }{
		{"retention.ms", "604800000", "7d"},
		{"retention.ms", "1209600000", "14d"}, // days, not weeks
		{"retention.ms", "86400000", "1d"},
		{"retention.ms", "43200000", "12h"},
		{"retention.ms", "900000", "15m"},
		{"retention.ms", "30000", "30s"},
		{"retention.ms", "500", "500ms"},
		{"retention.ms", "1500", ""}, // no unit holds it exactly
		{"retention.ms", "-1", ""},   // unlimited stays -1
		{"retention.ms", "0", ""},
		{"retention.ms", "7d", ""}, // not a plain number
		{"retention.bytes", "1073741824", "1GiB"},
		{"retention.bytes", "1099511627776", "1TiB"},
		{"retention.bytes", "524288", "512KiB"},
		{"retention.bytes", "1000000000", "1GB"},
		{"retention.bytes", "1000000", "1MB"},
		{"max.message.bytes", "1048588", ""}, // Kafka's default: no exact unit
		{"retention.bytes", "-1", ""},
		{"min.insync.replicas", "2", ""},
		{"cleanup.policy", "delete", ""},
	} {
		if got := HumanValue(tc.key, tc.in); got != tc.want {
			t.Errorf("HumanValue(%s, %s) = %q, want %q", tc.key, tc.in, got, tc.want)
		}
		if tc.want == "" {
			continue
		}
		// The human form reads back as the same value.
		if back, err := ApplyUnits(tc.key, tc.want); err != nil || back != tc.in {
			t.Errorf("ApplyUnits(%s, %s) = %q, %v; want %s", tc.key, tc.want, back, err, tc.in)
		}
	}
	if got := ShowValue("retention.ms", "604800000"); got != "7d (604800000)" {
		t.Errorf("ShowValue = %q", got)
	}
	if got := ShowValue("max.message.bytes", "1048588"); got != "1048588" {
		t.Errorf("ShowValue = %q", got)
	}
}

// A value with units always resolves to a number that shows as a value
// of the same meaning.
func FuzzApplyUnits(f *testing.F) {
	for _, s := range []string{"7d", "1.5h", "512KiB", "1GB", "-1", "12", "0.001s", "9999999999999999999w"} {
		f.Add("retention.ms", s)
		f.Add("retention.bytes", s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		plain, err := ApplyUnits(key, value)
		if err != nil || !HasUnit(value) {
			return
		}
		if _, ok := parseDecimal(plain); !ok {
			t.Fatalf("ApplyUnits(%q, %q) = %q, not a whole number", key, value, plain)
		}
		if !ConfigEqual("retention.ms", plain, value) && UnitOf(key) == Duration {
			t.Fatalf("%q and %q differ", plain, value)
		}
	})
}
