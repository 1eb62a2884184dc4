package reconcile

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/spec"
)

// Live is what kgitops knows of the cluster at one moment.
type Live struct {
	// Brokers counts the live brokers, those the cluster's metadata lists.
	Brokers int
	// RegisteredBrokers counts the brokers registered with the cluster,
	// live or down; DownBrokers lists the registered ones that are down
	// (fenced), sorted. Checks of replication factors use these, so that a
	// broker being down makes a change wait instead of being refused.
	RegisteredBrokers int
	DownBrokers       []int32
	// Topics holds every topic the cluster reports, internal ones included;
	// Diff decides what to leave alone.
	Topics map[string]LiveTopic
	// Inventory is what this tool recorded as created, for the inventory
	// name in use.
	Inventory Inventory

	// The access-control state, read only when asked for (ObserveOptions):
	// nil means not read.
	ACLs   map[spec.ACLEntry]bool
	Quotas map[string]LiveQuota         // by spec.QuotaEntity.String()
	Users  map[string][]ScramCredential // by user name

	// Cluster is what the plan's checks against the cluster need; nil in
	// a Live not read from a cluster (LiveFrom), whose checks are skipped.
	Cluster *ClusterInfo

	// Parts holds the live state of kinds that keep it in no field above,
	// by kind name; each kind reads only its own.
	Parts map[string]any

	metadata *kmsg.MetadataResponse // while observing
	desired  *spec.State            // while observing: what the repo declares
	// offlineUsers are the users of the base revision, in a Live made by
	// LiveFrom: where their passwords come from stands in for the
	// passwords, which an offline diff cannot read.
	offlineUsers map[string]spec.User
}

// LiveQuota is the client quotas set for one entity.
type LiveQuota struct {
	Entity spec.QuotaEntity
	Values map[string]float64
}

// ScramCredential is one SCRAM credential of a user. Kafka never returns
// the secret, only how it was made.
type ScramCredential struct {
	Mechanism  string // "SCRAM-SHA-256" or "SCRAM-SHA-512"
	Iterations int32
}

// LiveTopic is one topic as the cluster reports it.
type LiveTopic struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16
	Internal          bool // the broker says so (e.g. __consumer_offsets)
	// ID is the topic's id (KRaft's UUID), as hex; "" when the broker
	// does not say.
	ID string
	// Configs holds only the overrides set on the topic itself (source
	// DYNAMIC_TOPIC_CONFIG). Broker and cluster defaults never appear.
	Configs map[string]string
	// Assignment holds each partition's replicas as the metadata lists
	// them, by partition id: during a reassignment, the target replicas
	// and those being removed.
	Assignment []LivePartition
}

// LivePartition is one partition's replicas, in-sync replicas and
// leader (-1: offline).
type LivePartition struct {
	ID       int32
	Replicas []int32
	ISR      []int32
	Leader   int32
}

// ObserveOptions says what to read besides the topics.
type ObserveOptions struct {
	Inventory InventoryRef
	// The access-control state (ACLs, quotas, SCRAM users) costs one
	// request per part, and a permission kgitops may lack (DESCRIBE, or
	// ALTER for SCRAM users, on the cluster). So a part is read only when
	// Desired declares it or the inventory says kgitops created some of
	// it, or when AllAccess is set (export).
	Desired   *spec.State
	AllAccess bool
	// Backends are the backends other than Kafka that kinds need, by
	// name (see Backends).
	Backends map[string]any
	// AllSizes reads the size of every partition (a rebalance), not only
	// those of the topics the plan may move.
	AllSizes bool
	// ReadEarly reads the inventory through a connection of its own, and
	// starts the kinds the repo declares that need nothing of the first
	// wave (kind.standalone) and the password comparisons beside it: a
	// broker answers a connection's requests one at a time, and the first
	// wave's DescribeConfigs of every topic holds the client's connection
	// for most of it. A plan is faster (on one real broker with 10,000
	// topics, 1.62-1.80 s before, 1.42-1.51 s after), for more memory at
	// the peak, where the answers are decoded together. plan and apply set
	// it; the daemon, whose memory counts for longer than a pass's time,
	// does not (its peak rose from 91 to 107 MB, and its pass did not get
	// faster).
	ReadEarly bool
	// Passwords are the declared users' passwords (DiffOptions.Passwords).
	// Comparing each with the hash the inventory recorded costs thousands
	// of PBKDF2 rounds, a plan's largest CPU cost: it is done while the
	// second wave is read (with ReadEarly, once the inventory is read), and
	// Diff finds the answers remembered.
	Passwords map[string]Secret
}

