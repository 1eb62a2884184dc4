package reconcile

import (
	"context"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ClusterInfo is what the plan's checks against the live cluster need
// besides the topics: racks, replicas per broker, disk space and the
// broker settings that bound topics. Each part may be unknown (a broker
// that does not report it, or a principal not allowed to read it): the
// check that needs it is then skipped.
type ClusterInfo struct {
	// Racks holds each live broker's rack, "" for none.
	Racks map[int32]string
	// Replicas counts the partition replicas each live broker holds now.
	Replicas map[int32]int
	// TotalBytes and UsableBytes sum each broker's log dirs; a broker is
	// missing when it does not report them (-1: Kafka before 3.3).
	TotalBytes, UsableBytes map[int32]int64
	// Broker holds some of a live broker's effective settings, by key:
	// auto.create.topics.enable, log.retention.bytes, log.retention.ms.
	// nil when they could not be read.
	Broker map[string]string
}

// brokerKeys are the broker settings the checks read.
var brokerKeys = []string{"auto.create.topics.enable", "log.retention.bytes", "log.retention.ms"}

// observeCluster reads what ClusterInfo holds, in one round of requests
// sent at once (the metadata is read already): DescribeLogDirs to every
// broker, for sizes only, and DescribeConfigs of one broker.
func observeCluster(ctx context.Context, cl *kgo.Client, md *kmsg.MetadataResponse) *ClusterInfo {
	info := &ClusterInfo{Racks: map[int32]string{}, Replicas: map[int32]int{}}
	for _, b := range md.Brokers {
		rack := ""
		if b.Rack != nil {
			rack = *b.Rack
		}
		info.Racks[b.NodeID] = rack
		info.Replicas[b.NodeID] = 0
	}
	for _, t := range md.Topics {
		for _, p := range t.Partitions {
			for _, r := range p.Replicas {
				if _, live := info.Replicas[r]; live {
					info.Replicas[r]++
				}
			}
		}
	}
	if len(md.Brokers) == 0 {
		return info
	}
	adm := kadm.NewClient(cl)
	dirs := make(chan kadm.DescribedAllLogDirs, 1)
	go func() {
		all, _ := adm.DescribeAllLogDirs(ctx, kadm.TopicsSet{}) // an empty set: sizes, no partitions
		dirs <- all
	}()
	if rcs, err := adm.DescribeBrokerConfigs(ctx, md.Brokers[0].NodeID); err == nil && len(rcs) == 1 && rcs[0].Err == nil {
		info.Broker = map[string]string{}
		for _, c := range rcs[0].Configs {
			for _, k := range brokerKeys {
				if c.Key == k && c.Value != nil {
					info.Broker[k] = *c.Value
				}
			}
		}
	}
	for broker, ds := range <-dirs {
		var total, usable int64
		known := true
		for _, d := range ds {
			if d.Err != nil || d.TotalBytes < 0 || d.UsableBytes < 0 {
				known = false
				break
			}
			total += d.TotalBytes
			usable += d.UsableBytes
		}
		if !known || len(ds) == 0 {
			continue
		}
		if info.TotalBytes == nil {
			info.TotalBytes, info.UsableBytes = map[int32]int64{}, map[int32]int64{}
		}
		info.TotalBytes[broker], info.UsableBytes[broker] = total, usable
	}
	return info
}

// brokerBool reads a boolean broker setting: its value, and whether it
// was read.
func (c *ClusterInfo) brokerBool(key string) (bool, bool) {
	if c == nil || c.Broker == nil {
		return false, false
	}
	v, ok := c.Broker[key]
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(v)
	return b, err == nil
}
