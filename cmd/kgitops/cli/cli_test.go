package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// result is what one in-process run of kgitops printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// kgitops runs the CLI in-process with the given environment.
func kgitops(t *testing.T, environ map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := Run(ctx, args, &out, &errb, func(k string) string { return environ[k] })
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// repo writes files (path -> content) into a fresh folder.
func repo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func topicYAML(name string, partitions int, configs ...string) string {
	s := fmt.Sprintf("apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: %s\nspec:\n  partitions: %d\n  replicationFactor: 1\n", name, partitions)
	if len(configs) > 0 {
		s += "  configs:\n"
		for _, c := range configs {
			s += "    " + c + "\n"
		}
	}
	return s
}

// clusterArgs are the flags that point a command at c with its own inventory.
func clusterArgs(c *kafkatest.Cluster, inventory string) []string {
	return []string{"--bootstrap-servers", strings.Join(c.Bootstrap, ","), "--inventory-name", inventory, "--timeout", "30s"}
}

func TestPlanApplyExitCodes(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("cli")
		name := kafkatest.Unique("orders")
		dir := repo(t, map[string]string{"topics/orders.yaml": topicYAML(name, 2, "retention.ms: 604800000")})
		args := func(cmd string, extra ...string) []string {
			return append(append([]string{cmd, "--dir", dir}, clusterArgs(c, inv)...), extra...)
		}

		r := kgitops(t, nil, args("plan")...)
		if r.code != 0 || !strings.Contains(r.stdout, "+ Topic "+name) || !strings.Contains(r.stdout, "Plan: 1 to create, 0 to update, 0 to delete") {
			t.Fatalf("plan without --detailed-exitcode:\n%s", r)
		}
		if r := kgitops(t, nil, args("plan", "--detailed-exitcode")...); r.code != 2 {
			t.Fatalf("plan --detailed-exitcode with changes: want exit 2\n%s", r)
		}
		r = kgitops(t, nil, args("plan", "-o", "json")...)
		var plan struct {
			Changes []struct {
				Action, Kind, Name string
			}
			Summary map[string]int
		}
		if err := json.Unmarshal([]byte(r.stdout), &plan); err != nil || len(plan.Changes) != 1 || plan.Changes[0].Action != "create" || plan.Summary["create"] != 1 {
			t.Fatalf("plan -o json: %v\n%s", err, r)
		}
		if r := kgitops(t, nil, args("apply", "--dry-run")...); r.code != 0 || !strings.Contains(r.stdout, "validated by the brokers") {
			t.Fatalf("apply --dry-run:\n%s", r)
		}
		if r := kgitops(t, nil, args("plan", "--detailed-exitcode")...); r.code != 2 {
			t.Fatalf("dry run must change nothing; plan:\n%s", r)
		}
		if r := kgitops(t, nil, args("apply")...); r.code != 0 || !strings.Contains(r.stdout, "✓ Topic "+name+": created") {
			t.Fatalf("apply:\n%s", r)
		}
		if r := kgitops(t, nil, args("plan", "--detailed-exitcode")...); r.code != 0 || !strings.Contains(r.stdout, "No changes.") {
			t.Fatalf("plan after apply must be empty:\n%s", r)
		}

		// Shrinking partitions: plan and apply exit 1 naming the topic and both counts.
		if err := os.WriteFile(filepath.Join(dir, "topics/orders.yaml"), []byte(topicYAML(name, 1, "retention.ms: 604800000")), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"plan", "apply"} {
			r := kgitops(t, nil, args(cmd, "--detailed-exitcode")...)
			if cmd == "apply" {
				r = kgitops(t, nil, args(cmd)...)
			}
			if r.code != 1 || !strings.Contains(r.stdout, "Topic "+name+": partitions cannot shrink from 2 to 1") {
				t.Fatalf("%s with shrinking partitions:\n%s", cmd, r)
			}
		}
	})
}

func TestInvalidInputAppliesNothing(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		good := kafkatest.Unique("good")
		dir := repo(t, map[string]string{
			"good.yaml": topicYAML(good, 1),
			"bad.yaml":  "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: bad\nspec:\n  partitions: 0\n  replicationFactor: 1\n",
		})
		r := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(c, kafkatest.Unique("cli"))...)...)
		if r.code != 1 || !strings.Contains(r.stderr, filepath.ToSlash(filepath.Join(dir, "bad.yaml"))+":6:") {
			t.Fatalf("apply of an invalid repo must exit 1 naming file:line:\n%s", r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		md, err := c.Admin(t).Metadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := md.Topics[good]; ok {
			t.Errorf("topic %s was created from an invalid repo", good)
		}
	})
}

