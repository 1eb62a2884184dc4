package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kgitops/kgitops/internal/kafkatest"
	"github.com/kgitops/kgitops/reconcile"
)

const cliInventoryKey = "c0ffee-cli-inventory-key-never-printed"

// forgeEntry writes an inventory entry for a topic straight to the
// inventory topic, without a MAC, as anyone who can write it could.
func forgeEntry(t *testing.T, c *kafkatest.Cluster, inventory, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rec := &kgo.Record{Topic: reconcile.DefaultInventoryTopic, Key: []byte(inventory + "/Topic/" + topic),
		Value: []byte(`{"createdAt":"2026-01-01T00:00:00Z"}`)}
	if err := c.Client(t).ProduceSync(ctx, rec).FirstErr(); err != nil {
		t.Fatalf("forge: %v", err)
	}
}

func topicExists(t *testing.T, c *kafkatest.Cluster, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	td, err := c.Admin(t).ListTopics(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return td.Has(name)
}

// assertNoKey fails when the key reached any output.
func assertNoKey(t *testing.T, rs ...result) {
	t.Helper()
	for _, r := range rs {
		if strings.Contains(r.stdout+r.stderr, cliInventoryKey) {
			t.Fatalf("the inventory key was printed:\n%s", r)
		}
	}
}

// TestForgedInventoryRecordIsIgnoredByApply pins issue 9: a record added
// to __kgitops_inventory by someone else made apply --allow-delete delete
// the topic it named. With a key (from the file or the environment) it is
// ignored and reported by its record key; kgitops' own records still work.
func TestForgedInventoryRecordIsIgnoredByApply(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv, ours, victim := kafkatest.Unique("forged"), kafkatest.Unique("ours"), kafkatest.Unique("victim")
		keyFile := filepath.Join(t.TempDir(), "inventory.key")
		if err := os.WriteFile(keyFile, []byte(cliInventoryKey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		dir := repo(t, map[string]string{"t.yaml": topicYAML(ours, 1)})
		args := func(cmd string, extra ...string) []string {
			return append(append([]string{cmd, "--dir", dir, "--log-level", "debug"}, clusterArgs(c, inv)...), extra...)
		}
		first := kgitops(t, nil, args("apply", "--inventory-key-file", keyFile)...)
		if first.code != 0 || strings.Contains(first.stderr, "not authenticated") {
			t.Fatalf("first apply:\n%s", first)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if resp, err := c.Admin(t).CreateTopic(ctx, 1, 1, nil, victim); err != nil || resp.Err != nil {
			t.Fatalf("create %s: %v %v", victim, err, resp.Err)
		}
		kafkatest.WaitForTopics(t, c.Admin(t), victim)
		forgeEntry(t, c, inv, victim)

		env := map[string]string{"KGITOPS_INVENTORY_KEY": cliInventoryKey}
		r := kgitops(t, env, args("apply", "--allow-delete")...)
		if r.code != 0 || strings.Contains(r.stdout, victim) ||
			!strings.Contains(r.stderr, "ignored 1 inventory record(s) without a valid signature") || !strings.Contains(r.stderr, inv+"/Topic/"+victim) {
			t.Fatalf("apply --allow-delete with a forged record:\n%s", r)
		}
		if !topicExists(t, c, victim) {
			t.Fatalf("%s was deleted", victim)
		}
		// kgitops' own records still count: dropping ours deletes it.
		other := kafkatest.Unique("next")
		if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(topicYAML(other, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		last := kgitops(t, nil, args("apply", "--allow-delete", "--inventory-key-file", keyFile)...)
		if last.code != 0 || !strings.Contains(last.stdout, "✓ Topic "+ours+": deleted") || strings.Contains(last.stdout, victim) {
			t.Fatalf("apply without ours:\n%s", last)
		}
		if !topicExists(t, c, victim) {
			t.Fatalf("%s was deleted", victim)
		}
		assertNoKey(t, first, r, last)
	})
}

// TestInventoryKeyMigration: an inventory written without a key is
// ignored once a key is set, until one apply with
// --inventory-trust-unsigned signs it; plan never writes.
func TestInventoryKeyMigration(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv, ours := kafkatest.Unique("migrate"), kafkatest.Unique("old")
		dir := repo(t, map[string]string{"t.yaml": topicYAML(ours, 1)})
		empty := repo(t, map[string]string{"other.yaml": topicYAML(kafkatest.Unique("keep"), 1)})
		args := func(cmd, d string, extra ...string) []string {
			return append(append([]string{cmd, "--dir", d}, clusterArgs(c, inv)...), extra...)
		}
		env := map[string]string{"KGITOPS_INVENTORY_KEY": cliInventoryKey}
		var all []result
		run := func(env map[string]string, a ...string) result {
			r := kgitops(t, env, a...)
			all = append(all, r)
			return r
		}

		r := run(nil, args("apply", dir)...)
		if r.code != 0 || !strings.Contains(r.stderr, "Warning: inventory records are not authenticated") {
			t.Fatalf("apply without a key should warn:\n%s", r)
		}
		// Under the new key the old records are ignored: nothing is ours.
		r = run(env, args("plan", empty, "--allow-delete")...)
		if r.code != 0 || strings.Contains(r.stdout, "- Topic "+ours) || !strings.Contains(r.stderr, "--inventory-trust-unsigned") {
			t.Fatalf("plan under a new key:\n%s", r)
		}
		// plan with the flag trusts them, shows what they own, writes nothing.
		r = run(env, args("plan", empty, "--allow-delete", "--inventory-trust-unsigned")...)
		if r.code != 0 || !strings.Contains(r.stdout, "- Topic "+ours) || !strings.Contains(r.stderr, "trusting") || strings.Contains(r.stderr, "Signed") {
			t.Fatalf("plan trusting:\n%s", r)
		}
		if r = run(env, args("plan", empty, "--allow-delete")...); strings.Contains(r.stdout, "- Topic "+ours) {
			t.Fatalf("plan signed something:\n%s", r)
		}
		r = run(env, args("apply", dir, "--inventory-trust-unsigned")...)
		if r.code != 0 || !strings.Contains(r.stderr, "Signed ") || !strings.Contains(r.stderr, inv+"/Topic/"+ours) {
			t.Fatalf("apply --inventory-trust-unsigned:\n%s", r)
		}
		r = run(env, args("plan", empty, "--allow-delete")...)
		if r.code != 0 || !strings.Contains(r.stdout, "- Topic "+ours) || strings.Contains(r.stderr, "signature") {
			t.Fatalf("plan after the migration:\n%s", r)
		}
		if r = run(nil, args("plan", dir, "--inventory-trust-unsigned")...); r.code == 0 || !strings.Contains(r.stderr, "needs an inventory key") {
			t.Fatalf("--inventory-trust-unsigned without a key:\n%s", r)
		}
		short := map[string]string{"KGITOPS_INVENTORY_KEY": "short"}
		if r = run(short, args("plan", dir)...); r.code == 0 || !strings.Contains(r.stderr, "KGITOPS_INVENTORY_KEY is shorter than") || strings.Contains(r.stderr, "short\n") {
			t.Fatalf("short key:\n%s", r)
		}
		assertNoKey(t, all...)
	})
}

// TestPlanWarnsAboutInventoryWriters: a prefixed ACL that lets another
// principal write the inventory topic is named in one warning; plan
// still succeeds.
func TestPlanWarnsAboutInventoryWriters(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		prefix := kafkatest.Unique("__kgw")
		topic, intruder := prefix+"_inv", kafkatest.Unique("User:intruder")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		adm := c.Admin(t)
		b := kadm.NewACLs().Allow(intruder).AllowHosts("*").Topics(prefix).ResourcePatternType(kadm.ACLPatternPrefixed).Operations(kadm.OpWrite)
		if res, err := adm.CreateACLs(ctx, b); err != nil || res[0].Err != nil {
			t.Fatalf("create ACL: %v %v", err, res)
		}
		t.Cleanup(func() { _, _ = adm.DeleteACLs(context.Background(), b) })
		waitForWriter(t, c, topic, intruder)
		dir := repo(t, map[string]string{"t.yaml": topicYAML(kafkatest.Unique("w"), 1)})
		r := kgitops(t, map[string]string{"KGITOPS_INVENTORY_KEY": cliInventoryKey},
			append([]string{"plan", "--dir", dir, "--inventory-topic", topic}, clusterArgs(c, kafkatest.Unique("w"))...)...)
		if r.code != 0 || strings.Count(r.stderr, "principals other than kgitops can write "+topic+": "+intruder+".") != 1 {
			t.Fatalf("plan with a prefixed WRITE ACL on the inventory topic:\n%s", r)
		}
		assertNoKey(t, r)
	})
}

