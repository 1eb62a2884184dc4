package cli

import (
	"strings"
	"testing"

	"github.com/kgitops/kgitops/internal/kafkatest"
)

func labeledTopic(name, team string, extra string) string {
	return "apiVersion: kgitops.io/v1alpha1\nkind: Topic\nmetadata:\n  name: " + name + "\n  labels: {team: " + team + "}\n" + extra +
		"spec:\n  partitions: 1\n  replicationFactor: 1\n"
}

// Regression (issue 9): pointing kgitops at a subset of the files made
// everything else under the same inventory a pending deletion. With
// --selector, resources outside the selection are never deletions; a
// selected document can still ask for one with kgitops.io/delete.
func TestSelectorNeverDeletesOutsideTheSelection(t *testing.T) {
	kafkatest.Each(t, func(t *testing.T, c *kafkatest.Cluster) {
		inv := kafkatest.Unique("sel")
		a, b, old := kafkatest.Unique("a"), kafkatest.Unique("b"), kafkatest.Unique("old")
		dir := repo(t, map[string]string{
			"a.yaml":   labeledTopic(a, "alpha", ""),
			"b.yaml":   labeledTopic(b, "beta", ""),
			"old.yaml": labeledTopic(old, "alpha", ""),
		})
		if r := kgitops(t, nil, append([]string{"apply", "--dir", dir}, clusterArgs(c, inv)...)...); r.code != 0 {
			t.Fatalf("apply:\n%s", r)
		}
		// Only team alpha, whose old topic now asks to be deleted; b is
		// outside the selection, and so is not a deletion.
		sub := repo(t, map[string]string{
			"a.yaml":   labeledTopic(a, "alpha", ""),
			"old.yaml": labeledTopic(old, "alpha", "  annotations: {kgitops.io/delete: \"true\"}\n"),
		})
		r := kgitops(t, nil, append([]string{"apply", "--dir", sub, "--selector", "team=alpha", "--allow-delete"}, clusterArgs(c, inv)...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "✓ Topic "+old+": deleted") || strings.Contains(r.stdout, "Topic "+b) ||
			!strings.Contains(r.stdout, "1 deletion(s) not considered: a plan for --selector team=alpha") {
			t.Fatalf("apply --selector:\n%s", r)
		}
		r = kgitops(t, nil, append([]string{"plan", "--dir", dir, "--selector", "team=beta", "--detailed-exitcode"}, clusterArgs(c, inv)...)...)
		if r.code != 0 {
			t.Fatalf("plan --selector team=beta on the full repo should show nothing to do for b:\n%s", r)
		}
		if r := kgitops(t, nil, "plan", "--dir", dir, "--selector", "team"); r.code != 1 || !strings.Contains(r.stderr, "write key=value") {
			t.Fatalf("a bad selector:\n%s", r)
		}
	})
}
