package daemon

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// startElector joins the election of opts with a client of its own.
func startElector(ctx context.Context, t *testing.T, c *kafkatest.Cluster, opts ElectionOptions) *KafkaElector {
	t.Helper()
	e, err := StartElection(ctx, c.Client(t), opts, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestLeaderFailover runs two replicas against one cluster and repo: only
// the leader applies, the other stays ready in detect mode, and when the
// leader goes away the other takes over within the session timeout.
func TestLeaderFailover(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		opts := ElectionOptions{Topic: kafkatest.Unique("__kgitops_leader"), Group: kafkatest.Unique("leader"), SessionTimeout: 6 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		elect := func() *KafkaElector { return startElector(ctx, t, c, opts) }
		ea, eb := elect(), elect()
		defer ea.Close()
		defer eb.Close()
		a := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.Leader = ea })
		b := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.Leader = eb; cfg.Inventory = a.inv })
		b.src = a.src
		b.d.cfg.Source = a.src

		deadline := time.Now().Add(30 * time.Second)
		for ea.IsLeader() == eb.IsLeader() {
			if time.Now().After(deadline) {
				t.Fatalf("no single leader after 30s: a=%v b=%v", ea.IsLeader(), eb.IsLeader())
			}
			time.Sleep(50 * time.Millisecond)
		}
		leader, standby, leaderElector, standbyElector := a, b, ea, eb
		if eb.IsLeader() {
			leader, standby, leaderElector, standbyElector = b, a, eb, ea
		}
		name := kafkatest.Unique("ha")
		rev := a.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
		leader.start()
		standby.start()
		leader.waitFor("leader applies", func(s Status) bool { return s.LastAppliedRevision == rev && s.Leader })
		s := standby.waitFor("standby passes", func(s Status) bool { return s.Passes >= 2 })
		if s.Leader || s.LastAppliedRevision != "" || !s.Ready() {
			t.Fatalf("standby status: %+v", s)
		}

		// The leader goes away; the standby takes over and applies.
		start := time.Now()
		leaderElector.Close()
		deadline = time.Now().Add(2 * opts.SessionTimeout)
		for !standbyElector.IsLeader() {
			if time.Now().After(deadline) {
				t.Fatalf("standby did not take over within %s", 2*opts.SessionTimeout)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("%s: takeover after %s", c.Name, time.Since(start).Round(time.Millisecond))
		next := a.src.push(map[string]string{"t.yaml": topicYAML(name, 2)})
		standby.waitFor("new leader applies", func(s Status) bool { return s.LastAppliedRevision == next && s.Leader })
	})
}

// Fence asks the group coordinator: the leader passes (its member id and
// generation are current; OffsetCommit v10+ names the topic by id), the
// standby and a leader that left are fenced.
func TestFenceAsksTheCoordinator(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		opts := ElectionOptions{Topic: kafkatest.Unique("__kgitops_leader"), Group: kafkatest.Unique("fence"), SessionTimeout: 6 * time.Second}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		elect := func() *KafkaElector { return startElector(ctx, t, c, opts) }
		ea, eb := elect(), elect()
		defer eb.Close()
		for ea.IsLeader() == eb.IsLeader() {
			if ctx.Err() != nil {
				t.Fatal("no single leader")
			}
			time.Sleep(50 * time.Millisecond)
		}
		leader, standby := ea, eb
		if eb.IsLeader() {
			leader, standby = eb, ea
		}
		// A just-elected leader's first commits may meet the rebalance's
		// tail: it passes within a few tries.
		var err error
		for range 50 {
			if err = leader.Fence(ctx); err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("the leader is fenced: %v", err)
		}
		if err := standby.Fence(ctx); !errors.Is(err, ErrFenced) {
			t.Errorf("the standby passes the fence: %v", err)
		}
		leader.Close()
		if err := leader.Fence(ctx); !errors.Is(err, ErrFenced) {
			t.Errorf("a leader that left passes the fence: %v", err)
		}
	})
}

// A standby passes a wake on to the leader through the election topic:
// the leader's OnNudge runs, the standby's does not.
func TestNudgeWakesTheLeader(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var nudged [2]atomic.Int32
		topic, group := kafkatest.Unique("__kgitops_leader"), kafkatest.Unique("nudge")
		elect := func(i int) *KafkaElector {
			e, err := StartElection(ctx, c.Client(t), ElectionOptions{Topic: topic, Group: group, SessionTimeout: 6 * time.Second,
				OnNudge: func() { nudged[i].Add(1) }}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(e.Close)
			return e
		}
		es := [2]*KafkaElector{elect(0), elect(1)}
		for es[0].IsLeader() == es[1].IsLeader() {
			if ctx.Err() != nil {
				t.Fatal("no single leader")
			}
			time.Sleep(50 * time.Millisecond)
		}
		leader, standby := 0, 1
		if es[1].IsLeader() {
			leader, standby = 1, 0
		}
		// The leader's member may still be starting to fetch: nudge
		// until it hears one.
		for nudged[leader].Load() == 0 {
			if err := es[standby].Nudge(ctx); err != nil {
				t.Fatal(err)
			}
			if ctx.Err() != nil {
				t.Fatal("the leader never heard the nudge")
			}
			time.Sleep(200 * time.Millisecond)
		}
		if n := nudged[standby].Load(); n != 0 {
			t.Errorf("the standby heard %d nudges", n)
		}
	})
}
