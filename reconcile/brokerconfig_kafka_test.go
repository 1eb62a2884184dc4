package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/spec"
)

// The BrokerConfig tests change cluster-wide settings of the real broker,
// which the whole test suite shares: they use keys that change nothing
// another test sees, leave alone every override they did not set (other
// packages' tests run at the same time), and remove what they set in
// t.Cleanup.

// brokerRig is a rig for a BrokerConfig test. On the shared real broker it
// holds kafkatest's lock, so that no other package's BrokerConfig test
// runs meanwhile; it forgets what test inventories of earlier runs hold of
// BrokerConfigs (a run that died left them: they would block this one as
// another repo's); and in the end it forgets its own.
func brokerRig(t *testing.T, c *kafkatest.Cluster) *rig {
	t.Helper()
	c.LockBrokerConfigs(t)
	r := newRig(t, c)
	forget := func(mine bool) {
		inv, err := ReadInventory(r.ctx(), r.cl, r.inv)
		if err != nil {
			t.Fatalf("read inventory: %v", err)
		}
		byOwner := map[string][]ResourceKey{}
		for key, owner := range inv.Others {
			if key.Kind == KindBrokerConfig && !mine && (strings.HasPrefix(owner, "test-") || strings.HasPrefix(owner, "daemon-") || strings.HasPrefix(owner, "cli-")) {
				byOwner[owner] = append(byOwner[owner], key)
			}
		}
		for key := range inv.Entries {
			if key.Kind == KindBrokerConfig && mine {
				byOwner[r.inv.Name] = append(byOwner[r.inv.Name], key)
			}
		}
		for owner, keys := range byOwner {
			w := inventoryWriter{cl: r.cl, ref: InventoryRef{Name: owner}.withDefaults(), brokers: 1}
			if err := w.record(r.ctx(), nil, keys); err != nil {
				t.Fatalf("forget %s of inventory %s: %v", keys, owner, err)
			}
		}
	}
	forget(false)
	t.Cleanup(func() { forget(true) })
	return r
}

// loadDocs loads YAML documents as the loader reads a repo.
func loadDocs(t *testing.T, yaml string) *spec.State {
	t.Helper()
	st, err := spec.LoadFS(fstest.MapFS{"repo.yaml": {Data: []byte(yaml)}})
	if err != nil {
		t.Fatalf("load:\n%v", err)
	}
	return st
}

// alterBroker sets and removes configs of a BROKER resource behind
// kgitops' back ("" for the cluster-wide defaults).
func alterBroker(t *testing.T, cl *kgo.Client, resource string, set map[string]string, del ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, resource
	for k, v := range set {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = k, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(v)
		r.Configs = append(r.Configs, c)
	}
	for _, k := range del {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op = k, kmsg.IncrementalAlterConfigOpDelete
		r.Configs = append(r.Configs, c)
	}
	req.Resources = append(req.Resources, r)
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			t.Fatalf("alter BROKER %q: %v", resource, shard.Err)
		}
		for _, rr := range shard.Resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if err := kafkaErr(rr.ErrorCode, rr.ErrorMessage); err != nil {
				t.Fatalf("alter BROKER %q: %v", resource, err)
			}
		}
	}
}

// brokerLevel reads one level's overrides as Observe does.
func brokerLevel(t *testing.T, cl *kgo.Client, broker string) LiveBrokerConfig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := kmsg.NewPtrDescribeConfigsRequest()
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, brokerResource(broker)
	req.Resources = append(req.Resources, r)
	levels := map[string]LiveBrokerConfig{}
	if err := describeBrokerOverrides(ctx, cl, req, levels); err != nil {
		t.Fatalf("describe %s: %v", broker, err)
	}
	return levels[broker]
}

