package doctor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/logdirs"
)

// Observe reads the cluster in two rounds: Metadata for every topic, then,
// side by side, DescribeCluster (fenced brokers), one DescribeConfigs for
// every live broker (kgo sends each broker its own part), one for every
// topic, DescribeLogDirs on every broker (sizes only, no partitions) and
// DescribeQuorum (which Kafka 3.7+ brokers forward to the controllers).
// Only the config keys the checks need are asked for.
//
// A failed Metadata request is an error. Any other part that fails is
// recorded in Cluster.Unread, and the checks that need it are skipped.
// When ctx ends first, Observe returns its error.
func Observe(ctx context.Context, cl *kgo.Client) (*Cluster, error) {
	c := &Cluster{ObservedAt: time.Now()}
	md, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("read metadata: %w", err)
	}
	brokers := map[int32]*Broker{}
	var live []int32
	for _, b := range md.Brokers {
		brokers[b.NodeID] = &Broker{ID: b.NodeID, Rack: deref(b.Rack)}
		live = append(live, b.NodeID)
	}
	for _, t := range md.Topics {
		if t.Topic == nil || len(t.Partitions) == 0 {
			continue // being created or deleted, or not ours to see
		}
		topic := Topic{Name: *t.Topic, Internal: t.IsInternal}
		for _, p := range t.Partitions {
			topic.Partitions = append(topic.Partitions, Partition{ID: p.Partition, Leader: p.Leader, Replicas: p.Replicas, ISR: p.ISR})
		}
		slices.SortFunc(topic.Partitions, func(a, b Partition) int { return cmp.Compare(a.ID, b.ID) })
		c.Topics = append(c.Topics, topic)
	}
	slices.SortFunc(c.Topics, func(a, b Topic) int { return cmp.Compare(a.Name, b.Name) })
	slices.Sort(live)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		unread   []Unread
		cluster  *kmsg.DescribeClusterResponse
		bconfigs map[string]map[string]Config
		tconfigs map[string]map[string]Config
	)
	note := func(u ...Unread) {
		mu.Lock()
		defer mu.Unlock()
		unread = append(unread, u...)
	}
	wg.Go(func() {
		var err error
		if cluster, err = describeCluster(ctx, cl); err != nil {
			note(Unread{What: "fenced brokers (DescribeCluster)", Err: err.Error(), Unsupported: unsupported(err)})
		}
	})
	wg.Go(func() {
		var u []Unread
		bconfigs, u = describeConfigs(ctx, cl, kmsg.ConfigResourceTypeBroker, brokerNames(live), brokerKeys)
		note(u...)
	})
	wg.Go(func() {
		names := make([]string, len(c.Topics))
		for i, t := range c.Topics {
			names[i] = t.Name
		}
		var u []Unread
		tconfigs, u = describeConfigs(ctx, cl, kmsg.ConfigResourceTypeTopic, names, topicKeys)
		note(u...)
	})
	wg.Go(func() {
		var u []Unread
		c.LogDirs, u = describeLogDirs(ctx, cl, live)
		note(u...)
	})
	wg.Go(func() {
		var err error
		if c.Quorum, err = describeQuorum(ctx, cl); err != nil {
			note(Unread{What: "controllers (DescribeQuorum)", Err: err.Error(), Unsupported: unsupported(err)})
		}
	})
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read the cluster: %w", err)
	}

	if cluster != nil {
		c.ID = cluster.ClusterID
		for _, b := range cluster.Brokers {
			if _, ok := brokers[b.NodeID]; !ok {
				brokers[b.NodeID] = &Broker{ID: b.NodeID, Rack: deref(b.Rack)}
			}
			brokers[b.NodeID].Fenced = b.IsFenced
		}
	}
	for _, b := range brokers {
		b.Configs = bconfigs[strconv.Itoa(int(b.ID))]
		c.Brokers = append(c.Brokers, *b)
	}
	slices.SortFunc(c.Brokers, func(a, b Broker) int { return cmp.Compare(a.ID, b.ID) })
	for i := range c.Topics {
		c.Topics[i].Configs = tconfigs[c.Topics[i].Name]
	}
	slices.SortFunc(unread, func(a, b Unread) int { return naturalCompare(a.What, b.What) })
	c.Unread = unread
	return c, nil
}

// describeCluster lists the registered brokers, fenced ones included
// (DescribeCluster v2, Kafka 4.0+; older versions list only unfenced
// ones).
func describeCluster(ctx context.Context, cl *kgo.Client) (*kmsg.DescribeClusterResponse, error) {
	req := kmsg.NewPtrDescribeClusterRequest()
	req.IncludeFencedBrokers = true
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, withMessage(err, resp.ErrorMessage)
	}
	return resp, nil
}