// plan and apply read the cluster while the repo loads. A repo that does
// not load drops that read: its error alone is shown, at once, even when
// the cluster cannot be reached, and nothing is written to a cluster that
// can (TestInvalidInputAppliesNothing).
func TestInvalidInputDropsTheEarlyRead(t *testing.T) {
	dir := repo(t, map[string]string{
		"bad.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: bad\nspec:\n  partitions: 0\n  replicationFactor: 1\n",
	})
	for _, cmd := range []string{"plan", "apply"} {
		began := time.Now()
		r := kgitops(t, nil, cmd, "--dir", dir, "--bootstrap-servers", "127.0.0.1:1", "--timeout", "30s")
		took := time.Since(began)
		if r.code != 1 || !strings.Contains(r.stderr, "bad.yaml:6:") || strings.Contains(r.stderr, "Kafka") || strings.Contains(r.stderr, "127.0.0.1:1") {
			t.Fatalf("%s of an invalid repo, the cluster unreachable: want exit 1 and the repo's error alone:\n%s", cmd, r)
		}
		if took > 15*time.Second {
			t.Errorf("%s of an invalid repo waited %v for the unreachable cluster (--timeout 30s)", cmd, took.Round(time.Second))
		}
	}
}

func TestValidateExitCodes(t *testing.T) {
	good := repo(t, map[string]string{"a.yaml": topicYAML("orders", 1)})
	if r := kgitops(t, nil, "validate", "--dir", good); r.code != 0 || !strings.Contains(r.stdout, "1 topic(s)") {
		t.Fatalf("validate of a good repo:\n%s", r)
	}
	bad := repo(t, map[string]string{"a.yaml": "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: \"..\"\nspec:\n  partitions: 1\n  replicationFactor: 1\n"})
	if r := kgitops(t, nil, "validate", "--dir", bad); r.code != 1 || !strings.Contains(r.stderr, "a.yaml:4:") {
		t.Fatalf("validate of a bad repo:\n%s", r)
	}
}

