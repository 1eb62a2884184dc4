package spec

import (
	"slices"
	"testing"
)

func TestKafkaHost(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"*", "*", ""},
		{"10.0.0.1", "10.0.0.1", ""},
		{"::1", "0:0:0:0:0:0:0:1", ""},
		{"2001:db8::0a", "2001:db8:0:0:0:0:0:a", ""},
		{"::ffff:10.0.0.1", "10.0.0.1", ""},
		{"db.example.com", "", `host "db.example.com" is not an IP address: Kafka matches clients by IP address only`},
		{"fe80::1%eth0", "", `host "fe80::1%eth0" has an IPv6 zone, which Kafka never writes`},
	}
	for _, tt := range tests {
		got, err := KafkaHost(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("KafkaHost(%q) err = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("KafkaHost(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestBuiltinRoleOperations(t *testing.T) {
	ops, ok := BuiltinRoleOperations("consumer")
	if !ok || !slices.Equal(ops[ResourceTopic], []string{"READ", "DESCRIBE"}) || !slices.Equal(ops[ResourceGroup], []string{"READ"}) {
		t.Fatalf("consumer = %v, %v", ops, ok)
	}
	if _, ok := BuiltinRoleOperations("nope"); ok {
		t.Fatal("an unknown role has operations")
	}
	if got := BuiltinRoleNames(); !slices.Contains(got, "streams-app") || !slices.IsSorted(got) {
		t.Fatalf("BuiltinRoleNames = %v", got)
	}
}
