package doctor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckInternalTopics(t *testing.T) {
	internal := func(name string, rf int) Topic {
		return Topic{Name: name, Internal: true, Partitions: spread(50, rf, 3)}
	}
	runCases(t, []string{"internal-topic-replication"}, []checkCase{
		{name: "RF 3", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{internal("__consumer_offsets", 3), internal("__transaction_state", 3)}}},
		{name: "RF 1 on three brokers", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{internal("__consumer_offsets", 1), internal("__transaction_state", 2)}},
			want:     []string{"warn internal-topic-replication topic __consumer_offsets", "warn internal-topic-replication topic __transaction_state"},
			evidence: "__consumer_offsets has replication factor 1 on a cluster of 3 brokers"},
		{name: "RF 1 on two brokers is all they can do", cluster: Cluster{Brokers: brokers(2), Topics: []Topic{internal("__consumer_offsets", 1)}}},
		{name: "other internal-looking topics are not Kafka's", cluster: Cluster{Brokers: brokers(3), Topics: []Topic{internal("__kgitops_inventory", 1)}}},
	})
}

func TestInternalTopicFixNamesItsBrokerKey(t *testing.T) {
	c := &Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "__transaction_state", Internal: true, Partitions: spread(50, 1, 3)}}}
	fs := only(Check(c, Options{}), "internal-topic-replication")
	want := "reassign its 50 partitions onto 3 brokers with kafka-reassign-partitions.sh (kgitops does not manage internal topics), and set transaction.state.log.replication.factor=3 in server.properties for clusters created later"
	if len(fs) != 1 || fs[0].Fix != want {
		t.Fatalf("got %+v", fs)
	}
}

func TestCheckSingleReplica(t *testing.T) {
	rf1 := []Topic{
		{Name: "orders", Partitions: spread(3, 1, 3)},
		{Name: "__consumer_offsets", Internal: true, Partitions: spread(3, 1, 3)},
		{Name: "payments", Partitions: spread(3, 3, 3)},
	}
	runCases(t, []string{"single-replica"}, []checkCase{
		{name: "three brokers", cluster: Cluster{Brokers: brokers(3), Topics: rf1},
			want: []string{"warn single-replica topic orders"}, evidence: "topic orders has replication factor 1 (3 partitions) on a cluster of 3 brokers"},
		{name: "one broker", cluster: Cluster{Brokers: brokers(1), Topics: rf1[:1]},
			want: []string{"info single-replica topic orders"}},
	})
}

func TestCheckRetention(t *testing.T) {
	topic := func(name string, cfgs map[string]Config) []Topic {
		return []Topic{{Name: name, Partitions: spread(2, 1, 1), Configs: cfgs}}
	}
	forever := func(kv ...string) map[string]Config {
		return topicConfigs(append([]string{keyRetentionMs, "-1"}, kv...)...)
	}
	runCases(t, []string{"unbounded-retention"}, []checkCase{
		{name: "a week", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", topicConfigs())}},
		{name: "forever", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", forever())},
			want: []string{"warn unbounded-retention topic t"}, evidence: "topic t has retention.ms=-1 and retention.bytes=-1 with cleanup.policy=delete"},
		{name: "forever but bounded by size", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", forever(keyRetentionBytes, "1073741824"))}},
		{name: "compacted only", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", forever(keyCleanupPolicy, "compact"))}},
		{name: "compacted and deleted", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", forever(keyCleanupPolicy, "compact,delete"))},
			want: []string{"warn unbounded-retention topic t"}},
		{name: "tiered", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", forever(keyRemoteStorage, "true"))},
			want: []string{"info unbounded-retention topic t"}},
		{name: "retention.bytes not reported counts as Kafka's -1", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", func() map[string]Config {
			m := forever()
			delete(m, keyRetentionBytes)
			return m
		}())}, want: []string{"warn unbounded-retention topic t"}},
		{name: "configs unread", cluster: Cluster{Brokers: brokers(1), Topics: topic("t", nil)}},
		{name: "internal topics are Kafka's", cluster: Cluster{Brokers: brokers(1), Topics: topic("__consumer_offsets", forever())}},
	})
}

func TestRetentionFixIsATopicDocument(t *testing.T) {
	// A name YAML would read as a number is quoted.
	c := &Cluster{Brokers: brokers(3), Topics: []Topic{{Name: "2024", Partitions: spread(6, 3, 3), Configs: topicConfigs(keyRetentionMs, "-1")}}}
	fs := only(Check(c, Options{}), "unbounded-retention")
	want := "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: \"2024\"\nspec:\n  partitions: 6\n  replicationFactor: 3\n  configs:\n    retention.ms: 604800000\n"
	if len(fs) != 1 {
		t.Fatalf("got %v", brief(fs))
	}
	if d := cmp.Diff(want, fs[0].YAML); d != "" {
		t.Errorf("yaml (-want +got):\n%s", d)
	}
}

func TestYAMLScalar(t *testing.T) {
	for in, want := range map[string]string{
		"orders": "orders", "shop.orders-v2": "shop.orders-v2", "_schemas": "_schemas", "__consumer_offsets": "__consumer_offsets",
		"2024": `"2024"`, "1e3": `"1e3"`, "true": `"true"`, "No": `"No"`, "null": `"null"`, "-x": `"-x"`, ".hidden": `".hidden"`,
	} {
		if got := yamlScalar(in); got != want {
			t.Errorf("yamlScalar(%q) = %s, want %s", in, got, want)
		}
	}
}
