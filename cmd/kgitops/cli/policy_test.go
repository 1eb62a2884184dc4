package cli

import (
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

// Policies end to end: an error finding refuses the plan and applies
// nothing, a warning is printed and counted, --fail-on warn turns it into
// exit 3, JSON plans carry the findings, and a replication factor above
// the live brokers is refused at plan.
func TestPoliciesAndChecksAtPlan(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("policy")
		name := kafkatest.Unique("shop")
		policy := func(minPartitions int) string {
			return fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: Policy
metadata: {name: house}
spec:
  topics:
    partitions: {min: %d}
    configs:
      retention.ms: {max: 30d, severity: warn}
`, minPartitions)
		}
		dir := repo(t, map[string]string{
			"topics.yaml": topicYAML(name, 2, "retention.ms: 90d"),
			"policy.yaml": policy(3),
		})
		args := func(cmd string, extra ...string) []string {
			return append(append([]string{cmd, "--dir", dir}, clusterArgs(c, inv)...), extra...)
		}
		r := kgitops(t, nil, args("apply")...)
		if r.code != 1 || !strings.Contains(r.stdout, "Error: Topic "+name+": partitions 2 is below the minimum 3") || strings.Contains(r.stdout, "✓") {
			t.Fatalf("apply with a policy error:\n%s", r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if td, err := c.Admin(t).ListTopics(ctx, name); err != nil || td.Has(name) {
			t.Fatalf("a plan refused by a policy created the topic (%v)", err)
		}
		r = kgitops(t, nil, "validate", "--dir", dir)
		if r.code != 1 || !strings.Contains(r.stderr, "topics.yaml:6: Topic "+name+": partitions 2 is below the minimum 3") {
			t.Fatalf("validate with a policy error:\n%s", r)
		}

		put(t, dir, "policy.yaml", policy(1))
		r = kgitops(t, nil, args("plan", "-o", "json")...)
		var p struct {
			Findings []map[string]any `json:"findings"`
			Summary  struct {
				Warnings int `json:"warnings"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 {
			t.Fatalf("plan -o json: %v\n%s", err, r)
		}
		var rules []string
		for _, f := range p.Findings {
			for _, k := range []string{"rule", "severity", "kind", "name", "message"} {
				if _, ok := f[k]; !ok {
					t.Errorf("finding without %q: %v", k, f)
				}
			}
			rules = append(rules, fmt.Sprint(f["rule"], " ", f["severity"], " ", f["file"], ":", f["line"]))
		}
		want := []string{"rf-one-outside-ephemeral warn topics.yaml:7", "house/configs.retention.ms warn topics.yaml:9"}
		if strings.Join(rules, ";") != strings.Join(want, ";") || p.Summary.Warnings != 2 {
			t.Fatalf("findings %v (summary %d warnings), want %v", rules, p.Summary.Warnings, want)
		}
		if r := kgitops(t, nil, args("plan", "--fail-on", "warn")...); r.code != ExitDestructive || !strings.Contains(r.stderr, "2 warning(s) (--fail-on warn)") {
			t.Fatalf("plan --fail-on warn:\n%s", r)
		}
		if r := kgitops(t, nil, args("apply")...); r.code != 0 || !strings.Contains(r.stdout, "Warning: Topic "+name) {
			t.Fatalf("apply with warnings only:\n%s", r)
		}

		// More replicas than live brokers: refused at plan, with the
		// replicationFactor's line.
		big := kafkatest.Unique("big")
		put(t, dir, "big.yaml", strings.Replace(topicYAML(big, 1), "replicationFactor: 1", "replicationFactor: 4", 1))
		r = kgitops(t, nil, args("plan", "-o", "json")...)
		if r.code != 1 || !strings.Contains(r.stdout, `"rule": "rf-above-brokers"`) || !strings.Contains(r.stdout, `"line": 7`) {
			t.Fatalf("plan with RF above the brokers:\n%s", r)
		}
	})
}

// put writes a file of the repo in dir.
func put(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