// TestRunGuardsInventory: at start, run warns about an unsigned inventory
// and, with --inventory-trust-unsigned in apply mode, signs the records
// once and trusts no unsigned record after that; the key is never logged.
func TestRunGuardsInventory(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv, ours := kafkatest.Unique("daemon"), kafkatest.Unique("old")
		dir := repo(t, map[string]string{"t.yaml": topicYAML(ours, 1)})
		if r := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(c, inv)...)...); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		var logs strings.Builder
		log, err := newLogger(&logs, "debug", "text")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cl := c.Client(t)

		f := &runFlags{}
		f.inventoryName, f.inventoryTopic, f.conn.Timeout, f.log = inv, reconcile.DefaultInventoryTopic, 30*time.Second, log
		if err := f.guardInventory(ctx, cl, log, "apply"); err != nil || !strings.Contains(logs.String(), "inventory records are not authenticated") {
			t.Fatalf("without a key: %v\n%s", err, logs.String())
		}

		logs.Reset()
		f.trustUnsigned = true
		if err := f.readKey(func(k string) string { return map[string]string{envInventoryKey: cliInventoryKey}[k] }); err != nil {
			t.Fatal(err)
		}
		if err := f.guardInventory(ctx, cl, log, "apply"); err != nil || !strings.Contains(logs.String(), inv+"/Topic/"+ours) || f.trustUnsigned {
			t.Fatalf("signing at start: %v trust=%v\n%s", err, f.trustUnsigned, logs.String())
		}
		got, err := reconcile.ReadInventory(ctx, cl, f.inventory())
		if err != nil || !got.Has("Topic", ours) || got.Unauthenticated != 0 || f.inventory().TrustUnsigned {
			t.Fatalf("after signing: %v has=%v unauthenticated=%d", err, got.Has("Topic", ours), got.Unauthenticated)
		}
		if strings.Contains(logs.String(), cliInventoryKey) || strings.Contains(logs.String(), "not authenticated") {
			t.Fatalf("logs:\n%s", logs.String())
		}
	})
}

// waitForWriter waits until the cluster's ACLs show principal as a writer
// of topic: a real broker answers DescribeACLs from its copy of the
// metadata log, which may lag a CreateACLs for a moment.
func waitForWriter(t *testing.T, c *kafkatest.Cluster, topic, principal string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		got, err := reconcile.CheckInventoryWriters(ctx, c.Client(t), topic, "")
		if err == nil && slices.Contains(got, principal) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("ACLs never showed %s writing %s: %v %v", principal, topic, got, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