// Observe reads the live cluster. Its round trips do not grow with the
// number of resources: one Metadata request for all topics, one batched
// DescribeConfigs for all of them, the inventory read, and one request each
// for ACLs, quotas and SCRAM users when asked for. They are sent at once,
// not one after the other, in two waves: after the metadata, the topics'
// configs, the brokers' registrations and the inventory, none of which
// depends on the repo; then the cluster's checks and every other kind the
// repo or the inventory asks for. A read that fails fails Observe with the
// error of the first read in that order, whichever failed first in time.
func Observe(ctx context.Context, cl *kgo.Client, opts ObserveOptions) (*Live, error) {
	return BeginObserve(ctx, cl, opts).Finish(opts.Desired, opts.Backends, opts.Passwords)
}

// Observation is an Observe begun before the desired state is known: its
// first wave runs while the caller loads the repo, and Finish runs the
// rest. ctx bounds both.
type Observation struct {
	ctx  context.Context
	cl   *kgo.Client
	opts ObserveOptions
	done chan struct{}
	live *Live
	err  error
	// invRead is closed once the inventory is read into live.Inventory
	// (which stays empty when the read failed), before the rest of the
	// first wave ends.
	invRead chan struct{}
}

// BeginObserve starts Observe's first wave; opts.Desired and opts.Backends
// are not used (Finish takes them).
func BeginObserve(ctx context.Context, cl *kgo.Client, opts ObserveOptions) *Observation {
	o := &Observation{ctx: ctx, cl: cl, opts: opts, done: make(chan struct{}), invRead: make(chan struct{}), live: &Live{}}
	go func() {
		defer close(o.done)
		o.err = o.first()
	}()
	return o
}

// first reads the first wave into o.live. The kinds that start early write
// their own fields of it meanwhile, never these.
func (o *Observation) first() error {
	ctx, cl, live := o.ctx, o.cl, o.live
	md, err := readMetadata(ctx, cl)
	if err != nil {
		return err
	}
	live.Brokers, live.metadata = len(md.Brokers), md
	var wave concurrently
	wave.do(func() error {
		live.RegisteredBrokers, live.DownBrokers = registeredBrokers(ctx, cl, md)
		return nil
	})
	wave.do(func() (err error) {
		defer close(o.invRead)
		read := func(cl *kgo.Client) (Inventory, error) { return ReadInventory(ctx, cl, o.opts.Inventory) }
		if o.opts.ReadEarly {
			// A connection of its own: the DescribeConfigs of every topic
			// holds cl's for most of the wave (see ReadEarly).
			live.Inventory, err = apart(cl, read)
		} else {
			live.Inventory, err = read(cl)
		}
		return err
	})
	if k := kindOf(KindTopic); k != nil && k.observe != nil { // always read, whatever the repo or the inventory holds
		wave.do(func() error { return k.observe(ctx, Backends{Kafka: cl}, live, o.opts.AllAccess) })
	}
	if err := wave.wait(); err != nil {
		return err
	}
	live.Brokers = min(live.Brokers, live.RegisteredBrokers-len(live.DownBrokers))
	return nil
}

