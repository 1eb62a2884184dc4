package doctor

import (
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Cluster is what Observe read from a live cluster: everything the checks
// look at, and nothing else. Tests build it by hand.
type Cluster struct {
	// ID is the cluster id, when DescribeCluster answered.
	ID string
	// ObservedAt is when the cluster was read; checks use it, and the
	// controllers' own clock where they can, instead of the local clock.
	ObservedAt time.Time
	// Brokers are the registered brokers, fenced ones included, sorted by
	// ID.
	Brokers []Broker
	// Topics are every topic the client may describe, internal ones
	// included, sorted by name.
	Topics []Topic
	// LogDirs are the log directories the brokers reported, sorted by
	// broker and path.
	LogDirs []LogDir
	// Quorum is the KRaft quorum, or nil when it could not be described
	// (then Unread says why).
	Quorum *Quorum
	// Unread lists what could not be read; the checks that need it are
	// skipped, and a finding says so.
	Unread []Unread
}

// Broker is one registered broker.
type Broker struct {
	ID   int32
	Rack string
	// Fenced is true for a broker the controller registered but fenced:
	// it is down or cannot reach the controllers (DescribeCluster v2).
	Fenced bool
	// Configs holds the broker's effective value of each config key the
	// checks read, with where the value comes from. A key the broker
	// did not report is absent.
	Configs map[string]Config
}

// Config is one effective config value.
type Config struct {
	// Value is nil when the broker hides it (a sensitive key, or one
	// Kafka does not define, such as an authorizer's own setting).
	Value  *string
	Source kmsg.ConfigSource
}

// Topic is one topic.
type Topic struct {
	Name       string
	Internal   bool // Metadata's IsInternal, or one of Kafka's internal topic names
	Partitions []Partition
	// Configs holds the topic's effective value of each key the checks
	// read; nil when its configs could not be read.
	Configs map[string]Config
}

// ReplicationFactor is the number of replicas of the topic's first
// partition (0 for a topic without partitions).
func (t Topic) ReplicationFactor() int {
	if len(t.Partitions) == 0 {
		return 0
	}
	return len(t.Partitions[0].Replicas)
}

// Partition is one partition, as Metadata reports it.
type Partition struct {
	ID       int32
	Leader   int32 // -1: no leader
	Replicas []int32
	ISR      []int32
}

// LogDir is one log directory of one broker.
type LogDir struct {
	Broker int32
	Path   string
	// Err is the broker's error for this directory ("" when it is
	// healthy), such as KAFKA_STORAGE_ERROR for an offline disk.
	Err string
	// TotalBytes and UsableBytes are the volume's size and free space;
	// -1 when the broker does not report them (before DescribeLogDirs
	// v4, Kafka 3.3).
	TotalBytes, UsableBytes int64
}

// Quorum is the KRaft quorum of the metadata log (DescribeQuorum).
type Quorum struct {
	LeaderID      int32 // -1: no leader, an election is under way
	LeaderEpoch   int32
	HighWatermark int64
	Voters        []QuorumReplica
	Observers     []QuorumReplica
}

// QuorumReplica is one voter or observer of the quorum, as the leader
// sees it. Timestamps are milliseconds on the leader's clock, -1 when
// unknown.
type QuorumReplica struct {
	ID                    int32
	LogEndOffset          int64
	LastFetchTimestamp    int64
	LastCaughtUpTimestamp int64
}

// Unread is a part of the cluster Observe could not read.
type Unread struct {
	// What names the part: "controllers (DescribeQuorum)", "configs of
	// broker 2", ...
	What string
	// Err is the reason, safe to print.
	Err string
	// Unsupported is true when the cluster does not implement the
	// request (an older Kafka, or a test double), rather than failing it.
	Unsupported bool
}

// Config keys the checks read.
const (
	keyUncleanLeaderElection = "unclean.leader.election.enable"
	keyMinInsyncReplicas     = "min.insync.replicas"
	keyAutoCreateTopics      = "auto.create.topics.enable"
	keyAllowEveryone         = "allow.everyone.if.no.acl.found"
	keyAuthorizer            = "authorizer.class.name"
	keyRetentionMs           = "retention.ms"
	keyRetentionBytes        = "retention.bytes"
	keyCleanupPolicy         = "cleanup.policy"
	keyRemoteStorage         = "remote.storage.enable"
)

// brokerKeys and topicKeys are the config keys Observe asks for.
var (
	brokerKeys = []string{keyUncleanLeaderElection, keyMinInsyncReplicas, keyAutoCreateTopics, keyAllowEveryone, keyAuthorizer}
	topicKeys  = []string{keyMinInsyncReplicas, keyRetentionMs, keyRetentionBytes, keyCleanupPolicy, keyRemoteStorage, keyUncleanLeaderElection}
)

// internalTopics are Kafka's own topics (KAFKA-FACTS: Topic.java).
var internalTopics = map[string]bool{
	"__consumer_offsets":  true,
	"__transaction_state": true,
	"__share_group_state": true,
}
