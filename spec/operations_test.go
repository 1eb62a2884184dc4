package spec

import (
	"slices"
	"testing"
)

func TestParseOperation(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"read", "READ", true},
		{"READ", "READ", true},
		{"Read", "READ", true},
		{"describeConfigs", "DESCRIBE_CONFIGS", true},
		{"DESCRIBE_CONFIGS", "DESCRIBE_CONFIGS", true},
		{"describe-configs", "DESCRIBE_CONFIGS", true},
		{"describe_configs", "DESCRIBE_CONFIGS", true},
		{"DescribeConfigs", "DESCRIBE_CONFIGS", true},
		{"idempotentWrite", "IDEMPOTENT_WRITE", true},
		{"cluster-action", "CLUSTER_ACTION", true},
		{"all", "ALL", true},
		{"any", "", false}, // filters only
		{"unknown", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseOperation(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseOperation(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSpellLike(t *testing.T) {
	tests := []struct{ op, like, want string }{
		{"DESCRIBE_CONFIGS", "describeConfig", "describeConfigs"},
		{"DESCRIBE_CONFIGS", "DESCRIBE_CONFIG", "DESCRIBE_CONFIGS"},
		{"DESCRIBE_CONFIGS", "describe-config", "describe-configs"},
		{"DESCRIBE_CONFIGS", "describe_config", "DESCRIBE_CONFIGS"},
		{"READ", "raed", "read"},
		{"READ", "RAED", "READ"},
		{"ALL", "any", "all"},
	}
	for _, tt := range tests {
		if got := spellLike(tt.op, tt.like); got != tt.want {
			t.Errorf("spellLike(%q, %q) = %q, want %q", tt.op, tt.like, got, tt.want)
		}
	}
}

// TestOperations pins Kafka's table of operations per resource type
// (AclEntry.java), which the broker does not enforce.
func TestOperations(t *testing.T) {
	want := map[string][]string{
		"topic":           {"ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"},
		"group":           {"ALL", "READ", "DELETE", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"},
		"cluster":         {"ALL", "CREATE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE"},
		"transactionalId": {"ALL", "WRITE", "DESCRIBE"},
		"delegationToken": {"ALL", "DESCRIBE"},
		"user":            {"ALL", "CREATE_TOKENS", "DESCRIBE_TOKENS"},
	}
	for _, rt := range ResourceTypes() {
		if got := Operations(rt); !slices.Equal(got, want[rt]) {
			t.Errorf("Operations(%s) = %v, want %v", rt, got, want[rt])
		}
		for _, op := range operationNames {
			if got := OperationApplies(rt, op); got != slices.Contains(want[rt], op) {
				t.Errorf("OperationApplies(%s, %s) = %v", rt, op, got)
			}
		}
	}
	if Operations("nope") != nil || OperationApplies("nope", "ALL") {
		t.Error("an unknown resource type has operations")
	}
}

func TestCheckPrincipal(t *testing.T) {
	tests := []struct {
		in       string
		ok       bool
		wantHint string
	}{
		{"User:alice", true, ""},
		{"User:*", true, ""},
		{"Group:ops", true, ""},
		{"User:CN=alice,O=Example", true, ""},
		{"Custom:x", true, ""},
		{"alice", false, "write User:alice"},
		{"*", false, "write User:* for every user"},
		{"User:", false, "write User:<name>, or User:* for all"},
		{":alice", false, "write User:alice"},
		{"user:alice", false, "write User:alice"},
		{"GROUP:ops", false, "write Group:ops"},
		{"User: alice", false, "write User:alice"},
		{"", false, "write User:<name>, such as User:alice"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			msg, hint, ok := CheckPrincipal(tt.in)
			if ok != tt.ok || hint != tt.wantHint || ok != (msg == "") {
				t.Errorf("CheckPrincipal(%q) = %q, %q, %v; want hint %q, ok %v", tt.in, msg, hint, ok, tt.wantHint, tt.ok)
			}
		})
	}
}

func TestCheckHost(t *testing.T) {
	tests := []struct {
		in       string
		ok       bool
		wantHint string
	}{
		{"*", true, ""},
		{"10.0.0.1", true, ""},
		{"0:0:0:0:0:0:0:1", true, ""},
		{"2001:db8:0:0:0:0:0:ff", true, ""},
		{"::1", false, `write "0:0:0:0:0:0:0:1"`},
		{"2001:db8::ff", false, `write "2001:db8:0:0:0:0:0:ff"`},
		{"2001:0db8:0:0:0:0:0:ff", false, `write "2001:db8:0:0:0:0:0:ff"`},
		{"::ffff:10.0.0.1", false, `write "10.0.0.1"`},
		{"kafka.example.com", false, `write the client's IP address, such as 10.0.0.1, or "*"`},
		{"10.0.0.0/8", false, `write one rule per address, or "*"`},
		{"", false, `write "*" for every host`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			msg, hint, ok := CheckHost(tt.in)
			if ok != tt.ok || hint != tt.wantHint || ok != (msg == "") {
				t.Errorf("CheckHost(%q) = %q, %q, %v; want hint %q, ok %v", tt.in, msg, hint, ok, tt.wantHint, tt.ok)
			}
		})
	}
}
