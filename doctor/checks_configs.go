package doctor

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// configRule is one broker config value that is dangerous.
type configRule struct {
	check, key string
	severity   Severity
	// bad says whether a value is the dangerous one.
	bad func(v string) bool
	// safe is the value to set instead.
	safe string
	// minBrokers is the cluster size from which the rule applies.
	minBrokers int
	// needsAuthorizer makes the rule apply only to brokers with an
	// authorizer.class.name.
	needsAuthorizer bool
	// dynamic says whether the key can be set without a restart, as a
	// cluster-wide default (KAFKA-FACTS: DynamicBrokerConfig.scala).
	dynamic bool
	why     string
}

// uncleanWhy says why unclean leader election is dangerous, for brokers
// and topics alike.
const uncleanWhy = "when every in-sync replica is gone, an out-of-sync replica may become leader and the writes it missed are lost, silently, even those acknowledged with acks=all"

var configRules = []configRule{
	{check: "unclean-leader-election", key: keyUncleanLeaderElection, severity: Error, safe: "false", dynamic: true,
		bad: isTrue, why: uncleanWhy},
	{check: "min-insync-replicas", key: keyMinInsyncReplicas, severity: Warn, safe: "2", dynamic: true, minBrokers: 3,
		bad: func(v string) bool { n, err := strconv.Atoi(strings.TrimSpace(v)); return err == nil && n <= 1 },
		why: "with min.insync.replicas 1, acks=all is acknowledged by the leader alone: when it fails before a follower copied the write, the write is lost. Topics without their own min.insync.replicas use this default"},
	{check: "auto-create-topics", key: keyAutoCreateTopics, severity: Warn, safe: "false",
		bad: isTrue,
		why: "any client that asks for a topic's metadata creates it, with the broker's default partitions and replication factor: a typo in a topic name becomes a new topic, outside the repo"},
	{check: "allow-everyone-if-no-acl", key: keyAllowEveryone, severity: Error, safe: "false", needsAuthorizer: true,
		bad: isTrue,
		why: "every principal, anonymous ones included, may do anything to a resource that has no ACL at all, such as a new topic: the authorizer protects only what someone remembered to protect"},
}

func isTrue(v string) bool { return strings.EqualFold(strings.TrimSpace(v), "true") }

// checkBrokerConfigs reports the dangerous values of configRules, one
// finding per rule and per place the value comes from (a cluster-wide
// default, server.properties of some brokers, ...).
func checkBrokerConfigs(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, r := range configRules {
		if len(c.Brokers) < r.minBrokers {
			continue
		}
		// Brokers with the same value from the same source share a
		// finding; groups keep the order of their first broker.
		type group struct {
			value  string
			hidden bool
			source kmsg.ConfigSource
		}
		var order []group
		members := map[group][]int32{}
		for _, b := range c.Brokers {
			cfg, ok := b.Configs[r.key]
			if b.Fenced || !ok {
				continue
			}
			if r.needsAuthorizer {
				if a, _ := configValue(b.Configs, keyAuthorizer); strings.TrimSpace(a) == "" {
					continue
				}
			}
			g := group{hidden: cfg.Value == nil, source: cfg.Source}
			switch {
			case g.hidden && cfg.Source == kmsg.ConfigSourceDefaultConfig:
				continue // Kafka's default of these keys is safe
			case !g.hidden:
				if g.value = *cfg.Value; !r.bad(g.value) {
					continue
				}
			}
			if _, seen := members[g]; !seen {
				order = append(order, g)
			}
			members[g] = append(members[g], b.ID)
		}
		for _, g := range order {
			var v *string
			if !g.hidden {
				v = &g.value
			}
			out = append(out, configFinding(r, v, g.source, members[g]))
		}
	}
	return out
}

// configFinding is the finding for rule r's key having value (nil:
// hidden) from source on brokers.
func configFinding(r configRule, value *string, source kmsg.ConfigSource, brokers []int32) Finding {
	res := brokersNamed(brokers)
	if source == kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		res = "cluster-wide default"
	}
	if value == nil {
		return Finding{Check: r.check, Severity: Info, Resource: res,
			Evidence: fmt.Sprintf("%s is set (%s) on %s, but the brokers hide its value", r.key, sourceName(source), brokersNamed(brokers)),
			Why:      "Kafka reports the keys it does not define itself, such as an authorizer's settings, as sensitive, so the value cannot be checked; if it is not " + r.safe + ": " + r.why,
			Fix:      fmt.Sprintf("check that %s=%s in server.properties of %s", r.key, r.safe, brokersNamed(brokers)),
		}
	}
	f := Finding{Check: r.check, Severity: r.severity, Resource: res,
		Evidence: fmt.Sprintf("%s=%s on %s, from %s", r.key, *value, brokersNamed(brokers), sourceName(source)),
		Why:      r.why,
	}
	switch {
	case !r.dynamic:
		f.Fix = fmt.Sprintf("set %s=%s in server.properties of %s and restart them one at a time; it cannot be changed dynamically", r.key, r.safe, brokersNamed(brokers))
	case source == kmsg.ConfigSourceDynamicBrokerConfig:
		f.Fix = fmt.Sprintf("set %s to %s in each broker's BrokerConfig (or remove the per-broker value, so the cluster-wide default applies) and apply", r.key, r.safe)
		var docs []string
		for _, b := range brokers {
			docs = append(docs, brokerConfigYAML(&b, r.key, r.safe))
		}
		f.YAML = strings.Join(docs, "---\n")
	case source == kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		f.Fix = fmt.Sprintf("set %s to %s in the cluster-defaults BrokerConfig and apply", r.key, r.safe)
		f.YAML = brokerConfigYAML(nil, r.key, r.safe)
	default:
		f.Fix = fmt.Sprintf("set the cluster-wide default %s=%s, which wins over server.properties and Kafka's own default, and apply (and change server.properties, so a new broker starts safe)", r.key, r.safe)
		f.YAML = brokerConfigYAML(nil, r.key, r.safe)
	}
	return f
}

// sourceName says where a config value comes from, in words.
func sourceName(s kmsg.ConfigSource) string {
	switch s {
	case kmsg.ConfigSourceDynamicTopicConfig:
		return "the topic's own override"
	case kmsg.ConfigSourceDynamicBrokerConfig:
		return "a dynamic per-broker config"
	case kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return "the cluster-wide dynamic default"
	case kmsg.ConfigSourceStaticBrokerConfig:
		return "server.properties"
	case kmsg.ConfigSourceDefaultConfig:
		return "Kafka's built-in default"
	}
	return "source " + s.String()
}

// checkTopicUnclean reports topics whose own override enables unclean
// leader election; a value inherited from the brokers is
// checkBrokerConfigs' finding.
func checkTopicUnclean(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, t := range c.Topics {
		cfg, ok := t.Configs[keyUncleanLeaderElection]
		if !ok || cfg.Source != kmsg.ConfigSourceDynamicTopicConfig || cfg.Value == nil || !isTrue(*cfg.Value) {
			continue
		}
		out = append(out, Finding{Check: "unclean-leader-election", Severity: Error, Resource: "topic " + t.Name,
			Evidence: fmt.Sprintf("topic %s overrides %s=true", t.Name, keyUncleanLeaderElection),
			Why:      uncleanWhy,
			Fix:      "remove the override from the topic's configs, or set it to false, and apply",
			YAML:     topicYAML(t, keyUncleanLeaderElection, "false"),
		})
	}
	return out
}