// describeConfigs reads keys of every resource in one request, which kgo
// splits by broker where needed. It returns each resource's configs by
// name, and what could not be read. A topic deleted since Metadata is
// left out silently. Values the broker marks sensitive are never kept.
func describeConfigs(ctx context.Context, cl *kgo.Client, typ kmsg.ConfigResourceType, names, keys []string) (map[string]map[string]Config, []Unread) {
	out := map[string]map[string]Config{}
	if len(names) == 0 {
		return out, nil
	}
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, n := range names {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName, r.ConfigNames = typ, n, keys
		req.Resources = append(req.Resources, r)
	}
	kind := "broker"
	if typ == kmsg.ConfigResourceTypeTopic {
		kind = "topic"
	}
	failed := map[string][]string{} // error -> resource names
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			for _, r := range shard.Req.(*kmsg.DescribeConfigsRequest).Resources {
				failed[shard.Err.Error()] = append(failed[shard.Err.Error()], r.ResourceName)
			}
			continue
		}
		for _, r := range shard.Resp.(*kmsg.DescribeConfigsResponse).Resources {
			err := kerr.ErrorForCode(r.ErrorCode)
			switch {
			case errors.Is(err, kerr.UnknownTopicOrPartition) && typ == kmsg.ConfigResourceTypeTopic:
				continue
			case err != nil:
				msg := withMessage(err, r.ErrorMessage).Error()
				failed[msg] = append(failed[msg], r.ResourceName)
				continue
			}
			cfgs := map[string]Config{}
			for _, e := range r.Configs {
				v := e.Value
				if e.IsSensitive {
					v = nil
				}
				cfgs[e.Name] = Config{Value: v, Source: e.Source}
			}
			out[r.ResourceName] = cfgs
		}
	}
	var unread []Unread
	for msg, rs := range failed {
		slices.SortFunc(rs, naturalCompare)
		what := fmt.Sprintf("configs of %s %s", kind, rs[0])
		if len(rs) > 1 {
			what = fmt.Sprintf("configs of %d %ss (%s)", len(rs), kind, listNames(rs))
		}
		unread = append(unread, Unread{What: what, Err: msg})
	}
	return out, unread
}

// describeLogDirs asks every live broker for its log dirs' sizes, without
// their partitions (an empty, not null, topic list).
func describeLogDirs(ctx context.Context, cl *kgo.Client, brokers []int32) ([]LogDir, []Unread) {
	var dirs []LogDir
	var unread []Unread
	for _, a := range logdirs.Each(ctx, cl, brokers, []kmsg.DescribeLogDirsRequestTopic{}) {
		if a.Err != nil {
			unread = append(unread, Unread{What: fmt.Sprintf("log dirs of broker %d", a.Broker), Err: a.Err.Error(), Unsupported: unsupported(a.Err)})
			continue
		}
		for _, d := range a.Resp.Dirs {
			dir := LogDir{Broker: a.Broker, Path: d.Dir, TotalBytes: d.TotalBytes, UsableBytes: d.UsableBytes}
			if a.Resp.Version < 4 {
				dir.TotalBytes, dir.UsableBytes = -1, -1
			}
			if err := kerr.ErrorForCode(d.ErrorCode); err != nil {
				dir.Err = err.Error()
			}
			dirs = append(dirs, dir)
		}
	}
	slices.SortFunc(dirs, func(a, b LogDir) int { return cmp.Or(cmp.Compare(a.Broker, b.Broker), cmp.Compare(a.Path, b.Path)) })
	return dirs, unread
}

// describeQuorum describes the KRaft quorum of __cluster_metadata.
func describeQuorum(ctx context.Context, cl *kgo.Client) (*Quorum, error) {
	req := kmsg.NewPtrDescribeQuorumRequest()
	rt := kmsg.NewDescribeQuorumRequestTopic()
	rt.Topic = "__cluster_metadata"
	rt.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = []kmsg.DescribeQuorumRequestTopic{rt}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, withMessage(err, resp.ErrorMessage)
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return nil, fmt.Errorf("the answer holds %d topics, want __cluster_metadata's one partition", len(resp.Topics))
	}
	p := resp.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
		return nil, withMessage(err, p.ErrorMessage)
	}
	q := &Quorum{LeaderID: p.LeaderID, LeaderEpoch: p.LeaderEpoch, HighWatermark: p.HighWatermark}
	replica := func(r kmsg.DescribeQuorumResponseTopicPartitionReplicaState) QuorumReplica {
		return QuorumReplica{ID: r.ReplicaID, LogEndOffset: r.LogEndOffset,
			LastFetchTimestamp: r.LastFetchTimestamp, LastCaughtUpTimestamp: r.LastCaughtUpTimestamp}
	}
	for _, v := range p.CurrentVoters {
		q.Voters = append(q.Voters, replica(v))
	}
	for _, o := range p.Observers {
		q.Observers = append(q.Observers, replica(o))
	}
	byID := func(a, b QuorumReplica) int { return cmp.Compare(a.ID, b.ID) }
	slices.SortFunc(q.Voters, byID)
	slices.SortFunc(q.Observers, byID)
	return q, nil
}

// unsupported says whether err means the broker does not implement the
// request: kgo's "broker is too old" (which it does not export), or
// UNSUPPORTED_VERSION from the broker.
func unsupported(err error) bool {
	return errors.Is(err, kerr.UnsupportedVersion) || strings.Contains(err.Error(), "broker is too old")
}

// withMessage adds the broker's error message, if any, to err.
func withMessage(err error, msg *string) error {
	if msg == nil || *msg == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, *msg)
}

func brokerNames(ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(int(id))
	}
	return out
}

// listNames names up to shownMax names and counts the rest.
func listNames(names []string) string {
	if len(names) <= shownMax {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:shownMax], ", ") + fmt.Sprintf(" and %d more", len(names)-shownMax)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
