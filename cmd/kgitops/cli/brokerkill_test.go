package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// killTopics is how many topics the killed apply creates: enough that
// creating them (RF 3, three overrides each, so about 1,600 per
// CreateTopics request) takes several seconds on the 3-node rig.
const killTopics = 3000

// killConfigs are the overrides every topic of the killed apply sets.
var killConfigs = map[string]string{"retention.ms": "86400000", "max.message.bytes": "2097152", "cleanup.policy": "compact"}

// A broker is SIGKILLed in the middle of an apply of thousands of topics
// on a real 3-node cluster (issue 14, "Faults"), once a broker that is
// not the active controller and once the active controller (which costs
// a controller election). Each time: apply reports, per resource, exactly
// what landed (every resource it reports done is on the cluster as
// declared, every other one is reported with its reason and is still in
// the next plan) and exits 1 if anything failed; the inventory owns
// exactly the topics that exist; the next apply, with the broker still
// down, converges; and once the broker is back the plan is empty.
//
// Each victim gets a cluster of its own: a node SIGKILLed recovers every
// log it holds before it is unfenced, and on a loaded 2-core CI machine
// the second victim of a shared cluster (6,000 partitions) took a minute.
func TestABrokerKilledMidApply(t *testing.T) {
	victims := []struct {
		name string
		pick func(t *testing.T, n *kafkatest.Nodes) int32
	}{
		{"broker", func(t *testing.T, n *kafkatest.Nodes) int32 { return n.QuorumLeader(t)%3 + 1 }},
		{"controller", func(t *testing.T, n *kafkatest.Nodes) int32 { return n.QuorumLeader(t) }},
	}
	for _, v := range victims {
		t.Run(v.name, func(t *testing.T) {
			n := kafkatest.ThreeNodes(t)
			if n == nil {
				t.Skip("needs a real Kafka cluster of three nodes (KGITOPS_TEST_KAFKA unset: run make test)")
			}
			killMidApply(t, n, v.pick(t, n))
		})
	}
}

// applyLine is one per-resource line of apply's report.
var applyLine = regexp.MustCompile(`(?m)^([✓✗-]) (\S+) (.+?): (created|updated|deleted|(?:create|update|delete) failed: .*|skipped .*)$`)

