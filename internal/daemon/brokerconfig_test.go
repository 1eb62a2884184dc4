package daemon

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
	"github.com/kgitops/kgitops/spec"
)

// brokerOverrides reads the overrides set at a BROKER resource's own
// level ("" for the cluster-wide defaults): each value, or "(sensitive)"
// for one Kafka does not return.
func brokerOverrides(t *testing.T, cl *kgo.Client, resource string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrDescribeConfigsRequest()
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, resource
	req.Resources = append(req.Resources, r)
	out := map[string]string{}
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			t.Fatalf("describe BROKER %q: %v", resource, shard.Err)
		}
		for _, rr := range shard.Resp.(*kmsg.DescribeConfigsResponse).Resources {
			for _, c := range rr.Configs {
				own := c.Source == kmsg.ConfigSourceDynamicBrokerConfig || resource == "" && c.Source == kmsg.ConfigSourceDynamicDefaultBrokerConfig
				switch {
				case !own:
				case c.IsSensitive || c.Value == nil || spec.BrokerConfigSensitive(c.Name):
					out[c.Name] = "(sensitive)"
				default:
					out[c.Name] = *c.Value
				}
			}
		}
	}
	return out
}

// ignoring is an ignoreConfigs list, as YAML: the overrides set at
// resource now, and the keys other packages' BrokerConfig tests set on the
// shared real broker meanwhile (reconcile, cmd/kgitops/cli).
func ignoring(t *testing.T, cl *kgo.Client, resource string, more ...string) string {
	t.Helper()
	keys := append(more, "log.cleaner.backoff.ms", "log.cleaner.delete.retention.ms", "log.retention.ms",
		"log.cleaner.threads", "log.cleaner.io.buffer.load.factor", "listener.name.reconciletest*", "listener.name.kgitopscli*")
	for k := range brokerOverrides(t, cl, resource) {
		if _, covered := spec.IgnoreMatch(keys, k); !covered {
			keys = append(keys, k)
		}
	}
	for i, k := range keys {
		keys[i] = strconv.Quote(k)
	}
	return "[" + strings.Join(keys, ", ") + "]"
}

// alterBrokerConfig sets (value != "") or removes an override by hand.
func alterBrokerConfig(t *testing.T, cl *kgo.Client, resource, key, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, resource
	c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	c.Name, c.Op = key, kmsg.IncrementalAlterConfigOpDelete
	if value != "" {
		c.Op, c.Value = kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(value)
	}
	r.Configs = append(r.Configs, c)
	req.Resources = append(req.Resources, r)
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			t.Fatalf("alter BROKER %q: %v", resource, shard.Err)
		}
		for _, rr := range shard.Resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
			if rr.ErrorCode != 0 {
				t.Fatalf("alter %s of BROKER %q: error code %d", key, resource, rr.ErrorCode)
			}
		}
	}
}

// forgetBrokerConfigs removes from the inventory topic the BrokerConfig
// entries of the given inventory, or with mine false those that test
// inventories of earlier runs left: another inventory's entry would block
// the level as another repo's. It runs under c.LockBrokerConfigs.
func forgetBrokerConfigs(t *testing.T, cl *kgo.Client, ref reconcile.InventoryRef, mine bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inv, err := reconcile.ReadInventory(ctx, cl, ref)
	if err != nil {
		t.Fatalf("read inventory: %v", err)
	}
	var recs []*kgo.Record
	tombstone := func(owner string, key reconcile.ResourceKey) {
		recs = append(recs, &kgo.Record{Topic: reconcile.DefaultInventoryTopic, Key: []byte(owner + "/" + key.Kind + "/" + key.Name)})
	}
	for key, owner := range inv.Others {
		if key.Kind == reconcile.KindBrokerConfig && !mine && (strings.HasPrefix(owner, "test-") || strings.HasPrefix(owner, "daemon-") || strings.HasPrefix(owner, "cli-")) {
			tombstone(owner, key)
		}
	}
	for key := range inv.Entries {
		if key.Kind == reconcile.KindBrokerConfig && mine {
			tombstone(ref.Name, key)
		}
	}
	if len(recs) > 0 {
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("forget BrokerConfigs: %v", err)
		}
	}
}