// waitBroker waits until the level shows key with value want ("" for not
// set): a real broker shows an alteration a moment after the controller
// took it.
func waitBroker(t *testing.T, cl *kgo.Client, broker, key, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		lc := brokerLevel(t, cl, broker)
		have, set := lc.Configs[key]
		if _, secret := lc.Secrets[key]; secret {
			have, set = "(set)", true
		}
		if !set && want == "" || set && have == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s of %s is %q after 30s, want %q", key, broker, have, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// brokerTestKeys are the keys BrokerConfig tests of other packages set on
// the shared real broker while these run (internal/daemon, cmd/kgitops/cli):
// each test leaves the others' alone.
var brokerTestKeys = []string{"log.cleaner.min.compaction.lag.ms", "log.cleaner.io.buffer.load.factor", "listener.name.kgitops*"}

// othersAt lists the overrides a test must leave alone at a level: every
// one there now but mine, and those other tests set.
func othersAt(t *testing.T, cl *kgo.Client, broker string, mine ...string) []string {
	t.Helper()
	lc := brokerLevel(t, cl, broker)
	out := slices.Clone(brokerTestKeys)
	for _, k := range slices.Concat(sortedKeys(lc.Configs), sortedKeys(lc.Secrets)) {
		if _, covered := spec.IgnoreMatch(out, k); !covered && !slices.Contains(mine, k) {
			out = append(out, k)
		}
	}
	return out
}

func yamlList(keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = strconv.Quote(k)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// firstBroker is the lowest live broker id.
func firstBroker(t *testing.T, r *rig) string {
	t.Helper()
	var ids []int
	for name, lc := range brokerLevels(r.observeFor(&spec.State{BrokerConfigs: []spec.BrokerConfig{{Broker: spec.DefaultBroker}}})) {
		if id, err := strconv.Atoi(name); err == nil && !lc.Down {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return strconv.Itoa(ids[0])
}

// TestBrokerConfigLifecycle applies cluster-wide defaults, checks the next
// plan is empty, changes one and adds one by hand (drift, reverted by the
// next apply), then removes the document: pending without --allow-delete,
// applied with it.
func TestBrokerConfigLifecycle(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := brokerRig(t, c)
		const backoff, tombstones = "log.cleaner.backoff.ms", "log.cleaner.delete.retention.ms"
		mine := []string{backoff, tombstones, "log.retention.ms"}
		t.Cleanup(func() { alterBroker(t, r.cl, "", nil, mine...) })
		doc := fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: BrokerConfig
metadata: {name: cluster-defaults}
spec:
  broker: default
  configs:
    log.cleaner.backoff.ms: 15s
    log.retention.ms: 7d   # Kafka's own default: changes nothing for other tests
  ignoreConfigs: %s
`, yamlList(othersAt(t, r.cl, spec.DefaultBroker, mine...)))
		st := loadDocs(t, doc)

		p, _ := r.applyPlan(st, DiffOptions{})
		if d := cmp.Diff([]string{"create BrokerConfig default | configs.log.cleaner.backoff.ms: - -> 15000 | configs.log.retention.ms: - -> 604800000"}, planText(p)); d != "" {
			t.Fatalf("first plan (-want +got):\n%s", d)
		}
		if e, ok := r.observe().Inventory.Entries[ResourceKey{KindBrokerConfig, spec.DefaultBroker}]; !ok || e.External {
			t.Fatalf("inventory entry of the defaults: %+v, %v", e, ok)
		}
		r.assertNoChanges(st)

		// Drift: a changed value and a new override, by hand.
		alterBroker(t, r.cl, "", map[string]string{backoff: "15002", tombstones: "86400000"})
		waitBroker(t, r.cl, spec.DefaultBroker, tombstones, "86400000")
		waitBroker(t, r.cl, spec.DefaultBroker, backoff, "15002")
		p, _ = r.applyPlan(st, DiffOptions{})
		want := []string{"update BrokerConfig default | configs.log.cleaner.backoff.ms: 15002 -> 15000 | configs.log.cleaner.delete.retention.ms: 86400000 -> -"}
		if d := cmp.Diff(want, planText(p)); d != "" {
			t.Fatalf("drift plan (-want +got):\n%s", d)
		}
		r.assertNoChanges(st)

		// Removed from the repo: pending, then applied with --allow-delete.
		empty := &spec.State{}
		p, _ = r.plan(empty, DiffOptions{AllowEmpty: true})
		if d := cmp.Diff([]string{"delete BrokerConfig default (pending) | configs.log.cleaner.backoff.ms: 15000 -> - | configs.log.retention.ms: 604800000 -> -"}, planText(p)); d != "" {
			t.Fatalf("removal plan (-want +got):\n%s", d)
		}
		r.applyPlan(empty, DiffOptions{AllowEmpty: true, AllowDelete: true})
		if lc := brokerLevel(t, r.cl, spec.DefaultBroker); lc.Configs[backoff] != "" || lc.Configs["log.retention.ms"] != "" {
			t.Errorf("the defaults still hold %v", lc.Configs)
		}
		if _, ok := r.observe().Inventory.Entries[ResourceKey{KindBrokerConfig, spec.DefaultBroker}]; ok {
			t.Error("the inventory still holds the deleted defaults")
		}
	})
}

// TestBrokerConfigSecret applies a keystore password for one broker from
// the environment: it is set, never shown in any output or in the live
// state, a second plan is empty, and another password shows as a change.
func TestBrokerConfigSecret(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := brokerRig(t, c)
		id := firstBroker(t, r)
		// A listener of that name does not exist: the broker stores the
		// password and uses it nowhere.
		key := "listener.name." + strings.ReplaceAll(kafkatest.Unique("reconciletest"), "-", "_") + ".ssl.keystore.password"
		const threads = "log.cleaner.threads"
		t.Cleanup(func() { alterBroker(t, r.cl, id, nil, key, threads) })
		st := loadDocs(t, fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: BrokerConfig
metadata: {name: broker-%s}
spec:
  broker: %s
  configs:
    %s: 2
    %s:
      valueFrom: {env: KGITOPS_TEST_KEYSTORE_PW}
  ignoreConfigs: %s
`, id, id, threads, key, yamlList(othersAt(t, r.cl, id, key, threads))))
		first, second := "first-"+kafkatest.Unique("s3cret"), "second-"+kafkatest.Unique("s3cret")
		opts := func(pw string) DiffOptions {
			return DiffOptions{BrokerSecrets: map[string]Secret{BrokerSecretKey(id, key): NewSecret(pw)}}
		}
		var out bytes.Buffer
		show := func(p *Plan, live *Live) {
			if err := RenderText(&out, p); err != nil {
				t.Fatal(err)
			}
			if err := RenderJSON(&out, p); err != nil {
				t.Fatal(err)
			}
			if err := RenderMarkdown(&out, p, MarkdownOptions{}); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "%+v %#v\n", p, p.Changes)
			parts, _ := json.Marshal(live.Parts)
			out.Write(parts)
			inv, _ := json.Marshal(live.Inventory.Entries[ResourceKey{KindBrokerConfig, id}])
			out.Write(inv)
			fmt.Fprintln(&out, Fingerprint(live, p))
		}

		p, live := r.plan(st, opts(first))
		show(p, live)
		want := []string{fmt.Sprintf("create BrokerConfig %s | configs.%s: - -> (set from env KGITOPS_TEST_KEYSTORE_PW) | configs.%s: - -> 2", id, key, threads)}
		if d := cmp.Diff(want, planText(p)); d != "" {
			t.Fatalf("first plan (-want +got):\n%s", d)
		}
		results := r.apply(st, opts(first))
		fmt.Fprintf(&out, "%+v\n", results)
		waitBroker(t, r.cl, id, key, "(set)")

		p, live = r.plan(st, opts(first))
		show(p, live)
		if p.HasChanges() || len(p.Errors) > 0 {
			t.Fatalf("second plan: %v", planText(p))
		}
		e := live.Inventory.Entries[ResourceKey{KindBrokerConfig, id}]
		if h := valueHashes(e.ValueHashes)[key]; !strings.HasPrefix(h, "pbkdf2-sha512$") {
			t.Fatalf("the inventory holds no hash of %s: %+v", key, e)
		}

		p, live = r.plan(st, opts(second))
		show(p, live)
		want = []string{fmt.Sprintf("update BrokerConfig %s | configs.%s: (applied earlier) -> (changed, from env KGITOPS_TEST_KEYSTORE_PW)", id, key)}
		if d := cmp.Diff(want, planText(p)); d != "" {
			t.Fatalf("plan of a changed password (-want +got):\n%s", d)
		}
		if len(p.Changes[0].Risks) != 1 || p.Changes[0].Risks[0].Code != RiskBrokerSecretChange {
			t.Errorf("risks of a changed password: %+v", p.Changes[0].Risks)
		}
		r.apply(st, opts(second))
		p, live = r.plan(st, opts(second))
		show(p, live)
		if p.HasChanges() {
			t.Fatalf("plan after the new password: %v", planText(p))
		}
		for _, pw := range []string{first, second} {
			if strings.Contains(out.String(), pw) || strings.Contains(out.String(), "s3cret") {
				t.Fatalf("a password reached the output:\n%s", out.String())
			}
		}
	})
}

// TestBrokerConfigUnknownBroker pins that a document for a broker the
// cluster does not have is refused, naming the brokers it has.
func TestBrokerConfigUnknownBroker(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		r := newRig(t, c)
		st := loadDocs(t, "apiVersion: kgitops.io/v1alpha1\nkind: BrokerConfig\nmetadata: {name: b}\nspec: {broker: 4242, configs: {log.cleaner.threads: 2}}\n")
		p, live := r.plan(st, DiffOptions{})
		if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "broker 4242 is not registered with the cluster, whose brokers are "+brokerIDs(brokerLevels(live))) {
			t.Fatalf("plan: %v", planText(p))
		}
	})
}
