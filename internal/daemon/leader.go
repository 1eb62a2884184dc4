package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/ktopic"
)

// KafkaElector elects one leader among the replicas pointed at a cluster,
// with no infrastructure but Kafka: every replica joins one consumer group
// on a single-partition topic, and the member that holds partition 0
// leads. When the leader leaves (SIGTERM) the others take over at once;
// when it dies, after the group's session timeout.
type KafkaElector struct {
	leader   atomic.Bool
	group    string
	topic    string
	topicID  [16]byte // the election topic's, once Fence read it
	cl       *kgo.Client
	log      *slog.Logger
	onChange func(bool)
}

// ElectionOptions name the group and topic of an election.
type ElectionOptions struct {
	Topic          string        // default "__kgitops_leader"
	Group          string        // default "kgitops-leader-<inventory name>"
	SessionTimeout time.Duration // how long a dead leader keeps leading; default 10s
	// OnChange, if set, is called when this replica gains or loses the
	// lead, for example to start a pass at once.
	OnChange func(leader bool)
	// OnNudge, if set, is called on the leader when a replica passes a
	// wake on to it (Nudge): a webhook or POST /reconcile that reached a
	// standby.
	OnNudge func()
}

// StartElection creates the election topic if needed and joins the group
// with a client of its own (built from base's options). It campaigns until
// ctx ends; Close leaves the group at once.
func StartElection(ctx context.Context, base *kgo.Client, opts ElectionOptions, log *slog.Logger) (*KafkaElector, error) {
	if opts.Topic == "" {
		opts.Topic = "__kgitops_leader"
	}
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = 10 * time.Second
	}
	// The topic carries the nudges standbys pass on (a few bytes each),
	// kept an hour.
	hour := "3600000"
	if err := ktopic.Ensure(ctx, base, ktopic.Spec{Name: opts.Topic, What: "leader election topic", Partitions: 1, ReplicationFactor: -1,
		Configs: map[string]*string{"retention.ms": &hour}}); err != nil {
		return nil, err
	}
	e := &KafkaElector{log: log, onChange: opts.OnChange, group: opts.Group, topic: opts.Topic}
	cl, err := kgo.NewClient(append(base.Opts(),
		kgo.ConsumerGroup(opts.Group),
		kgo.ConsumeTopics(opts.Topic),
		kgo.SessionTimeout(opts.SessionTimeout),
		kgo.HeartbeatInterval(opts.SessionTimeout/5),
		kgo.RebalanceTimeout(opts.SessionTimeout),
		kgo.DisableAutoCommit(),
		// A new leader reads only the nudges sent from then on.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { e.set(m[opts.Topic], true) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { e.set(m[opts.Topic], false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { e.set(m[opts.Topic], false) }),
	)...)
	if err != nil {
		return nil, fmt.Errorf("join leader election: %w", err)
	}
	e.cl = cl
	go func() {
		for ctx.Err() == nil {
			// Polling keeps the member in the group; a record is a
			// nudge from a standby.
			fs := cl.PollFetches(ctx)
			if fs.IsClientClosed() {
				return
			}
			nudged := false
			fs.EachRecord(func(*kgo.Record) { nudged = true })
			if nudged && e.IsLeader() && opts.OnNudge != nil {
				opts.OnNudge()
			}
		}
	}()
	return e, nil
}

func (e *KafkaElector) set(parts []int32, gained bool) {
	for _, p := range parts {
		if p == 0 && e.leader.Swap(gained) != gained {
			e.log.Info("leadership changed", "leader", gained)
			if e.onChange != nil {
				e.onChange(gained)
			}
		}
	}
}

// IsLeader implements Elector.
func (e *KafkaElector) IsLeader() bool { return e.leader.Load() }

// Nudge passes a wake on to the leader, whichever replica it is: a
// record on the election topic, which the leader's member reads (OnNudge).
func (e *KafkaElector) Nudge(ctx context.Context) error {
	r := &kgo.Record{Topic: e.topic, Key: []byte("wake"), Partition: 0}
	if err := e.cl.ProduceSync(ctx, r).FirstErr(); err != nil {
		return fmt.Errorf("pass the wake on to the leader: %w", err)
	}
	return nil
}

