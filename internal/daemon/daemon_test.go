package daemon

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

func topicConfig(t *testing.T, c *kafkatest.Cluster, topic, key string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rcs, err := c.Admin(t).DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		return "", false
	}
	for _, cfg := range rc.Configs {
		if cfg.Key == key && cfg.Source == 1 { // DYNAMIC_TOPIC_CONFIG
			return cfg.MaybeValue(), true
		}
	}
	return "", false
}

func setTopicConfig(t *testing.T, c *kafkatest.Cluster, topic, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := c.Admin(t).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: key, Value: kadm.StringPtr(value)}}, topic)
	if err == nil {
		_, err = rs.On(topic, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	// A real broker answers DescribeConfigs with the old value for a
	// moment: wait until it shows the new one (or a daemon already put
	// it back), so that the passes counted from here see the drift.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if v, _ := topicConfig(t, c, topic, key); v == value {
			return
		}
	}
}

func TestAppliesCommitsAndRevertsDrift(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		h := newHarness(t, c, ModeApply)
		name := kafkatest.Unique("daemon")
		first := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1, "retention.ms: 3600000")})
		h.start()

		// The first commit is applied.
		h.waitFor("the first commit applied", func(s Status) bool { return s.LastAppliedRevision == first })
		if v, _ := topicConfig(t, c, name, "retention.ms"); v != "3600000" {
			t.Fatalf("retention.ms = %q after the first commit", v)
		}
		// A pushed commit is applied within the interval.
		second := h.src.push(map[string]string{"t.yaml": topicYAML(name, 2, "retention.ms: 7200000")})
		h.waitFor("the second commit applied", func(s Status) bool { return s.LastAppliedRevision == second })
		if v, _ := topicConfig(t, c, name, "retention.ms"); v != "7200000" {
			t.Fatalf("retention.ms = %q after the second commit", v)
		}
		// Out-of-band drift is reverted on a later pass of the same revision.
		setTopicConfig(t, c, name, "retention.ms", "1000")
		h.waitFor("drift reverted", func(Status) bool {
			v, _ := topicConfig(t, c, name, "retention.ms")
			return v == "7200000"
		})
		s := h.passesAfter(1)
		if len(s.Drift) != 0 || !s.Ready() || s.LastError != "" {
			t.Fatalf("after reverting: %+v", s)
		}
		if got := h.metric("kgitops_applied_changes_total", map[string]string{"kind": "Topic", "action": "update"}); got < 2 {
			t.Errorf("kgitops_applied_changes_total{Topic,update} = %v, want >= 2", got)
		}
		if got := h.metric("kgitops_last_applied_revision_info", map[string]string{"revision": second}); got != 1 {
			t.Errorf("kgitops_last_applied_revision_info{revision=%s} = %v", second, got)
		}
	})
}

func TestDetectModeOnlyReports(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		h := newHarness(t, c, ModeDetect)
		name := kafkatest.Unique("detect")
		h.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
		h.start()
		s := h.waitFor("drift reported", func(s Status) bool { return len(s.Drift) == 1 })
		if d := s.Drift[0]; d.Kind != "Topic" || d.Name != name || d.Action != "create" || len(d.Fields) == 0 || s.LastAppliedRevision != "" {
			t.Fatalf("detect mode status: %+v", s)
		}
		h.passesAfter(2)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		md, err := c.Admin(t).Metadata(ctx, name)
		if err == nil && md.Topics[name].Err == nil {
			t.Fatalf("detect mode created topic %s", name)
		}
		if got := h.metric("kgitops_drift_resources", map[string]string{"kind": "Topic"}); got != 1 {
			t.Errorf("kgitops_drift_resources{kind=Topic} = %v, want 1", got)
		}
		if got := h.metric("kgitops_plan_changes", map[string]string{"kind": "Topic", "action": "create"}); got != 1 {
			t.Errorf("kgitops_plan_changes{Topic,create} = %v, want 1", got)
		}
	})
}