func killMidApply(t *testing.T, n *kafkatest.Nodes, victim int32) {
	prefix, inv := kafkatest.Unique("kill"), kafkatest.Unique("kill")
	dir := t.TempDir()
	writeKillRepo(t, dir, prefix)
	args := func(cmd string, extra ...string) []string {
		return append(append([]string{cmd, "--dir", dir}, clusterArgs(n.Cluster, inv)...),
			append([]string{"--timeout", "90s", "--max-partitions-per-broker", "100000"}, extra...)...)
	}
	cl := n.Client(t)
	names := make([]string, killTopics)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}

	// Apply in the background; kill the victim once the brokers show
	// some of the topics, well before all of them.
	began := time.Now()
	done := make(chan result, 1)
	go func() { done <- kgitops(t, nil, args("apply")...) }()
	var r result
	killAt := killTopics / 10
	for seen := 0; seen < killAt; {
		select {
		case r = <-done:
			t.Fatalf("apply finished after %v, before the brokers showed %d of its %d topics (they showed %d): the kill would not land mid-apply; raise killTopics\n%s",
				time.Since(began).Round(time.Millisecond), killAt, killTopics, seen, r)
		case <-time.After(50 * time.Millisecond):
		}
		seen = len(visible(t, cl, prefix))
	}
	killedAt := time.Since(began)
	n.KillNode(t, victim)
	down := true
	t.Cleanup(func() {
		if down { // the test failed with the node down: the next one wants it
			n.StartNode(t, victim)
		}
	})
	fenced := time.Since(began)
	r = <-done
	took := time.Since(began)
	if took <= killedAt {
		t.Fatalf("apply returned before node %d was killed", victim)
	}
	t.Logf("node %d killed %v into the apply (fenced at %v); apply returned after %v with exit %d",
		victim, killedAt.Round(time.Millisecond), fenced.Round(time.Millisecond), took.Round(time.Millisecond), r.code)

	// 1. The report: one line per resource, a reason for each failure,
	// exit 1 exactly when something failed.
	done1, notDone := map[string]bool{}, map[string]string{}
	for _, m := range applyLine.FindAllStringSubmatch(r.stdout, -1) {
		key := m[2] + "/" + m[3]
		if m[1] == "✓" {
			done1[key] = true
			continue
		}
		if strings.TrimSpace(m[4]) == "" {
			t.Errorf("%s reported %s with no reason", key, m[1])
		}
		notDone[key] = m[4]
	}
	want := map[string]bool{}
	for _, name := range names {
		want["Topic/"+name] = true
	}
	for _, k := range killOthers {
		want[fmt.Sprintf(k, prefix)] = true
	}
	for key := range want {
		if !done1[key] && notDone[key] == "" {
			t.Fatalf("apply reports nothing for %s (%d resources done, %d not):\n%s", key, len(done1), len(notDone), lastLines(r.String(), 60))
		}
	}
	if len(done1)+len(notDone) != len(want) {
		t.Fatalf("apply reported %d resources done and %d not, want %d in all:\n%s", len(done1), len(notDone), len(want), lastLines(r.String(), 60))
	}
	if want := map[bool]int{true: 1, false: 0}[len(notDone) > 0]; r.code != want {
		t.Errorf("apply exits %d with %d resource(s) not done; want %d:\n%s", r.code, len(notDone), want, lastLines(r.stdout, 40))
	}
	reasons := map[string]int{}
	for _, why := range notDone {
		reasons[why]++
	}
	t.Logf("apply: %d done, %d not done; reasons: %v", len(done1), len(notDone), reasons)

	// Every topic reported done exists as declared; every one not done
	// does not exist (the controller, which validateOnly asks, is the
	// judge: Metadata may lag behind it).
	live := visible(t, cl, prefix)
	var missing, extra []string
	for _, name := range names {
		_, ok := live[name]
		if done1["Topic/"+name] && !ok {
			missing = append(missing, name)
		}
	}
	var notDoneTopics []string
	for key := range notDone {
		if name, ok := strings.CutPrefix(key, "Topic/"); ok {
			notDoneTopics = append(notDoneTopics, name)
		}
	}
	exist := controllerHas(t, cl, notDoneTopics)
	for _, name := range notDoneTopics {
		if exist[name] {
			extra = append(extra, name)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%d topic(s) reported created are not shown by the brokers (first: %v); %d reported not created exist (first: %v: %s)",
			len(missing), first(missing, 3), len(extra), first(extra, 3), notDone["Topic/"+first(extra, 1)[0]])
	}
	checkAsDeclared(t, cl, live)

	// The plan made now is exactly what was not done.
	planned := planKeys(t, kgitops(t, nil, args("plan", "-o", "json")...))
	for key := range done1 {
		if planned[key] {
			t.Errorf("%s was reported done, yet the next plan changes it", key)
		}
	}
	for key := range notDone {
		if !planned[key] {
			t.Errorf("%s was reported not done (%s), yet the next plan leaves it", key, notDone[key])
		}
	}

	// 2. The inventory owns exactly the topics that exist.
	checkInventory(t, n.Cluster, inv, prefix, names, notDone)

	// 3. The next apply, with the node still down, creates nothing of
	// replication factor 3: the plan holds those topics as blocked,
	// waiting for brokers (the controller would place a replica on the
	// fenced broker, and the topic would start under-replicated), applies
	// the rest and exits 1. The topics that exist are left as they are,
	// replicas on the down broker included, with one note: when the
	// killed apply made them all, this apply has nothing to do and exits
	// 0. Once the node is back, the next apply converges and the plan
	// after it is empty.
	r = kgitops(t, nil, args("apply")...)
	note := fmt.Sprintf("placement is not checked while broker %d is down", victim)
	switch {
	case strings.Contains(r.stdout, "✗ ") || !strings.Contains(r.stdout, note):
		t.Fatalf("the next apply, node %d still down: want no failure and the note %q\n%s", victim, note, lastLines(r.String(), 60))
	case len(notDone) > 0 && (r.code != 1 || !strings.Contains(r.stdout, "waiting for brokers")):
		t.Fatalf("the next apply, node %d still down, %d resources left: want exit 1 and those blocked (waiting for brokers)\n%s", victim, len(notDone), lastLines(r.String(), 60))
	case len(notDone) == 0 && (r.code != 0 || strings.Contains(r.stdout, "waiting for brokers")):
		t.Fatalf("the next apply, node %d still down, nothing left: want exit 0 and nothing blocked\n%s", victim, lastLines(r.String(), 60))
	}
	n.StartNode(t, victim)
	down = false
	if r := kgitops(t, nil, args("apply")...); r.code != 0 {
		t.Fatalf("the next apply, node %d back:\n%s", victim, lastLines(r.String(), 60))
	}
	checkInventory(t, n.Cluster, inv, prefix, names, nil)
	// Exit 0 under --detailed-exitcode is an empty plan. It may carry the
	// note of a broker down: on a loaded machine the rig's brokers, fenced
	// 3 s after a missed heartbeat, are sometimes fenced for a moment.
	if r := kgitops(t, nil, args("plan", "--detailed-exitcode")...); r.code != 0 ||
		!(strings.Contains(r.stdout, "No changes.") || strings.Contains(r.stdout, "Plan: 0 to create, 0 to update, 0 to delete.")) {
		t.Fatalf("plan after the apply that converged: want no changes\n%s", lastLines(r.String(), 60))
	}
	checkAsDeclared(t, cl, visible(t, cl, prefix))
	t.Logf("converged %v after the apply began", time.Since(began).Round(time.Millisecond))
}

