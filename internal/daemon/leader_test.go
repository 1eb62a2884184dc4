package daemon

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestLeaderFailover runs two replicas against one cluster and repo: only
// the leader applies, the other stays ready in detect mode, and when the
// leader goes away the other takes over within the session timeout.
func TestLeaderFailover(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		opts := ElectionOptions{Topic: kafkatest.Unique("__kgitops_leader"), Group: kafkatest.Unique("leader"), SessionTimeout: 6 * time.Second}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		elect := func() *KafkaElector {
			e, err := StartElection(ctx, c.Client(t), opts, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
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
