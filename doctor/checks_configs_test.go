package doctor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const (
	srcTopic   = kmsg.ConfigSourceDynamicTopicConfig
	srcBroker  = kmsg.ConfigSourceDynamicBrokerConfig
	srcCluster = kmsg.ConfigSourceDynamicDefaultBrokerConfig
	srcStatic  = kmsg.ConfigSourceStaticBrokerConfig
	srcDefault = kmsg.ConfigSourceDefaultConfig
)

// withConfigs gives brokers 1..n the same configs (key, Config pairs).
func withConfigs(n int, kv ...any) []Broker {
	bs := brokers(n)
	for i := range bs {
		bs[i].Configs = map[string]Config{}
		for j := 0; j+1 < len(kv); j += 2 {
			bs[i].Configs[kv[j].(string)] = kv[j+1].(Config)
		}
	}
	return bs
}

func TestCheckBrokerConfigs(t *testing.T) {
	mixed := withConfigs(3, keyUncleanLeaderElection, val("false", srcDefault))
	mixed[1].Configs[keyUncleanLeaderElection] = val("true", srcBroker)
	mixed[2].Configs[keyUncleanLeaderElection] = val("true", srcStatic)
	fenced := withConfigs(2, keyUncleanLeaderElection, val("true", srcStatic))
	fenced[1].Fenced = true
	authorizer := val("org.apache.kafka.metadata.authorizer.StandardAuthorizer", srcStatic)

	runCases(t, []string{"unclean-leader-election", "min-insync-replicas", "auto-create-topics", "allow-everyone-if-no-acl"}, []checkCase{
		{name: "safe values", cluster: Cluster{Brokers: withConfigs(3,
			keyUncleanLeaderElection, val("false", srcDefault), keyMinInsyncReplicas, val("2", srcCluster),
			keyAutoCreateTopics, val("false", srcStatic), keyAllowEveryone, val("false", srcStatic), keyAuthorizer, authorizer)}},
		{name: "keys not reported", cluster: Cluster{Brokers: withConfigs(3)}},
		{name: "unclean from the cluster-wide default", cluster: Cluster{Brokers: withConfigs(3, keyUncleanLeaderElection, val("true", srcCluster))},
			want: []string{"error unclean-leader-election cluster-wide default"}, evidence: "unclean.leader.election.enable=true on brokers 1, 2, 3, from the cluster-wide dynamic default"},
		{name: "unclean per broker and static: one finding per source", cluster: Cluster{Brokers: mixed},
			want: []string{"error unclean-leader-election broker 2", "error unclean-leader-election broker 3"}},
		{name: "fenced brokers are not read", cluster: Cluster{Brokers: fenced},
			want: []string{"error unclean-leader-election broker 1"}},
		{name: "min ISR 1 on three brokers", cluster: Cluster{Brokers: withConfigs(3, keyMinInsyncReplicas, val("1", srcDefault))},
			want: []string{"warn min-insync-replicas brokers 1, 2, 3"}, evidence: "min.insync.replicas=1 on brokers 1, 2, 3, from Kafka's built-in default"},
		{name: "min ISR 1 on two brokers is fine", cluster: Cluster{Brokers: withConfigs(2, keyMinInsyncReplicas, val("1", srcDefault))}},
		{name: "auto-create on", cluster: Cluster{Brokers: withConfigs(1, keyAutoCreateTopics, val("true", srcDefault))},
			want: []string{"warn auto-create-topics broker 1"}},
		{name: "allow everyone without an authorizer does nothing", cluster: Cluster{Brokers: withConfigs(1, keyAllowEveryone, val("true", srcStatic))}},
		{name: "allow everyone with an authorizer", cluster: Cluster{Brokers: withConfigs(1, keyAllowEveryone, val("true", srcStatic), keyAuthorizer, authorizer)},
			want: []string{"error allow-everyone-if-no-acl broker 1"}},
		{name: "allow everyone hidden, as real Kafka reports it", cluster: Cluster{Brokers: withConfigs(1, keyAllowEveryone, hidden(srcStatic), keyAuthorizer, authorizer)},
			want: []string{"info allow-everyone-if-no-acl broker 1"}, evidence: "allow.everyone.if.no.acl.found is set (server.properties) on broker 1, but the brokers hide its value"},
	})
}

func TestBrokerConfigFixes(t *testing.T) {
	tests := []struct {
		name    string
		brokers []Broker
		fix     string
		yaml    string
	}{
		{name: "cluster-wide default", brokers: withConfigs(3, keyUncleanLeaderElection, val("true", srcCluster)),
			fix: "set unclean.leader.election.enable to false in the cluster-defaults BrokerConfig and apply",
			yaml: "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: cluster-defaults}\nspec:\n  broker: default\n  configs:\n" +
				"    unclean.leader.election.enable: false\n"},
		{name: "per broker", brokers: withConfigs(2, keyUncleanLeaderElection, val("true", srcBroker)),
			fix: "set unclean.leader.election.enable to false in each broker's BrokerConfig (or remove the per-broker value, so the cluster-wide default applies) and apply",
			yaml: "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: broker-1}\nspec:\n  broker: 1\n  configs:\n    unclean.leader.election.enable: false\n" +
				"---\napiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: broker-2}\nspec:\n  broker: 2\n  configs:\n    unclean.leader.election.enable: false\n"},
		{name: "Kafka's default, dynamic key", brokers: withConfigs(3, keyMinInsyncReplicas, val("1", srcDefault)),
			fix:  "set the cluster-wide default min.insync.replicas=2, which wins over server.properties and Kafka's own default, and apply (and change server.properties, so a new broker starts safe)",
			yaml: "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: cluster-defaults}\nspec:\n  broker: default\n  configs:\n    min.insync.replicas: 2\n"},
		{name: "not dynamic: no YAML", brokers: withConfigs(2, keyAutoCreateTopics, val("true", srcStatic)),
			fix: "set auto.create.topics.enable=false in server.properties of brokers 1, 2 and restart them one at a time; it cannot be changed dynamically"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Check(&Cluster{Brokers: tt.brokers}, Options{})
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %v", brief(fs))
			}
			if d := cmp.Diff(tt.fix, fs[0].Fix); d != "" {
				t.Errorf("fix (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.yaml, fs[0].YAML); d != "" {
				t.Errorf("yaml (-want +got):\n%s", d)
			}
		})
	}
}

func TestCheckTopicUnclean(t *testing.T) {
	inherited := topicConfigs()
	inherited[keyUncleanLeaderElection] = val("true", srcCluster)
	runCases(t, []string{"unclean-leader-election"}, []checkCase{
		{name: "override", cluster: Cluster{Brokers: brokers(1), Topics: []Topic{{Name: "orders", Partitions: spread(1, 1, 1),
			Configs: topicConfigs(keyUncleanLeaderElection, "true")}}},
			want: []string{"error unclean-leader-election topic orders"}},
		{name: "inherited from the brokers is the brokers' finding", cluster: Cluster{Brokers: brokers(1), Topics: []Topic{{Name: "orders",
			Partitions: spread(1, 1, 1), Configs: inherited}}}},
	})
}
