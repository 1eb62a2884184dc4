package doctor

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestDoctorSeesABrokerGoDown stops one of three real nodes, a KRaft voter
// too, and watches the doctor report the fenced broker, the lagging voter
// and the under-replicated partitions, then start it again and watch them
// go. kfake has no fenced brokers nor KRaft quorum (see package
// kafkatest), so this runs on real Kafka only; the pure tests cover the
// same findings on hand-built clusters.
func TestDoctorSeesABrokerGoDown(t *testing.T) {
	n := kafkatest.ThreeNodes(t)
	if n == nil {
		t.Skip("no real Kafka configured (KGITOPS_TEST_KAFKA); `make test` runs this on three real nodes")
	}
	cl := n.Client(t)
	adm := kadm.NewClient(cl)
	topic := kafkatest.Unique("doctor-rf3")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{keyMinInsyncReplicas: kadm.StringPtr("2")}, topic); err != nil {
		t.Fatal(err)
	}
	kafkatest.WaitForTopics(t, adm, topic)

	cluster, fs := observeCheck(t, cl)
	if q := cluster.Quorum; q == nil || len(q.Voters) != 3 {
		t.Fatalf("quorum: %+v", q)
	}
	if bad := only(fs, "broker-fenced", "controller-quorum", "controller-lag", "under-replicated", "under-min-isr", "offline-partitions", "internal-topic-replication", "coverage"); len(bad) != 0 {
		t.Fatalf("a healthy 3-node cluster: %v", brief(bad))
	}

	// Stop a voter that is not the quorum leader, so that it lags.
	leader := n.QuorumLeader(t)
	down := int32(3)
	if leader == down {
		down = 2
	}
	n.StopNode(t, down)
	downName := "broker " + strconv.Itoa(int(down))
	voterName := "controller " + strconv.Itoa(int(down))
	fs = waitFindings(t, cl, "broker down", func(_ *Cluster, fs []Finding) bool {
		return len(find(fs, "broker-fenced", downName)) == 1 &&
			len(find(fs, "under-replicated", "topic "+topic)) == 1 &&
			len(find(fs, "controller-lag", voterName)) == 1 // after quorumStaleAfter
	})
	urp := find(fs, "under-replicated", "topic "+topic)[0]
	if !strings.HasPrefix(urp.Evidence, "3 of 3 partitions are under-replicated") {
		t.Fatalf("under-replicated: %+v", urp)
	}
	if len(find(fs, "under-min-isr", "topic "+topic)) != 0 {
		t.Fatalf("2 of 3 replicas are still min.insync.replicas 2: %v", brief(fs))
	}
	lag := find(fs, "controller-lag", voterName)[0]
	if !strings.Contains(lag.Why, "2 of 3 voters keep up and 2 are needed, so the quorum has no failure to spare") {
		t.Fatalf("controller-lag: %+v", lag)
	}
	t.Logf("with broker %d down:\n%s", down, strings.Join(brief(fs), "\n"))

	n.StartNode(t, down)
	waitFindings(t, cl, "broker back", func(_ *Cluster, fs []Finding) bool {
		return !slices.ContainsFunc(fs, func(f Finding) bool {
			return f.Resource == downName || f.Resource == "topic "+topic && f.Check == "under-replicated" ||
				f.Check == "controller-lag"
		})
	})
}
