package doctor

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// observeCheck reads the cluster and runs the checks.
func observeCheck(t *testing.T, cl *kgo.Client) (*Cluster, []Finding) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Observe(ctx, cl)
	if err != nil {
		t.Fatalf("observe: %v", err)
	}
	return c, Check(c, Options{})
}

// find returns the findings of check about resource.
func find(fs []Finding, check, resource string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Check == check && f.Resource == resource {
			out = append(out, f)
		}
	}
	return out
}

// waitFindings observes until ok holds for the findings (up to 30 s: a
// real broker applies a dynamic config, or shows a new topic, a moment
// after the controller accepted it), and returns them.
func waitFindings(t *testing.T, cl *kgo.Client, what string, ok func(c *Cluster, fs []Finding) bool) []Finding {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, fs := observeCheck(t, cl)
		if ok(c, fs) {
			return fs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen after 30s; findings:\n%s", what, strings.Join(brief(fs), "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// uncleanFindings are the broker-level unclean-leader-election findings.
func uncleanFindings(fs []Finding) []Finding {
	var out []Finding
	for _, f := range only(fs, "unclean-leader-election") {
		if !strings.HasPrefix(f.Resource, "topic ") {
			out = append(out, f)
		}
	}
	return out
}

func alterClusterDefault(t *testing.T, adm *kadm.Client, key string, value *string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	op := kadm.SetConfig
	if value == nil {
		op = kadm.DeleteConfig
	}
	// No broker: the cluster-wide default (BROKER "").
	resps, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Op: op, Name: key, Value: value}})
	if err == nil {
		for _, r := range resps {
			if r.Err != nil {
				err = fmt.Errorf("%w: %s", r.Err, r.ErrMessage)
			}
		}
	}
	if err != nil {
		t.Fatalf("alter cluster default %s: %v", key, err)
	}
}

// TestDoctorFindingsFollowTheCluster changes the cluster and watches
// findings appear and go: a dangerous cluster-wide default, and a topic
// that keeps its data forever.
func TestDoctorFindingsFollowTheCluster(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		cl := c.Client(t)
		adm := kadm.NewClient(cl)

		cluster, fs := observeCheck(t, cl)
		t.Logf("findings on %s before the test changes anything:\n%s", c.Name, strings.Join(brief(fs), "\n"))
		if got := uncleanFindings(fs); len(got) != 0 {
			t.Fatalf("unclean leader election already enabled on %s: %v", c.Name, brief(got))
		}
		if c.Real() {
			// Kafka answers DescribeQuorum through the broker, and sizes
			// its log dirs.
			if q := cluster.Quorum; q == nil || q.LeaderID < 0 || len(q.Voters) == 0 {
				t.Fatalf("quorum: %+v; unread: %+v", q, cluster.Unread)
			}
			if len(cluster.LogDirs) == 0 || cluster.LogDirs[0].TotalBytes <= 0 || cluster.LogDirs[0].UsableBytes <= 0 {
				t.Fatalf("log dirs: %+v; unread: %+v", cluster.LogDirs, cluster.Unread)
			}
			if len(only(fs, "controller-quorum", "controller-lag", "broker-fenced", "coverage")) != 0 {
				t.Fatalf("a healthy single broker has no controller or coverage findings: %v", brief(fs))
			}
		} else {
			// kfake gaps: no DescribeQuorum (the coverage finding says so, as
			// information), and no log dir when no partition is asked for.
			if cluster.Quorum != nil || len(find(fs, "coverage", "controllers (DescribeQuorum)")) != 1 ||
				find(fs, "coverage", "controllers (DescribeQuorum)")[0].Severity != Info {
				t.Fatalf("kfake answers DescribeQuorum now? quorum %+v, findings %v", cluster.Quorum, brief(fs))
			}
			if len(cluster.LogDirs) != 0 {
				t.Logf("kfake now reports log dirs without partitions: %+v", cluster.LogDirs)
			}
		}

		// A dangerous cluster-wide default appears, and goes when removed.
		t.Cleanup(func() { alterClusterDefault(t, adm, keyUncleanLeaderElection, nil) })
		alterClusterDefault(t, adm, keyUncleanLeaderElection, kadm.StringPtr("true"))
		fs = waitFindings(t, cl, "unclean leader election finding", func(_ *Cluster, fs []Finding) bool { return len(uncleanFindings(fs)) > 0 })
		f := uncleanFindings(fs)[0]
		if f.Severity != Error || !strings.Contains(f.Evidence, "unclean.leader.election.enable=true") {
			t.Fatalf("finding: %+v", f)
		}
		if c.Real() {
			// Kafka says where the value comes from: the cluster-wide default,
			// which a cluster-defaults BrokerConfig fixes.
			if f.Resource != "cluster-wide default" || !strings.Contains(f.YAML, "broker: default") {
				t.Fatalf("finding: %+v", f)
			}
		} else if !strings.Contains(f.Evidence, "from a dynamic per-broker config") {
			// kfake reports a cluster-wide default as a per-broker one
			// (DYNAMIC_BROKER_CONFIG), on every broker.
			t.Fatalf("kfake finding: %+v", f)
		}
		alterClusterDefault(t, adm, keyUncleanLeaderElection, nil)
		waitFindings(t, cl, "unclean leader election finding gone", func(_ *Cluster, fs []Finding) bool { return len(uncleanFindings(fs)) == 0 })

		// A single-replica topic that keeps its data forever.
		topic := kafkatest.Unique("doctor-forever")
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{keyRetentionMs: kadm.StringPtr("-1")}, topic); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if _, err := adm.DeleteTopic(ctx, topic); err != nil {
				t.Logf("delete topic %s: %v", topic, err)
			}
		})
		fs = waitFindings(t, cl, "unbounded retention finding", func(_ *Cluster, fs []Finding) bool {
			return len(find(fs, "unbounded-retention", "topic "+topic)) == 1
		})
		if f := find(fs, "unbounded-retention", "topic "+topic)[0]; f.Severity != Warn || !strings.Contains(f.YAML, "name: "+topic) {
			t.Fatalf("finding: %+v", f)
		}
		single := find(fs, "single-replica", "topic "+topic)
		wantSeverity := Warn // kfake runs 3 brokers
		if c.Real() {
			wantSeverity = Info // the real test broker is a single node
		}
		if len(single) != 1 || single[0].Severity != wantSeverity {
			t.Fatalf("single-replica findings for %s: %+v", topic, single)
		}

		resps, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: keyRetentionBytes, Value: kadm.StringPtr("1073741824")}}, topic)
		if err == nil {
			err = resps[0].Err
		}
		if err != nil {
			t.Fatal(err)
		}
		waitFindings(t, cl, "unbounded retention finding gone", func(_ *Cluster, fs []Finding) bool {
			return len(find(fs, "unbounded-retention", "topic "+topic)) == 0
		})
	})
}
