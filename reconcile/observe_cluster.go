package reconcile

import (
	"context"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/logdirs"

	"github.com/kgitops/kgitops/spec"
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
	// Leaders counts the partitions each live broker is the preferred
	// leader (first replica) of.
	Leaders map[int32]int
	// Moving holds the reassignments in progress, by topic and partition;
	// nil when they could not be read (MovingErr says why).
	Moving    map[string]map[int32]Moving
	MovingErr error `json:"-"`
	// Sizes holds the size in bytes of each replica of the partitions of
	// the topics a plan may move (mayMove), by topic, partition and
	// broker; nil when the brokers did not say.
	Sizes map[string]map[int32]map[int32]int64
	// DisksUnread says why a live broker's log dirs could not be read
	// (a broker that hangs, a request it refused), by broker: the disk
	// check leaves it out, and says so.
	DisksUnread map[int32]string `json:"-"`
	// Throttles holds each live broker's replication throttle rates that
	// are set (leader.replication.throttled.rate and
	// follower.replication.throttled.rate), by broker and key.
	Throttles map[int32]map[string]string
}

// brokerKeys are the broker settings the checks read.
var brokerKeys = []string{"auto.create.topics.enable", "log.retention.bytes", "log.retention.ms", "min.insync.replicas"}

// observeCluster reads what ClusterInfo holds, in one round of requests
// sent at once (the metadata is read already): DescribeLogDirs to every
// broker, for sizes only, and DescribeConfigs of one broker.
func observeCluster(ctx context.Context, cl *kgo.Client, md *kmsg.MetadataResponse, desired *spec.State, allSizes bool) *ClusterInfo {
	info := &ClusterInfo{Racks: map[int32]string{}, Replicas: map[int32]int{}, Leaders: map[int32]int{}}
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
			if len(p.Replicas) > 0 {
				if _, live := info.Leaders[p.Replicas[0]]; live {
					info.Leaders[p.Replicas[0]]++
				}
			}
		}
	}
	if len(md.Brokers) == 0 {
		return info
	}
	adm := kadm.NewClient(cl)
	info.Moving, info.MovingErr = readReassignments(ctx, cl)
	if desired == nil {
		desired = &spec.State{}
	}
	brokerIDs := make([]int32, 0, len(md.Brokers))
	for _, b := range md.Brokers {
		brokerIDs = append(brokerIDs, b.NodeID)
	}
	type readDirs struct {
		all    kadm.DescribedAllLogDirs
		unread map[int32]string
	}
	dirs := make(chan readDirs, 1)
	go func() {
		// The topics that may move: their replicas' sizes too; none: the
		// dirs' sizes only.
		var set kadm.TopicsSet
		if !allSizes {
			set = mayMove(desired, md, info.Moving)
		}
		all, unread := describeLogDirs(ctx, cl, brokerIDs, set, allSizes)
		dirs <- readDirs{all, unread}
	}()
	throttles := make(chan map[int32]map[string]string, 1)
	go func() { throttles <- readThrottles(ctx, adm, brokerIDs) }()
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
	info.Throttles = <-throttles
	read := <-dirs
	all := read.all
	info.DisksUnread = read.unread
	info.Sizes = replicaSizes(all)
	for broker, ds := range all {
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

// The broker-level replication throttle rates, which a reassignment sets
// while data moves.
const (
	leaderThrottleRate   = "leader.replication.throttled.rate"
	followerThrottleRate = "follower.replication.throttled.rate"
)

// readThrottles reads the throttle rates set on each broker itself, in
// one DescribeConfigs request per broker, sent at once; nil when they
// could not be read.
func readThrottles(ctx context.Context, adm *kadm.Client, brokers []int32) map[int32]map[string]string {
	rcs, err := adm.DescribeBrokerConfigs(ctx, brokers...)
	if err != nil {
		return nil
	}
	out := map[int32]map[string]string{}
	for _, rc := range rcs {
		if rc.Err != nil {
			return nil
		}
		id, err := strconv.ParseInt(rc.Name, 10, 32)
		if err != nil {
			continue
		}
		for _, c := range rc.Configs {
			if (c.Key == leaderThrottleRate || c.Key == followerThrottleRate) && c.Value != nil && c.Source == kmsg.ConfigSourceDynamicBrokerConfig {
				if out[int32(id)] == nil {
					out[int32(id)] = map[string]string{}
				}
				out[int32(id)][c.Key] = *c.Value
			}
		}
	}
	return out
}

// describeLogDirs reads every broker's log dirs, with the sizes of the
// partitions of the topics in set, or of every topic when all. kadm
// cannot ask for no topic at all: its empty set is Kafka's null, which
// means every partition of every topic, a large answer on a large
// cluster; an empty non-null list means none.
func describeLogDirs(ctx context.Context, cl *kgo.Client, brokers []int32, set kadm.TopicsSet, all bool) (kadm.DescribedAllLogDirs, map[int32]string) {
	var topics []kmsg.DescribeLogDirsRequestTopic
	if !all {
		topics = []kmsg.DescribeLogDirsRequestTopic{}
		for t, ps := range set {
			rt := kmsg.NewDescribeLogDirsRequestTopic()
			rt.Topic = t
			for p := range ps {
				rt.Partitions = append(rt.Partitions, p)
			}
			topics = append(topics, rt)
		}
	}
	out := kadm.DescribedAllLogDirs{}
	var unread map[int32]string
	for _, a := range logdirs.Each(ctx, cl, brokers, topics) {
		if a.Err != nil {
			if unread == nil {
				unread = map[int32]string{}
			}
			unread[a.Broker] = a.Err.Error()
			continue
		}
		ds := kadm.DescribedLogDirs{}
		for _, d := range a.Resp.Dirs {
			dd := kadm.DescribedLogDir{Broker: a.Broker, Dir: d.Dir, Topics: kadm.DescribedLogDirTopics{},
				TotalBytes: d.TotalBytes, UsableBytes: d.UsableBytes, Err: kafkaErr(d.ErrorCode, nil)}
			for _, t := range d.Topics {
				ps := map[int32]kadm.DescribedLogDirPartition{}
				for _, p := range t.Partitions {
					ps[p.Partition] = kadm.DescribedLogDirPartition{Broker: a.Broker, Dir: d.Dir, Topic: t.Topic, Partition: p.Partition, Size: p.Size}
				}
				dd.Topics[t.Topic] = ps
			}
			ds[d.Dir] = dd
		}
		out[a.Broker] = ds
	}
	return out, unread
}

// replicaSizes sums the partitions' sizes the log dirs report, by topic,
// partition and broker; nil when they report none.
func replicaSizes(dirs kadm.DescribedAllLogDirs) map[string]map[int32]map[int32]int64 {
	var sizes map[string]map[int32]map[int32]int64
	dirs.Each(func(d kadm.DescribedLogDir) {
		d.Topics.Each(func(p kadm.DescribedLogDirPartition) {
			if sizes == nil {
				sizes = map[string]map[int32]map[int32]int64{}
			}
			if sizes[p.Topic] == nil {
				sizes[p.Topic] = map[int32]map[int32]int64{}
			}
			if sizes[p.Topic][p.Partition] == nil {
				sizes[p.Topic][p.Partition] = map[int32]int64{}
			}
			sizes[p.Topic][p.Partition][d.Broker] += p.Size
		})
	})
	return sizes
}
