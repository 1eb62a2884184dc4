package inspect

import (
	"slices"
)

// PartitionLag is how far a group is behind on one partition.
type PartitionLag struct {
	Partition int32 `json:"partition"`
	// Committed is the group's committed offset, -1 when it has none.
	Committed int64 `json:"committed"`
	// End is the partition's log end offset (high watermark), -1 when
	// unknown.
	End int64 `json:"end"`
	// Lag is End - Committed (0 when the commit is past the end); -1 when
	// unknown, and without a committed offset: where the group starts on
	// such a partition is its auto.offset.reset (latest, by default), so
	// there is no lag to tell, as kafka-consumer-groups shows "-".
	Lag int64 `json:"lag"`
	// Member is the client id of the member assigned the partition, if any.
	Member string `json:"member,omitempty"`
}

// TopicLag is a group's lag on one topic: the total, and by partition.
type TopicLag struct {
	Topic      string         `json:"topic"`
	Lag        int64          `json:"lag"` // the sum of the known partition lags
	Partitions []PartitionLag `json:"partitions"`
}

// GroupLag is a group's lag on every topic it consumes.
type GroupLag struct {
	Group   string     `json:"group"`
	State   string     `json:"state"`
	Members int        `json:"members"`
	Lag     int64      `json:"lag"`
	Topics  []TopicLag `json:"topics"`
}

// Lags computes a group's lag from its committed offsets and assignments
// and the partitions' log offsets. Its topics are those the group has
// committed offsets for or assigned to a member; each has every partition
// b holds, and any other committed or assigned, sorted.
func Lags(g Group, b Bounds) GroupLag {
	out := GroupLag{Group: g.Name, State: g.State, Members: len(g.Members), Topics: []TopicLag{}}
	owner := map[string]map[int32]string{}
	for _, m := range g.Members {
		for t, ps := range m.Assigned {
			if owner[t] == nil {
				owner[t] = map[int32]string{}
			}
			for _, p := range ps {
				owner[t][p] = m.ClientID
			}
		}
	}
	for _, t := range g.Topics() {
		var parts []int32
		for p := range g.Committed[t] {
			parts = append(parts, p)
		}
		for p := range owner[t] {
			if !slices.Contains(parts, p) {
				parts = append(parts, p)
			}
		}
		for p := range b[t] {
			if !slices.Contains(parts, p) {
				parts = append(parts, p)
			}
		}
		slices.Sort(parts)
		tl := TopicLag{Topic: t, Partitions: []PartitionLag{}}
		for _, p := range parts {
			bd := b.Of(t, p)
			pl := PartitionLag{Partition: p, Committed: -1, End: bd.End, Lag: -1, Member: owner[t][p]}
			if c, ok := g.Committed[t][p]; ok {
				pl.Committed = c
			}
			if pl.End >= 0 && pl.Committed >= 0 {
				pl.Lag = max(0, pl.End-pl.Committed)
			}
			if pl.Lag > 0 {
				tl.Lag += pl.Lag
			}
			tl.Partitions = append(tl.Partitions, pl)
		}
		out.Lag += tl.Lag
		out.Topics = append(out.Topics, tl)
	}
	return out
}

// MinLag keeps, of each group, the topics whose total lag is at least n,
// and the groups left with a topic. n <= 0 keeps everything.
func MinLag(lags []GroupLag, n int64) []GroupLag {
	if n <= 0 {
		return lags
	}
	out := []GroupLag{}
	for _, g := range lags {
		var topics []TopicLag
		var total int64
		for _, t := range g.Topics {
			if t.Lag >= n {
				topics = append(topics, t)
				total += t.Lag
			}
		}
		if len(topics) > 0 {
			g.Topics, g.Lag = topics, total
			out = append(out, g)
		}
	}
	return out
}

// TopicOf is the group's lag on topic, and whether the group reads it.
func (g GroupLag) TopicOf(topic string) (TopicLag, bool) {
	for _, t := range g.Topics {
		if t.Topic == topic {
			return t, true
		}
	}
	return TopicLag{}, false
}
