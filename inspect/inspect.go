// Package inspect reads what a cluster is doing with its topics and consumer
// groups, for kgitops' read-only commands describe, lag and offsets: a
// topic's partitions with their leaders, replicas, in-sync replicas and log
// offsets; a group's members, assignments and committed offsets; the lag
// between them; and the offsets a reset would commit.
//
// As in package explain, the I/O is in observe.go (and the commit of a
// reset in offsets_commit.go); everything else builds plain values from
// what was read and is pure. The round trips of an observation do not grow
// with the number of topics, partitions or groups: each phase is one
// request, which franz-go shards per broker.
//
// It deliberately changes nothing in the cluster but the committed offsets
// of a group that has no active member, and only when asked to execute a
// reset. It neither produces nor consumes records.
package inspect

import (
	"maps"
	"slices"
)

// Group types, as ListGroups names them.
const (
	TypeClassic  = "classic"  // the classic protocol: JoinGroup and SyncGroup
	TypeConsumer = "consumer" // KIP-848: the broker assigns partitions
)

// Group is one consumer group as the cluster has it.
type Group struct {
	Name  string `json:"group"`
	Type  string `json:"type"` // TypeClassic or TypeConsumer
	State string `json:"state"`
	// ProtocolType is "consumer" for consumers, "connect" for Kafka Connect;
	// empty for a KIP-848 group, which has only consumers.
	ProtocolType string `json:"protocolType,omitempty"`
	// Protocol is the assignor: the client's for a classic group, the
	// broker's for a KIP-848 group.
	Protocol    string   `json:"protocol,omitempty"`
	Coordinator int32    `json:"coordinator"`
	Members     []Member `json:"members"`
	// Committed holds the committed offsets, by topic and partition.
	Committed map[string]map[int32]int64 `json:"-"`
}

// Member is one member of a group.
type Member struct {
	ID         string `json:"memberId"`
	InstanceID string `json:"instanceId,omitempty"`
	ClientID   string `json:"clientId"`
	Host       string `json:"host"`
	// Assigned holds the partitions assigned to the member, sorted, by topic.
	Assigned map[string][]int32 `json:"assigned"`
}

// ClientIDs lists the client ids of the group's members, sorted, each once.
func (g Group) ClientIDs() []string {
	var out []string
	for _, m := range g.Members {
		if !slices.Contains(out, m.ClientID) {
			out = append(out, m.ClientID)
		}
	}
	slices.Sort(out)
	return out
}

// Topics lists the topics the group has committed offsets for or members
// assigned to, sorted.
func (g Group) Topics() []string {
	set := map[string]bool{}
	for t := range g.Committed {
		set[t] = true
	}
	for _, m := range g.Members {
		for t := range m.Assigned {
			set[t] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Bound is a partition's log start and end offsets; -1 when unknown.
type Bound struct {
	Start int64 `json:"logStartOffset"`
	End   int64 `json:"logEndOffset"`
}

// Bounds holds the log start and end offsets by topic and partition.
type Bounds map[string]map[int32]Bound

// Of is the bound of a partition, or {-1, -1} when it was not read.
func (b Bounds) Of(topic string, p int32) Bound {
	if bd, ok := b[topic][p]; ok {
		return bd
	}
	return Bound{Start: -1, End: -1}
}