func TestExportRoundTrip(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("cli")
		a, b := kafkatest.Unique("exp-a"), kafkatest.Unique("exp-b")
		reader, quotaUser, scramUser := kafkatest.Unique("reader"), kafkatest.Unique("quota"), kafkatest.Unique("scram")
		dir := repo(t, map[string]string{
			"t.yaml": topicYAML(a, 3, "retention.ms: 86400000", "cleanup.policy: [compact, delete]") + "---\n" + topicYAML(b, 1, "max.message.bytes: 2097152"),
			"access.yaml": fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: ACL
metadata: {name: reader}
spec:
  principal: User:%[1]s
  rules:
    - resource: {type: topic, name: %[2]s}
      operations: [read, describe]
    - resource: {type: topic, name: %[2]s, patternType: prefixed}
      operations: [write]
      permission: deny
    - resource: {type: group, name: %[1]s-, patternType: prefixed}
      operations: [read]
---
apiVersion: kgitops.io/v1alpha1
kind: Quota
metadata: {name: q}
spec:
  user: %[3]s
  clientId: <default>
  values: {producer_byte_rate: 1048576, request_percentage: 12.5}
---
apiVersion: kgitops.io/v1alpha1
kind: User
metadata: {name: %[4]s}
spec:
  scram: {mechanism: SCRAM-SHA-256, iterations: 4096, passwordFrom: {env: SCRAM_PW}}
`, reader, a, quotaUser, scramUser),
		})
		environ := map[string]string{"SCRAM_PW": "export-test-pw"}
		if r := kgitops(t, environ, append([]string{"apply", "--dir", dir}, clusterArgs(c, inv)...)...); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		out := t.TempDir()
		if r := kgitops(t, nil, append([]string{"export", "--out", out}, clusterArgs(c, inv)...)...); r.code != 0 {
			t.Fatalf("export:\n%s", r)
		}
		read := func(p string) string {
			t.Helper()
			data, err := os.ReadFile(filepath.Join(out, p))
			if err != nil {
				t.Fatal(err)
			}
			return string(data)
		}
		for file, wants := range map[string][]string{
			"topics/" + a + ".yaml":                                {"name: " + a, "partitions: 3", "retention.ms: 86400000"},
			"acls/User-" + reader + ".yaml":                        {"principal: User:" + reader, "operations: [DESCRIBE, READ]", "permission: deny"},
			"quotas/user-" + quotaUser + "-client-id-default.yaml": {"user: " + quotaUser, `clientId: "<default>"`, "request_percentage: 12.5"},
			"users.yaml": {"#   name: " + scramUser, "#     mechanism: SCRAM-SHA-256"},
		} {
			got := read(file)
			for _, want := range wants {
				if !strings.Contains(got, want) {
					t.Errorf("%s lacks %q:\n%s", file, want, got)
				}
			}
		}
		if got := read("topics/" + a + ".yaml"); strings.Contains(got, "segment.bytes") {
			t.Errorf("export holds a broker default:\n%s", got)
		}
		if strings.Contains(read("users.yaml"), "export-test-pw") {
			t.Error("export wrote a password")
		}
		// The export is a valid repo, and the cluster matches it. It is
		// planned as a new repo adopting the cluster would be, under an
		// inventory of its own: under the one that created the user, the
		// commented-out user would be a pending deletion. On the shared
		// real broker other tests' resources come and go, so the plan is
		// checked for ours.
		r := kgitops(t, nil, append([]string{"plan", "-o", "json", "--dir", out}, clusterArgs(c, kafkatest.Unique("adopter"))...)...)
		if r.code != 0 {
			t.Fatalf("plan on the export:\n%s", r)
		}
		// What the seed's inventory owns shows as blocked (two inventories
		// claim it, issue 9), never as a change.
		changes := planChanges(t, r.stdout)
		for _, name := range []string{a, b, reader, quotaUser, scramUser} {
			if strings.Contains(changes, name) {
				t.Errorf("plan on the export changes %s:\n%s", name, r.stdout)
			}
		}
		if !c.Real() && !strings.Contains(r.stdout, `"changes": []`) {
			t.Errorf("plan on an export of kfake is not empty:\n%s", r.stdout)
		}
	})
}

func TestUnreachableClusterFailsFast(t *testing.T) {
	dir := repo(t, map[string]string{"a.yaml": topicYAML("orders", 1)})
	start := time.Now()
	r := kgitops(t, nil, "plan", "--dir", dir, "--bootstrap-servers", "127.0.0.1:1", "--timeout", "2s")
	if r.code != 1 || !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Fatalf("plan against a closed port:\n%s", r)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %s with --timeout 2s", d)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stack trace in output:\n%s", r)
	}
}

func TestDemo(t *testing.T) {
	r := kgitops(t, nil, "demo")
	if r.code != 0 {
		t.Fatalf("demo:\n%s", r)
	}
	for _, want := range []string{
		"~ configs.retention.ms: 1h (3600000) → 7d (604800000)",
		"- configs.segment.ms:",
		"+ Topic billing.payment-state",
		"- Topic platform.audit  (pending: deleted only with --allow-delete)",
		"✓ Topic platform.audit: deleted",
		"+ ACL ALLOW User:billing READ topic:shop.orders (literal) from *\n      # from RoleBinding billing-reads-orders (role consumer) at access/rbac.yaml:",
		"- ACL ALLOW User:billing ALTER topic:shop.orders (literal) from *  (drift: not in the repo, will be deleted)",
		"✓ User billing: created",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// The demo signs its inventory, as the README advises: no warning.
	if strings.Contains(r.stdout+r.stderr, "not authenticated") {
		t.Errorf("the demo warns about unsigned inventory records:\n%s", r.stderr)
	}
	if t.Failed() {
		t.Log(r)
	}
}

func TestVersion(t *testing.T) {
	if r := kgitops(t, nil, "version"); r.code != 0 || r.stdout != "kgitops dev\n" {
		t.Fatalf("version:\n%s", r)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := kgitops(t, nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "kgitops") || len(r.stdout) < 1000 {
			t.Errorf("completion %s: exit %d, %d bytes", shell, r.code, len(r.stdout))
		}
	}
}

// planChanges is the "changes" part of a JSON plan, as text.
func planChanges(t *testing.T, planJSON string) string {
	t.Helper()
	var p struct {
		Changes json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, planJSON)
	}
	return string(p.Changes)
}
