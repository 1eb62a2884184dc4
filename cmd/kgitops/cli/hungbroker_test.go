package cli

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// A broker that hangs (its connections open, no answer: out of memory, a
// stuck disk, a frozen JVM) makes plan time out (issue 14, "Faults"). The
// error names the broker, its address and the requests it left
// unanswered, instead of a bare "context deadline exceeded", and says what
// to do. On kfake, every broker holds DescribeConfigs; on three real
// Kafka nodes, one JVM is frozen with SIGSTOP, and the plan is empty again
// once it is thawed.
func TestPlanNamesTheBrokerThatHangs(t *testing.T) {
	check := func(t *testing.T, r result, who, request string) {
		t.Helper()
		if r.code != ExitError {
			t.Fatalf("plan with a hung broker: exit %d, want %d:\n%s", r.code, ExitError, r)
		}
		want := regexp.MustCompile(`reading the cluster took longer than --timeout 4s: no answer from ` + who + ` \([^)]*` + request + `( ×[0-9]+)? for [0-9.]+s[^)]*\); check those brokers`)
		if !want.MatchString(r.stderr) {
			t.Fatalf("the timeout does not name %s and its unanswered %s:\n%s", who, request, r)
		}
		t.Logf("%s", strings.TrimSpace(r.stderr))
	}
	// plan applies a topic first, so that reading its configs is needed,
	// then hangs a broker (hang) and plans.
	plan := func(t *testing.T, bootstrap []string, hang func()) result {
		dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("hung"), 1, "retention.ms: 3600000")})
		args := []string{"--dir", dir, "--bootstrap-servers", strings.Join(bootstrap, ","), "--inventory-name", kafkatest.Unique("hung")}
		if r := kgitops(t, nil, append([]string{"apply", "--timeout", "60s"}, args...)...); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		hang()
		return kgitops(t, nil, append([]string{"plan", "--timeout", "4s"}, args...)...)
	}

	t.Run("kfake", func(t *testing.T) {
		c := kafkatest.NewFake(t)
		hold := make(chan struct{})
		t.Cleanup(func() { close(hold) })
		r := plan(t, c.Bootstrap, func() {
			c.Fake.ControlKey(int16(kmsg.DescribeConfigs), func(kmsg.Request) (kmsg.Response, error, bool) {
				c.Fake.KeepControl()
				c.Fake.SleepControl(func() { <-hold })
				return nil, nil, false
			})
		})
		check(t, r, `broker [0-2] at 127\.0\.0\.1:[0-9]+`, "DescribeConfigs")
	})

	t.Run("kafka-3node", func(t *testing.T) {
		n := kafkatest.ThreeNodes(t)
		if n == nil {
			t.Skip("needs a real Kafka cluster of three nodes (KGITOPS_TEST_KAFKA unset: run make test)")
		}
		dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("hung"), 3, "retention.ms: 3600000")})
		inv := kafkatest.Unique("hung")
		if r := kgitops(t, nil, "apply", "--dir", dir, "--bootstrap-servers", strings.Join(n.Bootstrap, ","), "--inventory-name", inv); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		// The node leading the inventory's partition is frozen: the
		// plan's inventory read waits on it. The plan bootstraps from
		// the two others (a frozen bootstrap server is named already,
		// by the connection check).
		md, err := kadm.NewClient(n.Client(t)).Metadata(context.Background(), reconcile.DefaultInventoryTopic)
		if err != nil {
			t.Fatal(err)
		}
		hung := md.Topics[reconcile.DefaultInventoryTopic].Partitions[0].Leader
		var others []string
		for id := int32(1); id <= 3; id++ {
			if id != hung {
				others = append(others, n.Addr(id))
			}
		}
		resume := n.PauseNode(t, hung)
		r := kgitops(t, nil, "plan", "--dir", dir, "--bootstrap-servers", strings.Join(others, ","), "--inventory-name", inv, "--timeout", "4s")
		check(t, r, fmt.Sprintf("broker %d at %s", hung, regexp.QuoteMeta(n.Addr(hung))), "[A-Za-z]+")
		resume()
		if r := kgitops(t, nil, "plan", "--dir", dir, "--bootstrap-servers", strings.Join(n.Bootstrap, ","), "--inventory-name", inv, "--timeout", "60s", "--detailed-exitcode"); r.code != 0 {
			t.Fatalf("plan once the broker is thawed, want no changes:\n%s", r)
		}
	})
}

// A broker that hangs on its disk sizes alone (DescribeLogDirs, which
// only the disk check needs) does not fail the plan: after franz-go's
// request timeout (10 s) the plan says whose disks it could not read, and
// that the disk check counts the others only. kfake only: a real broker
// cannot be made to hang one kind of request.
func TestPlanSaysWhichBrokersDisksItCouldNotRead(t *testing.T) {
	c := kafkatest.NewFake(t)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	c.Fake.ControlKey(int16(kmsg.DescribeLogDirs), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.Fake.KeepControl()
		if c.Fake.CurrentNode() == 1 {
			c.Fake.SleepControl(func() { <-hold })
		}
		return nil, nil, false
	})
	dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("disks"), 1)})
	r := kgitops(t, nil, "plan", "--dir", dir, "--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--inventory-name", kafkatest.Unique("disks"))
	want := regexp.MustCompile(`Note: Cluster disk: the log dirs of broker 1 \([^)]+\) could not be read: the disk check counts the other brokers' space only`)
	if r.code != 0 || !want.MatchString(r.stdout) || !strings.Contains(r.stdout, "Plan: 1 to create") {
		t.Fatalf("plan with broker 1's disks unanswered: want exit 0, the topic and a note:\n%s", r)
	}
}
