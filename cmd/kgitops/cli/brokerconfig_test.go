package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

// TestBrokerConfigCommands runs validate, plan, apply, export and plan
// again on a BrokerConfig of one broker with two sensitive values (one
// from the environment, one from a file under --secrets-dir), with debug
// logs, and greps every output for them.
func TestBrokerConfigCommands(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		c.LockBrokerConfigs(t)
		cl := c.Client(t)
		id := lowestBrokerID(t, cl)
		listener := strings.ReplaceAll(kafkatest.Unique("kgitopscli"), "-", "_")
		keyPW, storePW := "listener.name."+listener+".ssl.key.password", "listener.name."+listener+".ssl.keystore.password"
		const factor = "log.cleaner.io.buffer.load.factor"
		inv := kafkatest.Unique("cli")
		forgetBrokerConfigLeftovers(t, cl, inv)
		t.Cleanup(func() {
			alterBrokerKeys(t, cl, id, factor, keyPW, storePW)
			forgetBrokerConfigLeftovers(t, cl, "")
		})

		secrets := t.TempDir()
		first, second, fromEnv := "f1rst-"+listener, "s3cond-"+listener, "env-s3cret-"+listener
		writeSecret := func(v string) {
			if err := os.WriteFile(filepath.Join(secrets, "key-pw"), []byte(v+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		writeSecret(first)
		dir := repo(t, map[string]string{"brokers.yaml": fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: BrokerConfig
metadata: {name: broker-%s}
spec:
  broker: %s
  configs:
    %s: 0.8
    %s:
      valueFrom: {file: key-pw}
    %s:
      valueFrom: {env: CLI_TEST_KEYSTORE_PW}
  # other tests' keys on the shared real broker, and what is there already
  ignoreConfigs: %s
`, id, id, factor, keyPW, storePW, ignoreList(t, cl, id, factor, keyPW, storePW))})
		env := map[string]string{"CLI_TEST_KEYSTORE_PW": fromEnv}
		args := func(cmd string, more ...string) []string {
			return append(append([]string{cmd, "--dir", dir, "--secrets-dir", secrets, "--log-level", "debug"}, clusterArgs(c, inv)...), more...)
		}
		var all strings.Builder
		run := func(env map[string]string, wantCode int, args ...string) result {
			t.Helper()
			r := kgitops(t, env, args...)
			all.WriteString(r.String())
			if r.code != wantCode {
				t.Fatalf("kgitops %s: exit %d, want %d\n%s", strings.Join(args, " "), r.code, wantCode, r)
			}
			return r
		}

		r := run(env, 0, "validate", "--dir", dir)
		if !strings.Contains(r.stdout, "1 broker config(s)") {
			t.Errorf("validate does not count the BrokerConfig:\n%s", r)
		}
		r = run(env, 2, args("plan", "--detailed-exitcode")...)
		for _, want := range []string{`\+ BrokerConfig ` + id, `configs\.` + factor + `: +0\.8`,
			`configs\.` + keyPW + `: +\(set from file key-pw\)`, `configs\.` + storePW + `: +\(set from env CLI_TEST_KEYSTORE_PW\)`} {
			if !regexp.MustCompile(want).MatchString(r.stdout) {
				t.Errorf("plan lacks %s:\n%s", want, r)
			}
		}
		run(env, 0, args("apply")...)
		run(env, 0, args("plan", "--detailed-exitcode")...)

		// A missing secret stops plan before it connects, naming where.
		r = run(nil, 1, args("plan")...)
		if !strings.Contains(r.stderr, "brokers.yaml:2: "+storePW+" of BrokerConfig broker-"+id+": environment variable CLI_TEST_KEYSTORE_PW is empty or not set") {
			t.Errorf("plan without the secret:\n%s", r)
		}

		// A rotated secret is a change, and applies.
		writeSecret(second)
		r = run(env, 2, args("plan", "--detailed-exitcode")...)
		if !strings.Contains(r.stdout, "~ configs."+keyPW+": (applied earlier) → (changed, from file key-pw)") {
			t.Errorf("plan of a rotated secret:\n%s", r)
		}
		run(env, 2, args("plan", "-o", "json", "--detailed-exitcode")...)
		run(env, 2, args("plan", "-o", "markdown", "--detailed-exitcode")...)
		run(env, 0, args("apply")...)
		run(env, 0, args("plan", "--detailed-exitcode")...)

		out := t.TempDir()
		run(env, 0, append([]string{"export", "--out", out, "--log-level", "debug"}, clusterArgs(c, inv)...)...)
		data, err := os.ReadFile(filepath.Join(out, "brokers", "broker-"+id+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		all.Write(data)
		if !strings.Contains(string(data), "# "+keyPW+": {valueFrom: {env: CHANGE_ME}}") || !strings.Contains(string(data), factor+": 0.8") {
			t.Errorf("the export of broker %s:\n%s", id, data)
		}

		for _, s := range []string{first, second, fromEnv} {
			if strings.Contains(all.String(), s) {
				t.Fatalf("a secret reached the output:\n%s", all.String())
			}
		}
	})
}

// A key Kafka reads only at startup is refused by validate, at its line,
// with where it belongs instead.
func TestBrokerConfigStaticKey(t *testing.T) {
	dir := repo(t, map[string]string{"brokers.yaml": `apiVersion: kgitops.io/v1alpha1
kind: BrokerConfig
metadata: {name: defaults}
spec:
  broker: default
  configs:
    num.partitions: 6
`})
	r := kgitops(t, nil, "validate", "--dir", dir)
	want := dir + "/brokers.yaml:7: num.partitions cannot change while the brokers run: Kafka reads it from server.properties at startup (set it in server.properties on every broker, then restart them one at a time)"
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("validate of a static key:\n%s\nwant %s", r, want)
	}
}

func lowestBrokerID(t *testing.T, cl *kgo.Client) string {
	t.Helper()
	md, err := kmsg.NewPtrMetadataRequest().RequestWith(t.Context(), cl)
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

// ignoreList is an ignoreConfigs list, as YAML, of the overrides broker
// has now but mine, and the keys other packages' BrokerConfig tests set.
func ignoreList(t *testing.T, cl *kgo.Client, broker string, mine ...string) string {
	t.Helper()
	keys := []string{"log.cleaner.threads", "log.cleaner.min.compaction.lag.ms", "listener.name.reconciletest*", "listener.name.daemontest*"}
	req := kmsg.NewPtrDescribeConfigsRequest()
	res := kmsg.NewDescribeConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeBroker, broker
	req.Resources = append(req.Resources, res)
	for _, shard := range cl.RequestSharded(t.Context(), req) {
		if shard.Err != nil {
			t.Fatal(shard.Err)
		}
		for _, r := range shard.Resp.(*kmsg.DescribeConfigsResponse).Resources {
			for _, c := range r.Configs {
				if c.Source == kmsg.ConfigSourceDynamicBrokerConfig && !slices.Contains(mine, c.Name) && !slices.Contains(keys, c.Name) {
					keys = append(keys, c.Name)
				}
			}
		}
	}
	for i, k := range keys {
		keys[i] = strconv.Quote(k)
	}
	return "[" + strings.Join(keys, ", ") + "]"
}

// alterBrokerKeys removes overrides of broker by hand.
func alterBrokerKeys(t *testing.T, cl *kgo.Client, broker string, keys ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, broker
	for _, k := range keys {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op = k, kmsg.IncrementalAlterConfigOpDelete
		r.Configs = append(r.Configs, c)
	}
	req.Resources = append(req.Resources, r)
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			t.Errorf("remove overrides of broker %s: %v", broker, shard.Err)
		}
	}
}

// forgetBrokerConfigLeftovers removes the BrokerConfig entries of test
// inventories from the inventory topic, but those of keep: a test run that
// died leaves them, and another inventory's entry blocks a level as
// another repo's. It runs under kafkatest's BrokerConfigs lock.
func forgetBrokerConfigLeftovers(t *testing.T, cl *kgo.Client, keep string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	inv, err := reconcile.ReadInventory(ctx, cl, reconcile.InventoryRef{Name: kafkatest.Unique("reader")})
	if err != nil {
		t.Fatalf("read inventory: %v", err)
	}
	var recs []*kgo.Record
	for key, owner := range inv.Others {
		if key.Kind == reconcile.KindBrokerConfig && owner != keep && (strings.HasPrefix(owner, "test-") || strings.HasPrefix(owner, "daemon-") || strings.HasPrefix(owner, "cli-")) {
			recs = append(recs, &kgo.Record{Topic: reconcile.DefaultInventoryTopic, Key: []byte(owner + "/" + key.Kind + "/" + key.Name)})
		}
	}
	if len(recs) > 0 {
		if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatalf("forget BrokerConfigs: %v", err)
		}
	}
}