// killOthers are the resources of the killed apply besides its topics,
// as kind/name, with %[1]s for the prefix.
var killOthers = []string{"Quota/user=%[1]s", "ACL/ALLOW User:%[1]s DESCRIBE topic:%[1]s- (prefixed) from *",
	"ACL/ALLOW User:%[1]s READ group:%[1]s- (prefixed) from *", "ACL/ALLOW User:%[1]s READ topic:%[1]s- (prefixed) from *"}

// writeKillRepo writes the repo of the killed apply: killTopics topics,
// an ACL and a quota.
func writeKillRepo(t *testing.T, dir, prefix string) {
	t.Helper()
	var b strings.Builder
	for i := range killTopics {
		fmt.Fprintf(&b, "---\napiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s-%05d\nspec:\n  partitions: 1\n  replicationFactor: 3\n  configs:\n", prefix, i)
		for _, k := range sortedKeys(killConfigs) {
			fmt.Fprintf(&b, "    %s: %q\n", k, killConfigs[k])
		}
	}
	fmt.Fprintf(&b, `---
apiVersion: kgitops.io/v1alpha1
kind: ACL
metadata: {name: readers}
spec:
  principal: User:%[1]s
  rules:
    - resource: {type: topic, name: %[1]s-, patternType: prefixed}
      operations: [read, describe]
    - resource: {type: group, name: %[1]s-, patternType: prefixed}
      operations: [read]
---
apiVersion: kgitops.io/v1alpha1
kind: Quota
metadata: {name: app}
spec:
  user: %[1]s
  values: {producer_byte_rate: 1048576}
`, prefix)
	if err := os.WriteFile(filepath.Join(dir, "repo.yaml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// visible returns the topics named prefix-... that Metadata shows, with
// their ids, asking a broker rather than the client's cache.
func visible(t *testing.T, cl *kgo.Client, prefix string) map[string]kmsg.MetadataResponseTopic {
	t.Helper()
	// Generous: a node that just restarted catches up on thousands of
	// partitions, and CI's other tests share the cores.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	out := map[string]kmsg.MetadataResponseTopic{}
	for _, tp := range resp.Topics {
		if tp.Topic != nil && strings.HasPrefix(*tp.Topic, prefix+"-") {
			out[*tp.Topic] = tp
		}
	}
	return out
}

// controllerHas asks the controller which of names exist: a validateOnly
// creation of an existing topic fails with TOPIC_ALREADY_EXISTS, even
// before the brokers show it.
func controllerHas(t *testing.T, cl *kgo.Client, names []string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	if len(names) == 0 {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).ValidateCreateTopics(ctx, 1, 3, nil, names...)
	if err != nil {
		t.Fatalf("validate the creation of %d topics: %v", len(names), err)
	}
	for name, r := range resp {
		switch {
		case r.Err == nil:
		case errors.Is(r.Err, kerr.TopicAlreadyExists):
			out[name] = true
		default:
			t.Fatalf("validate the creation of %s: %v", name, r.Err)
		}
	}
	return out
}

// checkAsDeclared checks that each topic has one partition of three
// replicas and killConfigs as overrides.
func checkAsDeclared(t *testing.T, cl *kgo.Client, topics map[string]kmsg.MetadataResponseTopic) {
	t.Helper()
	var names []string
	for name, tp := range topics {
		names = append(names, name)
		if len(tp.Partitions) != 1 || len(tp.Partitions[0].Replicas) != 3 {
			t.Errorf("%s: %d partition(s), replicas %v; want 1 partition of 3 replicas", name, len(tp.Partitions), tp.Partitions)
		}
	}
	if len(names) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rcs, err := kadm.NewClient(cl).DescribeTopicConfigs(ctx, names...)
	if err != nil {
		t.Fatalf("describe the configs of %d topics: %v", len(names), err)
	}
	bad := 0
	for _, rc := range rcs {
		got := map[string]string{}
		for _, c := range rc.Configs {
			if c.Source == kmsg.ConfigSourceDynamicTopicConfig {
				got[c.Key] = c.MaybeValue()
			}
		}
		if rc.Err != nil || fmt.Sprint(got) != fmt.Sprint(killConfigs) {
			if bad++; bad <= 3 {
				t.Errorf("%s: overrides %v (%v), want %v", rc.Name, got, rc.Err, killConfigs)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d topics lack their overrides", bad, len(names))
	}
}

// planKeys returns the kind/name of every change of a JSON plan.
func planKeys(t *testing.T, r result) map[string]bool {
	t.Helper()
	var p struct {
		Changes []struct{ Kind, Name string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("plan -o json: %v\n%s", err, lastLines(r.String(), 40))
	}
	out := map[string]bool{}
	for _, c := range p.Changes {
		out[c.Kind+"/"+c.Name] = true
	}
	return out
}

// checkInventory checks that the inventory holds every topic of names
// that exists, none that does not, and an intent (pending) only for a
// topic whose creation apply reported as not done.
func checkInventory(t *testing.T, c *kafkatest.Cluster, inv, prefix string, names []string, notDone map[string]string) {
	t.Helper()
	cl := c.Client(t)
	recorded := readInventoryPatiently(t, c, inv)
	live := visible(t, cl, prefix)
	var lost, ghosts, badIDs, intents []string
	for _, name := range names {
		e, owned := recorded.Entries[reconcile.ResourceKey{Kind: reconcile.KindTopic, Name: name}]
		lt, exists := live[name]
		switch {
		case exists && !owned:
			lost = append(lost, name)
		case owned && e.Pending:
			if _, reported := notDone["Topic/"+name]; !reported {
				intents = append(intents, name)
			}
		case owned && !exists:
			ghosts = append(ghosts, name)
		case owned && e.TopicID != fmt.Sprintf("%x", lt.TopicID):
			badIDs = append(badIDs, name)
		}
	}
	if len(lost)+len(ghosts)+len(badIDs)+len(intents) > 0 {
		t.Errorf("inventory: %d topic(s) exist but are not owned (%v), %d owned do not exist (%v), %d recorded with another id (%v), %d pending without a failure reported (%v)",
			len(lost), first(lost, 3), len(ghosts), first(ghosts, 3), len(badIDs), first(badIDs, 3), len(intents), first(intents, 3))
	}
}

// readInventoryPatiently reads inventory inv, with a new client for each
// try, for up to three minutes: on a loaded CI machine a node back from a
// SIGKILL once left a ListOffsets unanswered for a minute. What the test
// checks is what the inventory holds, which a later read shows as well.
func readInventoryPatiently(t *testing.T, c *kafkatest.Cluster, inv string) reconcile.Inventory {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		cl := c.Client(t)
		recorded, err := reconcile.ReadInventory(ctx, cl, reconcile.InventoryRef{Name: inv})
		cancel()
		if err == nil {
			return recorded
		}
		if time.Now().After(deadline) {
			t.Fatalf("read the inventory, try %d: %v", try, err)
		}
		t.Logf("read the inventory, try %d: %v; trying again", try, err)
		time.Sleep(2 * time.Second)
	}
}

func first(s []string, n int) []string {
	if len(s) == 0 {
		return []string{""}
	}
	return s[:min(n, len(s))]
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
