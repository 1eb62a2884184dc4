package spec

import (
	"fmt"
	"strings"
)

// MaxTopicNameLen is the longest topic name Kafka accepts.
const MaxTopicNameLen = 249

// InventoryTopic is the topic in which kgitops records what it created.
const InventoryTopic = "__kgitops_inventory"

// topicNameHint says what a valid topic name looks like.
const topicNameHint = `a topic name is 1 to 249 characters from [a-zA-Z0-9._-], and not "." or ".."`

// ValidTopicName reports whether Kafka accepts name as a topic name. When it
// does not, msg says why, e.g. `topic name "a b" contains ' '`.
func ValidTopicName(name string) (msg string, ok bool) {
	switch name {
	case "":
		return "topic name is empty", false
	case ".", "..":
		return fmt.Sprintf("topic name %q is not allowed", name), false
	}
	for _, r := range name {
		if !topicNameChar(r) {
			return fmt.Sprintf("topic name %q contains %q", name, r), false
		}
	}
	if len(name) > MaxTopicNameLen {
		return fmt.Sprintf("topic name is %d characters long, more than %d", len(name), MaxTopicNameLen), false
	}
	return "", true
}

func topicNameChar(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '.' || r == '_' || r == '-'
}

// CollisionKey returns the name Kafka uses to tell whether two topic names
// collide: the name with every '.' replaced by '_'. Kafka's metrics cannot
// tell "shop.orders" from "shop_orders", so it refuses to hold both.
func CollisionKey(name string) string {
	return strings.ReplaceAll(name, ".", "_")
}

// connectTopics are the storage topics of Kafka Connect, as its examples
// name them.
var connectTopics = []string{"connect-offsets", "connect-configs", "connect-status"}

// Reserved reports whether name belongs to Kafka itself or to a well-known
// tool, so that kgitops never creates, changes, exports or deletes it; why
// says whose it is. The rules, all case-sensitive, are:
//
//   - __kgitops_inventory: kgitops' own inventory topic;
//   - a name starting with "__": Kafka internal (__consumer_offsets,
//     __transaction_state, __share_group_state, __remote_log_metadata, and
//     MirrorMaker 2's __-prefixed topics);
//   - a name starting with ".": hidden by convention (MirrorMaker 2);
//   - _schemas: Schema Registry;
//   - a name starting with "_confluent-": Confluent Platform (also ksqlDB);
//   - connect-offsets, connect-configs and connect-status, alone or after
//     a "-"-separated prefix (mm2-connect-offsets, docker-connect-status):
//     Kafka Connect storage. Other Connect storage names are not detected;
//   - heartbeats, alone or after a "."-separated prefix (us-east.heartbeats,
//     as MirrorMaker 2 replicates it): MirrorMaker 2;
//   - a name ending in ".internal": MirrorMaker 2 (checkpoints, offset syncs);
//   - a name ending in "-changelog" or "-repartition": Kafka Streams.
func Reserved(name string) (why string, ok bool) {
	switch {
	case name == InventoryTopic:
		return "kgitops' own inventory topic", true
	case strings.HasPrefix(name, "__"):
		return "Kafka internal topic", true
	case strings.HasPrefix(name, "."):
		return "hidden topic (a leading '.' marks internal topics, e.g. of MirrorMaker 2)", true
	case name == "_schemas":
		return "Schema Registry storage topic", true
	case strings.HasPrefix(name, "_confluent-"):
		return "Confluent Platform internal topic", true
	case name == "heartbeats" || strings.HasSuffix(name, ".heartbeats"):
		return "MirrorMaker 2 heartbeats topic", true
	case strings.HasSuffix(name, ".internal"):
		return "MirrorMaker 2 internal topic", true
	case strings.HasSuffix(name, "-changelog") || strings.HasSuffix(name, "-repartition"):
		return "Kafka Streams internal topic", true
	}
	for _, c := range connectTopics {
		if name == c || strings.HasSuffix(name, "-"+c) {
			return "Kafka Connect storage topic", true
		}
	}
	return "", false
}