// Finish reads the rest for desired (nil: nothing declared), with
// backends, comparing passwords meanwhile (see ObserveOptions). With
// ReadEarly, the kinds that need nothing of the first wave and that the
// repo declares start at once, beside the first wave, and the password
// comparisons as soon as the inventory is read; the rest waits for the
// whole first wave. The error returned is the first wave's, else that of
// the first read in that order that failed.
func (o *Observation) Finish(desired *spec.State, backends map[string]any, passwords map[string]Secret) (*Live, error) {
	ctx, cl, live := o.ctx, o.cl, o.live
	if desired == nil {
		desired = &spec.State{}
	}
	live.desired = desired
	b := Backends{Kafka: cl, Other: backends}
	wanted := func(k *kind, inv Inventory) bool {
		return k.name != KindTopic && k.observe != nil && (o.opts.AllAccess || k.wanted == nil || k.wanted(desired, inv))
	}
	var early, wave concurrently
	started := map[string]bool{}
	for _, k := range registered() {
		if o.opts.ReadEarly && k.standalone && wanted(k, Inventory{}) {
			started[k.name] = true
			early.do(func() error { return k.observe(ctx, b, live, o.opts.AllAccess) })
		}
	}
	// Diff compares every password with the inventory's hash; done here,
	// the comparisons run beside the reads, and Diff finds the answers.
	compare := func() { checkCredentials(userChecks(desired, live.Inventory, passwords, nil)) }
	if len(passwords) > 0 && o.opts.ReadEarly {
		early.do(func() error {
			select {
			case <-o.invRead:
				compare()
			case <-ctx.Done():
			}
			return nil
		})
	}
	select {
	case <-o.done:
	case <-ctx.Done():
		early.wait()
		return nil, ctx.Err()
	}
	if o.err != nil {
		early.wait()
		return nil, o.err
	}
	if !o.opts.AllAccess { // an export checks nothing
		wave.do(func() error {
			live.Cluster = observeCluster(ctx, cl, live.metadata, desired, o.opts.AllSizes)
			return nil
		})
	}
	for _, k := range registered() {
		if !started[k.name] && wanted(k, live.Inventory) {
			wave.do(func() error { return k.observe(ctx, b, live, o.opts.AllAccess) })
		}
	}
	if len(passwords) > 0 && !o.opts.ReadEarly {
		wave.do(func() error {
			compare()
			return nil
		})
	}
	errEarly, err := early.wait(), wave.wait()
	if err = cmp.Or(errEarly, err); err != nil {
		return nil, err
	}
	live.metadata, live.desired = nil, nil
	return live, nil
}

// concurrently runs reads at once and gives the error of the first one
// started that failed, so that the error Observe returns does not depend
// on timing. Each read writes its own part of Live; the kinds' Parts go
// through setPart.
type concurrently struct {
	wg   sync.WaitGroup
	errs []*error
}

func (c *concurrently) do(read func() error) {
	slot := new(error)
	c.errs = append(c.errs, slot)
	c.wg.Go(func() { *slot = read() })
}

func (c *concurrently) wait() error {
	c.wg.Wait()
	for _, err := range c.errs {
		if *err != nil {
			return *err
		}
	}
	return nil
}

// partsMu guards Live.Parts while kinds observe at once.
var partsMu sync.Mutex

// setPart sets kind's part of live.
func setPart(live *Live, kind string, v any) {
	partsMu.Lock()
	defer partsMu.Unlock()
	if live.Parts == nil {
		live.Parts = map[string]any{}
	}
	live.Parts[kind] = v
}

// observeTopics reads every topic from the metadata Observe read, and
// their overrides in one batched DescribeConfigs request.
func observeTopics(ctx context.Context, b Backends, live *Live, _ bool) error {
	md := live.metadata
	live.Topics = make(map[string]LiveTopic, len(md.Topics))
	names := make([]string, 0, len(md.Topics))
	for _, t := range md.Topics {
		if t.Topic == nil {
			continue
		}
		name := *t.Topic
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				continue // deleted between listing and describing
			}
			return fmt.Errorf("read metadata of topic %q: %w", name, err)
		}
		live.Topics[name] = LiveTopic{
			Name:              name,
			Partitions:        int32(len(t.Partitions)),
			ReplicationFactor: replicationFactor(t.Partitions),
			Internal:          t.IsInternal,
			ID:                topicID(t.TopicID),
			Configs:           map[string]string{},
			Assignment:        assignment(t.Partitions),
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return describeTopicOverrides(ctx, b.Kafka, live.Topics, names)
}

