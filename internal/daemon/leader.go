package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/ktopic"
)

// KafkaElector elects one leader among the replicas pointed at a cluster,
// with no infrastructure but Kafka: every replica joins one consumer group
// on a single-partition topic, and the member that holds partition 0
// leads. When the leader leaves (SIGTERM) the others take over at once;
// when it dies, after the group's session timeout.
type KafkaElector struct {
	leader   atomic.Bool
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
	if err := ktopic.Ensure(ctx, base, ktopic.Spec{Name: opts.Topic, What: "leader election topic", Partitions: 1, ReplicationFactor: -1}); err != nil {
		return nil, err
	}
	e := &KafkaElector{log: log, onChange: opts.OnChange}
	cl, err := kgo.NewClient(append(base.Opts(),
		kgo.ConsumerGroup(opts.Group),
		kgo.ConsumeTopics(opts.Topic),
		kgo.SessionTimeout(opts.SessionTimeout),
		kgo.HeartbeatInterval(opts.SessionTimeout/5),
		kgo.RebalanceTimeout(opts.SessionTimeout),
		kgo.DisableAutoCommit(),
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
			// Polling keeps the member in the group; the topic holds no records.
			if cl.PollFetches(ctx).IsClientClosed() {
				return
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

// Close stops campaigning and leaves the group.
func (l *LazyElector) Close() {
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.e != nil {
		l.e.Close()
	}
}