// lowestBroker is the id of the cluster's first broker.
func lowestBroker(t *testing.T, cl *kgo.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	md, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, b := range md.Brokers {
		ids = append(ids, int(b.NodeID))
	}
	slices.Sort(ids)
	return strconv.Itoa(ids[0])
}

// TestRevertsBrokerConfigDrift: a cluster-wide default changed by hand
// (IncrementalAlterConfigs on BROKER "") is put back within two passes,
// and a broker's sensitive value, read through Config.BrokerSecrets, is
// applied and never reaches the status.
func TestRevertsBrokerConfigDrift(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		c.LockBrokerConfigs(t)
		cl := c.Client(t)
		id := lowestBroker(t, cl)
		const lag = "log.cleaner.min.compaction.lag.ms" // 0 by default: 1 ms changes nothing for other tests
		secretKey := "listener.name." + strings.ReplaceAll(kafkatest.Unique("daemontest"), "-", "_") + ".ssl.key.password"
		t.Cleanup(func() {
			alterBrokerConfig(t, cl, "", lag, "")
			alterBrokerConfig(t, cl, id, secretKey, "")
		})
		const pw = "d4emon-secret"
		h := newHarness(t, c, ModeApply, func(cfg *Config) {
			cfg.Interval = enforceInterval
			cfg.BrokerSecrets = func(st *spec.State, root string) (map[string]reconcile.Secret, error) {
				out := map[string]reconcile.Secret{}
				var errs []error
				for _, b := range st.BrokerConfigs {
					for key := range b.Secrets {
						v, err := b.ReadSecret(key, func(string) string { return pw }, nil)
						errs = append(errs, err)
						out[reconcile.BrokerSecretKey(b.Broker, key)] = reconcile.NewSecret(v)
					}
				}
				return out, errors.Join(errs...)
			}
		})
		forgetBrokerConfigs(t, cl, h.inv, false)
		t.Cleanup(func() { forgetBrokerConfigs(t, cl, h.inv, true) })
		// Other tests set overrides of their own on the shared broker at
		// the same time: the documents leave every key alone but theirs.
		rev := h.src.push(map[string]string{"brokers.yaml": fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: BrokerConfig
metadata: {name: cluster-defaults}
spec:
  broker: default
  configs:
    %s: 1
  ignoreConfigs: %s
---
apiVersion: kgitops.io/v1alpha1
kind: BrokerConfig
metadata: {name: broker-%s}
spec:
  broker: %s
  configs:
    %s: {valueFrom: {env: DAEMON_TEST_PW}}
  ignoreConfigs: %s
`, lag, ignoring(t, cl, ""), id, id, secretKey, ignoring(t, cl, id, lag))}) // kfake shows the defaults as every broker's own overrides
		h.start()
		h.waitFor("the BrokerConfigs applied", func(s Status) bool { return s.LastAppliedRevision == rev && s.LastError == "" })
		if v := brokerOverrides(t, cl, "")[lag]; v != "1" {
			t.Fatalf("%s of the defaults = %q after the apply", lag, v)
		}
		if v := brokerOverrides(t, cl, id)[secretKey]; v != "(sensitive)" {
			t.Fatalf("%s of broker %s = %q after the apply", secretKey, id, v)
		}

		// A real broker shows the alteration a moment after the controller
		// took it: until then it still reads "1". The revert is the
		// applied update, then the value back.
		alterBrokerConfig(t, cl, "", lag, "2")
		changed, base := time.Now(), h.d.Status().Passes
		updates := func() float64 {
			return h.metric("kgitops_applied_changes_total", map[string]string{"kind": "BrokerConfig", "action": "update"})
		}
		for updates() < 1 || brokerOverrides(t, cl, "")[lag] != "1" {
			if s := h.d.Status(); s.Passes >= base+3 {
				t.Fatalf("drift of %s not reverted within two intervals (%d passes); status: %+v", lag, s.Passes-base, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("drift reverted %v after the change", time.Since(changed).Round(10*time.Millisecond))
		s := h.passesAfter(2)
		if s.LastError != "" || len(s.Drift) != 0 {
			t.Errorf("after the revert: error %q, drift %+v", s.LastError, s.Drift)
		}
		if strings.Contains(fmt.Sprintf("%+v", s), pw) {
			t.Errorf("the secret reached the status: %+v", s)
		}
	})
}
