package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

// TestExportLayoutsRolesAndAdopt seeds a cluster with topics, overrides,
// literal, prefixed and deny ACLs, a consumer binding and a quota; exports
// it by team with --roles and --adopt; checks the export plans empty; and
// that a topic removed from the export is then a deletion kgitops may make.
func TestExportLayoutsRolesAndAdopt(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		team := strings.ReplaceAll(kafkatest.Unique("team"), "-", "")
		other := strings.ReplaceAll(kafkatest.Unique("other"), "-", "")
		reader, cons, quotaUser := kafkatest.Unique("reader"), kafkatest.Unique("cons"), kafkatest.Unique("q")
		a, b, x := team+".orders", team+".returns", other+".audit"
		seed := repo(t, map[string]string{
			"topics.yaml": topicYAML(a, 3, "retention.ms: 86400000") + "---\n" + topicYAML(b, 1, "cleanup.policy: compact"),
			"access.yaml": fmt.Sprintf(`apiVersion: kgitops.io/v1alpha1
kind: ACL
metadata: {name: reader}
spec:
  principal: User:%[1]s
  rules:
    - resource: {type: topic, name: %[2]s}
      operations: [read]
    - resource: {type: topic, name: %[3]s., patternType: prefixed}
      operations: [describe]
    - resource: {type: topic, name: %[4]s}
      operations: [write]
      permission: deny
---
apiVersion: kgitops.io/v1alpha1
kind: RoleBinding
metadata: {name: c}
spec:
  role: consumer
  principals: [User:%[5]s]
  topics: [%[2]s, %[4]s]
  groups: [{name: %[5]s-, patternType: prefixed}]
---
apiVersion: kgitops.io/v1alpha1
kind: Quota
metadata: {name: q}
spec:
  user: %[6]s
  values: {consumer_byte_rate: 1048576}
`, reader, a, team, b, cons, quotaUser),
		})
		if r := kgitops(t, nil, append([]string{"apply", "--dir", seed}, clusterArgs(c, kafkatest.Unique("seed"))...)...); r.code != 0 {
			t.Fatalf("seed apply:\n%s", r)
		}
		// x is nobody's: created outside kgitops. The seed's inventory owns
		// the rest, which adopt must leave to it (issue 9).
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if resp, err := c.Admin(t).CreateTopic(ctx, 1, 1, nil, x); err != nil || resp.Err != nil {
			t.Fatalf("create %s: %v %v", x, err, resp.Err)
		}
		kafkatest.WaitForTopics(t, c.Admin(t), x)

		out, adopter := t.TempDir(), kafkatest.Unique("adopter")
		r := kgitops(t, nil, append([]string{"adopt", "--out", out, "--layout", "team", "--roles",
			"--filter", "^(" + team + "|" + other + `)\.`}, clusterArgs(c, adopter)...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "Adopted") {
			t.Fatalf("adopt:\n%s", r)
		}
		teamFile, err := os.ReadFile(filepath.Join(out, "topics", team+".yaml"))
		if err != nil {
			t.Fatalf("no file for team %s: %v", team, err)
		}
		if !strings.Contains(string(teamFile), "name: "+a) || !strings.Contains(string(teamFile), "name: "+b) || strings.Contains(string(teamFile), x) {
			t.Errorf("team file:\n%s", teamFile)
		}
		consFile, err := os.ReadFile(filepath.Join(out, "acls", "User-"+cons+".yaml"))
		if err != nil || !strings.Contains(string(consFile), "kind: RoleBinding") || !strings.Contains(string(consFile), "role: consumer") {
			t.Errorf("--roles did not turn the consumer's ACLs into a RoleBinding (%v):\n%s", err, consFile)
		}
		entries, _ := os.ReadDir(filepath.Join(out, "topics"))
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), team) && !strings.HasPrefix(e.Name(), other) {
				t.Errorf("--filter let %s through", e.Name())
			}
		}

		plan := func() string {
			t.Helper()
			r := kgitops(t, nil, append([]string{"plan", "-o", "json", "--dir", out}, clusterArgs(c, adopter)...)...)
			if r.code != 0 {
				t.Fatalf("plan on the export:\n%s", r)
			}
			return r.stdout
		}
		got := plan()
		for _, name := range []string{a, b, x, reader, cons, quotaUser} {
			if strings.Contains(planChanges(t, got), name) {
				t.Errorf("plan on the export changes %s:\n%s", name, got)
			}
		}
		// Adopted: a topic dropped from the repo is now kgitops' to delete.
		if err := os.Remove(filepath.Join(out, "topics", other+".yaml")); err != nil {
			t.Fatal(err)
		}
		got = plan()
		if !strings.Contains(got, `"name": "`+x+`",`+"\n      \"pending\": true") {
			t.Errorf("an adopted topic removed from the repo is not a pending deletion:\n%s", got)
		}
		// A topic another inventory owns was exported, not adopted: removing
		// it from the export deletes nothing.
		if err := os.WriteFile(filepath.Join(out, "topics", team+".yaml"), []byte(topicYAML(b, 1, "cleanup.policy: compact")), 0o644); err != nil {
			t.Fatal(err)
		}
		if got = plan(); strings.Contains(planChanges(t, got), `"name": "`+a+`"`) {
			t.Errorf("a topic the seed's inventory owns was adopted:\n%s", got)
		}
	})
}
