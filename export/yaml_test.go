package export

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestYAMLQuoting checks how strings and config values are written, and
// that YAML reads each back as the same string.
func TestYAMLQuoting(t *testing.T) {
	tests := []struct {
		v, wantString, wantScalar string
	}{
		{"orders", "orders", "orders"},
		{"shop.orders-v2_x", "shop.orders-v2_x", "shop.orders-v2_x"},
		{"User:alice", "User:alice", `"User:alice"`},
		{"User:a b", `"User:a b"`, `"User:a b"`},
		{"1234", `"1234"`, "1234"},
		{"-3", `"-3"`, "-3"},
		{"1.5", `"1.5"`, "1.5"},
		{"yes", `"yes"`, `"yes"`},
		{"NULL", `"NULL"`, `"NULL"`},
		{"true", `"true"`, "true"},
		{"FALSE", `"FALSE"`, "FALSE"},
		{"~", `"~"`, `"~"`},
		{"", `""`, `""`},
		{"*", `"*"`, `"*"`},
		{"<default>", `"<default>"`, `"<default>"`},
		{"a: b <&>", `"a: b <&>"`, `"a: b <&>"`},
		{"compact,delete", `"compact,delete"`, `"compact,delete"`},
		{`say "hi"`, `"say \"hi\""`, `"say \"hi\""`},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			if got := yamlString(tt.v); got != tt.wantString {
				t.Errorf("yamlString(%q) = %s, want %s", tt.v, got, tt.wantString)
			}
			if got := yamlScalar(tt.v); got != tt.wantScalar {
				t.Errorf("yamlScalar(%q) = %s, want %s", tt.v, got, tt.wantScalar)
			}
			var doc map[string]any
			if err := yaml.Unmarshal([]byte("v: "+yamlString(tt.v)), &doc); err != nil || doc["v"] != tt.v {
				t.Errorf("yamlString(%q) reads back as %#v (%v)", tt.v, doc["v"], err)
			}
		})
	}
}
