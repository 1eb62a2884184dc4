package spec

import (
	"strings"
	"testing"
)

func TestValidTopicName(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantOK  bool
		wantMsg string
	}{
		{name: "simple", in: "orders", wantOK: true},
		{name: "all allowed characters", in: "a-Z_0.9", wantOK: true},
		{name: "leading dot is legal in Kafka", in: ".x", wantOK: true},
		{name: "249 characters", in: strings.Repeat("a", 249), wantOK: true},
		{name: "empty", in: "", wantMsg: "topic name is empty"},
		{name: "dot", in: ".", wantMsg: `topic name "." is not allowed`},
		{name: "dot dot", in: "..", wantMsg: `topic name ".." is not allowed`},
		{name: "250 characters", in: strings.Repeat("a", 250), wantMsg: "topic name is 250 characters long, more than 249"},
		{name: "space", in: "a b", wantMsg: `topic name "a b" contains ' '`},
		{name: "first bad character is named", in: "a/b:c", wantMsg: `topic name "a/b:c" contains '/'`},
		{name: "non-ASCII letter", in: "größe", wantMsg: `topic name "größe" contains 'ö'`},
		{name: "long and bad: the character wins", in: strings.Repeat("a", 300) + "!", wantMsg: `contains '!'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, ok := ValidTopicName(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("ValidTopicName(%q) ok = %v, want %v (msg %q)", tt.in, ok, tt.wantOK, msg)
			}
			if ok && msg != "" {
				t.Errorf("ValidTopicName(%q) = %q with ok", tt.in, msg)
			}
			if !ok && !strings.HasSuffix(msg, tt.wantMsg) {
				t.Errorf("ValidTopicName(%q) msg = %q, want it to end in %q", tt.in, msg, tt.wantMsg)
			}
		})
	}
}

func TestCollisionKey(t *testing.T) {
	tests := []struct {
		a, b    string
		collide bool
	}{
		{"shop.orders", "shop_orders", true},
		{"a.b_c", "a_b.c", true},
		{"a..b", "a__b", true},
		{"orders", "orders", true},
		{"shop-orders", "shop_orders", false},
		{"Orders", "orders", false},
	}
	for _, tt := range tests {
		if got := CollisionKey(tt.a) == CollisionKey(tt.b); got != tt.collide {
			t.Errorf("CollisionKey(%q) == CollisionKey(%q) is %v, want %v", tt.a, tt.b, got, tt.collide)
		}
	}
	if got := CollisionKey("a.b.c"); got != "a_b_c" {
		t.Errorf(`CollisionKey("a.b.c") = %q, want "a_b_c"`, got)
	}
}

func TestReserved(t *testing.T) {
	tests := []struct {
		name string
		why  string // empty: not reserved
	}{
		{"__consumer_offsets", "Kafka internal topic"},
		{"__transaction_state", "Kafka internal topic"},
		{"__share_group_state", "Kafka internal topic"},
		{"__remote_log_metadata", "Kafka internal topic"},
		{"__kgitops_inventory", "kgitops' own inventory topic"},
		{"__anything", "Kafka internal topic"},
		{".hidden", "hidden topic (a leading '.' marks internal topics, e.g. of MirrorMaker 2)"},
		{"_schemas", "Schema Registry storage topic"},
		{"_confluent-metrics", "Confluent Platform internal topic"},
		{"_confluent-ksql-default__command_topic", "Confluent Platform internal topic"},
		{"connect-offsets", "Kafka Connect storage topic"},
		{"connect-configs", "Kafka Connect storage topic"},
		{"connect-status", "Kafka Connect storage topic"},
		{"mm2-connect-offsets", "Kafka Connect storage topic"},
		{"docker-connect-configs", "Kafka Connect storage topic"},
		{"heartbeats", "MirrorMaker 2 heartbeats topic"},
		{"us-west.heartbeats", "MirrorMaker 2 heartbeats topic"},
		{"mm2-offset-syncs.us-west.internal", "MirrorMaker 2 internal topic"},
		{"us-west.checkpoints.internal", "MirrorMaker 2 internal topic"},
		{"app-store-changelog", "Kafka Streams internal topic"},
		{"app-KSTREAM-AGGREGATE-0000000003-repartition", "Kafka Streams internal topic"},

		{"orders", ""},
		{"_private", ""},            // one underscore is a user's choice
		{"schemas", ""},             // only Schema Registry's exact name
		{"_schemas_v2", ""},         // idem
		{"_confluent", ""},          // the prefix includes the '-'
		{"myconnect-offsets", ""},   // the prefix must end in '-'
		{"connect-offsets-v2", ""},  // a suffix is not Connect's
		{"heartbeats-v2", ""},       //
		{"myheartbeats", ""},        // the prefix must end in '.'
		{"internal", ""},            // only ".internal" as a suffix
		{"orders-changelog-v2", ""}, // only as a suffix
		{"changelog", ""},           // needs the '-'
		{"Heartbeats", ""},          // case-sensitive
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			why, ok := Reserved(tt.name)
			if ok != (tt.why != "") || why != tt.why {
				t.Errorf("Reserved(%q) = %q, %v; want %q, %v", tt.name, why, ok, tt.why, tt.why != "")
			}
		})
	}
}
