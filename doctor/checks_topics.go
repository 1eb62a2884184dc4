package doctor

import (
	"fmt"
	"slices"
	"strings"
)

// checkInternalTopics reports Kafka's internal topics with fewer than
// internalTopicMinRF replicas on a cluster that has that many brokers.
func checkInternalTopics(c *Cluster, _ Options) []Finding {
	if len(c.Brokers) < internalTopicMinRF {
		return nil
	}
	var out []Finding
	for _, t := range c.Topics {
		rf := t.ReplicationFactor()
		if !internalTopics[t.Name] || rf == 0 || rf >= internalTopicMinRF {
			continue
		}
		out = append(out, Finding{Check: "internal-topic-replication", Severity: Warn, Resource: "topic " + t.Name,
			Evidence: fmt.Sprintf("%s has replication factor %d on a cluster of %d brokers", t.Name, rf, len(c.Brokers)),
			Why:      internalWhy(t.Name, rf),
			Fix: fmt.Sprintf("reassign its %s onto %d brokers with kafka-reassign-partitions.sh (kgitops does not manage internal topics), and set %s=%d in server.properties for clusters created later",
				plural(len(t.Partitions), "partition"), internalTopicMinRF, internalRFKey(t.Name), internalTopicMinRF),
		})
	}
	return out
}

func internalWhy(name string, rf int) string {
	what := map[string]string{
		"__consumer_offsets":  "consumer groups' committed offsets",
		"__transaction_state": "transactions' state",
		"__share_group_state": "share groups' state",
	}[name]
	return fmt.Sprintf("it holds the %s: with %s, losing %s makes part of it unavailable and stops the groups or producers that use it", what, plural(rf, "replica"), plural(rf, "broker"))
}

func internalRFKey(name string) string {
	switch name {
	case "__transaction_state":
		return "transaction.state.log.replication.factor"
	case "__share_group_state":
		return "share.coordinator.state.topic.replication.factor"
	}
	return "offsets.topic.replication.factor"
}

// checkSingleReplica reports topics, other than Kafka's internal ones,
// with one replica: a warning when the cluster could hold more, else
// information.
func checkSingleReplica(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, t := range c.Topics {
		if isInternal(t) || t.ReplicationFactor() != 1 {
			continue
		}
		f := Finding{Check: "single-replica", Severity: Warn, Resource: "topic " + t.Name,
			Evidence: fmt.Sprintf("topic %s has replication factor 1 (%s) on a cluster of %s", t.Name, plural(len(t.Partitions), "partition"), plural(len(c.Brokers), "broker")),
			Why:      "each partition lives on one broker: when it stops, the partition is unavailable, and when its disk is lost, so is the data",
			Fix: fmt.Sprintf("reassign the partitions onto %d brokers with kafka-reassign-partitions.sh (kgitops cannot change a replication factor yet), then set replicationFactor: %d in the topic's document",
				min(3, len(c.Brokers)), min(3, len(c.Brokers))),
		}
		if len(c.Brokers) < 2 {
			f.Severity = Info
			f.Why = "a single-broker cluster cannot replicate: this is expected for development, never for production"
			f.Fix = "nothing to do on a single broker; give production clusters at least 3 brokers and topics replicationFactor: 3"
		}
		out = append(out, f)
	}
	return out
}

// checkRetention reports topics whose data is kept forever: retention.ms
// -1 and retention.bytes -1, with the delete cleanup policy (compacted
// topics are bounded by their keys, not by retention). A tiered topic
// keeps only its local part on the brokers' disks, so it is information.
func checkRetention(c *Cluster, _ Options) []Finding {
	var out []Finding
	for _, t := range c.Topics {
		if isInternal(t) || t.Configs == nil {
			continue
		}
		ms, okMs := configInt(t.Configs, keyRetentionMs)
		bytes, okBytes := configInt(t.Configs, keyRetentionBytes)
		if !okMs || ms != -1 || (okBytes && bytes != -1) {
			continue
		}
		policy, _ := configValue(t.Configs, keyCleanupPolicy)
		if !deletes(policy) {
			continue
		}
		f := Finding{Check: "unbounded-retention", Severity: Warn, Resource: "topic " + t.Name,
			Evidence: fmt.Sprintf("topic %s has retention.ms=-1 and retention.bytes=-1 with cleanup.policy=%s", t.Name, orDefault(policy, "delete")),
			Why:      "nothing is ever deleted: the topic grows until the disks are full, and then every partition on those brokers stops",
			Fix:      "bound it by time or size (retention.ms or retention.bytes, which is per partition), or compact it if only the latest value per key matters",
			YAML:     topicYAML(t, keyRetentionMs, "604800000"),
		}
		if v, _ := configValue(t.Configs, keyRemoteStorage); isTrue(v) {
			f.Severity = Info
			f.Why = "the topic is tiered: the brokers' disks hold only its local part (local.retention.*), but remote storage grows forever"
			f.Fix = "make sure keeping everything is intended, and that remote storage is sized and paid for"
			f.YAML = ""
		}
		out = append(out, f)
	}
	return out
}

// deletes says whether a cleanup.policy ("" for the default) deletes old
// segments.
func deletes(policy string) bool {
	if strings.TrimSpace(policy) == "" {
		return true
	}
	return slices.ContainsFunc(strings.Split(policy, ","), func(p string) bool { return strings.TrimSpace(p) == "delete" })
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