func TestBadCommitKeepsLastGoodState(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		h := newHarness(t, c, ModeApply)
		name, other := kafkatest.Unique("good"), kafkatest.Unique("never")
		good := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1, "retention.ms: 3600000")})
		h.start()
		h.waitFor("good commit applied", func(s Status) bool { return s.LastAppliedRevision == good })

		// A bad commit: one valid new topic, one invalid document. Nothing
		// of it may be applied, and the failure is counted.
		failuresBefore := h.metric("kgitops_reconcile_total", map[string]string{"result": "failure"})
		bad := h.src.push(map[string]string{
			"t.yaml":   topicYAML(name, 1, "retention.ms: 3600000"),
			"new.yaml": topicYAML(other, 1),
			"bad.yaml": topicYAML("broken", 0),
		})
		s := h.waitFor("bad commit reported", func(s Status) bool { return s.LastFetchedRevision == bad && s.ErrorClass == "spec" })
		if s.LastAppliedRevision != good {
			t.Fatalf("last applied = %s, want %s", s.LastAppliedRevision, good)
		}
		if got := h.metric("kgitops_reconcile_total", map[string]string{"result": "failure"}); got <= failuresBefore {
			t.Errorf("kgitops_reconcile_total{failure} = %v, did not grow", got)
		}
		// The last good state is still enforced: drift is reverted.
		setTopicConfig(t, c, name, "retention.ms", "1000")
		h.waitFor("drift reverted under a bad head", func(Status) bool {
			v, _ := topicConfig(t, c, name, "retention.ms")
			return v == "3600000"
		})
		if _, ok := topicConfig(t, c, other, "retention.ms"); ok {
			t.Fatal("a topic from the bad commit was created")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if md, err := c.Admin(t).Metadata(ctx, other); err == nil && md.Topics[other].Err == nil {
			t.Fatalf("topic %s of the bad commit exists", other)
		}
		// A fixed commit is applied.
		fixed := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1, "retention.ms: 3600000"), "new.yaml": topicYAML(other, 1)})
		h.waitFor("fixed commit applied", func(s Status) bool { return s.LastAppliedRevision == fixed && s.LastError == "" })
	})
}

func TestUnreachableRepoKeepsLastGoodAndBacksOff(t *testing.T) {
	c := kafkatest.NewFake(t)
	h := newHarness(t, c, ModeApply)
	name := kafkatest.Unique("repo")
	good := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
	h.start()
	h.waitFor("applied", func(s Status) bool { return s.LastAppliedRevision == good })
	h.src.fail(errors.New("dial tcp: connection refused"))
	s := h.waitFor("git failure reported", func(s Status) bool { return s.ErrorClass == "git_unreachable" })
	if s.Ready() || s.GitReachable || s.LastAppliedRevision != good {
		t.Fatalf("status with git down: %+v", s)
	}
	if got := h.metric("kgitops_git_fetch_total", map[string]string{"result": "failure"}); got < 1 {
		t.Errorf("kgitops_git_fetch_total{failure} = %v", got)
	}
	h.src.fail(nil)
	h.waitFor("recovered", func(s Status) bool { return s.Ready() && s.LastError == "" })
}

func TestBackoff(t *testing.T) {
	d := New(Config{Source: &memSource{}, Interval: time.Minute})
	transientResult := passResult{problems: []problem{{class: ClassKafkaUnreachable, err: errors.New("down")}}}
	var got []time.Duration
	for range 8 {
		got = append(got, d.nextWait(transientResult))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff %v, want %v", got, want)
		}
	}
	if w := d.nextWait(passResult{}); w < time.Minute || w > time.Minute+6*time.Second {
		t.Errorf("after success: %v, want the interval plus up to 10%%", w)
	}
	if w := d.nextWait(transientResult); w != time.Second {
		t.Errorf("backoff did not reset after a success: %v", w)
	}
}

// TestBrokerDownAndBack makes kfake drop every request for a while, as a
// broker that is down does, and checks that the daemon reports it, backs
// off, and recovers without a restart.
func TestBrokerDownAndBack(t *testing.T) {
	c := kafkatest.NewFake(t)
	var down atomic.Bool
	c.Fake.Control(func(kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		if down.Load() {
			return nil, errors.New("broker down"), true // closes the connection
		}
		return nil, nil, false
	})
	h := newHarness(t, c, ModeApply, func(cfg *Config) { cfg.PassTimeout = 2 * time.Second })
	name := kafkatest.Unique("outage")
	first := h.src.push(map[string]string{"t.yaml": topicYAML(name, 1)})
	h.start()
	h.waitFor("applied", func(s Status) bool { return s.LastAppliedRevision == first })

	down.Store(true)
	s := h.waitFor("outage reported", func(s Status) bool { return s.ErrorClass == "kafka_unreachable" })
	if s.Ready() || s.KafkaReachable {
		t.Fatalf("ready while Kafka is down: %+v", s)
	}
	second := h.src.push(map[string]string{"t.yaml": topicYAML(name, 3)})
	down.Store(false)
	h.waitFor("recovered and applied the commit pushed during the outage", func(s Status) bool {
		return s.Ready() && s.LastAppliedRevision == second && s.LastError == ""
	})
}