// assignment lists the partitions' replicas, sorted by partition id.
func assignment(ps []kmsg.MetadataResponseTopicPartition) []LivePartition {
	out := make([]LivePartition, 0, len(ps))
	for _, p := range ps {
		out = append(out, LivePartition{ID: p.Partition, Replicas: p.Replicas, ISR: p.ISR, Leader: p.Leader})
	}
	slices.SortFunc(out, func(a, b LivePartition) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// replicationFactor is the replica count of the topic's partitions; the
// largest wins so that a topic mid-reassignment never reads as smaller.
func replicationFactor(ps []kmsg.MetadataResponseTopicPartition) int16 {
	var rf int
	for _, p := range ps {
		rf = max(rf, len(p.Replicas))
	}
	return int16(rf)
}

// describeTopicOverrides fills each topic's Configs with its own overrides,
// in one DescribeConfigs request for all topics, whose answer is decoded
// keeping the overrides only (overridesRequest).
func describeTopicOverrides(ctx context.Context, cl *kgo.Client, topics map[string]LiveTopic, names []string) error {
	if len(names) == 0 {
		return nil
	}
	for _, shard := range cl.RequestSharded(ctx, topicOverridesRequest(names)) {
		if shard.Err != nil {
			return fmt.Errorf("describe topic configs: %w", shard.Err)
		}
		if err := takeTopicOverrides(shard.Resp, topics); err != nil {
			return err
		}
	}
	return nil
}

// topicOverridesRequest asks for the configs of the topics names.
func topicOverridesRequest(names []string) overridesRequest {
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, name := range names {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType = kmsg.ConfigResourceTypeTopic
		r.ResourceName = name
		req.Resources = append(req.Resources, r)
	}
	return overridesRequest{req}
}

// takeTopicOverrides puts the overrides of an answer to
// topicOverridesRequest into topics, and drops a topic the answer says is
// gone.
func takeTopicOverrides(answer kmsg.Response, topics map[string]LiveTopic) error {
	resp := &answer.(*overridesResponse).DescribeConfigsResponse
	for _, r := range resp.Resources {
		if err := kafkaErr(r.ErrorCode, r.ErrorMessage); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				delete(topics, r.ResourceName) // deleted meanwhile
				continue
			}
			return fmt.Errorf("describe configs of topic %q: %w", r.ResourceName, err)
		}
		t, ok := topics[r.ResourceName]
		if !ok {
			continue
		}
		for _, c := range r.Configs {
			if c.Source != kmsg.ConfigSourceDynamicTopicConfig || c.Value == nil {
				continue
			}
			t.Configs[c.Name] = *c.Value
		}
	}
	return nil
}

// registeredBrokers counts the brokers registered with the cluster and
// lists those that are down. It asks DescribeCluster for fenced brokers
// too (Kafka 4.0+); where that is not answered, it falls back to the live
// brokers plus every broker a partition names as a replica, which finds a
// down broker as long as it holds a replica.
func registeredBrokers(ctx context.Context, cl *kgo.Client, md *kmsg.MetadataResponse) (int, []int32) {
	live := map[int32]bool{}
	for _, b := range md.Brokers {
		live[b.NodeID] = true
	}
	known := map[int32]bool{}
	req := kmsg.NewPtrDescribeClusterRequest()
	req.IncludeFencedBrokers = true
	if resp, err := req.RequestWith(ctx, cl); err == nil && resp.ErrorCode == 0 && resp.GetVersion() >= 2 {
		for _, b := range resp.Brokers {
			known[b.NodeID] = true
			if b.IsFenced {
				live[b.NodeID] = false
			}
		}
	} else {
		for id := range live {
			known[id] = true
		}
		for _, t := range md.Topics {
			for _, p := range t.Partitions {
				for _, r := range p.Replicas {
					known[r] = true
				}
			}
		}
	}
	var down []int32
	for id := range known {
		if !live[id] {
			down = append(down, id)
		}
	}
	slices.Sort(down)
	return len(known), down
}

// topicID is a topic id as hex, or "" for the zero id.
func topicID(id [16]byte) string {
	if id == ([16]byte{}) {
		return ""
	}
	return hex.EncodeToString(id[:])
}
