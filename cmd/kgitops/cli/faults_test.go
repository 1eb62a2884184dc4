package cli

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// refuseCreateOf makes the brokers refuse the next creation of target with
// POLICY_VIOLATION, while the other topics of the same CreateTopics request
// are created as usual (handed to the cluster through a side client).
func refuseCreateOf(t *testing.T, c *kafkatest.Cluster, target string) {
	t.Helper()
	fw := kafkatest.NewForwarder(t, c)
	c.Fake.ControlKey(int16(kmsg.CreateTopics), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cr := req.(*kmsg.CreateTopicsRequest)
		i := slices.IndexFunc(cr.Topics, func(t kmsg.CreateTopicsRequestTopic) bool { return t.Topic == target })
		if fw.Busy() || i < 0 {
			return nil, nil, false
		}
		fwd := *cr
		fwd.Topics = slices.Delete(slices.Clone(cr.Topics), i, i+1)
		got, err := fw.Send(&fwd)
		if err != nil {
			t.Errorf("forward CreateTopics: %v", err)
			return nil, err, true
		}
		resp := cr.ResponseKind().(*kmsg.CreateTopicsResponse)
		resp.Topics = got.(*kmsg.CreateTopicsResponse).Topics
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic, rt.ErrorCode, rt.ErrorMessage = target, kerr.PolicyViolation.Code, kmsg.StringPtr("refused by the test")
		resp.Topics = append(resp.Topics, rt)
		return resp, nil, true
	})
}

// One topic's creation is refused: apply creates the others, says which
// one failed and why, exits 1, and records only what it created; the next
// apply creates the refused one and the plan after it is empty.
func TestApplyReportsAFailedCreateAndRetriesIt(t *testing.T) {
	c := kafkatest.NewFake(t)
	inv := kafkatest.Unique("fault")
	good, bad := kafkatest.Unique("good"), kafkatest.Unique("bad")
	dir := repo(t, map[string]string{"good.yaml": topicYAML(good, 2), "bad.yaml": topicYAML(bad, 1)})
	args := func(cmd string) []string { return append([]string{cmd, "--dir", dir}, clusterArgs(c, inv)...) }
	refuseCreateOf(t, c, bad)

	r := kgitops(t, nil, args("apply")...)
	if r.code != 1 || !strings.Contains(r.stdout, "✓ Topic "+good+": created") ||
		!strings.Contains(r.stdout, "✗ Topic "+bad+": create failed: ") || !strings.Contains(r.stdout, "POLICY_VIOLATION") ||
		!strings.Contains(r.stdout, "Apply: 1 applied, 1 failed, 0 skipped.") {
		t.Fatalf("apply with one refused create:\n%s", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recorded, err := reconcile.ReadInventory(ctx, c.Client(t), reconcile.InventoryRef{Name: inv})
	if err != nil {
		t.Fatal(err)
	}
	if !recorded.Has(reconcile.KindTopic, good) || recorded.Has(reconcile.KindTopic, bad) {
		t.Fatalf("inventory after the partial failure: %v", recorded.Entries)
	}

	if r := kgitops(t, nil, args("apply")...); r.code != 0 || !strings.Contains(r.stdout, "✓ Topic "+bad+": created") || strings.Contains(r.stdout, "✓ Topic "+good) {
		t.Fatalf("the next apply must create only the refused topic:\n%s", r)
	}
	if r := kgitops(t, nil, append(args("plan"), "--detailed-exitcode")...); r.code != 0 {
		t.Fatalf("plan after the retry:\n%s", r)
	}
}

// Two kgitops apply processes of one repo run at the same moment against
// the same cluster and inventory: each topic is created once, the apply
// that lost a create says so on that topic and exits 1, the inventory
// holds every topic with its id, and a third plan is empty.
func TestTwoAppliesAtTheSameMoment(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("twice")
		files := map[string]string{}
		var names []string
		for range 6 {
			n := kafkatest.Unique("twice")
			names = append(names, n)
			files[n+".yaml"] = topicYAML(n, 1, "retention.ms: 3600000")
		}
		dir := repo(t, files)
		args := func(cmd string) []string {
			return append([]string{cmd, "--dir", dir, "--max-partitions-per-broker", "1000000"}, clusterArgs(c, inv)...)
		}
		var rs [2]result
		var wg sync.WaitGroup
		for i := range rs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rs[i] = kgitops(t, nil, args("apply")...)
			}()
		}
		wg.Wait()
		for _, n := range names {
			created, lost := 0, 0
			for _, r := range rs {
				if strings.Contains(r.stdout, "✓ Topic "+n+": created") {
					created++
				}
				if strings.Contains(r.stdout, "✗ Topic "+n+": create failed: ") && strings.Contains(r.stdout, "TOPIC_ALREADY_EXISTS") {
					lost++
				}
			}
			// One apply creates it. The other lost the race (it says so),
			// or planned once the first had recorded its intent (it counts
			// the creation as done), or once it was there (nothing to do).
			if created < 1 || created+lost > 2 {
				t.Errorf("%s: reported created %d times, lost %d times:\n%s\n%s", n, created, lost, rs[0], rs[1])
			}
		}
		for i, r := range rs {
			failed := strings.Contains(r.stdout, "failed: ")
			if (r.code == 1) != failed || (r.code != 0 && r.code != 1) {
				t.Errorf("apply %d exits %d, reports a failure: %v\n%s", i, r.code, failed, r)
			}
		}

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cl := c.Client(t)
		recorded, err := reconcile.ReadInventory(ctx, cl, reconcile.InventoryRef{Name: inv})
		if err != nil {
			t.Fatal(err)
		}
		live, err := reconcile.Observe(ctx, cl, reconcile.ObserveOptions{Inventory: reconcile.InventoryRef{Name: inv}})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			e, ok := recorded.Entries[reconcile.ResourceKey{Kind: reconcile.KindTopic, Name: n}]
			if !ok || e.Pending || e.TopicID == "" || e.TopicID != live.Topics[n].ID {
				t.Errorf("%s: recorded %+v (held %v), live id %s", n, e, ok, live.Topics[n].ID)
			}
		}
		if r := kgitops(t, nil, append(args("plan"), "--detailed-exitcode")...); r.code != 0 || !strings.Contains(r.stdout, "No changes.") {
			t.Fatalf("a third plan must be empty:\n%s", r)
		}
	})
}