// ErrFenced says this replica is no longer the leader the group knows:
// it lost the lead (a pause longer than the session timeout, a network
// partition) and must stop writing at once.
var ErrFenced = errors.New("this replica lost the lead")

// Fence checks with the group coordinator, not the local flag, that this
// replica still leads: it commits an offset of the election topic under
// the member id and generation it joined with. A replica that was frozen
// (SIGSTOP, a long GC pause) while the group moved on still believes it
// leads; the coordinator answers ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID,
// and the apply stops before its next batch. A rebalance in progress
// fences too: the lead may be moving.
func (e *KafkaElector) Fence(ctx context.Context) error {
	if !e.leader.Load() {
		return ErrFenced
	}
	if e.topicID == ([16]byte{}) {
		// OffsetCommit v10+ names topics by id.
		td, err := kadm.NewClient(e.cl).ListTopics(ctx, e.topic)
		if err != nil || td[e.topic].Err != nil {
			return fmt.Errorf("check the lead with the group coordinator: read the id of %s: %w", e.topic, errors.Join(err, td[e.topic].Err))
		}
		e.topicID = td[e.topic].ID
	}
	member, gen := e.cl.GroupMetadata()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.MemberID, req.Generation = e.group, member, gen
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic, rt.TopicID = e.topic, e.topicID
	rp := kmsg.NewOffsetCommitRequestTopicPartition()
	rp.Partition, rp.Offset, rp.LeaderEpoch = 0, 0, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, e.cl)
	if err != nil {
		return fmt.Errorf("check the lead with the group coordinator: %w", err)
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				switch {
				case errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.RebalanceInProgress), errors.Is(err, kerr.FencedInstanceID):
					e.leader.Store(false)
					return fmt.Errorf("%w: the group coordinator answered %v for generation %d", ErrFenced, err, gen)
				default:
					return fmt.Errorf("check the lead with the group coordinator: %w", err)
				}
			}
		}
	}
	return nil
}

// Close leaves the group, handing leadership to another replica.
func (e *KafkaElector) Close() {
	e.leader.Store(false)
	e.cl.Close()
}

// LazyElector campaigns once Kafka can be reached: StartElection is retried
// in the background, and until it succeeds this replica does not lead.
type LazyElector struct {
	mu     sync.Mutex
	e      *KafkaElector
	cancel context.CancelFunc
}

// NewLazyElector starts campaigning in the background.
func NewLazyElector(parent context.Context, base *kgo.Client, opts ElectionOptions, log *slog.Logger) *LazyElector {
	ctx, cancel := context.WithCancel(parent)
	l := &LazyElector{cancel: cancel}
	go func() {
		delay := time.Second
		for ctx.Err() == nil {
			e, err := StartElection(ctx, base, opts, log)
			if err == nil {
				l.mu.Lock()
				l.e = e
				l.mu.Unlock()
				return
			}
			log.Warn("leader election not started yet; retrying", "err", err, "in", delay)
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			delay = min(2*delay, 30*time.Second)
		}
	}()
	return l
}

// IsLeader implements Elector.
func (l *LazyElector) IsLeader() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.e != nil && l.e.IsLeader()
}

// Fence implements Fencer: no election started yet is no lead.
func (l *LazyElector) Fence(ctx context.Context) error {
	l.mu.Lock()
	e := l.e
	l.mu.Unlock()
	if e == nil {
		return ErrFenced
	}
	return e.Fence(ctx)
}

// Nudge implements Nudger.
func (l *LazyElector) Nudge(ctx context.Context) error {
	l.mu.Lock()
	e := l.e
	l.mu.Unlock()
	if e == nil {
		return errors.New("pass the wake on to the leader: the leader election has not started yet")
	}
	return e.Nudge(ctx)
}

// Close stops campaigning and leaves the group.
func (l *LazyElector) Close() {
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.e != nil {
		l.e.Close()
	}
}
